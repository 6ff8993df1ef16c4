"""Risk control records: scorecard versions and credit decisions, operators' rules and
every evaluation of them, blacklists, anti-money-laundering alerts."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerfund.core import clock
from peerfund.core.fields import BlindIndexField, EncryptedTextField


class ScoreModel(models.Model):
    """One trained scorecard: the exported points table (also written to a file under
    PEERFUND_MODEL_DIR), its cross-validated metrics and the data it learnt from."""

    version = models.CharField(max_length=40, unique=True)
    artefact = models.JSONField()
    metrics = models.JSONField(default=dict)
    data_sha256 = models.CharField(max_length=64)
    features = models.JSONField()
    artefact_path = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_score_model")]

    def __str__(self) -> str:
        return self.version


class Event(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    LOGIN = "login", _("Login")
    APPLICATION = "application", _("Loan application")
    BID = "bid", _("Bid")
    PLEDGE = "pledge", _("Pledge")
    PROJECT = "project", _("Crowdfunding project")
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")


class Action(models.TextChoices):
    REJECT = "reject", _("Reject")
    REVIEW = "review", _("Manual review")
    ALERT = "alert", _("Alert")


class Rule(models.Model):
    """An operator's rule: when `condition` (a rule-engine expression over the event's
    signals) holds, take `action`. Lower priority numbers are evaluated first."""

    name = models.CharField(max_length=80)
    event = models.CharField(max_length=20, choices=Event.choices)
    condition = models.TextField()
    action = models.CharField(max_length=10, choices=Action.choices)
    priority = models.PositiveSmallIntegerField(default=100)
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.event}: {self.name}"


class Evaluation(models.Model):
    """Every run of the rules for an event: the signals it saw, the rules it hit and
    the outcome (pass, alert, review, reject)."""

    event = models.CharField(max_length=20, choices=Event.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signals = models.JSONField()
    hits = models.JSONField(default=list)
    outcome = models.CharField(max_length=10)
    # Platform time, so velocity signals work when the demo or a test moves the clock.
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "event", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.outcome}"


class CreditDecision(models.Model):
    """The scorecard's verdict on one application, with the model version that gave it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_decisions")
    model = models.ForeignKey(ScoreModel, on_delete=models.PROTECT, related_name="decisions")
    application = models.JSONField()
    score = models.IntegerField()
    probability_of_default = models.DecimalField(max_digits=6, decimal_places=4)
    grade = models.CharField(max_length=2)
    reasons = models.JSONField()
    outcome = models.CharField(max_length=10)
    evaluation = models.OneToOneField(Evaluation, null=True, on_delete=models.PROTECT, related_name="+")
    # The borrower's history on this platform as it was weighed (risk.history), and the
    # points it added to the score.
    history = models.JSONField(default=dict, blank=True)
    history_points = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.grade} ({self.score}) for user {self.user_id}"

    @property
    def decline_codes(self) -> list[str]:
        return [r["code"] for r in self.reasons if r.get("code")]


class BlacklistEntry(models.Model):
    """A person, number or device the platform will not deal with. Values are kept
    encrypted with a blind index, so rules match them without seeing them."""

    class Kind(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("Mobile number")
        CARD = "card", _("Bank card")
        DEVICE = "device", _("Device")
        IP = "ip", _("IP address")

    class Source(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        EXTERNAL = "external", _("External provider")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = EncryptedTextField()
    value_index = BlindIndexField(source="value")
    reason = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.INTERNAL)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "value_index"])]

    def __str__(self) -> str:
        return f"{self.kind} blacklisted: {self.reason}"


class AmlAlert(models.Model):
    """A large or suspicious transaction for the compliance officer (反洗钱)."""

    class Kind(models.TextChoices):
        LARGE = "large", _("Large transaction")
        DEPOSIT_WITHDRAW = "deposit_withdraw", _("Deposited and withdrawn without investing")
        STRUCTURING = "structuring", _("Many amounts just under the threshold")
        RAPID = "rapid", _("Rapid in and out")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        REPORTED = "reported", _("Reported to the authority")
        CLOSED = "closed", _("Closed, no suspicion")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField()
    ref = models.CharField(max_length=80)
    detail = models.CharField(max_length=255)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="aml_alert_once_per_ref")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} [{self.status}]"
