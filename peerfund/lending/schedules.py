"""Repayment schedules (还款计划) in integer fen, for the four repayment methods:

- 等额本息 equal instalments: every instalment the same total (the annuity payment);
- 等额本金 equal principal: the same principal every month, interest on what is left;
- 先息后本 interest first: interest monthly, the whole principal with the last;
- 到期还本付息 bullet: principal and all interest in one payment at maturity.

Interest is computed in Decimal per period and quantised to the fen, half up
(四舍五入). Amounts a product rounds (the annuity payment, the equal principal part)
are rounded to the fen or, if the product says so, to the yuan. The last instalment
takes whatever principal is left, so principal always sums to the loan exactly.

Day count: 30/360 (every month is 1/12 of a year, the usual Chinese convention) or
actual/365 (interest for the actual days between due dates). Due dates fall on the
loan's start day each month, or the month's last day when it is shorter.

Service fee (分期服务费): the fee is never netted from the principal. The whole fee,
round_half_up(principal × service_fee_rate), is charged in equal parts with the
instalments: each carries total // n and the first total % n carry one fen more (n is
the number of instalments; a bullet loan has one). Yuan rounding applies to principal
and interest only, the fee part is added on top. `Instalment.total_fen` is what the
borrower pays (principal + interest + fee).

`split_among_investors` divides every instalment's principal and interest among the
investors by their share of the loan with the largest-remainder method, so each
instalment's shares sum to it exactly. The fee is the platform's: investors'
receivables never carry it.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerfund.core.money import FEN_PER_YUAN, round_half_up, split_largest_remainder


class Method(models.TextChoices):
    EQUAL_INSTALMENT = "equal_instalment", _("Equal instalments (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_FIRST = "interest_first", _("Interest monthly, principal at maturity (先息后本)")
    BULLET = "bullet", _("Principal and interest at maturity (到期还本付息)")


class DayCount(models.TextChoices):
    THIRTY_360 = "30/360", _("30/360")
    ACTUAL_365 = "actual/365", _("Actual/365")


class Rounding(models.TextChoices):
    FEN = "fen", _("To the fen")
    YUAN = "yuan", _("To the yuan")


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: dt.date
    principal_fen: int
    interest_fen: int
    fee_fen: int = 0

    @property
    def total_fen(self) -> int:
        """What the borrower pays for this instalment: principal, interest and fee."""
        return self.principal_fen + self.interest_fen + self.fee_fen


@dataclass(frozen=True)
class Terms:
    principal_fen: int
    annual_rate: Decimal
    months: int
    method: str
    start_date: dt.date
    day_count: str = DayCount.THIRTY_360
    rounding: str = Rounding.FEN
    service_fee_rate: Decimal = Decimal(0)

    def __post_init__(self):
        if not isinstance(self.principal_fen, int) or self.principal_fen <= 0:
            raise ValueError("principal_fen must be a positive integer")
        if not isinstance(self.annual_rate, Decimal) or not Decimal(0) <= self.annual_rate < Decimal(1):
            raise ValueError("annual_rate is a Decimal in [0, 1)")
        if not isinstance(self.service_fee_rate, Decimal) or not Decimal(0) <= self.service_fee_rate < Decimal(1):
            raise ValueError("service_fee_rate is a Decimal in [0, 1)")
        if not 1 <= self.months <= 360:
            raise ValueError("months must be 1..360")
        if self.method not in Method.values or self.day_count not in DayCount.values or self.rounding not in Rounding.values:
            raise ValueError("unknown method, day count or rounding")


def due_dates(start: dt.date, months: int) -> list[dt.date]:
    return [start + relativedelta(months=k) for k in range(1, months + 1)]


def _round_amount(amount: Decimal, rounding: str) -> int:
    if rounding == Rounding.YUAN:
        return round_half_up(amount / FEN_PER_YUAN) * FEN_PER_YUAN
    return round_half_up(amount)


def _period_interest(balance_fen: int, terms: Terms, start: dt.date, end: dt.date, months: int = 1) -> int:
    if terms.day_count == DayCount.ACTUAL_365:
        fraction = Decimal((end - start).days) / Decimal(365)
    else:
        fraction = Decimal(months) / Decimal(12)
    return round_half_up(Decimal(balance_fen) * terms.annual_rate * fraction)


def _annuity_payment(terms: Terms) -> int:
    rate = terms.annual_rate / 12
    if rate == 0:
        return _round_amount(Decimal(terms.principal_fen) / terms.months, terms.rounding)
    growth = (1 + rate) ** terms.months
    return _round_amount(Decimal(terms.principal_fen) * rate * growth / (growth - 1), terms.rounding)


def total_service_fee(principal_fen: int, service_fee_rate: Decimal) -> int:
    """The whole loan's service fee: a share of the principal, rounded half up."""
    return round_half_up(Decimal(principal_fen) * service_fee_rate)


def split_fee(total_fen: int, count: int) -> list[int]:
    """Equal parts of the fee, the first `total % count` one fen more."""
    base, extra = divmod(total_fen, count)
    return [base + (1 if k < extra else 0) for k in range(count)]


def build_schedule(terms: Terms) -> list[Instalment]:
    schedule = _build_principal_and_interest(terms)
    fees = split_fee(total_service_fee(terms.principal_fen, terms.service_fee_rate), len(schedule))
    return [Instalment(i.number, i.due_date, i.principal_fen, i.interest_fen, fee) for i, fee in zip(schedule, fees, strict=True)]


def _build_principal_and_interest(terms: Terms) -> list[Instalment]:
    dates = due_dates(terms.start_date, terms.months)
    starts = [terms.start_date, *dates[:-1]]
    if terms.method == Method.BULLET:
        interest = _period_interest(terms.principal_fen, terms, terms.start_date, dates[-1], months=terms.months)
        return [Instalment(1, dates[-1], terms.principal_fen, interest)]
    payment = _annuity_payment(terms) if terms.method == Method.EQUAL_INSTALMENT else 0
    equal_part = _round_amount(Decimal(terms.principal_fen) / terms.months, terms.rounding)
    balance = terms.principal_fen
    schedule = []
    for number, (start, due) in enumerate(zip(starts, dates, strict=True), start=1):
        interest = _period_interest(balance, terms, start, due)
        last = number == terms.months
        if last:
            principal = balance
        elif terms.method == Method.EQUAL_INSTALMENT:
            principal = payment - interest
        elif terms.method == Method.EQUAL_PRINCIPAL:
            principal = equal_part
        else:  # interest first
            principal = 0
        principal = max(0, min(principal, balance))
        balance -= principal
        schedule.append(Instalment(number, due, principal, interest))
    return schedule


def _principal_matrix(principals: list[int], holdings_fen: list[int]) -> list[list[int]]:
    """parts[j][k]: investor j's principal in instalment k. Columns add up to each
    instalment; rows add up to each investor's largest-remainder share of the whole
    principal — their holding exactly when the holdings are the loan. Built from the
    cumulative principal (the split of "everything due by instalment k"), so the
    rounding never drifts; the rare fen that largest remainder takes back as the
    total grows (the Alabama paradox) is swapped with a neighbour instalment."""
    parts = [[0] * len(principals) for _ in holdings_fen]
    previous = [0] * len(holdings_fen)
    cumulative = 0
    for k, principal in enumerate(principals):
        cumulative += principal
        current = split_largest_remainder(cumulative, holdings_fen) if cumulative else [0] * len(holdings_fen)
        for j, (now, before) in enumerate(zip(current, previous, strict=True)):
            parts[j][k] = now - before
        previous = current
    for row in parts:
        for k in range(len(row)):
            while row[k] < 0:
                later = next(t for t in range(len(row)) if t != k and row[t] > 0)
                donor = next(i for i in range(len(parts)) if parts[i][k] > 0)
                row[k] += 1
                row[later] -= 1
                parts[donor][k] -= 1
                parts[donor][later] += 1
    return parts


def split_among_investors(schedule: list[Instalment], holdings_fen: list[int]) -> list[list[Instalment]]:
    """Each investor's receivable schedule. Every instalment's principal and interest
    is split by holding (largest remainder) so the shares add up to it exactly, and
    each investor's principal adds up to what they lent (see `_principal_matrix`).
    The service fee is the platform's, so the shares carry none (fee_fen 0)."""
    principal_parts = _principal_matrix([i.principal_fen for i in schedule], holdings_fen)
    per_investor: list[list[Instalment]] = [[] for _ in holdings_fen]
    for k, instalment in enumerate(schedule):
        interest_parts = split_largest_remainder(instalment.interest_fen, holdings_fen)
        for j, interest in enumerate(interest_parts):
            per_investor[j].append(Instalment(instalment.number, instalment.due_date, principal_parts[j][k], interest))
    return per_investor
