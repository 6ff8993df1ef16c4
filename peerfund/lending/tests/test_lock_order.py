"""A repayment or prepayment sent again with the same key (a retry after a lost
answer) returns the first repayment, even when the first settled the loan: the key is
looked up under the loan's lock, before the loan's state is checked."""
import pytest

from peerfund.core import clock
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Loan, Repayment, RepaymentInstalment
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_repayment_and_a_full_prepayment_sent_twice_return_the_first(disbursed_loan, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    clock.travel_to(RepaymentInstalment.objects.get(loan=loan, number=1).due_date)
    pay_deposit(loan.borrower, 1_000_000, django_capture_on_commit_callbacks, key="top-up")
    with django_capture_on_commit_callbacks(execute=True):
        first = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="i1")
        again = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="i1")
    assert again.pk == first.pk
    with django_capture_on_commit_callbacks(execute=True):
        prepaid = loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=None, mode="reduce_term", trade_password=TRADE_PASSWORD, key="all")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.SETTLED
    balance = user_balances(loan.borrower)["user_available"]
    with django_capture_on_commit_callbacks(execute=True):
        retried = loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=None, mode="reduce_term", trade_password=TRADE_PASSWORD, key="all")
    assert retried.pk == prepaid.pk
    assert user_balances(loan.borrower)["user_available"] == balance
    assert Repayment.objects.filter(loan=loan).count() == 2
