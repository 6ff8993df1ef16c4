"""The sandbox custodian bank's own books. They are deliberately separate from the
platform's ledger: reconciliation compares the two, as it would with a real bank."""
from django.db import models
from django.db.models import Q


class BankAccount(models.Model):
    account_no = models.CharField(max_length=32, unique=True)
    holder_ref = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    available_fen = models.BigIntegerField(default=0)
    frozen_fen = models.BigIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(available_fen__gte=0) & Q(frozen_fen__gte=0), name="sandbox_bank_balances_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_no} ({self.holder_ref})"


class BankRequest(models.Model):
    """Every request the bank has processed, by request number: the bank's memory
    that makes a re-sent request harmless."""

    request_no = models.CharField(max_length=80, unique=True)
    op = models.CharField(max_length=20)
    payload = models.JSONField()
    status = models.CharField(max_length=12)
    reason = models.CharField(max_length=200, blank=True)
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.op} {self.request_no} [{self.status}]"


class BankJournalLine(models.Model):
    """One movement in one bucket of one account: the lines of the daily statement."""

    request_no = models.CharField(max_length=80, db_index=True)
    op = models.CharField(max_length=20)
    account_no = models.CharField(max_length=32)
    bucket = models.CharField(max_length=10)
    amount_fen = models.BigIntegerField()
    business_date = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"{self.request_no} {self.account_no}/{self.bucket} {self.amount_fen:+d}"


class BankCallback(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        LOST = "lost"

    request_no = models.CharField(max_length=80, db_index=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    deliver_after = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"callback {self.request_no} [{self.status}]"


class BankFaults(models.Model):
    """Switches that make the sandbox bank misbehave the way real ones do.
    Counters ("next N") make faults deterministic for tests; the demo can set them
    in the back office."""

    latency_ms = models.PositiveIntegerField(default=0)
    async_callbacks = models.BooleanField(default=False, help_text="reply 'processing' and confirm later by callback")
    callback_delay_seconds = models.PositiveIntegerField(default=0)
    duplicate_callbacks = models.BooleanField(default=False)
    reorder_callbacks = models.BooleanField(default=False, help_text="deliver queued callbacks newest first")
    lose_next_callbacks = models.PositiveIntegerField(default=0)
    lose_next_requests = models.PositiveIntegerField(default=0, help_text="time out before the bank sees the request")
    reject_next_requests = models.PositiveIntegerField(default=0)
    reject_reason = models.CharField(max_length=120, default="BANK_REJECTED: risk control at the bank")
    # Random faults for soak runs (`manage.py custody_soak`): with a seed set, each
    # request or callback meets each fault with the given chance, drawn from a
    # generator seeded by (seed, draw number), so a run can be replayed exactly.
    chaos_seed = models.BigIntegerField(null=True, blank=True, help_text="random faults on; the same seed replays the same faults")
    chaos_draws = models.PositiveBigIntegerField(default=0, help_text="draws made so far with this seed")
    chaos_lose_request_pct = models.PositiveSmallIntegerField(default=0, help_text="% of requests timing out before the bank sees them")
    chaos_lose_reply_pct = models.PositiveSmallIntegerField(default=0, help_text="% of requests the bank applies whose reply is lost")
    chaos_reject_pct = models.PositiveSmallIntegerField(default=0, help_text="% of requests rejected by the bank's risk control")
    chaos_reject_ops = models.CharField(max_length=120, blank=True, help_text="operations that may be rejected at random, comma-separated (empty: all)")
    chaos_async_pct = models.PositiveSmallIntegerField(default=0, help_text="% of requests answered 'processing', confirmed later by callback")
    chaos_lose_callback_pct = models.PositiveSmallIntegerField(default=0)
    chaos_duplicate_callback_pct = models.PositiveSmallIntegerField(default=0)
    chaos_callback_delay_max_seconds = models.PositiveIntegerField(default=0, help_text="each callback is delayed by up to this much")
    chaos_reorder_callbacks = models.BooleanField(default=False, help_text="deliver due callbacks in a random order")

    class Meta:
        verbose_name_plural = "bank faults"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="sandbox_bankfaults_singleton")]

    def __str__(self) -> str:
        return "sandbox bank fault switches"


class OutboundMessage(models.Model):
    """Every SMS and e-mail the sandbox adapters 'sent': the outbox staff read on the
    demo so a person can finish sign-up without a phone."""

    class Channel(models.TextChoices):
        SMS = "sms"
        EMAIL = "email"

    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}"
