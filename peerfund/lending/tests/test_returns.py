"""Investor returns: XIRR against figures worked out independently, and the asset
overview's lending figures after a repayment."""
import datetime as dt

import pytest

from peerfund.core import clock
from peerfund.funds.selectors import asset_overview
from peerfund.lending.models import Receivable, RepaymentInstalment
from peerfund.lending.returns import xirr
from peerfund.lending.services.repayment import loan_repay
from peerfund.tests_support.people import TRADE_PASSWORD

D0 = dt.date(2025, 1, 1)


def test_xirr_of_simple_flows():
    assert xirr([(D0, -10_000), (D0 + dt.timedelta(days=365), 11_000)]) == pytest.approx(0.10, abs=1e-9)
    # two years, 21 % over both: 10 % a year compounded
    assert xirr([(D0, -10_000), (D0 + dt.timedelta(days=730), 12_100)]) == pytest.approx(0.10, abs=1e-9)
    assert xirr([(D0, -10_000), (D0 + dt.timedelta(days=365), 9_000)]) == pytest.approx(-0.10, abs=1e-9)
    assert xirr([(D0, 10_000)]) is None and xirr([]) is None


def test_a_monthly_loan_at_10_percent_returns_about_10_47_percent_expected(disbursed_loan, investor, django_capture_on_commit_callbacks):
    overview = asset_overview(investor)
    receivables = Receivable.objects.filter(investment__investor=investor)
    assert overview["principal_to_collect_fen"] == 400_000
    assert overview["interest_to_collect_fen"] == sum(r.interest_fen for r in receivables)
    # 10 % nominal, paid monthly: (1 + 0.10/12)^12 - 1 = 10.47 %; months of 28-31 days move it a little
    assert abs(float(overview["xirr_expected"].rstrip("%")) - 10.47) < 0.15
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    clock.travel_to(first.due_date)
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=disbursed_loan.borrower, loan_id=disbursed_loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="r")
    after = asset_overview(investor)
    mine = receivables.get(number=1)
    assert after["received_fen"] == mine.principal_fen + mine.interest_fen
    assert after["principal_to_collect_fen"] == 400_000 - mine.principal_fen
    assert after["xirr_realised"] is not None and abs(float(after["xirr_realised"].rstrip("%")) - 10.47) < 0.5
