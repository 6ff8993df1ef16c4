"""Cross-cutting records: the movable clock, the audit log, alerts, stored
API responses for idempotency keys and the emergency switches."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClockState(models.Model):
    """One row: how far the platform clock is moved from real time (demo, tests)."""

    offset_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="clockstate_singleton")]

    def __str__(self) -> str:
        return f"clock offset {self.offset_seconds}s"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AuditLog(models.Model):
    """Who did what to which object, when, and why. Append-only: the model refuses
    updates and deletes, and on PostgreSQL a trigger refuses them in SQL too."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("AuditLog rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("AuditLog rows are append-only")


class Alert(models.Model):
    """Something an operator must look at (reconciliation mismatch, bank rejection …).
    Raised by services, never resolved silently; staff acknowledge it."""

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    kind = models.CharField(max_length=60, db_index=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    message = models.TextField()
    ref = models.CharField(max_length=120, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.kind} {self.ref}"


class OperationSwitch(models.Model):
    """One emergency switch per operation users start (sign-up, bid, pledge,
    withdrawal): open, or paused platform-wide with a reason. Changed only through
    maker–checker (backoffice/approvals.py) by `core.switches.switch_set`; every
    change is audited. The guard `core.switches.ensure_open` reads it."""

    class Operation(models.TextChoices):
        SIGNUPS = "signups", _("Sign-ups")
        BIDS = "bids", _("Bidding")
        PLEDGES = "pledges", _("Pledging")
        WITHDRAWALS = "withdrawals", _("Withdrawals")

    operation = models.CharField(max_length=20, choices=Operation.choices, unique=True)
    paused = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.operation} {'paused' if self.paused else 'open'}"


class IdempotencyRecord(models.Model):
    """The first response to an API call made with an Idempotency-Key, replayed for
    repeats. A record without a response is a call still in progress."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} key={self.key}"
