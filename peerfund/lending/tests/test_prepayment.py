"""Prepayment (提前还款): full and partial, lower instalments or a shorter term, with
the product's fee; schedules and receivables rebuilt; checked against figures worked
out here independently (numpy-financial for the annuity)."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest

from peerfund.accounts.errors import AccountError
from peerfund.core import clock
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.lending.models import Loan, Receivable, RepaymentInstalment
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


def fen(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _open(loan):
    return list(RepaymentInstalment.objects.filter(loan=loan, status__in=["due", "overdue"]).order_by("number"))


def _pay_first_instalment(loan, capture):
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    clock.travel_to(first.due_date)
    with capture(execute=True):
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="i1")
    return first


def test_full_prepayment_mid_period(disbursed_loan, investor, other_investor, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _pay_first_instalment(loan, django_capture_on_commit_callbacks)
    second = RepaymentInstalment.objects.get(loan=loan, number=2)
    outstanding = 700_000 - first.principal_fen
    clock.travel_to(first.due_date + dt.timedelta(days=10))
    period = (second.due_date - first.due_date).days
    interest = fen(Decimal(second.interest_fen) * 10 / period)  # the period's interest, pro rata by days
    fee = fen(Decimal(outstanding) * Decimal("0.01"))
    total = outstanding + interest + fee
    pay_deposit(loan.borrower, 100_000, django_capture_on_commit_callbacks, key="top-up")
    before = {u.pk: user_balances(u)["user_available"] for u in (investor, other_investor)}
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=None, mode="reduce_term", trade_password=TRADE_PASSWORD, key="all")
    assert (repayment.principal_fen, repayment.interest_fen, repayment.fee_fen, repayment.amount_fen) == (outstanding, interest, fee, total)
    # the service fee of the eleven instalments not yet due is waived: none charged, none posted
    assert repayment.service_fee_fen == 0
    assert Entry.objects.filter(kind=EntryKind.LOAN_SERVICE_FEE, ref=f"loan:{loan.pk}").count() == 1  # the first instalment's only
    assert platform_account("platform_fee").balance_fen == first.fee_fen
    loan.refresh_from_db()
    assert loan.status == Loan.Status.SETTLED and _open(loan) == []
    assert sum(user_balances(u)["user_available"] - before[u.pk] for u in (investor, other_investor)) == total
    # each investor got their principal back exactly: ¥4,000 and ¥3,000 in all
    for user, lent in ((investor, 400_000), (other_investor, 300_000)):
        assert sum(r.principal_received_fen for r in Receivable.objects.filter(investment__investor=user, investment__loan=loan)) == lent


def test_partial_prepayment_lowers_the_instalments(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _pay_first_instalment(loan, django_capture_on_commit_callbacks)
    outstanding = 700_000 - first.principal_fen
    pay_deposit(loan.borrower, 300_000, django_capture_on_commit_callbacks, key="top-up")
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=200_000, mode="reduce_instalment", trade_password=TRADE_PASSWORD, key="part")
    assert repayment.interest_fen == 0  # prepaid on the first day of the period
    assert repayment.fee_fen == 2_000
    rest = _open(loan)
    assert len(rest) == 11  # the same term
    assert sum(i.principal_fen for i in rest) == outstanding - 200_000
    payment = fen(-npf.pmt(0.10 / 12, 11, outstanding - 200_000))  # independent annuity
    assert rest[0].principal_fen + rest[0].interest_fen == payment
    # each instalment left keeps the service fee of the one it replaces: the prepayment charges none of it
    assert [i.fee_fen for i in rest] == [1_167] * 7 + [1_166] * 4  # instalments 2–12 had 1,167 × 7 and 1,166 × 4
    assert repayment.service_fee_fen == 0
    assert RepaymentInstalment.objects.get(loan=loan, number=2).due_date == first.due_date  # the prepayment itself, paid
    assert [i.due_date for i in rest][-1] == first.due_date.replace(year=first.due_date.year + 1) or len(rest) == 11
    for instalment in rest:  # the receivables add up to every new instalment
        shares = Receivable.objects.filter(investment__loan=loan, number=instalment.number)
        assert sum(s.principal_fen for s in shares) == instalment.principal_fen
        assert sum(s.interest_fen for s in shares) == instalment.interest_fen


def test_partial_prepayment_shortens_the_term(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    first = _pay_first_instalment(loan, django_capture_on_commit_callbacks)
    outstanding = 700_000 - first.principal_fen
    pay_deposit(loan.borrower, 300_000, django_capture_on_commit_callbacks, key="top-up")
    with django_capture_on_commit_callbacks(execute=True):
        loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=300_000, mode="reduce_term", trade_password=TRADE_PASSWORD, key="term")
    rest = _open(loan)
    remaining = outstanding - 300_000
    # the fewest months whose annuity is not above the old instalment
    months = next(m for m in range(1, 12) if fen(-npf.pmt(0.10 / 12, m, remaining)) <= first.principal_fen + first.interest_fen)
    assert len(rest) == months < 11
    # the instalments a shorter term drops take their service fee with them (waived)
    assert [i.fee_fen for i in rest] == [1_167] * min(months, 7) + [1_166] * (months - min(months, 7))
    assert sum(i.principal_fen for i in rest) == remaining


def test_prepayment_refusals(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan

    def prepay(principal, mode="reduce_instalment", key="p"):
        return loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=principal, mode=mode, trade_password=TRADE_PASSWORD, key=key)

    with pytest.raises(AccountError) as excinfo:
        prepay(700_001)
    assert excinfo.value.code == "prepay.invalid_amount" and excinfo.value.extra["outstanding_fen"] == 700_000
    with pytest.raises(AccountError) as excinfo:
        prepay(None)  # ¥7,000 + the 1 % prepayment fee, with ¥7,000 in the balance
    assert excinfo.value.code == "repay.insufficient"
    with pytest.raises(AccountError) as excinfo:
        prepay(10_000, mode="sideways")
    assert excinfo.value.code == "prepay.mode"
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    clock.travel_to(first.due_date)
    with pytest.raises(AccountError) as excinfo:
        prepay(10_000)
    assert excinfo.value.code == "prepay.due_first"
    assert not loan.repayments.exists()


def test_prepaying_after_paying_this_months_instalment_early_charges_no_interest(disbursed_loan, django_capture_on_commit_callbacks):
    """Paid early, the instalment's period has not ended: nothing of the next period
    has run yet, so the prepayment carries no interest (never a negative amount)."""
    loan = disbursed_loan
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    clock.travel_to(first.due_date - dt.timedelta(days=10))
    pay_deposit(loan.borrower, 800_000, django_capture_on_commit_callbacks, key="top-up")
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="early")
        repayment = loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=None, mode="reduce_term", trade_password=TRADE_PASSWORD, key="all")
    outstanding = 700_000 - first.principal_fen
    assert (repayment.principal_fen, repayment.interest_fen, repayment.fee_fen) == (outstanding, 0, fen(Decimal(outstanding) * Decimal("0.01")))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.SETTLED
