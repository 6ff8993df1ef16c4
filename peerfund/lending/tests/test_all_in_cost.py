"""The all-in annual cost (综合年化成本) against worked examples computed independently
(a spreadsheet's RATE, the closed form of a one-payment loan, numpy-financial), and its
properties over many loans."""
import datetime as dt
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerfund.lending.cost import annualise, cash_flows, monthly_irr, npv, schedule_all_in_apr
from peerfund.lending.schedules import Method, Terms, build_schedule

START = dt.date(2025, 3, 15)


def _schedule(principal_fen, rate, months, fee_rate="0", method=Method.EQUAL_INSTALMENT):
    return build_schedule(Terms(principal_fen=principal_fen, annual_rate=Decimal(rate), months=months, method=method, start_date=START,
                                service_fee_rate=Decimal(fee_rate)))


def test_equal_instalments_at_12_percent_without_fee_cost_12_percent():
    """¥10,000 over 12 months at 12 %, equal instalments, no fee: the payment is
    10000 × 0.01 × 1.01^12 / (1.01^12 − 1) = ¥888.49 (the last ¥888.47), and
    =RATE(12, -888.49, 10000) * 12 = 0.120005 → 0.1200."""
    schedule = _schedule(1_000_000, "0.12", 12)
    assert [i.total_fen for i in schedule][:11] == [88_849] * 11 and schedule[-1].total_fen == 88_847
    assert schedule_all_in_apr(1_000_000, schedule, START) == Decimal("0.1200")


def test_a_flat_fee_of_1_percent_a_month_costs_about_21_46_percent():
    """¥10,000 over 12 months at 0 % interest with a 12 % fee (1 % of the amount a
    month, "flat"): each instalment is 833.33 principal + 100.00 fee = ¥933.33, the
    last ¥933.37. =RATE(12, -933.33, 10000) * 12 = 0.21456 → 0.2146: the well-known
    "1 % a month flat is about 21.5 % a year"."""
    schedule = _schedule(1_000_000, "0", 12, fee_rate="0.12")
    assert {i.fee_fen for i in schedule} == {10_000}
    assert [i.total_fen for i in schedule][:11] == [93_333] * 11
    assert schedule_all_in_apr(1_000_000, schedule, START) == Decimal("0.2146")


def test_fee_with_the_instalments_is_not_the_figure_netting_would_give():
    """¥3,000 over 12 months at 10 % with a 2 % fee (¥60). Charged with the
    instalments (¥5.00 each): the borrower receives ¥3,000 and pays 263.75 + 5.00 =
    ¥268.75 a month; =RATE(12, -268.75, 3000) * 12 = 0.13567 → 0.1356 (the last
    instalment is 4 fen lighter). Netted at disbursement (砍头息) the borrower would
    receive ¥2,940 and pay ¥263.75: =RATE(12, -263.75, 2940) * 12 = 0.1384."""
    schedule = _schedule(300_000, "0.10", 12, fee_rate="0.02")
    assert sum(i.fee_fen for i in schedule) == 6_000 and schedule[0].total_fen == 26_875
    all_in = schedule_all_in_apr(300_000, schedule, START)
    assert all_in == Decimal("0.1356")
    netted = annualise(monthly_irr(294_000, [(k, i.principal_fen + i.interest_fen) for k, i in enumerate(schedule, start=1)]))
    assert netted == Decimal("0.1384") != all_in


def test_one_payment_at_maturity_matches_the_closed_form():
    """¥3,000 for 12 months at 10 %, bullet, 2 % fee: one payment of 3000 + 300 + 60 =
    ¥3,360 at month 12, so the monthly IRR is (3360 / 3000)^(1/12) − 1 and the all-in
    cost 12 × that = 0.11387 → 0.1139. (Below the 10 % + 2 % one might add up: simple
    interest paid once at the end is cheaper than monthly compounding; the IRR, a
    monthly rate, says so.)"""
    schedule = _schedule(300_000, "0.10", 12, fee_rate="0.02", method=Method.BULLET)
    assert [(i.due_date, i.total_fen) for i in schedule] == [(dt.date(2026, 3, 15), 336_000)]
    assert cash_flows(schedule, START) == [(12, 336_000)]
    assert schedule_all_in_apr(300_000, schedule, START) == Decimal("0.1139")


def test_no_interest_and_no_fee_costs_nothing():
    assert schedule_all_in_apr(500_000, _schedule(500_000, "0", 6), START) == Decimal("0.0000")


def test_irr_is_exact_far_below_a_fen():
    """The monthly IRR is solved to below 1e-20: discounting the payments at it gives
    back the principal to a tiny fraction of a fen."""
    schedule = _schedule(1_234_567, "0.0875", 24, fee_rate="0.015")
    flows = cash_flows(schedule, START)
    rate = monthly_irr(1_234_567, flows)
    assert abs(npv(rate, 1_234_567, flows)) < Decimal("1e-12")


def test_refuses_what_is_not_a_loan():
    with pytest.raises(ValueError):
        monthly_irr(0, [(1, 100)])
    with pytest.raises(ValueError):
        monthly_irr(100, [])


MONTHLY = [Method.EQUAL_INSTALMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_FIRST]


@settings(max_examples=60, deadline=None)
@given(
    principal_fen=st.integers(min_value=100_000, max_value=20_000_000),
    rate_bp=st.integers(min_value=0, max_value=2400),
    months=st.sampled_from([1, 2, 3, 6, 9, 12, 18, 24, 36]),
    fee_bp=st.integers(min_value=0, max_value=500),
    method=st.sampled_from(MONTHLY),
)
def test_all_in_cost_properties(principal_fen, rate_bp, months, fee_bp, method):
    """Over loans paying interest monthly (30/360, the products' day count):
    - the all-in cost is never below the contract rate when the fee is ≥ 0;
    - at the exact monthly IRR the payments are worth the principal within a fen;
    - the four-place figure is the correctly rounded one: at ± half a basis point the
      net present value changes sign around it;
    - it agrees with numpy-financial's IRR (float, another algorithm)."""
    rate, fee_rate = Decimal(rate_bp) / 10_000, Decimal(fee_bp) / 10_000
    schedule = _schedule(principal_fen, rate, months, fee_rate=fee_rate, method=method)
    flows = cash_flows(schedule, START)
    all_in = schedule_all_in_apr(principal_fen, schedule, START)
    assert all_in >= rate
    assert abs(npv(monthly_irr(principal_fen, flows), principal_fen, flows)) < 1
    half_bp = Decimal("0.00005")
    assert npv((all_in - half_bp) / 12, principal_fen, flows) >= 0 >= npv((all_in + half_bp) / 12, principal_fen, flows)
    reference = npf.irr([-principal_fen, *[i.total_fen for i in schedule]]) * 12
    assert abs(float(all_in) - reference) <= 0.00005 + 1e-9
