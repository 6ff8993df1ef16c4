"""Bids (投标) and failed listings (流标).

Bids on one loan are placed in batches (`core.combining`): while one thread runs a
batch, the bids that arrive queue, and the next batch takes them all. A batch, run by
the thread that leads it, goes through two stages, each with a fixed number of
statements whatever its size:

1. `bids_screen`, without locks: replayed keys, the loan, the investors' state and
   risk level, the amount rules, and the risk rules for all of them at once;
2. `bids_place`, one transaction: it holds the loan's row shared, locks the
   investors' available accounts (ascending id), decides every bid in arrival order against the loan's remaining
   amount, the per-investor cap and each investor's balance, writes the bids and
   their freezes (ledger and custodian, `custody_move_many`), and takes the amount
   from the loan last, with one guarded UPDATE.

So whatever the concurrency a
loan is never over-subscribed and an investor never bids money they do not have, and
a hot loan takes bids at the pace of whole batches rather than of single transactions
on one row (see docs/performance.md). Each bid gets its own answer: a refusal in a
batch refuses that bid only.
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
from peerfund.core.switches import Operation, ensure_open
from peerfund.core.transitions import transition
from peerfund.custody.models import CustodyAccount
from peerfund.custody.services import custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.legal.services import Action, consent_require
from peerfund.lending.models import RISK_LEVELS, Bid, Loan
from peerfund.lending.notices import loan_failed_notify, loan_full_notify
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


def _replays(requests: list[BidRequest], bids) -> list[Bid | Conflict | None]:
    """For each request, the bid already placed with its key (or a conflict when the
    key was used for another bid), else None."""
    found = {(bid.investor_id, bid.key): bid for bid in bids}
    answers = []
    for request in requests:
        bid = found.get((request.investor.pk, request.key))
        if bid is not None and (bid.loan_id != request.loan_id or bid.amount_fen != request.amount_fen):
            bid = Conflict(_("This bid key was already used for another bid."), "bid.key_conflict")
        answers.append(bid)
    return answers


def _bids_with_keys(requests: list[BidRequest]):
    return Bid.objects.filter(investor_id__in={r.investor.pk for r in requests}, key__in={r.key for r in requests})


def bids_screen(loan_id: int, requests: list[BidRequest]) -> list[Bid | Exception | None]:
    """First stage of a batch, without locks: replays, the loan, the investors' state
    and risk level, the amount rules and the risk rules. None means "go on to
    `bids_place`"; a Bid is the answer to a replayed key; an exception refuses."""
    results: list[Bid | Exception | None] = list(_replays(requests, _bids_with_keys(requests)))
    loan = Loan.objects.select_related("product").filter(pk=loan_id).first()
    pending = [n for n, result in enumerate(results) if result is None]
    if loan is None:
        for number in pending:
            results[number] = NotFound(_("No such loan."), "not_found")
        return results
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
    return results


class _LoanMoved(Exception):
    """A batch of another process took from the loan between our read and our update."""


_TAKE_SQL = (
    "UPDATE lending_loan SET left_fen = left_fen - %s, status = CASE WHEN left_fen = %s THEN %s ELSE status END "
    "WHERE id = %s AND status = %s AND left_fen >= %s RETURNING left_fen"
)


def _share_loan(loan_id: int) -> None:
    """Hold the loan's row shared (PostgreSQL's FOR KEY SHARE, which Django's
    select_for_update cannot ask for): another batch may still take from the loan,
    but a transaction holding it FOR UPDATE (failing or disbursing it) is waited for
    before any investor's account is locked. SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM lending_loan WHERE id = %s FOR KEY SHARE", [loan_id])


def bids_place(loan_id: int, requests: list[BidRequest]) -> list[Bid | Exception]:
    """Second stage: place screened bids in one transaction. Under the locks it looks
    for their keys again (a batch that ran meanwhile may have placed one), then
    decides each bid in order against what is left, the per-investor cap and the
    investor's balance.

    The loan's row is the one every bidder wants, so it is held exclusively only at
    the end: the batch holds it shared (`_share_loan`, before the accounts, as the
    lock order wants), decides on the remaining amount it read, writes everything,
    and only then takes the amount with one guarded UPDATE, holding the row
    exclusively from there to the commit.
    If another process's batch took so much meanwhile that the guard fails, the batch
    runs again with the loan's row locked from the start."""
    try:
        return _place(loan_id, requests, lock_loan_first=False)
    except _LoanMoved:
        return _place(loan_id, requests, lock_loan_first=True)


def _place(loan_id: int, requests: list[BidRequest], *, lock_loan_first: bool) -> list[Bid | Exception]:
    results: list[Bid | Exception | None] = [None] * len(requests)
    investors = {r.investor.pk for r in requests}
    accounts = ledger.user_accounts_many(investors)
    with transaction.atomic():
        # The loan before the accounts (docs/money-core.md, "Lock order"). A batch
        # holds it shared first (FOR KEY SHARE, which other batches' guarded UPDATEs
        # do not wait for, but loan_fail's FOR UPDATE does), and exclusively only from
        # its UPDATE at the end; on a retry it holds it exclusively from the start.
        loans = Loan.objects.select_related("product")
        if lock_loan_first:
            loan = loans.select_for_update(of=("self",)).get(pk=loan_id)
        else:
            _share_loan(loan_id)
            loan = loans.get(pk=loan_id)
        locked = ledger.accounts_lock(accounts[pk][AccountKind.USER_AVAILABLE].pk for pk in investors)
        placed = list(_bids_with_keys(requests))
        already_rows = (
            Bid.objects.filter(loan=loan, investor_id__in=investors).exclude(status=Bid.Status.RELEASED)
            .values("investor_id").annotate(total=Sum("amount_fen")).values_list("investor_id", "total")
        )
        books = _Books(
            loan,
            available={pk: locked[accounts[pk][AccountKind.USER_AVAILABLE].pk].balance_fen for pk in investors},
            already=dict.fromkeys(investors, 0) | dict(already_rows),
        )
        accepted: dict[tuple[int, str], int] = {}
        for number, (request, replay) in enumerate(zip(requests, _replays(requests, placed), strict=True)):
            same_key = (request.investor.pk, request.key)
            if replay is not None or same_key in accepted:  # placed already, or twice in this batch
                results[number] = replay
                continue
            results[number] = books.refusal(request)
            if results[number] is None:
                books.take(request)
                accepted[same_key] = number
        if accepted:
            bids = Bid.objects.bulk_create(
                Bid(loan=loan, investor=requests[n].investor, amount_fen=requests[n].amount_fen, key=requests[n].key, auto=requests[n].auto)
                for n in accepted.values()
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
            taken = loan.left_fen - books.left
            with connection.cursor() as cursor:
                cursor.execute(_TAKE_SQL, [taken, taken, Loan.Status.FULL, loan.pk, Loan.Status.LISTED, taken])
                row = cursor.fetchone()
            if row is None:
                raise _LoanMoved
            if row[0] == 0:
                audit_record(actor=bids[-1].investor, action="loan.full", obj=loan, from_state=Loan.Status.LISTED, to_state=Loan.Status.FULL)
                loan_full_notify(loan)
            for number, bid in zip(accepted.values(), bids, strict=True):
                results[number] = bid
    for number, request in enumerate(requests):  # the second of a key used twice in this batch
        if results[number] is None:
            results[number] = results[accepted[(request.investor.pk, request.key)]]
    return results


def bids_place_batch(loan_id: int, requests: list[BidRequest]) -> list[Bid | Exception]:
    """Both stages for a batch of bids on one loan: one Bid or one refusal per
    request, in order. Idempotent per (investor, key)."""
    results = bids_screen(loan_id, requests)
    go = [n for n, result in enumerate(results) if result is None]
    for number, result in zip(go, bids_place(loan_id, [requests[n] for n in go]), strict=True):
        results[number] = result
    return results


def _retrying(stage):
    """Run a stage again when a batch of another process raced it to the same new
    key (or, as a last defence, lost a lock race): the repeat sees what won."""

    def run(requests: list[BidRequest]):
        for attempt in range(3):
            try:
                return stage(requests[0].loan_id, requests)
            except (IntegrityError, OperationalError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    return run


# One batch at a time per loan and process, both stages in the thread that leads it.
# (Pipelining the stages, screening the next batch while one holds the locks, was
# measured slower: both stages are Python work competing for one interpreter.)
_COMBINER = Combiner(_retrying(bids_place_batch))


def bid_place(*, investor, loan_id: int, amount_fen: int, trade_password: str, key: str, auto: bool = False, origin: Origin = UNKNOWN_ORIGIN) -> Bid:
    """Bid on a loan. Idempotent on (investor, key). Auto-invest bids (`auto=True`)
    are authorised at the bank when the investor turns auto-invest on, so they skip
    the trade password; manual bids check it first, in the caller's thread.

    Called inside a transaction (auto-invest at listing), the bid runs alone in that
    transaction; otherwise it joins the loan's next batch."""
    ensure_open(Operation.BIDS)
    consent_require(user=investor, action=Action.AUTO_INVEST if auto else Action.BID)
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
        # FOR UPDATE, not no_key: it must wait for the bid batches holding the loan
        # FOR KEY SHARE, and they for it, before anyone locks an investor's account.
        loan = Loan.objects.select_for_update(of=("self",)).get(pk=loan.pk)
        failing = loan.status != Loan.Status.FAILED
        if failing:
            transition(loan, Loan.Status.FAILED, reason=reason)
        bids = list(Bid.objects.filter(loan=loan, status=Bid.Status.FROZEN).order_by("id"))
        if bids:
            # All the investors' accounts in one lock, in id order (bid by bid would
            # lock them in bid order).
            accounts = ledger.user_accounts_many({bid.investor_id for bid in bids})
            custody_move_many([
                ledger.EntrySpec(
                    kind=EntryKind.UNFREEZE,
                    legs=[(accounts[bid.investor_id][AccountKind.USER_FROZEN], -bid.amount_fen), (accounts[bid.investor_id][AccountKind.USER_AVAILABLE], bid.amount_fen)],
                    key=f"bid-release:{bid.pk}",
                    ref=f"bid:{bid.pk}",
                    memo=f"loan {loan.pk} failed",
                )
                for bid in bids
            ])
            Bid.objects.filter(pk__in=[bid.pk for bid in bids]).update(status=Bid.Status.RELEASED)
        if failing:
            loan_failed_notify(loan)
    return loan


def loans_fail_expired(*, before=None) -> int:
    """Fail every listed loan whose deadline is past (or before `before`: the daily
    close fails those due by the end of the day it closes)."""
    failed = 0
    for loan in Loan.objects.filter(status=Loan.Status.LISTED, deadline__lte=before or clock.now()).order_by("id"):
        loan_fail(loan=loan, reason="not full by the deadline")
        failed += 1
    return failed
