"""Deposits (充值): the user names an amount, pays on the payment channel's page
(the sandbox one in the demo), the channel's signed notice hands the money to the
custodian, and the custodian's confirmation books it."""
import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.services.identity import verified_identity
from peerfund.core import clock
from peerfund.core.errors import Conflict
from peerfund.core.money import MAX_FEN, format_fen
from peerfund.core.transitions import transition
from peerfund.custody.models import Instruction
from peerfund.custody.services import custody_deposit
from peerfund.funds.models import DepositOrder
from peerfund.notify.services import notify
from peerfund.risk.aml import aml_on_deposit
from peerfund.risk.models import Event
from peerfund.risk.services import risk_gate
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin

MIN_DEPOSIT_FEN = 100


def deposit_order_create(*, user, amount_fen: int, key: str, origin: Origin = UNKNOWN_ORIGIN) -> DepositOrder:
    """Idempotent on (user, key): the same key returns the same order. The risk
    rules for deposits run on every new order."""
    if user.is_frozen:
        raise AccountError(_("Your account is frozen; contact customer service."), "account.frozen")
    if verified_identity(user) is None:
        raise AccountError(_("Verify your identity before depositing."), "deposit.not_verified")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not MIN_DEPOSIT_FEN <= amount_fen <= MAX_FEN:
        raise AccountError(
            _("Deposit at least %(min)s.") % {"min": format_fen(MIN_DEPOSIT_FEN)}, "deposit.amount", {"field": "amount", "min_fen": MIN_DEPOSIT_FEN}
        )
    existing = DepositOrder.objects.filter(user=user, key=key).first()
    if existing is not None:
        if existing.amount_fen != amount_fen:
            raise Conflict(_("This deposit key was already used for another amount."), "deposit.key_conflict")
        return existing
    risk_gate(event=Event.DEPOSIT, user=user, origin=origin, amount_fen=amount_fen)
    order_no = "D" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:20].upper()
    return DepositOrder.objects.create(user=user, key=key, order_no=order_no, amount_fen=amount_fen, business_date=clock.business_date())


def deposit_order_paid(*, order_no: str) -> DepositOrder:
    """The payment channel says the user paid: hand the money to the custodian.
    Repeated notices change nothing."""
    with transaction.atomic():
        order = DepositOrder.objects.select_for_update().get(order_no=order_no)
        if order.status != DepositOrder.Status.AWAITING_PAYMENT:
            return order
        order.paid_at = clock.now()
        instruction = custody_deposit(user=order.user, amount_fen=order.amount_fen, key=f"order:{order.order_no}", ref=f"deposit_order:{order.pk}")
        order.instruction = instruction
        transition(order, DepositOrder.Status.PROCESSING, actor=order.user, fields=("paid_at", "instruction"))
    return order


def deposit_order_cancel(*, user, order: DepositOrder) -> DepositOrder:
    with transaction.atomic():
        order = DepositOrder.objects.select_for_update().get(pk=order.pk, user=user)
        if order.status != DepositOrder.Status.AWAITING_PAYMENT:
            raise Conflict(_("Only an unpaid deposit can be cancelled."), "deposit.not_cancellable")
        transition(order, DepositOrder.Status.CANCELLED, actor=user)
    return order


def deposit_order_settle(instruction: Instruction) -> None:
    """Outcome handler: the custodian's final answer on a deposit order."""
    order = DepositOrder.objects.select_for_update().filter(instruction=instruction).first()
    if order is None or order.status != DepositOrder.Status.PROCESSING:
        return
    amount = format_fen(order.amount_fen)
    if instruction.status == Instruction.Status.SUCCEEDED:
        transition(order, DepositOrder.Status.SUCCEEDED)
        notify(user=order.user, event="deposit.succeeded", context={"amount": amount})
        aml_on_deposit(user=order.user, amount_fen=order.amount_fen, ref=f"deposit_order:{order.pk}")
    else:
        order.reason = instruction.reason[:200]
        transition(order, DepositOrder.Status.FAILED, reason=instruction.reason, fields=("reason",))
        notify(user=order.user, event="deposit.failed", context={"amount": amount, "reason": instruction.reason})
