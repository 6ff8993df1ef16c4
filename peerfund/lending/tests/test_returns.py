"""Investor returns: the net annualised return (Decimal, LendingClub's definition)
against figures worked out by hand, XIRR against independent figures and only for
holdings of 30 days or more, and what the account, My investments and claims pages
show."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerfund.core import clock
from peerfund.funds.selectors import asset_overview
from peerfund.lending.models import Investment, Loan, Receivable, RepaymentInstalment
from peerfund.lending.returns import as_percent, net_annualised_return, net_earnings, xirr
from peerfund.lending.services.repayment import loan_repay
from peerfund.lending.services.transfer import claim_list
from peerfund.tests_support.people import TRADE_PASSWORD

D0 = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_xirr_of_simple_flows_in_decimal():
    one_year = xirr([(D0, -10_000), (day(365), 11_000)])
    assert isinstance(one_year, Decimal) and abs(one_year - Decimal("0.10")) < Decimal("1e-6")
    # two years, 21 % over both: 10 % a year compounded
    assert abs(xirr([(D0, -10_000), (day(730), 12_100)]) - Decimal("0.10")) < Decimal("1e-6")
    assert abs(xirr([(D0, -10_000), (day(365), 9_000)]) + Decimal("0.10")) < Decimal("1e-6")
    assert xirr([(D0, 10_000)]) is None and xirr([]) is None


def test_xirr_never_gives_a_degenerate_figure():
    # Paid today, valued today at less: no rate solves it inside the bracket.
    assert xirr([(D0, -10_000), (D0, 9_000)]) is None
    # Almost everything lost within a day: the root sits at the -99 % edge.
    assert xirr([(D0, -10_000), (day(1), 1)]) is None


@given(earned=st.integers(-10**9, 10**9), principal_days=st.integers(-10**6, 10**12))
def test_net_annualised_return_arithmetic(earned, principal_days):
    rate = net_annualised_return(earned, principal_days)
    if principal_days <= 0:
        assert rate is None
        return
    assert isinstance(rate, Decimal) and rate >= -1
    assert (rate > 0) == (earned > 0) and (rate == 0) == (earned == 0)
    monthly = Decimal(earned) * 365 / (Decimal(principal_days) * 12)
    if monthly > -1:
        # Undo the compounding and get back what was earned over the principal-days.
        assert abs((rate + 1) ** (Decimal(1) / 12) - 1 - monthly) <= abs(monthly) * Decimal("1e-20") + Decimal("1e-24")


@given(earned=st.integers(0, 10**8), more=st.integers(1, 10**6), principal_days=st.integers(1, 10**12))
def test_earning_more_on_the_same_principal_never_lowers_the_return(earned, more, principal_days):
    assert net_annualised_return(earned + more, principal_days) > net_annualised_return(earned, principal_days)


def test_net_annualised_return_worked_example():
    # ¥10,000 held a year earning ¥800: 8 % a year paid monthly = (1 + 0.08/12)^12 - 1 = 8.30 %.
    assert as_percent(net_annualised_return(80_000, 1_000_000 * 365)) == "8.30%"
    # ¥10,000 from day 0 to day 365 (fen). Receivable 1 repaid on day 100: ¥5,000 principal,
    # ¥300 interest, ¥10 penalty. Receivable 2 (¥5,000) stopped performing on its due day
    # 200 and was written off; ¥1,000 was recovered on day 250, ¥4,000 lost.
    receivables = [
        SimpleNamespace(principal_fen=500_000, principal_received_fen=500_000, interest_received_fen=30_000, penalty_received_fen=1_000,
                        received_on=day(100), due_date=day(100), status=Receivable.Status.RECEIVED),
        SimpleNamespace(principal_fen=500_000, principal_received_fen=100_000, interest_received_fen=0, penalty_received_fen=0,
                        received_on=day(250), due_date=day(200), status=Receivable.Status.WRITTEN_OFF),
    ]
    investment = SimpleNamespace(acquired_on=D0, principal_fen=1_000_000, bought_from_id=None,
                                 receivables=SimpleNamespace(all=lambda: receivables), listings=SimpleNamespace(all=lambda: []))
    earned, principal_days = net_earnings(investment, today=day(365))
    assert earned == 30_000 + 1_000 - 400_000
    # ¥10,000 × 365 − ¥5,000 × 265 (repaid) − ¥1,000 × 115 (recovered) − ¥4,000 × 165 (lost)
    assert principal_days == 100 * (10_000 * 365 - 5_000 * 265 - 1_000 * 115 - 4_000 * 165)
    # -¥3,690 over 1,550,000 yuan-days (¥4,247 on average for the year): monthly
    # -3,690 × 365 / (1,550,000 × 12) = -7.241 %, compounded (1 - 0.07241)^12 - 1 = -59.42 %
    assert as_percent(net_annualised_return(earned, principal_days)) == "-59.42%"


def test_an_investor_with_no_holdings_has_no_return(investor):
    overview = asset_overview(investor)
    assert overview["net_return"] is None and overview["xirr_realised"] is None and overview["xirr_expected"] is None


def test_a_loan_disbursed_today_shows_no_xirr(disbursed_loan, investor, client):
    overview = asset_overview(investor)
    assert overview["net_return"] is None and overview["xirr_realised"] is None and overview["xirr_expected"] is None
    client.force_login(investor)
    account = client.get("/account/").content.decode()
    assert 'data-testid="net-return">—<' in account and "XIRR — ·" in account and "-99.99" not in account
    mine = client.get("/loans/my-investments/").content.decode()
    assert "XIRR — ·" in mine and "-99.99" not in mine


def test_a_monthly_loan_at_10_percent_after_its_first_repayment(disbursed_loan, investor, django_capture_on_commit_callbacks, client):
    investment = Investment.objects.get(loan=disbursed_loan, investor=investor)
    overview = asset_overview(investor)
    receivables = Receivable.objects.filter(investment__investor=investor)
    assert overview["principal_to_collect_fen"] == 400_000
    assert overview["interest_to_collect_fen"] == sum(r.interest_fen for r in receivables)
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    clock.travel_to(first.due_date)
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=disbursed_loan.borrower, loan_id=disbursed_loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="r")
    clock.travel_to(max(first.due_date, investment.acquired_on + dt.timedelta(days=30)))
    after = asset_overview(investor)
    mine = receivables.get(number=1)
    assert after["received_fen"] == mine.principal_fen + mine.interest_fen
    assert after["principal_to_collect_fen"] == 400_000 - mine.principal_fen
    # One month's interest at 10 % over a month's principal-days: about 10 % a year.
    net = Decimal(after["net_return"].rstrip("%"))
    assert Decimal("9.5") < net < Decimal("11")
    # 10 % nominal, paid monthly: (1 + 0.10/12)^12 - 1 = 10.47 %; months of 28-31 days move it a little
    assert abs(Decimal(after["xirr_expected"].rstrip("%")) - Decimal("10.47")) < Decimal("0.5")
    assert abs(Decimal(after["xirr_realised"].rstrip("%")) - Decimal("10.47")) < Decimal("1")
    client.force_login(investor)
    assert f'>{after["net_return"]}<' in client.get("/account/").content.decode()
    assert after["net_return"] in client.get("/loans/my-investments/").content.decode()


@pytest.mark.parametrize("language, gain_class", [("zh-hans", "text-danger"), ("en", "text-success")])
def test_gains_are_red_in_chinese_and_green_in_english(disbursed_loan, investor, django_capture_on_commit_callbacks, client, language, gain_class):
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    clock.travel_to(first.due_date)
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=disbursed_loan.borrower, loan_id=disbursed_loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="r")
    client.force_login(investor)
    page = client.get("/account/", headers={"accept-language": language}).content.decode()
    assert f'{gain_class}" data-testid="net-return"' in page


def test_the_claims_market_shows_the_rate_as_a_percentage(disbursed_loan, investor, client):
    Loan.objects.filter(pk=disbursed_loan.pk).update(annual_rate=Decimal("0.09"))
    investment = Investment.objects.get(loan=disbursed_loan, investor=investor)
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    clock.travel_to(first.due_date + dt.timedelta(days=1))
    claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.01"))
    page = client.get("/loans/claims/").content.decode()
    assert 'data-testid="claim-rate">9.00%<' in page and "0.0900" not in page
