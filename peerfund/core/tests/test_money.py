"""Money parsing, formatting, rounding and pro-rata splitting."""
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from peerfund.core.forms import YuanField
from peerfund.core.money import MAX_FEN, MoneyError, format_fen, parse_yuan, round_half_up, split_largest_remainder


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("¥1,234.56", 123456),
        ("￥ 1,234.5", 123450),
        ("0.01", 1),
        ("12", 1200),
        (" 7.00 ", 700),
        ("1,000,000", 100_000_000),
    ],
)
def test_parse_yuan_reads_what_people_type(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-1", "money.negative"),
        ("¥-1.00", "money.negative"),
        ("1.234", "money.too_many_decimals"),
        ("abc", "money.invalid"),
        ("", "money.invalid"),
        ("1,23", "money.invalid"),
        ("12,34.00", "money.invalid"),
        ("1e5", "money.invalid"),
        ("1.2.3", "money.invalid"),
        ("10000000000000.01", "money.overflow"),
    ],
)
def test_parse_yuan_refuses_bad_input_with_a_clear_code(text, code):
    with pytest.raises(MoneyError) as excinfo:
        parse_yuan(text)
    assert excinfo.value.code == code
    assert excinfo.value.message


def test_format_fen():
    assert format_fen(12345678) == "¥123,456.78"
    assert format_fen(0) == "¥0.00"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-100) == "-¥1.00"
    assert format_fen(123456, symbol=False) == "1,234.56"


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_format_then_parse_round_trips(fen):
    assert parse_yuan(format_fen(fen)) == fen
    assert parse_yuan(format_fen(fen, symbol=False)) == fen


def test_round_half_up_rounds_halves_away_from_zero():
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999")) == 2
    assert round_half_up(Decimal("-2.5")) == -3
    assert round_half_up(Decimal("0.5")) == 1
    with pytest.raises(MoneyError):
        round_half_up(Decimal("NaN"))


@given(
    total=st.integers(min_value=0, max_value=MAX_FEN),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
)
def test_split_parts_sum_exactly_and_stay_within_a_fen_of_their_share(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, weight_sum)) < 1
        assert part >= 0


@given(st.integers(min_value=0, max_value=10**9), st.lists(st.integers(1, 10**6), min_size=1, max_size=20))
def test_split_is_deterministic(total, weights):
    assert split_largest_remainder(total, weights) == split_largest_remainder(total, list(weights))


def test_split_tie_break_favours_earlier_parts():
    assert split_largest_remainder(1, [1, 1]) == [1, 0]
    assert split_largest_remainder(2, [1, 1, 1]) == [1, 1, 0]
    assert split_largest_remainder(100, [1, 2]) == [33, 67]  # remainders 1/3 < 2/3


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (10, []), (10, [0, 0]), (10, [1, -1])])
def test_split_refuses_nonsense(total, weights):
    with pytest.raises(ValueError):
        split_largest_remainder(total, weights)


def test_yuan_form_field_gives_field_errors():
    field = YuanField(min_fen=100)
    assert field.clean("¥12.30") == 1230
    with pytest.raises(ValidationError) as excinfo:
        field.clean("12.345")
    assert excinfo.value.code == "money.too_many_decimals"
    with pytest.raises(ValidationError) as excinfo:
        field.clean("0.50")
    assert excinfo.value.code == "min" and "¥1.00" in str(excinfo.value)
