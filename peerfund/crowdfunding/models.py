"""Reward crowdfunding (回报众筹): categories, projects with reward tiers, pledges held
at the custodian, staged payouts, fulfilment and complaints, and the community
around a project (comments and Q&A, updates, follows, private messages, visits).

Money never sits in these tables: a pledge is a freeze of the backer's own balance
at the custodian until the deadline; a successful project's pledges move into the
project's escrow account, and payouts leave it (see services/settlement.py). The
tables record why each ledger entry was made, keyed so each is made once.
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from peerfund.core import clock
from peerfund.core.fields import EncryptedTextField


class Category(models.Model):
    """Two levels: a top category (科技) and its subcategories (智能硬件). Projects go in
    a subcategory. A banned category takes no projects (machine review refuses them)."""

    name = models.CharField(max_length=30)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)
    banned = models.BooleanField(default=False, help_text="projects in it are refused by machine review")
    charity = models.BooleanField(default=False, help_text="公益: open only to owners verified as charity organisations")

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_charity(self) -> bool:
        """A subcategory of a charity category is a charity category too."""
        return self.charity or (self.parent is not None and self.parent.charity)


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        REJECTED = "rejected", _("Rejected")
        FUNDING = "funding", _("Funding")
        SUCCESSFUL = "successful", _("Successful")
        FAILED = "failed", _("Failed")
        COMPLETED = "completed", _("Completed")
        DEFAULTED = "defaulted", _("Owner defaulted")

    TRANSITIONS = {
        Status.DRAFT: {Status.IN_REVIEW},
        Status.IN_REVIEW: {Status.FUNDING, Status.REJECTED},
        Status.REJECTED: {Status.DRAFT},
        Status.FUNDING: {Status.SUCCESSFUL, Status.FAILED},
        Status.SUCCESSFUL: {Status.COMPLETED, Status.DEFAULTED},
    }
    EDITABLE = (Status.DRAFT, Status.REJECTED)
    PUBLIC = (Status.FUNDING, Status.SUCCESSFUL, Status.FAILED, Status.COMPLETED, Status.DEFAULTED)

    class OwnerKind(models.TextChoices):
        PERSON = "person", _("Individual")
        ENTERPRISE = "enterprise", _("Enterprise")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=60)
    summary = models.CharField(max_length=160, blank=True, help_text="one sentence, shown in lists and shared links")
    cover = models.ImageField(upload_to="projects/%Y/%m/", blank=True)
    story = models.TextField(blank=True, max_length=50_000, help_text="rich text, sanitised with nh3 when saved")
    video_url = models.URLField(blank=True)
    goal_fen = models.BigIntegerField(null=True, blank=True)
    duration_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="funding days after publication")
    allow_no_reward = models.BooleanField(default=True, help_text="backers may support without a reward")
    risk_statement = models.TextField(blank=True, max_length=3000)
    owner_kind = models.CharField(max_length=12, choices=OwnerKind.choices, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_reasons = models.JSONField(default=list, blank=True, help_text="why the last review refused it")
    fee_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True, help_text="platform fee; empty uses the platform default")
    published_on = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True, help_text="last business day that takes pledges")
    closed_on = models.DateField(null=True, blank=True)
    raised_fen = models.BigIntegerField(default=0)
    backers = models.PositiveIntegerField(default=0, help_text="people with a pledge that counts (not pledges)")
    visits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "deadline"], name="project_status_deadline")]
        constraints = [
            models.CheckConstraint(condition=Q(raised_fen__gte=0), name="project_raised_not_negative"),
            models.CheckConstraint(condition=Q(goal_fen__isnull=True) | Q(goal_fen__gt=0), name="project_goal_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def funded_percent(self) -> int:
        return int(self.raised_fen * 100 // self.goal_fen) if self.goal_fen else 0

    @property
    def effective_fee_rate(self) -> Decimal:
        return self.fee_rate if self.fee_rate is not None else Decimal(settings.PEERFUND_CF_FEE_RATE)

    def days_left(self, today=None) -> int:
        if self.status != self.Status.FUNDING or self.deadline is None:
            return 0
        return max(0, (self.deadline - (today or clock.business_date())).days + 1)


class RewardTier(models.Model):
    """A reward backers can choose. `taken` counts the pledges holding one (a pending
    pledge reserves its unit); it only moves through guarded UPDATEs, so a limited
    reward is never given out more than `limit` times."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tiers")
    title = models.CharField(max_length=60)
    description = models.TextField(max_length=1000)
    price_fen = models.BigIntegerField()
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="empty: unlimited")
    taken = models.PositiveIntegerField(default=0)
    delivery_month = models.DateField(help_text="estimated delivery: the first day of the month")
    needs_shipping = models.BooleanField(default=True)
    shipping_fee_fen = models.BigIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "price_fen", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="tier_price_positive"),
            models.CheckConstraint(condition=Q(shipping_fee_fen__gte=0), name="tier_shipping_not_negative"),
            models.CheckConstraint(condition=Q(limit__isnull=True) | Q(taken__lte=F("limit")), name="tier_taken_within_limit"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def left(self) -> int | None:
        return None if self.limit is None else self.limit - self.taken

    @property
    def minimum_fen(self) -> int:
        return self.price_fen + (self.shipping_fee_fen if self.needs_shipping else 0)


class Pledge(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Frozen at the bank")
        CANCELLED = "cancelled", _("Cancelled")
        RELEASED = "released", _("Released (project failed)")
        SETTLED = "settled", _("Paid to the project")
        REFUNDED = "refunded", _("Refunded (owner defaulted)")

    class Delivery(models.TextChoices):
        NONE = "none", _("No reward to deliver")
        WAITING = "waiting", _("Waiting for shipment")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")

    TRANSITIONS = {
        Status.ACTIVE: {Status.CANCELLED, Status.RELEASED, Status.SETTLED},
        Status.SETTLED: {Status.REFUNDED},
    }
    HOLDING = (Status.ACTIVE, Status.SETTLED)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="pledges")
    backer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges")
    tier = models.ForeignKey(RewardTier, null=True, blank=True, on_delete=models.PROTECT, related_name="pledges")
    amount_fen = models.BigIntegerField()
    key = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    address = EncryptedTextField(blank=True, help_text="where to ship, copied from the address book")
    province = models.CharField(max_length=8, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.NONE)
    carrier = models.CharField(max_length=30, blank=True)
    tracking_no = models.CharField(max_length=40, blank=True)
    shipped_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    refund_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["backer", "key"], name="pledge_key_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="pledge_amount_positive"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="pledge_project_status")]

    def __str__(self) -> str:
        return f"pledge {self.pk} of {self.amount_fen} fen to project {self.project_id}"


class Payout(models.Model):
    """One stage of a successful project's payout to its owner, from its escrow."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held: complaints open")
        DUE = "due", _("Due: waiting for release by finance")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled (refunded to backers)")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payouts")
    stage = models.PositiveSmallIntegerField()
    amount_fen = models.BigIntegerField(help_text="to the owner")
    fee_fen = models.BigIntegerField(default=0, help_text="to the platform, taken with this stage")
    due_on = models.DateField(null=True, blank=True, help_text="empty: when backers confirm delivery")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    paid_on = models.DateField(null=True, blank=True)
    entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["project", "stage"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="payout_stage_once")]

    def __str__(self) -> str:
        return f"payout {self.stage} of project {self.project_id}"


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="complaints")
    text = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=300, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"complaint {self.pk} on pledge {self.pledge_id}"


class Comment(models.Model):
    """A comment, or a question to the owner (Q&A); replies point to their parent.
    Plain text, escaped when shown. A question's `replied_at` is the owner's first
    reply, which the project page measures against the reply-time target."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    is_question = models.BooleanField(default=False)
    body = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=clock.now)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on project {self.project_id}"


class ProjectUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=20_000, help_text="rich text, sanitised")
    backers_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Follow(models.Model):
    """A user subscribed to a project's updates (backers are subscribed when they pledge)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="follow_once")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows project {self.project_id}"


class PrivateMessage(models.Model):
    """Between a project's owner and one of its backers, about that project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"message {self.pk} on project {self.project_id}"


class DailyVisits(models.Model):
    """Page views of a project per business day, counted by the server."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="daily_visits")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="visits_once_per_day")]

    def __str__(self) -> str:
        return f"{self.count} visits to project {self.project_id} on {self.day}"
