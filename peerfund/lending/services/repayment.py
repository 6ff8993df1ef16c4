"""Repayments (还款): the borrower pays from their balance, by hand or by the daily
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
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen, split_largest_remainder
from peerfund.core.transitions import transition
from peerfund.custody.services import custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.lending.models import Loan, Receivable, Repayment, RepaymentInstalment
from peerfund.notify.services import notify

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
    borrower = ledger.user_accounts(loan.borrower)[AccountKind.USER_AVAILABLE]
    escrow = ledger.account_get_or_open(kind=AccountKind.BORROWER_REPAYMENT, owner=loan.borrower, scope=f"loan:{loan.pk}")
    paid_to: dict[int, int] = defaultdict(int)
    for receivable in receivables:
        paid_to[receivable.investment.investor_id] += (
            shares.penalty[receivable.pk] + shares.interest[receivable.pk] + shares.principal[receivable.pk]
        )
    investors = ledger.user_accounts_many(paid_to)
    custody_move_many([
        ledger.EntrySpec(kind=EntryKind.REPAYMENT_COLLECT, legs=[(borrower, -amount), (escrow, amount)],
                         key=f"repay-collect:{repayment.pk}", ref=f"loan:{loan.pk}", memo=f"repayment {repayment.pk}"),
        ledger.EntrySpec(
            kind=EntryKind.REPAYMENT_DISTRIBUTE,
            legs=[(escrow, -amount)] + [(investors[pk][AccountKind.USER_AVAILABLE], fen) for pk, fen in sorted(paid_to.items()) if fen],
            key=f"repay-distribute:{repayment.pk}", ref=f"loan:{loan.pk}", memo=f"repayment {repayment.pk}",
        ),
    ])
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
    transaction.on_commit(lambda: _tell_investors(repayment, paid_to))
    return repayment


def _tell_investors(repayment: Repayment, paid_to: dict[int, int]) -> None:
    from peerfund.accounts.models import User

    for user in User.objects.filter(pk__in=[pk for pk, fen in paid_to.items() if fen]):
        notify(user=user, event="repayment.received", context={"amount": format_fen(paid_to[user.pk]), "loan": repayment.loan.title})


def _lock_repaying(loan_id: int, borrower=None) -> Loan:
    loan = Loan.objects.select_for_update(of=("self",)).select_related("borrower", "product").filter(pk=loan_id).first()
    if loan is None or (borrower is not None and loan.borrower_id != borrower.pk):
        raise NotFound(_("No such loan."), "not_found")
    if loan.status != Loan.Status.DISBURSED:
        raise Conflict(_("This loan has nothing left to repay."), "repay.settled")
    return loan


def loan_repay(*, borrower, loan_id: int, amount_fen: int | None, trade_password: str, key: str) -> Repayment:
    """The borrower pays what is due now (all due and overdue instalments, or the next
    one), or part of it. Idempotent on (loan, key)."""
    if not Loan.objects.filter(pk=loan_id, borrower=borrower).exists():
        raise NotFound(_("No such loan."), "not_found")
    user_assert_can_move_money(user=borrower, trade_password=trade_password)
    with transaction.atomic():
        existing = Repayment.objects.filter(loan_id=loan_id, loan__borrower=borrower, key=key).first()
        if existing is not None:
            if amount_fen is not None and existing.amount_fen != amount_fen:
                raise Conflict(_("This repayment key was already used for another amount."), "repay.key_conflict")
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
