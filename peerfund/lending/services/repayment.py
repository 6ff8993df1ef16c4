"""Repayments (还款) and prepayments (提前还款): the borrower pays from their balance, by hand or by the daily
close's automatic debit on the due date, and the money goes on to the investors at
once — in one transaction, two ledger entries mirrored at the custodian:

- `repayment_collect`: borrower's available balance → the loan's repayment account;
- `repayment_distribute`: the loan's repayment account → each investor's available
  balance, by their receivables.

Allocation (PRODUCT §4): oldest instalment first, and within it penalty, interest,
principal. Each component paid on an instalment is split among that instalment's
receivables by largest remainder, in proportion to what each still expects of it
(penalty: in proportion to their holdings), so the investors' parts add up to
the borrower's payment to the fen. Investors are paid only from the borrower's
repayment (principle 3): nothing else ever enters the repayment account.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen, round_half_up, split_largest_remainder
from peerfund.core.transitions import transition
from peerfund.custody.services import custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.models import Entry
from peerfund.lending.models import Investment, Loan, Receivable, Repayment, RepaymentInstalment
from peerfund.lending.schedules import Instalment, Method, Terms, build_schedule, split_among_investors
from peerfund.notify.services import notify, notify_many

Status = RepaymentInstalment.Status


class RepaymentRefused(AccountError):
    pass


@dataclass
class Allocation:
    """What one payment puts on one instalment."""

    instalment: RepaymentInstalment
    penalty_fen: int = 0
    interest_fen: int = 0
    principal_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.penalty_fen + self.interest_fen + self.principal_fen


def allocate(instalments: list[RepaymentInstalment], amount_fen: int) -> list[Allocation]:
    """Spread `amount_fen` over open instalments (oldest first; within each: penalty,
    interest, principal). Never puts more on a component than it still owes."""
    allocations, left = [], amount_fen
    for instalment in sorted(instalments, key=lambda i: i.number):
        if left <= 0:
            break
        allocation = Allocation(instalment)
        for part, owed in (
            ("penalty_fen", instalment.penalty_fen - instalment.penalty_paid_fen),
            ("interest_fen", instalment.interest_fen - instalment.interest_paid_fen),
            ("principal_fen", instalment.principal_fen - instalment.principal_paid_fen),
        ):
            paid = min(left, owed)
            setattr(allocation, part, paid)
            left -= paid
        if allocation.total_fen:
            allocations.append(allocation)
    return allocations


@dataclass
class _Shares:
    """Per receivable, what this payment brings it."""

    penalty: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    interest: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    principal: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _split(total: int, receivables: list[Receivable], weights: list[int], into: dict[int, int]) -> None:
    if total == 0:
        return
    for receivable, part in zip(receivables, split_largest_remainder(total, weights), strict=True):
        into[receivable.pk] += part


def _investor_shares(allocations: list[Allocation], receivables_of: dict[int, list[Receivable]]) -> _Shares:
    shares = _Shares()
    for allocation in allocations:
        receivables = receivables_of[allocation.instalment.number]
        _split(allocation.penalty_fen, receivables, [r.investment.principal_fen for r in receivables], shares.penalty)
        _split(allocation.interest_fen, receivables, [r.interest_fen - r.interest_received_fen for r in receivables], shares.interest)
        _split(allocation.principal_fen, receivables, [r.principal_fen - r.principal_received_fen for r in receivables], shares.principal)
    return shares


def payable_now(loan: Loan, on: dt.date) -> list[RepaymentInstalment]:
    """The open instalments a borrower may pay today: all that are due or overdue, or
    the next one when none is."""
    open_ones = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number"))
    due = [i for i in open_ones if i.due_date <= on]
    return due or open_ones[:1]


def _apply(loan: Loan, allocations: list[Allocation], *, source: str, key: str, on: dt.date) -> Repayment:
    """Post the payment, pay the investors and bring every schedule up to date. Call
    inside a transaction, with the loan's row locked."""
    numbers = [a.instalment.number for a in allocations]
    receivables = list(
        Receivable.objects.filter(investment__loan=loan, number__in=numbers).select_related("investment").order_by("number", "investment_id")
    )
    receivables_of: dict[int, list[Receivable]] = defaultdict(list)
    for receivable in receivables:
        receivables_of[receivable.number].append(receivable)
    shares = _investor_shares(allocations, receivables_of)
    amount = sum(a.total_fen for a in allocations)
    repayment = Repayment.objects.create(
        loan=loan, key=key, source=source, amount_fen=amount, business_date=on,
        penalty_fen=sum(a.penalty_fen for a in allocations), interest_fen=sum(a.interest_fen for a in allocations),
        principal_fen=sum(a.principal_fen for a in allocations),
    )
    paid_to: dict[int, int] = defaultdict(int)
    for receivable in receivables:
        paid_to[receivable.investment.investor_id] += (
            shares.penalty[receivable.pk] + shares.interest[receivable.pk] + shares.principal[receivable.pk]
        )
    _pay_investors(loan, repayment, paid_to)
    for allocation in allocations:
        instalment = allocation.instalment
        instalment.penalty_paid_fen += allocation.penalty_fen
        instalment.interest_paid_fen += allocation.interest_fen
        instalment.principal_paid_fen += allocation.principal_fen
        if instalment.owed_fen == 0:
            instalment.status, instalment.paid_on = Status.PAID, on
    RepaymentInstalment.objects.bulk_update(
        [a.instalment for a in allocations], ["penalty_paid_fen", "interest_paid_fen", "principal_paid_fen", "status", "paid_on"]
    )
    paid_numbers = {a.instalment.number for a in allocations if a.instalment.status == Status.PAID}
    for receivable in receivables:
        receivable.penalty_received_fen += shares.penalty[receivable.pk]
        receivable.interest_received_fen += shares.interest[receivable.pk]
        receivable.principal_received_fen += shares.principal[receivable.pk]
        if receivable.number in paid_numbers:
            receivable.status, receivable.received_on = Receivable.Status.RECEIVED, on
    Receivable.objects.bulk_update(
        receivables, ["penalty_received_fen", "interest_received_fen", "principal_received_fen", "status", "received_on"]
    )
    if not loan.instalments.filter(status__in=RepaymentInstalment.OPEN).exists():
        transition(loan, Loan.Status.SETTLED, reason="repaid in full")
        notify(user=loan.borrower, event="loan.settled", context={"loan": loan.title})
    return repayment


def _pay_investors(loan: Loan, repayment: Repayment, paid_to: dict[int, int]) -> None:
    """The money of one repayment, in one go at the custodian: the borrower's balance
    into the loan's repayment account, and out of it to each investor's balance."""
    amount = repayment.amount_fen
    borrower = ledger.user_accounts(loan.borrower)[AccountKind.USER_AVAILABLE]
    escrow = ledger.account_get_or_open(kind=AccountKind.BORROWER_REPAYMENT, owner=loan.borrower, scope=f"loan:{loan.pk}")
    investors = ledger.user_accounts_many(paid_to)
    memo = f"{repayment.source} repayment {repayment.pk}"
    custody_move_many([
        ledger.EntrySpec(kind=EntryKind.REPAYMENT_COLLECT, legs=[(borrower, -amount), (escrow, amount)],
                         key=f"repay-collect:{repayment.pk}", ref=f"loan:{loan.pk}", memo=memo),
        ledger.EntrySpec(
            kind=EntryKind.REPAYMENT_DISTRIBUTE,
            legs=[(escrow, -amount)] + [(investors[pk][AccountKind.USER_AVAILABLE], fen) for pk, fen in sorted(paid_to.items()) if fen],
            key=f"repay-distribute:{repayment.pk}", ref=f"loan:{loan.pk}", memo=memo,
        ),
    ])
    transaction.on_commit(lambda: _tell_investors(repayment, paid_to))


def _tell_investors(repayment: Repayment, paid_to: dict[int, int]) -> None:
    from peerfund.accounts.models import User

    users = User.objects.filter(pk__in=[pk for pk, fen in paid_to.items() if fen])
    notify_many(notices=[(user, {"amount": format_fen(paid_to[user.pk]), "loan": repayment.loan.title}) for user in users], event="repayment.received")


def _lock_repaying(loan_id: int, borrower=None) -> Loan:
    loan = Loan.objects.select_for_update(of=("self",)).select_related("borrower", "product").filter(pk=loan_id).first()
    if loan is None or (borrower is not None and loan.borrower_id != borrower.pk):
        raise NotFound(_("No such loan."), "not_found")
    if loan.status != Loan.Status.DISBURSED:
        raise Conflict(_("This loan has nothing left to repay."), "repay.settled")
    return loan


def _borrower_gate(borrower, loan_id: int, trade_password: str) -> None:
    """Another user's loan is a 404; then the money gate (frozen account, trade
    password), outside the transaction so a wrong try is counted."""
    if not Loan.objects.filter(pk=loan_id, borrower=borrower).exists():
        raise NotFound(_("No such loan."), "not_found")
    user_assert_can_move_money(user=borrower, trade_password=trade_password)


def _replayed(loan_id: int, key: str, same: Callable[[Repayment], bool]) -> Repayment | None:
    """The repayment already made with this key (a retry), if any; a key reused for
    another amount is a conflict."""
    existing = Repayment.objects.filter(loan_id=loan_id, key=key).first()
    if existing is not None and not same(existing):
        raise Conflict(_("This repayment key was already used for another amount."), "repay.key_conflict")
    return existing


def loan_repay(*, borrower, loan_id: int, amount_fen: int | None, trade_password: str, key: str) -> Repayment:
    """The borrower pays what is due now (all due and overdue instalments, or the next
    one), or part of it. Idempotent on (loan, key)."""
    _borrower_gate(borrower, loan_id, trade_password)
    with transaction.atomic():
        existing = _replayed(loan_id, key, lambda r: amount_fen is None or r.amount_fen == amount_fen)
        if existing is not None:
            return existing
        loan = _lock_repaying(loan_id, borrower)
        today = clock.business_date()
        payable = payable_now(loan, today)
        owed = sum(i.owed_fen for i in payable)
        amount = owed if amount_fen is None else amount_fen
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise RepaymentRefused(_("Enter an amount greater than zero."), "repay.invalid_amount", {"field": "amount"})
        if amount > owed:
            raise RepaymentRefused(
                _("Only %(owed)s is due now; to repay more, prepay the loan.") % {"owed": format_fen(owed)},
                "repay.above_due", {"field": "amount", "owed_fen": owed},
            )
        available = ledger.user_accounts(borrower)[AccountKind.USER_AVAILABLE].balance_fen
        if amount > available:
            raise RepaymentRefused(
                _("Your available balance is %(balance)s.") % {"balance": format_fen(available)},
                "repay.insufficient", {"field": "amount", "available_fen": available},
            )
        return _apply(loan, allocate(payable, amount), source=Repayment.Source.MANUAL, key=key, on=today)


def loan_auto_debit(*, loan_id: int, on: dt.date) -> Repayment | None:
    """The daily close's debit (代扣) for `on`: as much of what is due by that date as
    the borrower's balance covers. Idempotent per loan and date."""
    with transaction.atomic():
        key = f"auto:{on.isoformat()}"
        if Repayment.objects.filter(loan_id=loan_id, key=key).exists():
            return None
        loan = Loan.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=loan_id)
        if loan.status != Loan.Status.DISBURSED:
            return None
        due = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN, due_date__lte=on).order_by("number"))
        owed = sum(i.owed_fen for i in due)
        available = ledger.user_accounts(loan.borrower)[AccountKind.USER_AVAILABLE].balance_fen
        amount = min(owed, available)
        if amount <= 0 or loan.borrower.is_frozen:
            return None
        return _apply(loan, allocate(due, amount), source=Repayment.Source.AUTO, key=key, on=on)


class PrepaymentMode:
    REDUCE_INSTALMENT = "reduce_instalment"
    REDUCE_TERM = "reduce_term"


@dataclass(frozen=True)
class PrepaymentQuote:
    principal_fen: int
    interest_fen: int
    fee_fen: int
    remaining_principal_fen: int
    new_schedule: list

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen


def period_start(loan: Loan, current: RepaymentInstalment) -> dt.date:
    """The first day of an instalment's period: the previous due date, or the day of disbursement."""
    previous = loan.instalments.filter(number=current.number - 1).values_list("due_date", flat=True).first()
    if previous is not None:
        return previous
    return Entry.objects.get(key=f"disburse:{loan.pk}").business_date


def prepayment_quote(*, loan: Loan, principal_fen: int | None, mode: str, on: dt.date) -> PrepaymentQuote:
    """What prepaying `principal_fen` (None: all of it) costs today, and the schedule
    that follows. The borrower pays the principal, the interest the prepaid principal
    has run up in the current period (pro rata by days), and the product's fee on the
    principal; the rest of the loan is re-amortised from the current period's start,
    over the same number of instalments (lower instalments) or over the fewest whose
    first instalment is not above the current one (shorter term)."""
    open_ones = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number"))
    if not open_ones or loan.status != Loan.Status.DISBURSED:
        raise Conflict(_("This loan has nothing left to repay."), "repay.settled")
    current = open_ones[0]
    if current.due_date <= on:
        raise RepaymentRefused(_("Pay what is due now first; then you can prepay."), "prepay.due_first", {"field": "amount"})
    if current.principal_paid_fen or current.interest_paid_fen:
        raise RepaymentRefused(_("This instalment is partly paid; pay the rest of it on its due date, then prepay."), "prepay.partly_paid", {"field": "amount"})
    outstanding = sum(i.principal_fen - i.principal_paid_fen for i in open_ones)
    principal = outstanding if principal_fen is None else principal_fen
    if not isinstance(principal, int) or isinstance(principal, bool) or not 0 < principal <= outstanding:
        raise RepaymentRefused(
            _("Prepay between ¥0.01 and the %(outstanding)s of principal outstanding.") % {"outstanding": format_fen(outstanding)},
            "prepay.invalid_amount", {"field": "amount", "outstanding_fen": outstanding},
        )
    if mode not in (PrepaymentMode.REDUCE_INSTALMENT, PrepaymentMode.REDUCE_TERM):
        raise RepaymentRefused(_("Choose lower instalments or a shorter term."), "prepay.mode", {"field": "mode"})
    method = loan.product.method
    if mode == PrepaymentMode.REDUCE_TERM and method not in (Method.EQUAL_INSTALMENT, Method.EQUAL_PRINCIPAL) and principal < outstanding:
        raise RepaymentRefused(_("This loan repays its principal at the end; a partial prepayment lowers the instalments."), "prepay.mode", {"field": "mode"})
    start = period_start(loan, current)
    elapsed, period = (on - start).days, (current.due_date - start).days
    interest = round_half_up(Decimal(current.interest_fen) * principal * elapsed / (outstanding * period)) if period > 0 else 0
    fee = round_half_up(Decimal(principal) * loan.product.prepayment_fee_rate)
    remaining = outstanding - principal
    schedule = []
    if remaining:
        def rebuilt(months: int):
            return build_schedule(Terms(principal_fen=remaining, annual_rate=loan.annual_rate, months=months, method=method, start_date=start,
                                        day_count=loan.product.day_count, rounding=loan.product.rounding))

        months = len(open_ones)
        if mode == PrepaymentMode.REDUCE_TERM:
            months = next(m for m in range(1, len(open_ones) + 1) if rebuilt(m)[0].total_fen <= current.total_fen or m == len(open_ones))
        # Keep the original due dates (a rebuilt month-end date could drift by a day).
        schedule = [(open_ones[k].due_date, i.principal_fen, i.interest_fen) for k, i in enumerate(rebuilt(months))]
    return PrepaymentQuote(principal, interest, fee, remaining, schedule)


def loan_prepay(*, borrower, loan_id: int, principal_fen: int | None, mode: str, trade_password: str, key: str) -> Repayment:
    """Prepay (提前还款) all or part of the principal. The payment goes to the investors
    in proportion to the principal each still has in the loan; their receivables are
    rebuilt from the new schedule. Idempotent on (loan, key)."""
    _borrower_gate(borrower, loan_id, trade_password)
    with transaction.atomic():
        existing = _replayed(loan_id, key, lambda r: principal_fen is None or r.principal_fen == principal_fen)
        if existing is not None:
            return existing
        loan = _lock_repaying(loan_id, borrower)
        today = clock.business_date()
        quote = prepayment_quote(loan=loan, principal_fen=principal_fen, mode=mode, on=today)
        available = ledger.user_accounts(borrower)[AccountKind.USER_AVAILABLE].balance_fen
        if quote.total_fen > available:
            raise RepaymentRefused(
                _("Prepaying needs %(total)s; your available balance is %(balance)s.") % {"total": format_fen(quote.total_fen), "balance": format_fen(available)},
                "repay.insufficient", {"field": "amount", "available_fen": available, "needed_fen": quote.total_fen},
            )
        open_ones = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number"))
        first_number = open_ones[0].number
        investments = list(Investment.objects.filter(loan=loan).select_related("investor").order_by("id"))
        open_receivables = Receivable.objects.filter(investment__loan=loan, number__gte=first_number)
        holding: dict[int, int] = defaultdict(int)
        for investment_id, principal, received in open_receivables.values_list("investment_id", "principal_fen", "principal_received_fen"):
            holding[investment_id] += principal - received
        weights = [holding[inv.pk] for inv in investments]

        def by_holding(total: int) -> list[int]:
            return split_largest_remainder(total, weights) if total else [0] * len(investments)

        principal_parts, interest_parts, fee_parts = by_holding(quote.principal_fen), by_holding(quote.interest_fen), by_holding(quote.fee_fen)
        # The prepayment becomes a paid instalment of its own; the open ones are replaced.
        open_receivables.delete()
        loan.instalments.filter(number__gte=first_number).delete()
        RepaymentInstalment.objects.create(
            loan=loan, number=first_number, due_date=today, principal_fen=quote.principal_fen, interest_fen=quote.interest_fen,
            principal_paid_fen=quote.principal_fen, interest_paid_fen=quote.interest_fen, status=Status.PAID, paid_on=today,
        )
        Receivable.objects.bulk_create(
            Receivable(investment=inv, number=first_number, due_date=today, principal_fen=p, interest_fen=i, principal_received_fen=p,
                       interest_received_fen=i, penalty_received_fen=0, status=Receivable.Status.RECEIVED, received_on=today)
            for inv, p, i in zip(investments, principal_parts, interest_parts, strict=True)
        )
        new = [Instalment(first_number + 1 + k, due, p, i) for k, (due, p, i) in enumerate(quote.new_schedule)]
        RepaymentInstalment.objects.bulk_create(
            RepaymentInstalment(loan=loan, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen) for i in new
        )
        remaining = [holding[inv.pk] - part for inv, part in zip(investments, principal_parts, strict=True)]
        if new:
            shares = split_among_investors(new, remaining)
            Receivable.objects.bulk_create(
                Receivable(investment=inv, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen)
                for inv, share in zip(investments, shares, strict=True) for i in share
            )
        repayment = Repayment.objects.create(
            loan=loan, key=key, source=Repayment.Source.PREPAYMENT, amount_fen=quote.total_fen, business_date=today,
            interest_fen=quote.interest_fen, principal_fen=quote.principal_fen, fee_fen=quote.fee_fen,
        )
        paid_to: dict[int, int] = defaultdict(int)
        for inv, p, i, f in zip(investments, principal_parts, interest_parts, fee_parts, strict=True):
            paid_to[inv.investor_id] += p + i + f
        _pay_investors(loan, repayment, paid_to)
        if not new:
            transition(loan, Loan.Status.SETTLED, reason="prepaid in full")
            notify(user=borrower, event="loan.settled", context={"loan": loan.title})
    return repayment
