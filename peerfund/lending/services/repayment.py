"""Repayments (还款) and prepayments (提前还款): the borrower pays from their balance, by hand or by the daily
close's automatic debit on the due date, and the money goes on to the investors at
once — in one transaction, two ledger entries mirrored at the custodian:

- `repayment_collect`: borrower's available balance → the loan's repayment account;
- `repayment_distribute`: the loan's repayment account → each investor's available
  balance, by their receivables;
- `loan_service_fee`: the loan's repayment account → the platform's fee account, the
  instalments' service fee (分期服务费) the payment covered (only when it covered some).

A written-off loan's borrower still owes what was written off and may repay it by hand
(坏账回收, recovery): the same allocation and split, over the written-off instalments
as they stood at write-off (no penalty runs after it); the money reaches the investors
whose claims were written off, and the loan is settled when all of it is back.

Allocation (PRODUCT §4, Civil Code art. 561: costs, then interest, then principal):
oldest instalment first, and within it penalty, service fee, interest, principal. The
service fee is the platform's and never reaches the investors. Each component paid on an instalment is split among that instalment's
receivables by largest remainder, in proportion to what each still expects of it
(penalty: in proportion to their principal in it, on which it ran), so the
investors' parts add up to the borrower's payment to the fen. Investors are paid only from the borrower's
repayment (principle 3): nothing else ever enters the repayment account.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import User
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.bulk import update_rows
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen, round_half_up, split_largest_remainder
from peerfund.core.transitions import transition, transition_many
from peerfund.custody.services import custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.models import Entry, Posting
from peerfund.lending.models import Investment, Loan, Receivable, Repayment, RepaymentInstalment
from peerfund.lending.schedules import Instalment, Method, Terms, build_schedule, split_among_investors
from peerfund.lending.services.debit_in_full import debit_in_full
from peerfund.notify.services import notify, notify_many

Status = RepaymentInstalment.Status


class RepaymentRefused(AccountError):
    pass


@dataclass
class Allocation:
    """What one payment puts on one instalment."""

    instalment: RepaymentInstalment
    penalty_fen: int = 0
    fee_fen: int = 0
    interest_fen: int = 0
    principal_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.penalty_fen + self.fee_fen + self.interest_fen + self.principal_fen

    @property
    def investors_fen(self) -> int:
        """What goes on to the investors: all but the service fee."""
        return self.penalty_fen + self.interest_fen + self.principal_fen


def allocate(instalments: list[RepaymentInstalment], amount_fen: int) -> list[Allocation]:
    """Spread `amount_fen` over open instalments (oldest first; within each: penalty,
    service fee, interest, principal). Never puts more on a component than it still owes."""
    allocations, left = [], amount_fen
    for instalment in sorted(instalments, key=lambda i: i.number):
        if left <= 0:
            break
        allocation = Allocation(instalment)
        for part, owed in (
            ("penalty_fen", instalment.penalty_fen - instalment.penalty_paid_fen),
            ("fee_fen", instalment.fee_fen - instalment.fee_paid_fen),
            ("interest_fen", instalment.interest_fen - instalment.interest_paid_fen),
            ("principal_fen", instalment.principal_fen - instalment.principal_paid_fen),
        ):
            paid = min(left, owed)
            setattr(allocation, part, paid)
            left -= paid
        if allocation.total_fen:
            allocations.append(allocation)
    return allocations


@dataclass(slots=True)
class _Claim:
    """One open receivable, as a payment sees it: what it still expects of its
    instalment, and its principal there (the penalty runs on that principal)."""

    pk: int
    investor_id: int
    principal_fen: int
    principal_left: int
    interest_left: int
    penalty: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def paid_fen(self) -> int:
        return self.penalty + self.interest + self.principal


def _split(total: int, claims: list[_Claim], weights: list[int], part: str) -> None:
    if total == 0:
        return
    for claim, share in zip(claims, split_largest_remainder(total, weights), strict=True):
        setattr(claim, part, getattr(claim, part) + share)


def _share_out(allocation: Allocation, claims: list[_Claim]) -> None:
    """Each component of what an instalment got, split among its receivables."""
    _split(allocation.penalty_fen, claims, [c.principal_fen for c in claims], "penalty")
    _split(allocation.interest_fen, claims, [c.interest_left for c in claims], "interest")
    _split(allocation.principal_fen, claims, [c.principal_left for c in claims], "principal")


def _open_claims(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[_Claim]]:
    """The unpaid receivables (open, or written off and being recovered) of these
    (loan, instalment number) pairs, in investment order: one query, plain rows."""
    found: dict[tuple[int, int], list[_Claim]] = defaultdict(list)
    if not pairs:
        return found
    rows = (
        Receivable.objects.filter(investment__loan_id__in={loan for loan, _n in pairs}, number__lte=max(n for _l, n in pairs), status__in=Receivable.UNPAID)
        .order_by("investment_id", "number")
        .values_list("pk", "investment__loan_id", "investment__investor_id", "number", "principal_fen", "principal_received_fen", "interest_fen", "interest_received_fen")
    )
    for pk, loan_id, investor_id, number, principal, principal_received, interest, interest_received in rows:
        if (loan_id, number) in pairs:
            found[(loan_id, number)].append(_Claim(pk, investor_id, principal, principal - principal_received, interest - interest_received))
    return found


def payable_now(loan: Loan, on: dt.date) -> list[RepaymentInstalment]:
    """The open instalments a borrower may pay today: all that are due or overdue, or
    the next one when none is; on a written-off loan, everything written off."""
    if loan.status == Loan.Status.WRITTEN_OFF:
        return list(loan.instalments.filter(status=Status.WRITTEN_OFF).order_by("number"))
    open_ones = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number"))
    due = [i for i in open_ones if i.due_date <= on]
    return due or open_ones[:1]


@dataclass
class _Payment:
    """One loan's payment in a batch: what it puts on which instalments."""

    loan: Loan
    allocations: list[Allocation]
    key: str


def _entry_keys(repayment: Repayment) -> tuple[str, str]:
    """The collect and distribute entries' keys. The daily close's debits are keyed by
    date and loan, so the day's investor notice can find them."""
    if repayment.source == Repayment.Source.AUTO:
        tail = f"auto:{repayment.business_date.isoformat()}:{repayment.loan_id}"
    else:
        tail = str(repayment.pk)
    return f"repay-collect:{tail}", f"repay-distribute:{tail}"


def _escrows(loans: list[Loan]) -> dict[int, ledger.Account]:
    """Each loan's repayment account, opened on its first repayment."""
    accounts = ledger.accounts_open_many(AccountKind.BORROWER_REPAYMENT, [(loan.borrower_id, f"loan:{loan.pk}") for loan in loans])
    return {loan.pk: accounts[(loan.borrower_id, f"loan:{loan.pk}")] for loan in loans}


def fee_entry_key(repayment: Repayment) -> str:
    """The service fee entry's key, beside the collect and distribute keys."""
    return _entry_keys(repayment)[0].replace("repay-collect:", "repay-fee:", 1)


def _money_specs(repayment: Repayment, loan: Loan, paid_to: dict[int, int], balances: dict[int, ledger.Account], escrow, fee_account) -> list[ledger.EntrySpec]:
    """The entries of one repayment: the borrower's balance (`balances` holds the
    available accounts by owner) into the loan's repayment account, out of it to each
    investor's balance, and its service fee part to the platform's fee account."""
    amount, service_fee = repayment.amount_fen, repayment.service_fee_fen
    collect, distribute = _entry_keys(repayment)
    memo = f"{repayment.source} repayment {repayment.pk}"
    specs = [
        ledger.EntrySpec(kind=EntryKind.REPAYMENT_COLLECT, legs=[(balances[loan.borrower_id], -amount), (escrow, amount)], key=collect, ref=f"loan:{loan.pk}", memo=memo),
    ]
    if amount > service_fee:
        specs.append(ledger.EntrySpec(
            kind=EntryKind.REPAYMENT_DISTRIBUTE,
            legs=[(escrow, service_fee - amount)] + [(balances[pk], fen) for pk, fen in sorted(paid_to.items()) if fen],
            key=distribute, ref=f"loan:{loan.pk}", memo=memo,
        ))
    if service_fee:
        specs.append(ledger.EntrySpec(
            kind=EntryKind.LOAN_SERVICE_FEE, legs=[(escrow, -service_fee), (fee_account, service_fee)], key=fee_entry_key(repayment), ref=f"loan:{loan.pk}", memo=memo,
        ))
    return specs


def _pay_investors(loans_paid: list[tuple[Loan, Repayment, dict[int, int]]]) -> None:
    """The money of these repayments, in one go at the custodian."""
    loans = [loan for loan, _r, _p in loans_paid]
    balances = ledger.available_accounts_many({loan.borrower_id for loan in loans} | {pk for _l, _r, paid_to in loans_paid for pk in paid_to})
    escrows = _escrows(loans)
    fee_account = ledger.platform_account(AccountKind.PLATFORM_FEE) if any(r.service_fee_fen for _l, r, _p in loans_paid) else None
    custody_move_many([
        spec for loan, repayment, paid_to in loans_paid for spec in _money_specs(repayment, loan, paid_to, balances, escrows[loan.pk], fee_account)
    ])


_INSTALMENT_PAID = (
    "penalty_paid_fen = penalty_paid_fen + v.penalty, fee_paid_fen = fee_paid_fen + v.fee, interest_paid_fen = interest_paid_fen + v.interest, "
    "principal_paid_fen = principal_paid_fen + v.principal, "
    "status = CASE WHEN v.paid THEN 'paid' ELSE status END, paid_on = CASE WHEN v.paid THEN v.day ELSE paid_on END"
)
_RECEIVABLE_PAID = (
    "penalty_received_fen = penalty_received_fen + v.penalty, interest_received_fen = interest_received_fen + v.interest, "
    "principal_received_fen = principal_received_fen + v.principal, "
    "status = CASE WHEN v.paid THEN 'received' ELSE status END, received_on = CASE WHEN v.paid THEN v.day ELSE received_on END"
)
_PAID_COLUMNS = (("id", "bigint"), ("penalty", "bigint"), ("interest", "bigint"), ("principal", "bigint"), ("paid", "boolean"), ("day", "date"))
_INSTALMENT_COLUMNS = (*_PAID_COLUMNS, ("fee", "bigint"))


def _pay_many(payments: list[_Payment], *, source: str, on: dt.date, tell_investors: bool) -> list[Repayment]:
    """Record and pay out a batch of payments with a fixed number of statements: the
    receivables' shares, the repayments, the money (ledger and custodian), the
    instalments' and receivables' progress, and the loans now settled. Call inside a
    transaction, with the loans' rows locked."""
    if not payments:
        return []
    claims = _open_claims({(p.loan.pk, a.instalment.number) for p in payments for a in p.allocations})
    repayments = Repayment.objects.bulk_create(
        Repayment(
            loan=p.loan, key=p.key, source=source, business_date=on, amount_fen=sum(a.total_fen for a in p.allocations),
            penalty_fen=sum(a.penalty_fen for a in p.allocations), interest_fen=sum(a.interest_fen for a in p.allocations),
            principal_fen=sum(a.principal_fen for a in p.allocations), service_fee_fen=sum(a.fee_fen for a in p.allocations),
        )
        for p in payments
    )
    loans_paid, instalment_rows, receivable_rows = [], [], []
    for payment, repayment in zip(payments, repayments, strict=True):
        paid_to: dict[int, int] = defaultdict(int)
        for allocation in payment.allocations:
            instalment = allocation.instalment
            paid = instalment.owed_fen == allocation.total_fen
            if paid:
                instalment.status = Status.PAID
            instalment_rows.append((instalment.pk, allocation.penalty_fen, allocation.interest_fen, allocation.principal_fen, paid, on, allocation.fee_fen))
            mine = claims[(payment.loan.pk, instalment.number)]
            _share_out(allocation, mine)
            for claim in mine:
                paid_to[claim.investor_id] += claim.paid_fen
                receivable_rows.append((claim.pk, claim.penalty, claim.interest, claim.principal, paid, on))
        loans_paid.append((payment.loan, repayment, paid_to))
    update_rows(RepaymentInstalment._meta.db_table, _INSTALMENT_COLUMNS, instalment_rows, _INSTALMENT_PAID)
    update_rows(Receivable._meta.db_table, _PAID_COLUMNS, receivable_rows, _RECEIVABLE_PAID)
    _settle_repaid([p.loan for p in payments if any(a.instalment.status == Status.PAID for a in p.allocations)])
    # The money last: the investors' accounts, which every chunk of a close shares,
    # stay locked only for the end of the transaction.
    _pay_investors(loans_paid)
    if tell_investors:
        transaction.on_commit(lambda: _tell_investors(loans_paid))
    return repayments


def _settle_repaid(loans: list[Loan]) -> None:
    """Loans with nothing left unpaid are settled (结清), and their borrowers told: a
    repaying loan, or a written-off one recovered in full."""
    if not loans:
        return
    still_open = set(
        RepaymentInstalment.objects.filter(loan__in=loans, status__in=RepaymentInstalment.UNPAID).values_list("loan_id", flat=True)
    )
    settled = [loan for loan in loans if loan.pk not in still_open]
    transition_many(settled, Loan.Status.SETTLED, reason="repaid in full")
    if settled:
        borrowers = User.objects.in_bulk({loan.borrower_id for loan in settled})
        notify_many(notices=[(borrowers[loan.borrower_id], {"loan": loan.title}) for loan in settled], event="loan.settled")


def _tell_investors(loans_paid: list[tuple[Loan, Repayment, dict[int, int]]]) -> None:
    wanted = {pk for _l, _r, paid_to in loans_paid for pk, fen in paid_to.items() if fen}
    users = User.objects.in_bulk(wanted)
    notify_many(
        notices=[
            (users[pk], {"amount": format_fen(fen), "loan": loan.title})
            for loan, _r, paid_to in loans_paid for pk, fen in sorted(paid_to.items()) if fen
        ],
        event="repayment.received",
    )


def _lock_repaying(loan_id: int, borrower=None) -> Loan:
    """The borrower's loan, locked before anything else (docs/money-core.md, "Lock
    order"); whether it is still repayable is checked after the key (_assert_repayable)."""
    loan = Loan.objects.select_for_update(of=("self",)).select_related("borrower", "product").filter(pk=loan_id).first()
    if loan is None or (borrower is not None and loan.borrower_id != borrower.pk):
        raise NotFound(_("No such loan."), "not_found")
    return loan


def _assert_repayable(loan: Loan) -> None:
    """Refuse unless the loan is repaying or written off (being recovered)."""
    if loan.status not in Loan.REPAYABLE:
        raise Conflict(_("This loan has nothing left to repay."), "repay.settled")


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
    one; on a written-off loan, all that was written off), or part of it. Idempotent
    on (loan, key)."""
    _borrower_gate(borrower, loan_id, trade_password)
    with transaction.atomic():
        # The key is looked up under the loan's lock: a double submission waits for
        # the first to commit, then finds its repayment and returns it.
        loan = _lock_repaying(loan_id, borrower)
        existing = _replayed(loan_id, key, lambda r: amount_fen is None or r.amount_fen == amount_fen)
        if existing is not None:
            return existing
        _assert_repayable(loan)
        today = clock.business_date()
        payable = payable_now(loan, today)
        owed = sum(i.owed_fen for i in payable)
        amount = owed if amount_fen is None else amount_fen
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise RepaymentRefused(_("Enter an amount greater than zero."), "repay.invalid_amount", {"field": "amount"})
        if amount > owed:
            message = (_("The loan owes %(owed)s in all.") if loan.status == Loan.Status.WRITTEN_OFF
                       else _("Only %(owed)s is due now; to repay more, prepay the loan."))
            raise RepaymentRefused(message % {"owed": format_fen(owed)}, "repay.above_due", {"field": "amount", "owed_fen": owed})
        available = ledger.user_accounts(borrower)[AccountKind.USER_AVAILABLE].balance_fen
        if amount > available:
            raise RepaymentRefused(
                _("Your available balance is %(balance)s.") % {"balance": format_fen(available)},
                "repay.insufficient", {"field": "amount", "available_fen": available},
            )
        return _pay_many([_Payment(loan, allocate(payable, amount), key)], source=Repayment.Source.MANUAL, on=today, tell_investors=True)[0]


def loans_auto_debit(*, loan_ids: list[int], on: dt.date) -> int:
    """The daily close's debit (代扣) for `on`, for a chunk of loans at once: from each
    borrower's balance, as much of what is due by that date as it covers (a
    borrower's loans in id order). Frozen borrowers are not debited. Idempotent per
    loan and date; investors hear of the day's money in one notice each
    (`repayment_notices_daily`). Returns the number of loans debited."""
    key = f"auto:{on.isoformat()}"
    with transaction.atomic():
        done = set(Repayment.objects.filter(loan_id__in=loan_ids, key=key).values_list("loan_id", flat=True))
        loans = list(
            Loan.objects.select_for_update(of=("self",))
            .filter(pk__in=set(loan_ids) - done, status=Loan.Status.DISBURSED, borrower__frozen_at__isnull=True)
            .only("pk", "borrower_id", "title", "status").order_by("pk")
        )
        due: dict[int, list[RepaymentInstalment]] = defaultdict(list)
        for instalment in RepaymentInstalment.objects.filter(loan__in=loans, status__in=RepaymentInstalment.OPEN, due_date__lte=on).order_by("number"):
            due[instalment.loan_id].append(instalment)
        # The borrowers' balances are read locked, so what is debited is there at
        # posting time; a concurrent withdrawal waits for the chunk. Every account the
        # chunk may post to is locked here, in one ascending pass (docs/money-core.md,
        # "Lock order"): the borrowers' and investors' balances and the loans'
        # repayment accounts. Locking the investors only at posting, after borrowers
        # with higher ids, deadlocked a borrower repaying another loan by hand.
        owing = [loan for loan in loans if due[loan.pk]]
        investors = Investment.objects.filter(loan__in=owing).values_list("investor_id", flat=True).distinct()
        balance_of = {owner: account.pk for owner, account in ledger.available_accounts_many({loan.borrower_id for loan in owing} | set(investors)).items()}
        fee_account = [ledger.platform_account(AccountKind.PLATFORM_FEE).pk] if owing else []
        locked = ledger.accounts_lock([*balance_of.values(), *(account.pk for account in _escrows(owing).values()), *fee_account])
        available = {owner: locked[pk].balance_fen for owner, pk in balance_of.items()}
        payments, in_full = [], []
        for loan in owing:
            owed = sum(i.owed_fen for i in due[loan.pk])
            amount = min(owed, available[loan.borrower_id])
            if amount > 0:
                available[loan.borrower_id] -= amount
                payments.append(_Payment(loan, allocate(due[loan.pk], amount), key))
                if amount == owed and all(i.penalty_fen == i.penalty_paid_fen for i in due[loan.pk]):
                    in_full.append(loan.pk)
        # Loans paying all that is due go by set-based SQL where it can (PostgreSQL); the
        # rest, and any it leaves, loan by loan in Python.
        paid_in_full = set(in_full) - debit_in_full(loan_ids=in_full, on=on, key=key, source=Repayment.Source.AUTO)
        _pay_many([p for p in payments if p.loan.pk not in paid_in_full], source=Repayment.Source.AUTO, on=on, tell_investors=False)
        _settle_repaid([p.loan for p in payments if p.loan.pk in paid_in_full])
    return len(payments)


def repayment_notices_daily(*, on: dt.date) -> int:
    """One "money received" notice per investor for the day's debits, with the total
    and the number of loans, instead of one per loan."""
    received = (
        Posting.objects.filter(
            # booked on the day the close ran (on or after `on`), found by their keys
            entry__business_date__gte=on, entry__kind=EntryKind.REPAYMENT_DISTRIBUTE, entry__key__startswith=f"repay-distribute:auto:{on.isoformat()}:",
            amount_fen__gt=0, account__kind=AccountKind.USER_AVAILABLE,
        )
        .values_list("account__owner_id").annotate(total=Sum("amount_fen"), loans=Count("id")).order_by("account__owner_id")
    )
    totals = {owner: (total, loans) for owner, total, loans in received}
    users = User.objects.in_bulk(list(totals))
    notify_many(
        notices=[(users[pk], {"amount": format_fen(total), "count": loans, "date": on.isoformat()}) for pk, (total, loans) in totals.items()],
        event="repayment.received_daily",
    )
    return len(totals)


class PrepaymentMode:
    REDUCE_INSTALMENT = "reduce_instalment"
    REDUCE_TERM = "reduce_term"


@dataclass(frozen=True)
class PrepaymentQuote:
    principal_fen: int
    interest_fen: int
    fee_fen: int  # the prepayment fee, the investors'
    remaining_principal_fen: int
    new_schedule: list  # (due date, principal, interest, service fee) of each instalment left

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen


def period_starts(instalments: set[tuple[int, int]]) -> dict[tuple[int, int], dt.date]:
    """The first day of each (loan id, instalment number)'s period: the previous due
    date, or the day of disbursement. Two queries, whatever their number."""
    previous = dict(
        ((loan_id, number + 1), due) for loan_id, number, due in
        RepaymentInstalment.objects.filter(loan_id__in={loan_id for loan_id, _n in instalments}).values_list("loan_id", "number", "due_date")
    )
    first = {loan_id for loan_id, number in instalments if (loan_id, number) not in previous}
    disbursed = dict(Entry.objects.filter(key__in=[f"disburse:{loan_id}" for loan_id in first]).values_list("key", "business_date"))
    return {(loan_id, number): previous.get((loan_id, number)) or disbursed[f"disburse:{loan_id}"] for loan_id, number in instalments}


def period_start(loan: Loan, current: RepaymentInstalment) -> dt.date:
    """The first day of an instalment's period: the previous due date, or the day of disbursement."""
    return period_starts({(loan.pk, current.number)})[(loan.pk, current.number)]


def prepayment_quote(*, loan: Loan, principal_fen: int | None, mode: str, on: dt.date) -> PrepaymentQuote:
    """What prepaying `principal_fen` (None: all of it) costs today, and the schedule
    that follows. The borrower pays the principal, the interest the prepaid principal
    has run up in the current period (pro rata by days), and the product's fee on the
    principal; the rest of the loan is re-amortised from the current period's start,
    over the same number of instalments (lower instalments) or over the fewest whose
    first instalment is not above the current one (shorter term).

    The service fee of instalments not yet due is not charged: a full prepayment
    waives all of it; after a partial one, each instalment left keeps the fee of the
    instalment it replaces, and those a shorter term drops are waived. Nothing is
    due when a prepayment is allowed, so no due fee is left unpaid."""
    if loan.status == Loan.Status.WRITTEN_OFF:
        raise Conflict(_("This loan was written off; repay what it still owes instead."), "repay.written_off")
    open_ones = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number"))
    if not open_ones or loan.status != Loan.Status.DISBURSED:
        raise Conflict(_("This loan has nothing left to repay."), "repay.settled")
    current = open_ones[0]
    if current.due_date <= on:
        raise RepaymentRefused(_("Pay what is due now first; then you can prepay."), "prepay.due_first", {"field": "amount"})
    if current.principal_paid_fen or current.interest_paid_fen or current.fee_paid_fen:
        raise RepaymentRefused(_("This instalment is partly paid; pay the rest of it first (you can pay it now), then prepay."), "prepay.partly_paid", {"field": "amount"})
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
    # A period can start in the future: the instalment before it was paid early.
    elapsed, period = max(0, (on - start).days), (current.due_date - start).days
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
            # principal and interest compared: the fee is not part of the annuity
            current_payment = current.principal_fen + current.interest_fen
            months = next(m for m in range(1, len(open_ones) + 1) if rebuilt(m)[0].total_fen <= current_payment or m == len(open_ones))
        # Keep the original due dates (a rebuilt month-end date could drift by a day)
        # and each replaced instalment's service fee.
        schedule = [(open_ones[k].due_date, i.principal_fen, i.interest_fen, open_ones[k].fee_fen) for k, i in enumerate(rebuilt(months))]
    return PrepaymentQuote(principal, interest, fee, remaining, schedule)


def loan_prepay(*, borrower, loan_id: int, principal_fen: int | None, mode: str, trade_password: str, key: str) -> Repayment:
    """Prepay (提前还款) all or part of the principal. The payment goes to the investors
    in proportion to the principal each still has in the loan; their receivables are
    rebuilt from the new schedule. Idempotent on (loan, key)."""
    _borrower_gate(borrower, loan_id, trade_password)
    with transaction.atomic():
        # The key is looked up under the loan's lock: a double submission waits for
        # the first to commit, then finds its repayment and returns it.
        loan = _lock_repaying(loan_id, borrower)
        existing = _replayed(loan_id, key, lambda r: principal_fen is None or r.principal_fen == principal_fen)
        if existing is not None:
            return existing
        _assert_repayable(loan)
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
        new = [Instalment(first_number + 1 + k, due, p, i, fee) for k, (due, p, i, fee) in enumerate(quote.new_schedule)]
        RepaymentInstalment.objects.bulk_create(
            RepaymentInstalment(loan=loan, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen, fee_fen=i.fee_fen)
            for i in new
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
        _pay_investors([(loan, repayment, paid_to)])
        transaction.on_commit(lambda: _tell_investors([(loan, repayment, paid_to)]))
        if not new:
            transition(loan, Loan.Status.SETTLED, reason="prepaid in full")
            notify(user=borrower, event="loan.settled", context={"loan": loan.title})
    return repayment
