"""The platform's side of custody: sub-accounts at the bank, the outbox of
instructions, the callbacks received and the reconciliation reports."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CustodyAccount(models.Model):
    """A sub-account at the custodian: one per verified user, plus the platform's own
    (fees, marketing funds, repayment escrow, crowdfunding escrow)."""

    class PlatformCode(models.TextChoices):
        FEE = "platform_fee", _("Platform fee account")
        MARKETING = "platform_marketing", _("Platform marketing account")
        REPAYMENT_ESCROW = "repayment_escrow", _("Repayment escrow")
        PLEDGE_ESCROW = "pledge_escrow", _("Crowdfunding escrow")

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="custody_account"
    )
    platform_code = models.CharField(max_length=32, choices=PlatformCode.choices, null=True, blank=True, unique=True)
    account_no = models.CharField(max_length=32, unique=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, platform_code__isnull=True) | Q(owner__isnull=True, platform_code__isnull=False),
                name="custody_account_owner_xor_platform",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_no} ({self.holder_ref})"

    @property
    def holder_ref(self) -> str:
        return f"user:{self.owner_id}" if self.owner_id else f"platform:{self.platform_code}"


class Instruction(models.Model):
    """The transactional outbox: an instruction to the bank written in the same
    transaction as its ledger entry, sent after commit and re-sent until the bank
    gives a final answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        PROCESSING = "processing", _("Accepted, waiting for the bank")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    request_no = models.CharField(max_length=80, unique=True)
    op = models.CharField(max_length=20)
    payload = models.JSONField()
    # The business object this instruction serves ("withdrawal:12"); outcome
    # handlers registered for its prefix hear of the final answer.
    ref = models.CharField(max_length=80, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.CharField(max_length=200, blank=True)
    # Ledger-first instructions carry the entry posted with the intent; a deposit's
    # entry is posted when the bank confirms it.
    entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    compensation_entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # For bank-first deposits: whose money it is.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=255, blank=True)
    alerted = models.BooleanField(default=False)
    business_date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.op} {self.request_no} [{self.status}]"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class InstructionLane(models.Model):
    """One row per (unanswered instruction, custody sub-account it touches): the
    queue of instructions on each sub-account. An instruction is sent only when no
    instruction with a lower id still has a row on any of its sub-accounts, so the
    bank applies them in the order of their ledger entries (see `custody.ordering`).
    Rows are deleted when the instruction gets its final answer, so the table holds
    only what is in flight and the look-up is one probe of the (account_no,
    instruction) index, however large the outbox grows."""

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="lanes")
    account_no = models.CharField(max_length=32)
    # Set when the instruction was held back; the final answer of the one ahead of
    # it sends the waiting ones (`ordering.lanes_kick`).
    waiting = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account_no", "instruction"], name="custody_lane_account_instruction")]

    def __str__(self) -> str:
        return f"{self.account_no} <- {self.instruction_id}"


class CallbackLog(models.Model):
    """Every callback that reached us, signed or not, and what we did with it."""

    request_no = models.CharField(max_length=80, blank=True, db_index=True)
    body = models.TextField()
    signature_valid = models.BooleanField()
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"callback {self.request_no} {self.outcome}"


class ReconciliationReport(models.Model):
    business_date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    matched_requests = models.PositiveIntegerField(default=0)
    difference_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"reconciliation {self.business_date} ({self.difference_count} differences)"

    @property
    def is_clean(self) -> bool:
        return self.difference_count == 0


class ReconciliationDifference(models.Model):
    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", _("At the bank, not in our books")
        MISSING_AT_BANK = "missing_at_bank", _("In our books, not at the bank")
        AMOUNT = "amount", _("Amounts differ")
        DUPLICATE = "duplicate", _("Applied more than once")
        TIMING = "timing", _("Booked on different days")
        BALANCE = "balance", _("Closing balances differ")

    report = models.ForeignKey(ReconciliationReport, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    request_no = models.CharField(max_length=80, blank=True)
    account_no = models.CharField(max_length=32, blank=True)
    bucket = models.CharField(max_length=10, blank=True)
    ours_fen = models.BigIntegerField(null=True)
    bank_fen = models.BigIntegerField(null=True)
    detail = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.request_no or self.account_no}"
