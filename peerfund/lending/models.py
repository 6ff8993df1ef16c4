"""Loan products, loans (from application to listing, full or failed) and bids.

Origination, review, disbursement and servicing build on these in later steps; the
listing and bidding core is here: a loan's `left_fen` only ever moves through one
guarded UPDATE (see services/bidding.py), so a hot loan cannot be over-subscribed.
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from peerfund.lending.schedules import DayCount, Method, Rounding

RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")


class LoanProduct(models.Model):
    name = models.CharField(max_length=60)
    min_amount_fen = models.BigIntegerField()
    max_amount_fen = models.BigIntegerField()
    terms_months = models.JSONField(help_text="allowed terms, e.g. [3, 6, 12]")
    method = models.CharField(max_length=20, choices=Method.choices)
    day_count = models.CharField(max_length=12, choices=DayCount.choices, default=DayCount.THIRTY_360)
    rounding = models.CharField(max_length=4, choices=Rounding.choices, default=Rounding.FEN)
    rate_min = models.DecimalField(max_digits=6, decimal_places=4)
    rate_max = models.DecimalField(max_digits=6, decimal_places=4)
    service_fee_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        help_text="the service fee over the whole loan as a share of the principal, charged in equal parts with each instalment (never netted from the principal)",
    )
    min_bid_fen = models.BigIntegerField(default=10_000)
    bid_step_fen = models.BigIntegerField(default=10_000)
    max_per_investor_fen = models.BigIntegerField()
    listing_days = models.PositiveSmallIntegerField(default=7)
    required_documents = models.JSONField(default=list)
    required_risk_level = models.CharField(max_length=2, default="C2")
    auto_invest_share = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.80"))
    # Servicing (贷后): days after the due date before an unpaid instalment is overdue
    # and charged penalty interest (罚息) per day on its unpaid principal, counted
    # from the day after the due date; written off (坏账) after `write_off_days`.
    grace_days = models.PositiveSmallIntegerField(default=3)
    # Debt transfer (债权转让): a claim may be sold after `holding_days`, for up to
    # `transfer_days`, with `transfer_fee_rate` of the principal sold paid by the seller.
    holding_days = models.PositiveSmallIntegerField(default=30)
    transfer_days = models.PositiveSmallIntegerField(default=3)
    transfer_fee_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0.0050"))
    penalty_rate_daily = models.DecimalField(max_digits=6, decimal_places=5, default=Decimal("0.00010"))
    write_off_days = models.PositiveSmallIntegerField(default=90)
    prepayment_fee_rate = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal("0.0100"), help_text="share of the principal repaid early, paid to the investors"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(min_amount_fen__gt=0) & Q(max_amount_fen__gte=F("min_amount_fen")), name="product_amount_range"),
            models.CheckConstraint(condition=Q(rate_max__gte=F("rate_min")), name="product_rate_range"),
            models.CheckConstraint(condition=Q(min_bid_fen__gt=0) & Q(bid_step_fen__gt=0), name="product_bid_rules"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prepayment_fee_percent(self) -> str:
        return f"{self.prepayment_fee_rate * 100:.2f}%"


class Loan(models.Model):
    class Status(models.TextChoices):
        LISTED = "listed", _("Open for bids")
        FULL = "full", _("Full, in full review")
        FAILED = "failed", _("Failed to fill")
        DISBURSED = "disbursed", _("Repaying")
        SETTLED = "settled", _("Repaid in full")
        WRITTEN_OFF = "written_off", _("Written off")

    TRANSITIONS = {
        Status.LISTED: {Status.FULL, Status.FAILED},
        Status.FULL: {Status.DISBURSED, Status.FAILED},
        Status.DISBURSED: {Status.SETTLED, Status.WRITTEN_OFF},
        # A written-off loan the borrower later repays in full (坏账回收) is settled.
        Status.WRITTEN_OFF: {Status.SETTLED},
    }
    # The borrower still owes something: repaying, or written off and being recovered.
    REPAYABLE = (Status.DISBURSED, Status.WRITTEN_OFF)

    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    title = models.CharField(max_length=120)
    purpose = models.CharField(max_length=200, blank=True)
    amount_fen = models.BigIntegerField()
    left_fen = models.BigIntegerField()
    months = models.PositiveSmallIntegerField()
    annual_rate = models.DecimalField(max_digits=6, decimal_places=4)
    # The product's service fee rate when the loan was listed: a later change of the
    # product does not change what this borrower agreed to.
    service_fee_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal(0))
    grade = models.CharField(max_length=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LISTED, db_index=True)
    listed_at = models.DateTimeField()
    deadline = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(left_fen__gte=0) & Q(left_fen__lte=F("amount_fen")), name="loan_left_within_amount"),
        ]
        # The investment hall's usual orders over open loans.
        indexes = [
            models.Index(fields=["status", "-listed_at"], name="loan_hall_newest"),
            models.Index(fields=["status", "-annual_rate"], name="loan_hall_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.status}]"

    @property
    def funded_percent(self) -> int:
        return int((self.amount_fen - self.left_fen) * 100 // self.amount_fen)


class Bid(models.Model):
    class Status(models.TextChoices):
        FROZEN = "frozen", _("Frozen")
        RELEASED = "released", _("Released")
        DISBURSED = "disbursed", _("Lent")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="bids")
    investor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    amount_fen = models.BigIntegerField()
    key = models.CharField(max_length=120)
    auto = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FROZEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["investor", "key"], name="bid_investor_key_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="bid_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"bid {self.pk} on loan {self.loan_id}"


class AutoInvestRule(models.Model):
    """An investor's standing instruction (自动投标). Rules queue fairly: the one that
    invested longest ago (or never) goes first, and a rule that invests goes to the back."""

    investor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auto_invest_rule")
    enabled = models.BooleanField(default=True)
    rate_min = models.DecimalField(max_digits=6, decimal_places=4)
    rate_max = models.DecimalField(max_digits=6, decimal_places=4)
    months_min = models.PositiveSmallIntegerField(default=1)
    months_max = models.PositiveSmallIntegerField(default=36)
    grades = models.JSONField(default=list)
    amount_per_loan_fen = models.BigIntegerField()
    keep_balance_fen = models.BigIntegerField(default=0)
    bank_authorisation = models.CharField(max_length=80, blank=True)
    last_invested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rate_max__gte=F("rate_min")) & Q(months_max__gte=F("months_min")), name="auto_rule_ranges"),
            models.CheckConstraint(condition=Q(amount_per_loan_fen__gt=0) & Q(keep_balance_fen__gte=0), name="auto_rule_amounts"),
        ]

    def __str__(self) -> str:
        return f"auto-invest of {self.investor_id}"


class AutoInvestLog(models.Model):
    """What a rule did with a loan and why: shown to the investor as it is."""

    rule = models.ForeignKey(AutoInvestRule, on_delete=models.CASCADE, related_name="log")
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="+")
    amount_fen = models.BigIntegerField(default=0)
    invested = models.BooleanField()
    explanation = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "loan"], name="auto_log_once_per_loan")]

    def __str__(self) -> str:
        return self.explanation


class LoanApplication(models.Model):
    """A borrower's application (借款申请): pre-screened by the risk engine, then a
    first review (初审) and a final review (复审) by two different staff members."""

    class Status(models.TextChoices):
        FIRST_REVIEW = "first_review", _("Waiting for first review")
        FINAL_REVIEW = "final_review", _("Waiting for final review")
        LISTED = "listed", _("Approved and listed")
        PRESCREEN_REJECTED = "prescreen_rejected", _("Declined at pre-screen")
        REJECTED = "rejected", _("Declined at review")

    TRANSITIONS = {
        Status.FIRST_REVIEW: {Status.FINAL_REVIEW, Status.REJECTED},
        Status.FINAL_REVIEW: {Status.LISTED, Status.REJECTED},
    }
    PENDING = (Status.FIRST_REVIEW, Status.FINAL_REVIEW)

    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loan_applications")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="applications")
    amount_fen = models.BigIntegerField()
    months = models.PositiveSmallIntegerField()
    purpose = models.CharField(max_length=200)
    attributes = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices)
    decision = models.OneToOneField("risk.CreditDecision", null=True, on_delete=models.PROTECT, related_name="+")
    first_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    final_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="application_amount_positive")]

    def __str__(self) -> str:
        return f"application {self.pk} [{self.status}]"


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        ID = "id", _("ID card")
        INCOME = "income", _("Proof of income")
        EMPLOYMENT = "employment", _("Proof of employment")
        LICENCE = "licence", _("Business licence")

    application = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to="applications/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.kind} of application {self.application_id}"


class RepaymentInstalment(models.Model):
    """The borrower's repayment schedule (还款计划), made at disbursement, with what has
    been paid against each instalment and the penalty interest it has run up. `fee_fen`
    is the instalment's part of the service fee (分期服务费), the platform's."""

    class Status(models.TextChoices):
        DUE = "due", _("Not yet paid")
        OVERDUE = "overdue", _("Overdue")
        PAID = "paid", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off")

    OPEN = (Status.DUE, Status.OVERDUE)
    # Still owed by the borrower: open, or written off but recoverable.
    UNPAID = (*OPEN, Status.WRITTEN_OFF)

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal_fen = models.BigIntegerField()
    interest_fen = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DUE)
    principal_paid_fen = models.BigIntegerField(default=0)
    interest_paid_fen = models.BigIntegerField(default=0)
    penalty_fen = models.BigIntegerField(default=0)
    penalty_paid_fen = models.BigIntegerField(default=0)
    fee_fen = models.BigIntegerField(default=0)
    fee_paid_fen = models.BigIntegerField(default=0)
    # The last business date whose penalty is in `penalty_fen` (the daily close is
    # idempotent per date through it).
    penalty_through = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_once"),
            models.CheckConstraint(
                condition=Q(principal_paid_fen__lte=F("principal_fen")) & Q(interest_paid_fen__lte=F("interest_fen"))
                & Q(penalty_paid_fen__lte=F("penalty_fen")) & Q(principal_paid_fen__gte=0) & Q(interest_paid_fen__gte=0),
                name="instalment_paid_within_due",
            ),
            models.CheckConstraint(condition=Q(fee_paid_fen__lte=F("fee_fen")) & Q(fee_paid_fen__gte=0), name="instalment_fee_paid_within_due"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="instalment_open_by_date")]

    def __str__(self) -> str:
        return f"loan {self.loan_id} #{self.number}"

    @property
    def total_fen(self) -> int:
        """What the borrower pays for the instalment: principal, interest and fee."""
        return self.principal_fen + self.interest_fen + self.fee_fen

    @property
    def owed_fen(self) -> int:
        """What is still to pay: penalty, service fee, interest and principal."""
        return (
            (self.penalty_fen - self.penalty_paid_fen)
            + (self.fee_fen - self.fee_paid_fen)
            + (self.interest_fen - self.interest_paid_fen)
            + (self.principal_fen - self.principal_paid_fen)
        )


class Investment(models.Model):
    """An investor's part of a disbursed loan: one per bid, or bought from another
    investor's claim (债权转让)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="investments")
    investor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="investments")
    bid = models.OneToOneField(Bid, null=True, blank=True, on_delete=models.PROTECT, related_name="investment")
    bought_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="sold_parts")
    principal_fen = models.BigIntegerField()
    acquired_on = models.DateField()
    contract = models.OneToOneField("contracts.Contract", null=True, on_delete=models.PROTECT, related_name="investment")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"investment {self.pk} in loan {self.loan_id}"


class Receivable(models.Model):
    """What an investor is due from one instalment (回款计划): their largest-remainder
    share of its principal and interest, and what they have received of it."""

    class Status(models.TextChoices):
        DUE = "due", _("Expected")
        OVERDUE = "overdue", _("Overdue")
        RECEIVED = "received", _("Received")
        WRITTEN_OFF = "written_off", _("Written off")
        TRANSFERRED = "transferred", _("Sold to another investor")

    OPEN = (Status.DUE, Status.OVERDUE)
    # What a repayment can still pay: open, or written off but recoverable.
    UNPAID = (*OPEN, Status.WRITTEN_OFF)

    # Indexed by (investment, number) below, which also serves look-ups by investment.
    investment = models.ForeignKey(Investment, on_delete=models.PROTECT, related_name="receivables", db_index=False)
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal_fen = models.BigIntegerField()
    interest_fen = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DUE)
    principal_received_fen = models.BigIntegerField(default=0)
    interest_received_fen = models.BigIntegerField(default=0)
    penalty_received_fen = models.BigIntegerField(default=0)
    received_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["investment", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal_received_fen__lte=F("principal_fen")) & Q(interest_received_fen__lte=F("interest_fen")),
                name="receivable_received_within_due",
            ),
        ]
        # A repayment reads an instalment's receivables through its loan's investments.
        indexes = [models.Index(fields=["investment", "number"], name="receivable_by_number")]

    def __str__(self) -> str:
        return f"investment {self.investment_id} #{self.number}"

    @property
    def received_fen(self) -> int:
        return self.principal_received_fen + self.interest_received_fen + self.penalty_received_fen


class Repayment(models.Model):
    """One payment by (or debited from) a borrower, and how it was allocated: penalty,
    service fee, interest, principal, oldest instalment first. `service_fee_fen` is the
    instalments' service fee it paid (the platform's); `fee_fen` the prepayment fee
    (the investors')."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Paid by the borrower")
        AUTO = "auto", _("Debited on the due date")
        PREPAYMENT = "prepayment", _("Prepaid")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    key = models.CharField(max_length=120)
    source = models.CharField(max_length=12, choices=Source.choices)
    amount_fen = models.BigIntegerField()
    penalty_fen = models.BigIntegerField(default=0)
    interest_fen = models.BigIntegerField(default=0)
    principal_fen = models.BigIntegerField(default=0)
    fee_fen = models.BigIntegerField(default=0)
    service_fee_fen = models.BigIntegerField(default=0)
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "key"], name="repayment_key_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="repayment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"repayment {self.pk} of loan {self.loan_id}"


class ClaimListing(models.Model):
    """A claim for sale (债权转让): part or all of an investment's outstanding principal,
    at a discount; buyers take it in the product's bid steps."""

    class Status(models.TextChoices):
        LISTED = "listed", _("For sale")
        SOLD = "sold", _("Sold")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {Status.LISTED: {Status.SOLD, Status.EXPIRED, Status.WITHDRAWN}}

    investment = models.ForeignKey(Investment, on_delete=models.PROTECT, related_name="listings")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_listings")
    principal_fen = models.BigIntegerField()
    left_fen = models.BigIntegerField()
    discount_rate = models.DecimalField(max_digits=5, decimal_places=4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LISTED, db_index=True)
    listed_on = models.DateField()
    expires_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(left_fen__gte=0) & Q(left_fen__lte=F("principal_fen")), name="claim_left_within_principal"),
            models.UniqueConstraint(fields=["investment"], condition=Q(status="listed"), name="claim_listed_once"),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} of investment {self.investment_id} [{self.status}]"

    @property
    def discount_percent(self) -> str:
        return f"{self.discount_rate * 100:.2f}%"


class ClaimPurchase(models.Model):
    listing = models.ForeignKey(ClaimListing, on_delete=models.PROTECT, related_name="purchases")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_purchases")
    key = models.CharField(max_length=120)
    principal_fen = models.BigIntegerField()
    price_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField()
    investment = models.OneToOneField(Investment, on_delete=models.PROTECT, related_name="purchase")
    contract = models.OneToOneField("contracts.Contract", null=True, on_delete=models.PROTECT, related_name="claim_purchase")
    business_date = models.DateField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["buyer", "key"], name="claim_purchase_key_once")]

    def __str__(self) -> str:
        return f"purchase {self.pk} of claim {self.listing_id}"


class CollectionTask(models.Model):
    """Work on an overdue loan (催收), opened by the daily close and given to the
    collector with the fewest open tasks; closed when the loan is current again,
    settled or written off."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PROMISED = "promised", _("Promise to pay")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")

    ACTIVE = (Status.OPEN, Status.PROMISED, Status.ESCALATED)

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="collection_tasks")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="collection_tasks")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    stage = models.CharField(max_length=4, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["loan"], condition=~Q(status="closed"), name="collection_one_active_task")]

    def __str__(self) -> str:
        return f"collection of loan {self.loan_id} [{self.status}]"


class CollectionNote(models.Model):
    """A contact with the borrower, a promise to pay, or an escalation."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Letter")
        PROMISE = "promise", _("Promise to pay")
        ESCALATION = "escalation", _("Escalation")

    task = models.ForeignKey(CollectionTask, on_delete=models.CASCADE, related_name="notes")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.CharField(max_length=500)
    promised_fen = models.BigIntegerField(null=True, blank=True)
    promised_by = models.DateField(null=True, blank=True)
    kept = models.BooleanField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.task}"


class DisbursementRequest(models.Model):
    """Full review (满标复审): one staff member asks to disburse a full loan, a second
    approves (maker–checker), or it is refused and the bids are released."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved and disbursed")
        REJECTED = "rejected", _("Refused")

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="disbursement")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"disbursement of loan {self.loan_id} [{self.status}]"
