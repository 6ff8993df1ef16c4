"""Deposits and withdrawals as the user sees them; the money itself moves in the
ledger and at the custodian (custody.Instruction)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepositOrder(models.Model):
    """A deposit started by the user: paid on the payment channel's page, then taken
    in by the custodian, then booked."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PROCESSING = "processing", _("Paid, waiting for the bank")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.PROCESSING, Status.CANCELLED},
        Status.PROCESSING: {Status.SUCCEEDED, Status.FAILED},
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposit_orders")
    order_no = models.CharField(max_length=40, unique=True)
    key = models.CharField(max_length=120)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT)
    reason = models.CharField(max_length=200, blank=True)
    instruction = models.OneToOneField("custody.Instruction", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="deposit_order_user_key_unique")]

    def __str__(self) -> str:
        return f"deposit {self.order_no} [{self.status}]"


class Withdrawal(models.Model):
    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("Under review")
        PROCESSING = "processing", _("Sent to the bank")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.REVIEWING: {Status.PROCESSING, Status.REJECTED},
        Status.PROCESSING: {Status.SUCCEEDED, Status.FAILED},
    }
    IN_PROGRESS = (Status.REVIEWING, Status.PROCESSING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawals")
    card = models.ForeignKey("accounts.BankCard", on_delete=models.PROTECT, related_name="withdrawals")
    key = models.CharField(max_length=120)
    amount_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="withdrawal_user_key_unique")]

    def __str__(self) -> str:
        return f"withdrawal {self.pk} [{self.status}]"

    @property
    def payout_fen(self) -> int:
        return self.amount_fen - self.fee_fen
