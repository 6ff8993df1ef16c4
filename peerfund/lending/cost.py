"""All-in annual cost (综合年化成本) and the legal ceiling: the one place both are
computed. Everything that shows or checks the cost of a loan calls this module.

The all-in cost is the internal rate of return (IRR) of the borrower's cash flows:
the whole principal received at the start (nothing is ever netted, PRODUCT §3) and
each instalment's principal + interest + service fee paid on its due date. Instalment
k falls m_k whole months after the start (due dates are the start day each month), so
the monthly IRR r solves

    principal = Σ total_k / (1 + r) ^ m_k

It is found in Decimal at 50 digits, by Newton's method kept inside a bracket by
bisection, to below 1e-24 (no float anywhere), then annualised as r × 12 and rounded half up to four places
("0.1523" = 15.23 %).

Why r × 12 and not (1 + r)^12 − 1: the People's Bank of China's 2021 announcement on
stating the annualised rate of loans (中国人民银行公告〔2021〕第3号) says the annualised
rate is computed by the IRR method and, on a simple-interest basis, is the period IRR
times the number of periods in a year. The legal ceiling (民间借贷司法解释 art. 25,
4 × the one-year LPR) is a simple annual rate too, so both sides of the comparison use
one convention, and a fee-free equal-instalment loan at 12 % costs exactly 12.00 %.

The cost of a loan is computed from its contract terms (amount, term, rate, method,
the fee rate it was listed with), not from what has been paid since: a prepayment does
not change what the contract said the loan costs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.lending.schedules import Instalment, Terms, build_schedule

FOUR_PLACES = Decimal("0.0001")
DAYS_PER_YEAR = 365
_PRECISION = 50
_TOLERANCE = Decimal("1e-24")


class AboveCeiling(ApplicationError):
    """A product, fee or listing that would cost the borrower more than the law allows."""

    status = 422


class QuoteInvalid(ApplicationError):
    """An amount, term or rate the product does not offer."""

    status = 422


def as_percent(rate: Decimal) -> str:
    """Decimal("0.1352") as "13.52%"."""
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


# --- the IRR ---------------------------------------------------------------------

def months_between(start: dt.date, due: dt.date) -> int:
    return (due.year - start.year) * 12 + due.month - start.month


def cash_flows(schedule: list[Instalment], start: dt.date) -> list[tuple[int, int]]:
    """(months after the start, fen the borrower pays) for every instalment."""
    return [(months_between(start, i.due_date), i.total_fen) for i in schedule]


def _npv_and_slope(monthly_rate: Decimal, principal_fen: int, flows: list[tuple[int, int]]) -> tuple[Decimal, Decimal]:
    """NPV and its derivative in the rate; the discount factor is carried from month
    to month (the flows are in date order) rather than raised to a power each time."""
    v = 1 / (1 + monthly_rate)
    value = slope = Decimal(0)
    month_at, factor = 0, Decimal(1)
    for month, fen in flows:
        while month_at < month:
            factor *= v
            month_at += 1
        discounted = fen * factor
        value += discounted
        slope -= month * discounted * v
    return value - principal_fen, slope


def npv(monthly_rate: Decimal, principal_fen: int, flows: list[tuple[int, int]]) -> Decimal:
    """What the payments are worth at the start, discounted at `monthly_rate`, less the
    principal received: zero at the IRR, positive below it."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return _npv_and_slope(Decimal(monthly_rate), principal_fen, sorted(flows))[0]


def monthly_irr(principal_fen: int, flows: list[tuple[int, int]]) -> Decimal:
    """The monthly rate at which the payments are worth exactly the principal, to
    below 1e-24. NPV falls as the rate rises (all payments are positive), so a
    bracket [lo, hi] with npv(lo) ≥ 0 ≥ npv(hi) always holds the root; Newton's steps
    converge on it in a few iterations, and a step that would leave the bracket is
    replaced by bisection, so it cannot diverge."""
    if principal_fen <= 0 or not flows or any(fen < 0 or month < 0 for month, fen in flows):
        raise ValueError("a positive principal and non-negative payments")
    flows = sorted(flows)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        lo, hi = Decimal(0), Decimal(1)
        if npv(lo, principal_fen, flows) < 0:  # paying back less than was lent
            lo = Decimal("-0.5")
            while npv(lo, principal_fen, flows) < 0:
                lo = (lo - 1) / 2  # halves the distance to -1
        while npv(hi, principal_fen, flows) > 0:
            lo, hi = hi, hi * 2
        rate = (lo + hi) / 2
        for _ in range(400):
            value, slope = _npv_and_slope(rate, principal_fen, flows)
            if value == 0:
                return rate
            if value > 0:
                lo = rate
            else:
                hi = rate
            following = rate - value / slope if slope else (lo + hi) / 2
            if not lo < following < hi:
                following = (lo + hi) / 2
            if abs(following - rate) < _TOLERANCE or hi - lo < _TOLERANCE:
                return following
            rate = following
        raise ArithmeticError("the IRR did not converge")  # cannot happen: bisection halves the bracket each time


def annualise(monthly_rate: Decimal) -> Decimal:
    return (monthly_rate * 12).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def schedule_all_in_apr(principal_fen: int, schedule: list[Instalment], start: dt.date) -> Decimal:
    """The all-in annual cost of a schedule whose principal is received on `start`."""
    return annualise(monthly_irr(principal_fen, cash_flows(schedule, start)))


# --- products, quotes and loans ----------------------------------------------------

def product_terms(*, product, amount_fen: int, months: int, annual_rate: Decimal, service_fee_rate: Decimal | None = None,
                  start: dt.date | None = None) -> Terms:
    fee_rate = product.service_fee_rate if service_fee_rate is None else service_fee_rate
    return Terms(
        principal_fen=amount_fen, annual_rate=Decimal(annual_rate), months=months, method=product.method, start_date=start or clock.business_date(),
        day_count=product.day_count, rounding=product.rounding, service_fee_rate=Decimal(fee_rate),
    )


@lru_cache(maxsize=4096)
def terms_all_in_apr(terms: Terms) -> Decimal:
    """Cached: a pure function of the (frozen, hashable) terms, asked again for every
    loan on every hall page."""
    return schedule_all_in_apr(terms.principal_fen, build_schedule(terms), terms.start_date)


def loan_terms(loan) -> Terms:
    return product_terms(product=loan.product, amount_fen=loan.amount_fen, months=loan.months, annual_rate=loan.annual_rate,
                         service_fee_rate=loan.service_fee_rate, start=loan.listed_at.date())


def loan_all_in_apr(loan) -> Decimal:
    """The loan's all-in annual cost, from its contract terms and the fee rate it was
    listed with (`Loan.service_fee_rate`), not the product's current one."""
    return terms_all_in_apr(loan_terms(loan))


@dataclass(frozen=True)
class Quote:
    """What a loan of `amount_fen` over `months` costs the borrower, instalment by
    instalment, before they apply."""

    product_id: int
    amount_fen: int
    months: int
    annual_rate: Decimal
    service_fee_rate: Decimal
    start: dt.date
    rows: list[Instalment]
    all_in_apr: Decimal
    ceiling: Decimal

    @property
    def principal_fen(self) -> int:
        return sum(i.principal_fen for i in self.rows)

    @property
    def interest_fen(self) -> int:
        return sum(i.interest_fen for i in self.rows)

    @property
    def fee_fen(self) -> int:
        return sum(i.fee_fen for i in self.rows)

    @property
    def total_fen(self) -> int:
        return sum(i.total_fen for i in self.rows)

    @property
    def first_payment_fen(self) -> int:
        """每月还款 as a borrower reads it: the first instalment (later ones of an
        equal-principal loan are smaller, the last absorbs rounding)."""
        return self.rows[0].total_fen

    @property
    def above_ceiling(self) -> bool:
        return self.all_in_apr > self.ceiling


def quote(product, amount_fen: int, months: int, start: dt.date | None = None, annual_rate: Decimal | None = None) -> Quote:
    """The schedule and all-in cost of a loan the product offers. Without a rate it is
    quoted at the product's highest rate: the most the borrower can be charged, since
    the rate within the range is set by the risk grade only after applying."""
    if not product.min_amount_fen <= amount_fen <= product.max_amount_fen:
        from peerfund.core.money import format_fen

        raise QuoteInvalid(
            _("This product lends from %(min)s to %(max)s.") % {"min": format_fen(product.min_amount_fen), "max": format_fen(product.max_amount_fen)},
            "quote.amount", {"field": "amount", "min_fen": product.min_amount_fen, "max_fen": product.max_amount_fen},
        )
    if months not in product.terms_months:
        raise QuoteInvalid(
            _("This product lends for %(terms)s months.") % {"terms": ", ".join(str(t) for t in product.terms_months)},
            "quote.months", {"field": "months", "terms": list(product.terms_months)},
        )
    rate = product.rate_max if annual_rate is None else Decimal(annual_rate)
    if not product.rate_min <= rate <= product.rate_max:
        raise QuoteInvalid(
            _("This product's rate is from %(low)s to %(high)s.") % {"low": as_percent(product.rate_min), "high": as_percent(product.rate_max)},
            "quote.rate", {"field": "annual_rate", "rate_min": str(product.rate_min), "rate_max": str(product.rate_max)},
        )
    terms = product_terms(product=product, amount_fen=amount_fen, months=months, annual_rate=rate, start=start)
    rows = build_schedule(terms)
    return Quote(
        product_id=product.pk, amount_fen=amount_fen, months=months, annual_rate=rate, service_fee_rate=terms.service_fee_rate, start=terms.start_date,
        rows=rows, all_in_apr=schedule_all_in_apr(amount_fen, rows, terms.start_date), ceiling=rate_ceiling(),
    )


# --- the legal ceiling -------------------------------------------------------------

def rate_ceiling() -> Decimal:
    """The most a borrower may be charged a year, all in: PEERFUND_RATE_CEILING_MULTIPLE
    × PEERFUND_LPR_1Y (4 × the one-year LPR, the courts' limit on private lending)."""
    return (Decimal(settings.PEERFUND_LPR_1Y) * settings.PEERFUND_RATE_CEILING_MULTIPLE).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def rate_with_penalty(annual_rate: Decimal, penalty_rate_daily: Decimal) -> Decimal:
    """The contract rate plus the penalty interest expressed yearly (× 365): what an
    overdue borrower is charged, which the ceiling limits too."""
    return Decimal(annual_rate) + Decimal(penalty_rate_daily) * DAYS_PER_YEAR


def check_ceiling(*, all_in_apr: Decimal, annual_rate: Decimal, penalty_rate_daily: Decimal, field: str | None = None, extra: dict | None = None) -> None:
    """Refuse (`lending.above_ceiling`) when the all-in cost, or the rate plus the
    yearly penalty, is above the ceiling; the message names both figures."""
    ceiling = rate_ceiling()
    base = {**(extra or {}), "ceiling": str(ceiling)}
    if field:
        base["field"] = field
    if all_in_apr > ceiling:
        raise AboveCeiling(
            _("All-in annual cost %(cost)s is above the legal ceiling of %(ceiling)s.") % {"cost": as_percent(all_in_apr), "ceiling": as_percent(ceiling)},
            "lending.above_ceiling", {**base, "figure": "all_in_apr", "all_in_apr": str(all_in_apr)},
        )
    with_penalty = rate_with_penalty(annual_rate, penalty_rate_daily)
    if with_penalty > ceiling:
        raise AboveCeiling(
            _("Annual rate plus penalty interest %(rate)s a year is above the legal ceiling of %(ceiling)s.")
            % {"rate": as_percent(with_penalty), "ceiling": as_percent(ceiling)},
            "lending.above_ceiling", {**base, "figure": "rate_with_penalty", "rate_with_penalty": str(with_penalty.normalize())},
        )


def listing_check(*, product, amount_fen: int, months: int, annual_rate: Decimal, service_fee_rate: Decimal | None = None,
                  start: dt.date | None = None) -> Decimal:
    """Refuse a loan whose cost breaks the ceiling; return its all-in cost. Called by
    `loan_list` and before an application is approved, so nothing is listed above it."""
    terms = product_terms(product=product, amount_fen=amount_fen, months=months, annual_rate=annual_rate, service_fee_rate=service_fee_rate, start=start)
    all_in = terms_all_in_apr(terms)
    check_ceiling(all_in_apr=all_in, annual_rate=annual_rate, penalty_rate_daily=product.penalty_rate_daily, field="annual_rate",
                  extra={"months": months, "amount_fen": amount_fen})
    return all_in


def product_worst_all_in_apr(product, *, service_fee_rate: Decimal | None = None) -> tuple[Decimal, int, int]:
    """The highest all-in cost the product can produce: its highest rate, at each
    term it offers (the shortest spreads the fee over the fewest months) and at its
    smallest and largest amount (rounding of the fee and instalments). Returns the
    cost with the term and amount that give it."""
    start = clock.business_date()
    amounts = sorted({product.min_amount_fen, product.max_amount_fen})
    worst = None
    for months in sorted(set(product.terms_months)):
        for amount in amounts:
            terms = product_terms(product=product, amount_fen=amount, months=months, annual_rate=product.rate_max, service_fee_rate=service_fee_rate, start=start)
            cost = terms_all_in_apr(terms)
            if worst is None or cost > worst[0]:
                worst = (cost, months, amount)
    return worst


def product_check(product, *, service_fee_rate: Decimal | None = None, penalty_rate_daily: Decimal | None = None) -> Decimal:
    """Refuse a product (or a change of its fee or penalty rate) under which a loan
    could be listed above the ceiling: the worst case is checked. Returns the
    product's highest all-in cost."""
    worst, months, amount = product_worst_all_in_apr(product, service_fee_rate=service_fee_rate)
    penalty = product.penalty_rate_daily if penalty_rate_daily is None else penalty_rate_daily
    field = "service_fee_rate" if service_fee_rate is not None else ("penalty_rate_daily" if penalty_rate_daily is not None else "rate_max")
    check_ceiling(all_in_apr=worst, annual_rate=product.rate_max, penalty_rate_daily=penalty, field=field, extra={"months": months, "amount_fen": amount})
    return worst
