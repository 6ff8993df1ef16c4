"""Bids (投标) and failed listings (流标).

Bids on one loan are placed in batches (`core.combining`): while one thread runs a
batch, the bids that arrive queue, and the next batch takes them all. A batch reads
and writes with a fixed number of statements whatever its size — idempotency keys,
risk levels, the risk rules, the investors' accounts, the per-investor totals, then
one transaction that locks the investors' available accounts (ascending id) and the
loan's row last, decides every bid in arrival order against the loan's remaining
amount and each investor's balance, and writes the bids, their freezes (ledger and
custodian, `custody_move_many`) and the loan's new remaining amount. So whatever the
concurrency a loan is never over-subscribed and an investor never bids money they do
not have, and a hot loan takes bids at the pace of whole batches rather than of
single transactions on one row (see docs/performance.md).

Each bid gets its own answer: a refusal in a batch refuses that bid only.
"""
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError, MoneyActionsLocked
from peerfund.accounts.models import User
from peerfund.accounts.services.risk import user_risk_levels
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.combining import Combiner
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen
from peerfund.core.transitions import transition
from peerfund.custody.models import CustodyAccount
from peerfund.custody.services import custody_move, custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.lending.models import RISK_LEVELS, Bid, Loan
from peerfund.risk.models import Event
from peerfund.risk.services import risk_gate_many
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin, Subject


class BidRefused(AccountError):
    pass


def _refusal(message: str, code: str, **extra) -> BidRefused:
    return BidRefused(message, code, {"field": "amount", **extra})


def _above_left(left_fen: int) -> BidRefused:
    return _refusal(_("Only %(left)s is left on this loan.") % {"left": format_fen(left_fen)}, "bid.above_left", left_fen=left_fen)


def _closed() -> BidRefused:
    return BidRefused(_("This loan is no longer open for bids."), "bid.closed")


@dataclass(frozen=True)
class BidRequest:
    investor: User
    loan_id: int
    amount_fen: int
    key: str
    auto: bool = False
    origin: Origin = UNKNOWN_ORIGIN


def _static_refusal(request: BidRequest, loan: Loan, level: str | None) -> BidRefused | None:
    """What can be said of a bid before taking any lock."""
    product, amount = loan.product, request.amount_fen
    if loan.borrower_id == request.investor.pk:
        return BidRefused(_("You cannot lend to your own loan."), "bid.own_loan")
    if level is None or RISK_LEVELS.index(level) < RISK_LEVELS.index(product.required_risk_level):
        return BidRefused(
            _("This loan needs risk level %(level)s or above; take the risk assessment first.") % {"level": product.required_risk_level},
            "bid.risk_level",
            {"required": product.required_risk_level, "yours": level},
        )
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < product.min_bid_fen:
        return _refusal(_("The smallest bid is %(min)s.") % {"min": format_fen(product.min_bid_fen)}, "bid.below_minimum", min_fen=product.min_bid_fen)
    if (amount - product.min_bid_fen) % product.bid_step_fen:
        return _refusal(_("Bid in steps of %(step)s.") % {"step": format_fen(product.bid_step_fen)}, "bid.step", step_fen=product.bid_step_fen)
    return None


class _Books:
    """The running figures a batch decides against, under the locks."""

    def __init__(self, loan: Loan, available: dict[int, int], already: dict[int, int]):
        self.loan, self.left, self.available, self.already = loan, loan.left_fen, available, already
        self.open = loan.status == Loan.Status.LISTED and loan.deadline > clock.now()

    def refusal(self, request: BidRequest) -> BidRefused | None:
        investor, amount, product = request.investor.pk, request.amount_fen, self.loan.product
        if not self.open:
            return _closed()
        if amount > self.left:
            return _above_left(self.left)
        if self.already[investor] + amount > product.max_per_investor_fen:
            return _refusal(
                _("One investor may lend at most %(max)s to this loan.") % {"max": format_fen(product.max_per_investor_fen)},
                "bid.above_per_investor",
                max_fen=product.max_per_investor_fen,
                already_fen=self.already[investor],
            )
        if amount > self.available[investor]:
            return _refusal(
                _("Your available balance is %(balance)s.") % {"balance": format_fen(self.available[investor])},
                "bid.insufficient",
                available_fen=self.available[investor],
            )
        return None

    def take(self, request: BidRequest) -> None:
        self.left -= request.amount_fen
        self.already[request.investor.pk] += request.amount_fen
        self.available[request.investor.pk] -= request.amount_fen


def bids_place_batch(loan_id: int, requests: list[BidRequest]) -> list[Bid | Exception]:
    """Place a batch of bids on one loan; one Bid or one refusal per request, in order.
    Idempotent per (investor, key)."""
    results: list[Bid | Exception | None] = [None] * len(requests)
    first_of: dict[tuple[int, str], int] = {}
    for number, request in enumerate(requests):
        first_of.setdefault((request.investor.pk, request.key), number)
    existing = Bid.objects.filter(investor_id__in={r.investor.pk for r in requests}, key__in={r.key for r in requests})
    for bid in existing:
        number = first_of.get((bid.investor_id, bid.key))
        if number is not None:
            request = requests[number]
            same = bid.loan_id == request.loan_id and bid.amount_fen == request.amount_fen
            results[number] = bid if same else Conflict(_("This bid key was already used for another bid."), "bid.key_conflict")
    loan = Loan.objects.select_related("product").filter(pk=loan_id).first()
    pending = [n for n in first_of.values() if results[n] is None]
    if loan is None:
        for number in pending:
            results[number] = NotFound(_("No such loan."), "not_found")
        pending = []
    if pending:
        investors = {requests[n].investor.pk for n in pending}
        levels = user_risk_levels(investors)
        frozen = set(User.objects.filter(pk__in=investors, frozen_at__isnull=False).values_list("pk", flat=True))
        at_bank = set(CustodyAccount.objects.filter(owner_id__in=investors).values_list("owner_id", flat=True))
        for number in pending:
            request = requests[number]
            if request.investor.pk in frozen:
                results[number] = MoneyActionsLocked(_("Your account is frozen; contact customer service."), "account.frozen")
            elif request.investor.pk not in at_bank:
                results[number] = BidRefused(_("Verify your identity first: bids are held at the custodian bank in your name."), "bid.not_verified")
            else:
                results[number] = _static_refusal(request, loan, levels[request.investor.pk])
        pending = [n for n in pending if results[n] is None]
    if pending:
        subjects = [Subject(user=requests[n].investor, origin=requests[n].origin, amount_fen=requests[n].amount_fen) for n in pending]
        for number, outcome in zip(pending, risk_gate_many(event=Event.BID, subjects=subjects), strict=True):
            if isinstance(outcome, Exception):
                results[number] = outcome
        pending = [n for n in pending if results[n] is None]
    if pending:
        _place(loan, [requests[n] for n in pending], pending, results)
    for number, request in enumerate(requests):  # the same key twice in one batch: one bid
        if results[number] is None:
            results[number] = results[first_of[(request.investor.pk, request.key)]]
    return results


def _place(loan: Loan, requests: list[BidRequest], numbers: list[int], results: list) -> None:
    investors = {r.investor.pk for r in requests}
    accounts = ledger.user_accounts_many(investors)
    with transaction.atomic():
        locked = ledger.accounts_lock(accounts[pk][AccountKind.USER_AVAILABLE].pk for pk in investors)
        # The loan's row is the one every bidder wants: take it last.
        loan = Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)
        already_rows = (
            Bid.objects.filter(loan=loan, investor_id__in=investors).exclude(status=Bid.Status.RELEASED)
            .values("investor_id").annotate(total=Sum("amount_fen")).values_list("investor_id", "total")
        )
        books = _Books(
            loan,
            available={pk: locked[accounts[pk][AccountKind.USER_AVAILABLE].pk].balance_fen for pk in investors},
            already={pk: 0 for pk in investors} | dict(already_rows),
        )
        accepted = []
        for number, request in zip(numbers, requests, strict=True):
            refusal = books.refusal(request)
            if refusal is None:
                books.take(request)
                accepted.append((number, request))
            else:
                results[number] = refusal
        if not accepted:
            return
        bids = Bid.objects.bulk_create(
            Bid(loan=loan, investor=request.investor, amount_fen=request.amount_fen, key=request.key, auto=request.auto) for _n, request in accepted
        )
        custody_move_many([
            ledger.EntrySpec(
                kind=EntryKind.FREEZE,
                legs=[(accounts[bid.investor_id][AccountKind.USER_AVAILABLE], -bid.amount_fen), (accounts[bid.investor_id][AccountKind.USER_FROZEN], bid.amount_fen)],
                key=f"bid:{bid.pk}",
                ref=f"bid:{bid.pk}",
                memo=f"bid on loan {loan.pk}",
            )
            for bid in bids
        ])
        full = books.left == 0
        Loan.objects.filter(pk=loan.pk).update(left_fen=books.left, **({"status": Loan.Status.FULL} if full else {}))
        if full:
            audit_record(actor=accepted[-1][1].investor, action="loan.full", obj=loan, from_state=Loan.Status.LISTED, to_state=Loan.Status.FULL)
    for (number, _request), bid in zip(accepted, bids, strict=True):
        results[number] = bid


def _run_batch(requests: list[BidRequest]) -> list[Bid | Exception]:
    # Two batches of different processes that raced on the same new key, or a
    # deadlock with a failing loan: run again; the repeat sees what won.
    for attempt in range(3):
        try:
            return bids_place_batch(requests[0].loan_id, requests)
        except (IntegrityError, OperationalError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_COMBINER = Combiner(_run_batch)


def bid_place(*, investor, loan_id: int, amount_fen: int, trade_password: str, key: str, auto: bool = False, origin: Origin = UNKNOWN_ORIGIN) -> Bid:
    """Bid on a loan. Idempotent on (investor, key). Auto-invest bids (`auto=True`)
    are authorised at the bank when the investor turns auto-invest on, so they skip
    the trade password; manual bids check it first, in the caller's thread.

    Called inside a transaction (auto-invest at listing), the bid runs alone in that
    transaction; otherwise it joins the loan's next batch."""
    if not auto:
        user_assert_can_move_money(user=investor, trade_password=trade_password)
    request = BidRequest(investor=investor, loan_id=loan_id, amount_fen=amount_fen, key=key, auto=auto, origin=origin)
    if connection.in_atomic_block:
        result = bids_place_batch(loan_id, [request])[0]
    else:
        result = _COMBINER.submit(loan_id, request)
    if isinstance(result, Exception):
        raise result
    return result


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
