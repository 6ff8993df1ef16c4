"""Withdrawals (提现) to the user's bound card.

A small withdrawal leaves at once: one entry takes it from the available balance to
the outside world (and the fee to the platform), mirrored at the bank. One above the
review threshold is frozen first and leaves when staff approve it (or is unfrozen
when they reject it). A bank refusal is reversed by custody; this module then puts
the money back where the user can use it and tells them.
"""
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import BankCard, User
from peerfund.accounts.services.identity import verified_identity
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen
from peerfund.core.switches import Operation, ensure_open
from peerfund.core.transitions import transition
from peerfund.custody.models import Instruction
from peerfund.custody.services import custody_move
from peerfund.funds.models import Withdrawal
from peerfund.funds.rules import cooling_off_fen, withdrawal_fee_fen
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.notify.services import notify
from peerfund.risk.aml import aml_on_withdrawal
from peerfund.risk.models import Event
from peerfund.risk.services import risk_gate
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin


class WithdrawalRuleBroken(AccountError):
    pass


def _refuse(message: str, code: str, **extra) -> None:
    raise WithdrawalRuleBroken(message, code, {"field": "amount", **extra})


def _check_rules(user, amount: int, fee: int) -> None:
    s = settings
    if amount < s.PEERFUND_WITHDRAW_MIN_FEN:
        _refuse(_("The smallest withdrawal is %(min)s.") % {"min": format_fen(s.PEERFUND_WITHDRAW_MIN_FEN)}, "withdraw.below_minimum", min_fen=s.PEERFUND_WITHDRAW_MIN_FEN)
    if amount <= fee:
        _refuse(_("The amount must be more than the fee of %(fee)s.") % {"fee": format_fen(fee)}, "withdraw.below_fee", fee_fen=fee)
    today = Withdrawal.objects.filter(user=user, business_date=clock.business_date()).exclude(
        status__in=[Withdrawal.Status.FAILED, Withdrawal.Status.REJECTED]
    )
    if today.count() >= s.PEERFUND_WITHDRAW_DAILY_COUNT:
        _refuse(
            _("You can withdraw at most %(n)s times a day.") % {"n": s.PEERFUND_WITHDRAW_DAILY_COUNT}, "withdraw.daily_count", limit=s.PEERFUND_WITHDRAW_DAILY_COUNT
        )
    withdrawn_today = today.aggregate(total=Sum("amount_fen"))["total"] or 0
    if withdrawn_today + amount > s.PEERFUND_WITHDRAW_DAILY_MAX_FEN:
        _refuse(
            _("You can withdraw at most %(max)s a day; %(left)s is left today.")
            % {"max": format_fen(s.PEERFUND_WITHDRAW_DAILY_MAX_FEN), "left": format_fen(max(0, s.PEERFUND_WITHDRAW_DAILY_MAX_FEN - withdrawn_today))},
            "withdraw.daily_amount",
            max_fen=s.PEERFUND_WITHDRAW_DAILY_MAX_FEN,
            left_fen=max(0, s.PEERFUND_WITHDRAW_DAILY_MAX_FEN - withdrawn_today),
        )
    available = ledger.user_accounts(user)[AccountKind.USER_AVAILABLE].balance_fen
    if amount > available:
        _refuse(_("Your available balance is %(balance)s.") % {"balance": format_fen(available)}, "withdraw.insufficient", available_fen=available)
    cooling = cooling_off_fen(user)
    if amount > available - cooling:
        _refuse(
            _("%(cooling)s deposited in the last %(days)s days has not been invested yet and cannot be withdrawn until then; you can withdraw up to %(max)s now.")
            % {"cooling": format_fen(cooling), "days": s.PEERFUND_COOLING_OFF_DAYS, "max": format_fen(max(0, available - cooling))},
            "withdraw.cooling_off",
            cooling_fen=cooling,
            withdrawable_fen=max(0, available - cooling),
        )


def _payout(withdrawal: Withdrawal, source: str) -> None:
    """Post the entry that sends the money out, mirrored at the bank."""
    accounts = ledger.user_accounts(withdrawal.user)
    legs = [
        (accounts[source], -withdrawal.amount_fen),
        (ledger.platform_account(AccountKind.CUSTODY_CLEARING), withdrawal.payout_fen),
    ]
    if withdrawal.fee_fen:
        legs.append((ledger.platform_account(AccountKind.PLATFORM_FEE), withdrawal.fee_fen))
    custody_move(kind=EntryKind.WITHDRAWAL, legs=legs, key=f"withdrawal:{withdrawal.pk}", ref=f"withdrawal:{withdrawal.pk}", memo=f"to card {withdrawal.card.last4}")


def _move_within(withdrawal: Withdrawal, kind: str, key: str) -> None:
    accounts = ledger.user_accounts(withdrawal.user)
    source, target = (AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN) if kind == EntryKind.FREEZE else (AccountKind.USER_FROZEN, AccountKind.USER_AVAILABLE)
    custody_move(
        kind=kind,
        legs=[(accounts[source], -withdrawal.amount_fen), (accounts[target], withdrawal.amount_fen)],
        key=key,
        ref=f"withdrawal-{kind}:{withdrawal.pk}",
    )


def withdrawal_request(*, user, amount_fen: int, card_id: int, trade_password: str, key: str, origin: Origin = UNKNOWN_ORIGIN) -> Withdrawal:
    """Idempotent on (user, key). The trade password is checked first, outside the
    transaction, so a wrong try is counted even though nothing else happens."""
    ensure_open(Operation.WITHDRAWALS)
    existing = Withdrawal.objects.filter(user=user, key=key).first()
    if existing is not None:
        if existing.amount_fen != amount_fen or existing.card_id != card_id:
            raise Conflict(_("This withdrawal key was already used for another request."), "withdraw.key_conflict")
        return existing
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        _refuse(_("Enter an amount greater than zero."), "withdraw.amount")
    if verified_identity(user) is None:
        raise AccountError(_("Verify your identity before withdrawing."), "withdraw.not_verified")
    card = BankCard.objects.filter(pk=card_id, user=user, removed_at__isnull=True).first()
    if card is None:
        raise NotFound(_("Choose one of your bound cards."), "withdraw.card_not_found", {"field": "card"})
    user_assert_can_move_money(user=user, trade_password=trade_password)
    risk = risk_gate(event=Event.WITHDRAWAL, user=user, origin=origin, amount_fen=amount_fen, reviewable=True)
    fee = withdrawal_fee_fen(user)
    with transaction.atomic():
        # One money action per user at a time: the daily limits count what is already booked.
        # FOR NO KEY UPDATE: it serialises the user's withdrawals without blocking the
        # FOR KEY SHARE that inserting a row naming the user takes (a bid, a notice),
        # which a transaction holding the user's account may be doing (docs/money-core.md,
        # "Lock order"): FOR UPDATE deadlocked a withdrawal against the user's bid.
        User.objects.select_for_update(no_key=True).get(pk=user.pk)
        _check_rules(user, amount_fen, fee)
        review = amount_fen > settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN or risk.needs_review
        withdrawal = Withdrawal.objects.create(
            user=user, card=card, key=key, amount_fen=amount_fen, fee_fen=fee, business_date=clock.business_date(),
            status=Withdrawal.Status.REVIEWING if review else Withdrawal.Status.PROCESSING,
        )
        context = {"amount": format_fen(amount_fen), "fee": format_fen(fee), "threshold": format_fen(settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN)}
        if review:
            _move_within(withdrawal, EntryKind.FREEZE, key=f"withdrawal-freeze:{withdrawal.pk}")
            notify(user=user, event="withdrawal.reviewing", context=context)
        else:
            _payout(withdrawal, AccountKind.USER_AVAILABLE)
            notify(user=user, event="withdrawal.submitted", context=context)
        aml_on_withdrawal(user=user, amount_fen=amount_fen, ref=f"withdrawal:{withdrawal.pk}")
    withdrawal.refresh_from_db()  # a synchronous bank may have answered on commit
    return withdrawal


def withdrawal_review(*, staff, withdrawal: Withdrawal, approve: bool, reason: str = "") -> Withdrawal:
    with transaction.atomic():
        withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
        if withdrawal.status != Withdrawal.Status.REVIEWING:
            raise Conflict(_("This withdrawal was already decided."), "withdraw.decided")
        if not approve and not reason.strip():
            raise AccountError(_("Give the reason for the rejection."), "withdraw.reason_required", {"field": "reason"})
        withdrawal.reviewed_by = staff
        withdrawal.decided_at = clock.now()
        withdrawal.reason = reason.strip()
        if approve:
            transition(withdrawal, Withdrawal.Status.PROCESSING, actor=staff, reason=reason, fields=("reviewed_by", "decided_at", "reason"))
            _payout(withdrawal, AccountKind.USER_FROZEN)
        else:
            transition(withdrawal, Withdrawal.Status.REJECTED, actor=staff, reason=reason, fields=("reviewed_by", "decided_at", "reason"))
            _move_within(withdrawal, EntryKind.UNFREEZE, key=f"withdrawal-unfreeze:{withdrawal.pk}")
            notify(user=withdrawal.user, event="withdrawal.rejected", context={"amount": format_fen(withdrawal.amount_fen), "reason": withdrawal.reason})
    return withdrawal


def withdrawal_settle(instruction: Instruction) -> None:
    """Outcome handler: the bank paid the money out, or refused (custody has already
    reversed our entry; money that had been frozen for review is released)."""
    withdrawal = Withdrawal.objects.select_for_update().filter(pk=int(instruction.ref.split(":")[1])).first()
    if withdrawal is None or withdrawal.status != Withdrawal.Status.PROCESSING:
        return
    context = {"amount": format_fen(withdrawal.amount_fen), "last4": withdrawal.card.last4}
    if instruction.status == Instruction.Status.SUCCEEDED:
        transition(withdrawal, Withdrawal.Status.SUCCEEDED)
        notify(user=withdrawal.user, event="withdrawal.succeeded", context=context)
        return
    withdrawal.reason = instruction.reason[:200]
    transition(withdrawal, Withdrawal.Status.FAILED, reason=instruction.reason, fields=("reason",))
    if withdrawal.reviewed_by_id is not None:
        _move_within(withdrawal, EntryKind.UNFREEZE, key=f"withdrawal-unfreeze:{withdrawal.pk}")
    notify(user=withdrawal.user, event="withdrawal.failed", context={**context, "reason": instruction.reason})
