"""Manual bids (投标) and failed listings (流标).

A bid takes the loan's remaining amount with one guarded statement
(`UPDATE … SET left_fen = left_fen - x WHERE id = … AND status = 'listed' AND
left_fen >= x`) and freezes the investor's money with a ledger posting mirrored at the
custodian, in one short transaction: whatever the concurrency, a loan is never
over-subscribed and an investor never bids money they do not have. The investor's own
accounts are locked first and the shared loan row last, just before the commit, so the
hot row is held as briefly as possible and bids cannot deadlock.
"""
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.services.risk import user_risk_level
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen
from peerfund.core.transitions import transition
from peerfund.custody.services import custody_move
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.lending.models import RISK_LEVELS, Bid, Loan
from peerfund.risk.models import Event
from peerfund.risk.services import risk_gate
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin


class BidRefused(AccountError):
    pass


def _refuse(message: str, code: str, **extra) -> None:
    raise BidRefused(message, code, {"field": "amount", **extra})


def _check(investor, loan: Loan, amount_fen: int, available_fen: int) -> None:
    product = loan.product
    if loan.status != Loan.Status.LISTED or loan.deadline <= clock.now():
        raise BidRefused(_("This loan is no longer open for bids."), "bid.closed")
    if loan.borrower_id == investor.pk:
        raise BidRefused(_("You cannot lend to your own loan."), "bid.own_loan")
    level = user_risk_level(investor)
    if level is None or RISK_LEVELS.index(level) < RISK_LEVELS.index(product.required_risk_level):
        raise BidRefused(
            _("This loan needs risk level %(level)s or above; take the risk assessment first.") % {"level": product.required_risk_level},
            "bid.risk_level",
            {"required": product.required_risk_level, "yours": level},
        )
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < product.min_bid_fen:
        _refuse(_("The smallest bid is %(min)s.") % {"min": format_fen(product.min_bid_fen)}, "bid.below_minimum", min_fen=product.min_bid_fen)
    if (amount_fen - product.min_bid_fen) % product.bid_step_fen:
        _refuse(_("Bid in steps of %(step)s.") % {"step": format_fen(product.bid_step_fen)}, "bid.step", step_fen=product.bid_step_fen)
    if amount_fen > loan.left_fen:
        _refuse(_("Only %(left)s is left on this loan.") % {"left": format_fen(loan.left_fen)}, "bid.above_left", left_fen=loan.left_fen)
    already = Bid.objects.filter(loan=loan, investor=investor).exclude(status=Bid.Status.RELEASED).aggregate(t=Sum("amount_fen"))["t"] or 0
    if already + amount_fen > product.max_per_investor_fen:
        _refuse(
            _("One investor may lend at most %(max)s to this loan.") % {"max": format_fen(product.max_per_investor_fen)},
            "bid.above_per_investor",
            max_fen=product.max_per_investor_fen,
            already_fen=already,
        )
    if amount_fen > available_fen:
        _refuse(_("Your available balance is %(balance)s.") % {"balance": format_fen(available_fen)}, "bid.insufficient", available_fen=available_fen)


def bid_place(*, investor, loan_id: int, amount_fen: int, trade_password: str, key: str, auto: bool = False, origin: Origin = UNKNOWN_ORIGIN) -> Bid:
    """Idempotent on (investor, key). Auto-invest bids (`auto=True`) are authorised at
    the bank when the investor turns auto-invest on, so they skip the trade password."""
    existing = Bid.objects.filter(investor=investor, key=key).first()
    if existing is not None:
        if existing.loan_id != loan_id or existing.amount_fen != amount_fen:
            raise Conflict(_("This bid key was already used for another bid."), "bid.key_conflict")
        return existing
    loan = Loan.objects.select_related("product").filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("No such loan."), "not_found")
    accounts = ledger.user_accounts(investor)
    _check(investor, loan, amount_fen, accounts[AccountKind.USER_AVAILABLE].balance_fen)
    if not auto:
        user_assert_can_move_money(user=investor, trade_password=trade_password)
    risk_gate(event=Event.BID, user=investor, origin=origin, amount_fen=amount_fen)
    with transaction.atomic():
        bid = Bid.objects.create(loan=loan, investor=investor, amount_fen=amount_fen, key=key, auto=auto)
        custody_move(
            kind=EntryKind.FREEZE,
            legs=[(accounts[AccountKind.USER_AVAILABLE], -amount_fen), (accounts[AccountKind.USER_FROZEN], amount_fen)],
            key=f"bid:{bid.pk}",
            ref=f"bid:{bid.pk}",
            memo=f"bid on loan {loan.pk}",
        )
        # The loan's row is the one every bidder wants: take it last, so it is held
        # only from here to the commit. Losing here rolls back the freeze above.
        taken = Loan.objects.filter(pk=loan.pk, status=Loan.Status.LISTED, left_fen__gte=amount_fen).update(left_fen=F("left_fen") - amount_fen)
        if taken != 1:
            left = Loan.objects.filter(pk=loan.pk).values_list("left_fen", flat=True).first() or 0
            _refuse(_("Only %(left)s is left on this loan.") % {"left": format_fen(left)}, "bid.above_left", left_fen=left)
        if Loan.objects.filter(pk=loan.pk, status=Loan.Status.LISTED, left_fen=0).update(status=Loan.Status.FULL) == 1:
            audit_record(actor=investor, action="loan.full", obj=loan, from_state=Loan.Status.LISTED, to_state=Loan.Status.FULL)
    return bid


def loan_fail(*, loan: Loan, reason: str) -> Loan:
    """A loan that did not fill by its deadline (or was refused at full review) fails:
    every frozen bid is released back to its investor. Safe to run again."""
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        if loan.status != Loan.Status.FAILED:
            transition(loan, Loan.Status.FAILED, reason=reason)
        for bid in Bid.objects.filter(loan=loan, status=Bid.Status.FROZEN).select_related("investor").order_by("id"):
            accounts = ledger.user_accounts(bid.investor)
            custody_move(
                kind=EntryKind.UNFREEZE,
                legs=[(accounts[AccountKind.USER_FROZEN], -bid.amount_fen), (accounts[AccountKind.USER_AVAILABLE], bid.amount_fen)],
                key=f"bid-release:{bid.pk}",
                ref=f"bid:{bid.pk}",
                memo=f"loan {loan.pk} failed",
            )
            Bid.objects.filter(pk=bid.pk).update(status=Bid.Status.RELEASED)
    return loan


def loans_fail_expired() -> int:
    """Fail every listed loan past its deadline (the periodic task calls this)."""
    failed = 0
    for loan in Loan.objects.filter(status=Loan.Status.LISTED, deadline__lte=clock.now()).order_by("id"):
        loan_fail(loan=loan, reason="not full by the deadline")
        failed += 1
    return failed
