"""Repayments: allocation (penalty, interest, principal, oldest first), the investors'
shares adding up to each payment, overdue and penalty interest, write-off, and every
refusal a borrower can meet."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import User
from peerfund.accounts.services.cards import card_bind
from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import round_half_up
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.lending.models import Loan, Receivable, Repayment, RepaymentInstalment
from peerfund.lending.services.overdue import loans_mark_overdue, loans_write_off, overdue_stage
from peerfund.lending.services.repayment import allocate, loan_repay, loans_auto_debit, repayment_notices_daily
from peerfund.notify.models import Message
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, card_number

Status = RepaymentInstalment.Status


def _instalment(number, principal, interest, penalty=0, principal_paid=0, interest_paid=0, penalty_paid=0, fee=0):
    return RepaymentInstalment(
        number=number, due_date=dt.date(2026, number, 1), principal_fen=principal, interest_fen=interest, penalty_fen=penalty,
        principal_paid_fen=principal_paid, interest_paid_fen=interest_paid, penalty_paid_fen=penalty_paid, fee_fen=fee,
    )


parts = st.integers(min_value=0, max_value=100_000)


@given(rows=st.lists(st.tuples(parts, parts, parts, parts), min_size=1, max_size=6), amount=st.integers(min_value=0, max_value=800_000))
def test_allocation_goes_penalty_fee_interest_principal_oldest_first_and_never_over(rows, amount):
    """Civil Code art. 561: costs (penalty, then the service fee), then interest, then principal."""
    instalments = [_instalment(n + 1, p, i, penalty=x, fee=f) for n, (p, i, x, f) in enumerate(rows)]
    allocations = allocate(instalments, amount)
    owed = sum(i.owed_fen for i in instalments)
    assert sum(a.total_fen for a in allocations) == min(amount, owed)
    for allocation in allocations:
        i = allocation.instalment
        assert 0 <= allocation.penalty_fen <= i.penalty_fen and 0 <= allocation.interest_fen <= i.interest_fen
        assert 0 <= allocation.principal_fen <= i.principal_fen and 0 <= allocation.fee_fen <= i.fee_fen
        # the fee only once the penalty is paid, interest only once the fee is, principal only once the interest is
        assert allocation.fee_fen == 0 or allocation.penalty_fen == i.penalty_fen
        assert allocation.interest_fen == 0 or allocation.fee_fen == i.fee_fen
        assert allocation.principal_fen == 0 or allocation.interest_fen == i.interest_fen
    # a later instalment gets money only when every earlier one is fully paid
    for earlier, later in zip(allocations, allocations[1:]):
        assert earlier.total_fen == earlier.instalment.owed_fen


def _fund_borrower(loan, amount, capture):
    pay_deposit(loan.borrower, amount, capture, key=f"repay-funds-{amount}")


def _first(loan):
    return RepaymentInstalment.objects.get(loan=loan, number=1)


def test_paying_an_instalment_pays_each_investor_their_receivable_exactly(disbursed_loan, investor, other_investor, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _first(loan)
    _fund_borrower(loan, first.total_fen, django_capture_on_commit_callbacks)
    before = {u.pk: user_balances(u)["user_available"] for u in (investor, other_investor)}
    fee_before = platform_account("platform_fee").balance_fen
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="r1")
    assert (repayment.amount_fen, repayment.principal_fen, repayment.interest_fen) == (first.total_fen, first.principal_fen, first.interest_fen)
    assert repayment.service_fee_fen == first.fee_fen == 14_000 // 12 + 1  # ¥140 fee (2 % of ¥7,000) in 12 parts, the first 8 a fen more
    first.refresh_from_db()
    assert first.status == Status.PAID and first.owed_fen == 0 and first.fee_paid_fen == first.fee_fen
    for user in (investor, other_investor):
        receivable = Receivable.objects.get(investment__loan=loan, investment__investor=user, number=1)
        assert receivable.status == Receivable.Status.RECEIVED
        assert user_balances(user)["user_available"] - before[user.pk] == receivable.principal_fen + receivable.interest_fen
    assert user_balances(loan.borrower)["user_available"] == 700_000  # the whole loan: nothing was netted
    # the fee went to the platform, by its own entry out of the loan's repayment account
    fee_entry = Entry.objects.get(kind=EntryKind.LOAN_SERVICE_FEE, ref=f"loan:{loan.pk}")
    assert sorted((p.account.kind, p.amount_fen) for p in fee_entry.postings.select_related("account")) == [
        ("borrower_repayment", -first.fee_fen), ("platform_fee", first.fee_fen),
    ]
    assert platform_account("platform_fee").balance_fen == fee_before + first.fee_fen
    assert ledger_check(include_external=False) == []
    # the same key again is the same repayment
    assert loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="r1").pk == repayment.pk


def test_a_partial_payment_is_split_so_the_shares_add_up(disbursed_loan, investor, other_investor, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    _fund_borrower(loan, 10_001, django_capture_on_commit_callbacks)
    before = sum(user_balances(u)["user_available"] for u in (investor, other_investor))
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=10_001, trade_password=TRADE_PASSWORD, key="part")
    first = _first(loan)
    # the service fee first (the platform's), then interest, then principal (Civil Code art. 561)
    assert repayment.service_fee_fen == first.fee_paid_fen == first.fee_fen > 0
    to_investors = 10_001 - first.fee_fen
    assert sum(user_balances(u)["user_available"] for u in (investor, other_investor)) - before == to_investors
    assert first.status == Status.DUE and first.interest_paid_fen == first.interest_fen  # interest before principal
    assert first.principal_paid_fen == to_investors - first.interest_fen
    received = Receivable.objects.filter(investment__loan=loan, number=1)
    assert sum(r.principal_received_fen + r.interest_received_fen for r in received) == to_investors


def test_refusals(disbursed_loan, other_user, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    owed = _first(loan).owed_fen

    def repay(amount, user=None, password=TRADE_PASSWORD, key="x"):
        return loan_repay(borrower=user or loan.borrower, loan_id=loan.pk, amount_fen=amount, trade_password=password, key=key)

    with pytest.raises(AccountError) as excinfo:
        repay(owed + 1)
    assert excinfo.value.code == "repay.above_due" and excinfo.value.extra["owed_fen"] == owed
    with pytest.raises(AccountError) as excinfo:
        repay(0)
    assert excinfo.value.code == "repay.invalid_amount"
    with pytest.raises(NotFound):
        repay(owed, user=other_user)
    with pytest.raises(AccountError) as excinfo:
        repay(owed, password="000000")
    assert excinfo.value.code == "trade_password.wrong"
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.SETTLED)
    with pytest.raises(Conflict) as excinfo:
        repay(owed, key="late")
    assert excinfo.value.code == "repay.settled"
    assert not Repayment.objects.filter(key__in=["x", "late"]).exists()


def test_repaying_with_too_little_money_is_refused_with_the_balance(disbursed_loan, django_capture_on_commit_callbacks):
    from peerfund.ledger import services as ledger
    from peerfund.ledger.chart import AccountKind

    loan = disbursed_loan
    available = ledger.user_accounts(loan.borrower)[AccountKind.USER_AVAILABLE].balance_fen
    # An instalment larger than what the borrower holds (the disbursed ¥6,860).
    RepaymentInstalment.objects.filter(loan=loan, number=1).update(principal_fen=available + 1, interest_fen=0)
    with pytest.raises(AccountError) as excinfo:
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="big")
    assert excinfo.value.code == "repay.insufficient" and excinfo.value.extra["available_fen"] == available
    assert not Repayment.objects.exists()


def test_overdue_after_the_grace_days_with_daily_penalty_charged_once_per_date(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _first(loan)
    due, grace = first.due_date, loan.product.grace_days
    assert loans_mark_overdue(loan_ids=[loan.pk], on=due + dt.timedelta(days=grace)) == 0  # still in grace
    assert _first(loan).status == Status.DUE and _first(loan).penalty_fen == 0
    day = due + dt.timedelta(days=grace + 1)
    assert loans_mark_overdue(loan_ids=[loan.pk], on=day) == 1
    rate = loan.product.penalty_rate_daily
    expected = (grace + 1) * round_half_up(Decimal(first.principal_fen) * rate)  # each day's penalty to the fen
    assert (_first(loan).status, _first(loan).penalty_fen) == (Status.OVERDUE, expected)
    assert loans_mark_overdue(loan_ids=[loan.pk], on=day) == 0  # the same date again: nothing more
    assert _first(loan).penalty_fen == expected
    assert set(Receivable.objects.filter(investment__loan=loan, number=1).values_list("status", flat=True)) == {"overdue"}
    loans_mark_overdue(loan_ids=[loan.pk], on=day + dt.timedelta(days=2))  # two more days
    assert _first(loan).penalty_fen == expected + 2 * round_half_up(Decimal(first.principal_fen) * rate)
    assert overdue_stage((day - due).days) == "M1" and overdue_stage(45) == "M2" and overdue_stage(61) == "M3+"
    # paying now pays the penalty first, to the investors
    clock.travel_to(day + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="cure")
    assert repayment.penalty_fen == _first(loan).penalty_fen > 0
    assert _first(loan).status == Status.PAID
    received = Receivable.objects.filter(investment__loan=loan, number=1)
    assert sum(r.penalty_received_fen for r in received) == repayment.penalty_fen


def test_auto_debit_on_the_due_date_takes_what_the_balance_covers(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _first(loan)
    clock.travel_to(first.due_date)  # the close of a date runs once it has begun
    assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date - dt.timedelta(days=1)) == 0  # nothing due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date) == 1
    repayment = loan.repayments.get()
    assert repayment.amount_fen == first.total_fen and repayment.source == "auto"
    assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date) == 0  # once per date
    assert _first(loan).status == Status.PAID
    # the investors hear of the day's money once each, with the total
    received = dict(Receivable.objects.filter(investment__loan=loan, number=1).values_list("investment__investor_id", "interest_received_fen"))
    assert repayment_notices_daily(on=first.due_date) == len(received)
    assert Message.objects.filter(event="repayment.received_daily").count() == len(received)
    assert not Message.objects.filter(event="repayment.received").exists()


def test_write_off_after_the_products_days_marks_the_investors_claims(disbursed_loan, investor):
    loan = disbursed_loan
    first = _first(loan)
    assert loans_write_off(loan_ids=[loan.pk], on=first.due_date + dt.timedelta(days=89)) == 0
    assert loans_write_off(loan_ids=[loan.pk], on=first.due_date + dt.timedelta(days=90)) == 1
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF
    assert set(loan.instalments.values_list("status", flat=True)) == {"written_off"}
    assert set(Receivable.objects.filter(investment__investor=investor).values_list("status", flat=True)) == {"written_off"}
    assert investor.messages.filter(event="loan.written_off").exists()


def test_the_debit_takes_what_a_short_balance_covers_and_the_rest_another_day(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    borrower = loan.borrower
    card = card_bind(user=borrower, card_number=card_number(serial=3000), holder_name=borrower.verifications.get().real_name)
    available = user_balances(borrower)["user_available"]
    first = _first(loan)
    keep = first.total_fen // 3  # the borrower spent the loan and kept a third of an instalment
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal_request(user=borrower, amount_fen=available - keep, card_id=card.pk, trade_password=TRADE_PASSWORD, key="spend")
    clock.travel_to(first.due_date + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date) == 1
    part = loan.repayments.get()
    fee = min(keep, first.fee_fen)
    interest = min(keep - fee, first.interest_fen)
    assert (part.amount_fen, part.service_fee_fen, part.interest_fen, part.principal_fen) == (keep, fee, interest, keep - fee - interest)
    assert user_balances(borrower)["user_available"] == 0
    received = Receivable.objects.filter(investment__loan=loan, number=1)
    assert sum(r.received_fen for r in received) == keep - fee and {r.status for r in received} == {"due"}
    assert _first(loan).status == Status.DUE
    pay_deposit(borrower, first.total_fen, django_capture_on_commit_callbacks, key="top-up")
    with django_capture_on_commit_callbacks(execute=True):
        assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date + dt.timedelta(days=1)) == 1
    assert _first(loan).status == Status.PAID and {r.status for r in received.all()} == {"received"}
    assert sum(r.received_fen for r in received.all()) == first.total_fen - first.fee_fen  # the investors never get the fee


def test_a_frozen_borrower_is_not_debited(disbursed_loan):
    loan = disbursed_loan
    first = _first(loan)
    User.objects.filter(pk=loan.borrower_id).update(frozen_at=clock.now())
    clock.travel_to(first.due_date)
    assert loans_auto_debit(loan_ids=[loan.pk], on=first.due_date) == 0
    assert not loan.repayments.exists()


def test_reminders_give_the_amount_with_the_service_fee_in_it(disbursed_loan):
    from peerfund.core.money import format_fen
    from peerfund.lending.services.overdue import repayment_reminders

    loan = disbursed_loan
    first = _first(loan)
    assert repayment_reminders(on=first.due_date - dt.timedelta(days=4)) == 1  # T-3
    notice = Message.objects.get(user=loan.borrower, event="repayment.due_soon")
    assert notice.context["amount"] == format_fen(first.principal_fen + first.interest_fen + first.fee_fen)
    assert notice.context["fee"] == format_fen(first.fee_fen) == "¥11.67"
