"""Repayment schedules against numpy-financial, against worked examples computed by
hand, and as properties: principal sums to the loan exactly, nothing is negative, the
balance reaches zero, investor shares sum to every instalment."""
import datetime as dt
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerfund.core.money import round_half_up, split_largest_remainder
from peerfund.lending.schedules import (
    DayCount,
    Instalment,
    Method,
    Rounding,
    Terms,
    build_schedule,
    due_dates,
    split_among_investors,
)

START = dt.date(2026, 1, 31)


def _terms(**overrides) -> Terms:
    values = {"principal_fen": 1_000_000, "annual_rate": Decimal("0.12"), "months": 12, "method": Method.EQUAL_INSTALMENT, "start_date": START}
    return Terms(**{**values, **overrides})


def test_equal_instalments_match_numpy_financial():
    for principal, rate, months in [(1_000_000, "0.12", 12), (5_000_000, "0.0865", 36), (12_345_678, "0.1499", 24), (100_000, "0.06", 3)]:
        terms = _terms(principal_fen=principal, annual_rate=Decimal(rate), months=months)
        schedule = build_schedule(terms)
        monthly = float(rate) / 12
        payment = npf.pmt(monthly, months, -principal)
        assert all(i.total_fen == round(payment) for i in schedule[:-1])
        assert abs(schedule[-1].total_fen - payment) <= months  # the last absorbs at most a fen a month
        for period, instalment in enumerate(schedule, start=1):
            assert abs(instalment.interest_fen - (-npf.ipmt(monthly, period, months, principal))) <= 1


def test_worked_example_equal_instalments():
    # ¥10,000 at 12 % over 12 months: 888.49 a month; month 1 is 100.00 interest and
    # 788.49 principal; month 2 interest is 1 % of 9,211.51 = 92.12 (rounded half up).
    schedule = build_schedule(_terms())
    assert (schedule[0].interest_fen, schedule[0].principal_fen) == (10_000, 78_849)
    assert (schedule[1].interest_fen, schedule[1].principal_fen) == (9_212, 79_637)
    assert schedule[-1] == Instalment(12, dt.date(2027, 1, 31), 87_967, 880)


def test_worked_example_equal_principal():
    # ¥10,000 over 12 months: 833.33 principal a month, the last 833.37; interest 1 %
    # of the balance: 100.00, 91.67, 83.33 …
    schedule = build_schedule(_terms(method=Method.EQUAL_PRINCIPAL))
    assert [i.principal_fen for i in schedule] == [83_333] * 11 + [83_337]
    assert [i.interest_fen for i in schedule[:3]] == [10_000, 9_167, 8_333]


def test_worked_examples_interest_first_and_bullet():
    interest_first = build_schedule(_terms(method=Method.INTEREST_FIRST))
    assert [i.interest_fen for i in interest_first] == [10_000] * 12
    assert [i.principal_fen for i in interest_first] == [0] * 11 + [1_000_000]
    (bullet,) = build_schedule(_terms(method=Method.BULLET))
    assert (bullet.principal_fen, bullet.interest_fen, bullet.due_date) == (1_000_000, 120_000, dt.date(2027, 1, 31))


def test_actual_365_counts_the_days():
    schedule = build_schedule(_terms(method=Method.INTEREST_FIRST, day_count=DayCount.ACTUAL_365))
    # 31 Jan → 28 Feb is 28 days: 10,000 × 12 % × 28/365 = 92.05 yuan.
    assert schedule[0].interest_fen == 9_205
    assert schedule[1].interest_fen == round(1_000_000 * 0.12 * 31 / 365)  # 28 Feb → 31 Mar
    (bullet,) = build_schedule(_terms(method=Method.BULLET, day_count=DayCount.ACTUAL_365))
    assert bullet.interest_fen == 120_000  # 2026-01-31 → 2027-01-31 is 365 days


def test_yuan_rounding_rounds_the_instalment_not_the_interest():
    schedule = build_schedule(_terms(rounding=Rounding.YUAN))
    assert all(i.total_fen % 100 == 0 for i in schedule[:-1])
    assert schedule[0].total_fen == 88_800  # 888.49 → 888
    assert sum(i.principal_fen for i in schedule) == 1_000_000


def test_due_dates_keep_the_day_or_the_month_end():
    assert due_dates(dt.date(2026, 1, 31), 4) == [dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 31)]


@pytest.mark.parametrize("bad", [{"principal_fen": 0}, {"principal_fen": 1.5}, {"annual_rate": 0.12}, {"months": 0}, {"method": "magic"}])
def test_bad_terms_are_refused(bad):
    with pytest.raises(ValueError):
        _terms(**bad)


terms_strategy = st.builds(
    Terms,
    principal_fen=st.integers(min_value=100, max_value=10**11),
    annual_rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.36"), places=4),
    months=st.integers(min_value=1, max_value=36),
    method=st.sampled_from(Method.values),
    start_date=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)),
    day_count=st.sampled_from(DayCount.values),
    rounding=st.sampled_from(Rounding.values),
)


@given(terms_strategy)
def test_schedule_properties(terms):
    schedule = build_schedule(terms)
    assert sum(i.principal_fen for i in schedule) == terms.principal_fen
    assert all(i.principal_fen >= 0 and i.interest_fen >= 0 for i in schedule)
    balance = terms.principal_fen
    for instalment in schedule:
        balance -= instalment.principal_fen
        assert balance >= 0
    assert balance == 0
    assert [i.number for i in schedule] == list(range(1, len(schedule) + 1))
    assert [i.due_date for i in schedule] == sorted(i.due_date for i in schedule)


@given(terms_strategy, st.lists(st.integers(min_value=100, max_value=10**8), min_size=1, max_size=30))
def test_investor_shares_sum_to_every_instalment(terms, holdings):
    schedule = build_schedule(terms)
    shares = split_among_investors(schedule, holdings)
    for position, instalment in enumerate(schedule):
        assert sum(s[position].principal_fen for s in shares) == instalment.principal_fen
        assert sum(s[position].interest_fen for s in shares) == instalment.interest_fen
    targets = split_largest_remainder(terms.principal_fen, holdings)
    for target, share in zip(targets, shares, strict=True):
        assert sum(i.principal_fen for i in share) == target  # no drift across instalments
        assert all(i.principal_fen >= 0 and i.interest_fen >= 0 for i in share)


@given(terms_strategy, st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=12))
def test_investors_get_back_exactly_what_they_lent(terms, weights):
    """Holdings that are the loan (bids adding up to it): each investor's principal over
    the schedule is exactly their bid, to the fen."""
    bids = split_largest_remainder(terms.principal_fen, weights)
    bids = [b for b in bids if b > 0] or [terms.principal_fen]
    shares = split_among_investors(build_schedule(terms), bids)
    assert [sum(i.principal_fen for i in share) for share in shares] == bids


def test_a_fen_largest_remainder_takes_back_is_swapped_not_negative():
    """Cumulative ¥0.03 splits 1/1/1 by holdings 1:3:3, but ¥0.04 splits 0/2/2 (the
    Alabama paradox): the first investor's second part would be −1 fen."""
    schedule = [Instalment(1, START, 3, 0), Instalment(2, START, 1, 0), Instalment(3, START, 3, 0)]
    shares = split_among_investors(schedule, [1, 3, 3])
    assert all(i.principal_fen >= 0 for share in shares for i in share)
    assert [sum(i.principal_fen for i in share) for share in shares] == split_largest_remainder(7, [1, 3, 3])
    for k, instalment in enumerate(schedule):
        assert sum(share[k].principal_fen for share in shares) == instalment.principal_fen


def test_worked_example_service_fee_in_equal_parts():
    # ¥10,000 with a 2 % fee over 12 months: ¥200.00 in all, 20,000 fen // 12 = 1,666
    # a month and the first 8 (20,000 % 12) carry 1,667. Principal and interest unchanged.
    plain = build_schedule(_terms())
    schedule = build_schedule(_terms(service_fee_rate=Decimal("0.02")))
    assert [i.fee_fen for i in schedule] == [1_667] * 8 + [1_666] * 4
    assert [(i.principal_fen, i.interest_fen) for i in schedule] == [(i.principal_fen, i.interest_fen) for i in plain]
    assert schedule[0].total_fen == 78_849 + 10_000 + 1_667
    (bullet,) = build_schedule(_terms(method=Method.BULLET, service_fee_rate=Decimal("0.02")))
    assert bullet.fee_fen == 20_000 and bullet.total_fen == 1_000_000 + 120_000 + 20_000


def test_fee_total_rounds_half_up():
    # ¥3,000.05 × 1.5 % = 4,500.075 fen → 4,500; ¥3,000.10 × 1.5 % = 4,500.15 → 4,500; 0.5 goes up.
    assert sum(i.fee_fen for i in build_schedule(_terms(principal_fen=300_005, service_fee_rate=Decimal("0.015")))) == 4_500
    assert sum(i.fee_fen for i in build_schedule(_terms(principal_fen=100, service_fee_rate=Decimal("0.005")))) == 1  # 0.5 → 1


def test_bad_fee_rate_is_refused():
    for bad in (0.02, Decimal("-0.01"), Decimal("1")):
        with pytest.raises(ValueError):
            _terms(service_fee_rate=bad)


@given(terms_strategy, st.decimals(min_value=Decimal("0"), max_value=Decimal("0.2"), places=4))
def test_fee_parts_sum_to_the_total_and_differ_by_at_most_a_fen(terms, fee_rate):
    terms = Terms(**{**terms.__dict__, "service_fee_rate": fee_rate})
    schedule = build_schedule(terms)
    fees = [i.fee_fen for i in schedule]
    assert sum(fees) == round_half_up(Decimal(terms.principal_fen) * fee_rate)
    assert max(fees) - min(fees) <= 1
    assert fees == sorted(fees, reverse=True)  # the extra fen go to the first instalments
    assert all(i.total_fen == i.principal_fen + i.interest_fen + i.fee_fen for i in schedule)


@given(terms_strategy, st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.2"), places=4), st.lists(st.integers(min_value=100, max_value=10**8), min_size=1, max_size=12))
def test_investors_receivables_never_carry_the_fee(terms, fee_rate, holdings):
    schedule = build_schedule(Terms(**{**terms.__dict__, "service_fee_rate": fee_rate}))
    shares = split_among_investors(schedule, holdings)
    assert all(i.fee_fen == 0 for share in shares for i in share)
    received = sum(i.total_fen for share in shares for i in share)
    assert received == sum(i.principal_fen + i.interest_fen for i in schedule)
    assert received == sum(i.total_fen for i in schedule) - sum(i.fee_fen for i in schedule)
