"""Investor returns: what is still to collect, what has been received, the net
annualised return (the headline) and XIRR — all in Decimal, never float.

**Net annualised return** (LendingClub's definition; docs/lending.md "Returns"): what
the holdings earned — interest and penalties received (recoveries after a write-off
arrive as principal and shrink the loss), less principal written off and fees paid,
plus or minus the difference between a claim's price and its principal when bought or
sold — over the principal-days outstanding, i.e. a monthly rate
`m = earned / (principal-days × 12 / 365)` compounded: `(1 + m)^12 - 1`. No principal
outstanding for a single day (nothing held, or everything bought today) gives None.

**XIRR** values the cash flows of an investment: the money paid for it (the bid, or
the price of a bought claim) on the day it was acquired; what its receivables paid, on
the day each was settled (a part-paid receivable counts on today's date); what parts of
it sold for, net of the fee, on the day of sale. *Expected* adds the receivables still
to come on their due dates; *realised* values what is still outstanding at its
principal today. It is only shown for holdings of 30 days or more (a younger one's
annualised figure is noise: "-99.99%" on a loan disbursed today) and is None when the
root is not strictly inside the bracket.
"""
import datetime as dt
from decimal import Decimal, localcontext

from django.db.models import Sum

from peerfund.core import clock
from peerfund.lending import cost
from peerfund.lending.models import Investment, Receivable

Flow = tuple[dt.date, int]
# What `investment_flows` reads: prefetch it (with select_related("purchase")) for lists.
FLOW_PREFETCH = ("receivables", "listings__purchases")
XIRR_MIN_DAYS = 30
_PRECISION = 28
_LOW, _HIGH = Decimal("-0.99"), Decimal(10)
_TOLERANCE = Decimal("1e-8")


def xirr(flows: list[Flow]) -> Decimal | None:
    """The annual rate (actual/365) that makes the flows' net present value zero, or
    None when the flows do not both pay and receive or the root lies at the edge of
    [-99 %, 1000 %] (a degenerate figure nobody should be shown)."""
    by_day: dict[dt.date, int] = {}
    for day, amount in flows:
        by_day[day] = by_day.get(day, 0) + amount
    flows = [(day, amount) for day, amount in by_day.items() if amount]
    if not flows or all(a > 0 for _d, a in flows) or all(a < 0 for _d, a in flows):
        return None
    start = min(day for day, _a in flows)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        terms = [(Decimal((day - start).days) / 365, Decimal(amount)) for day, amount in flows]

        def npv(rate: Decimal) -> Decimal:
            log = (1 + rate).ln()
            return sum((amount * (-years * log).exp() for years, amount in terms), Decimal(0))

        low, high = _LOW, _HIGH
        at_low, at_high = npv(low), npv(high)
        if at_low.is_zero() or at_high.is_zero() or (at_low > 0) == (at_high > 0):
            return None
        while high - low > _TOLERANCE:
            middle = (low + high) / 2
            at_middle = npv(middle)
            if (at_low > 0) == (at_middle > 0):
                low, at_low = middle, at_middle
            else:
                high = middle
        rate = (low + high) / 2
    if rate - _LOW < Decimal("0.0001") or _HIGH - rate < Decimal("0.0001"):
        return None
    return rate


def investment_flows(investment: Investment, *, today: dt.date, expected: bool) -> list[Flow]:
    """An investment's cash flows (see the module doc)."""
    flows: list[Flow] = [(investment.acquired_on, -_paid(investment))]
    for receivable in investment.receivables.all():
        received = receivable.received_fen
        if received:
            flows.append((receivable.received_on or today, received))
        if receivable.status in Receivable.OPEN:
            if expected:
                flows.append((receivable.due_date, receivable.principal_fen + receivable.interest_fen - receivable.principal_received_fen - receivable.interest_received_fen))
            else:
                flows.append((today, receivable.principal_fen - receivable.principal_received_fen))
    for listing in investment.listings.all():
        flows += [(sale.business_date, sale.price_fen - sale.fee_fen) for sale in listing.purchases.all()]
    return flows


def _paid(investment: Investment) -> int:
    return investment.purchase.price_fen if investment.bought_from_id and hasattr(investment, "purchase") else investment.principal_fen


def net_earnings(investment: Investment, *, today: dt.date) -> tuple[int, int]:
    """(fen earned, principal-days outstanding) of one investment, for the net
    annualised return. Principal leaves the balance when repaid (on the day received,
    today for a part payment), sold (on the sale day) or written off (on the due day it
    stopped performing)."""
    start = investment.acquired_on
    days = lambda day: max(0, (min(day, today) - start).days)  # noqa: E731
    earned = 0
    principal_days = investment.principal_fen * days(today)
    interest_in = 0
    for r in investment.receivables.all():
        interest_in += r.interest_received_fen
        earned += r.interest_received_fen + r.penalty_received_fen
        principal_days -= r.principal_received_fen * (days(today) - days(r.received_on or today))
        if r.status == Receivable.Status.WRITTEN_OFF:
            lost = r.principal_fen - r.principal_received_fen
            earned -= lost
            principal_days -= lost * (days(today) - days(r.due_date))
    for listing in investment.listings.all():
        for sale in listing.purchases.all():
            earned += sale.price_fen - sale.principal_fen - sale.fee_fen
            principal_days -= sale.principal_fen * (days(today) - days(sale.business_date))
    if investment.bought_from_id and hasattr(investment, "purchase"):
        # The accrued interest a buyer pays is won back from the first interest received;
        # until then it is not a loss (else a claim bought yesterday would show -300 %).
        earned += max(investment.principal_fen - investment.purchase.price_fen, -interest_in)
    return earned, principal_days


def net_annualised_return(earned_fen: int, principal_days: int) -> Decimal | None:
    """LendingClub's net annualised return from fen earned over principal-days (module
    doc); None when no principal was outstanding for a day."""
    if principal_days <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        monthly = Decimal(earned_fen) * 365 / (Decimal(principal_days) * 12)
        if monthly <= -1:
            return Decimal(-1)
        return (1 + monthly) ** 12 - 1


def as_percent(rate: Decimal | None) -> str | None:
    """Decimal("0.1047") as "10.47%"; None stays None (the page shows "—")."""
    return None if rate is None else cost.as_percent(rate)


def _xirr_pair(investments: list[Investment], today: dt.date) -> tuple[str | None, str | None]:
    held = [inv for inv in investments if (today - inv.acquired_on).days >= XIRR_MIN_DAYS]
    if not held:
        return None, None
    realised = [flow for inv in held for flow in investment_flows(inv, today=today, expected=False)]
    expected = [flow for inv in held for flow in investment_flows(inv, today=today, expected=True)]
    return as_percent(xirr(realised)), as_percent(xirr(expected))


def investment_returns(investment: Investment, today: dt.date | None = None) -> dict:
    """One holding's figures for My investments."""
    today = today or clock.business_date()
    xirr_realised, xirr_expected = _xirr_pair([investment], today)
    return {
        "net_return": as_percent(net_annualised_return(*net_earnings(investment, today=today))),
        "xirr_realised": xirr_realised,
        "xirr_expected": xirr_expected,
    }


def lending_assets(user) -> dict:
    """The asset overview's lending figures (registered with funds.asset_overview)."""
    receivables = Receivable.objects.filter(investment__investor=user)
    open_totals = receivables.filter(status__in=Receivable.OPEN).aggregate(
        principal=Sum("principal_fen"), principal_in=Sum("principal_received_fen"), interest=Sum("interest_fen"), interest_in=Sum("interest_received_fen"),
    )
    received = receivables.aggregate(p=Sum("principal_received_fen"), i=Sum("interest_received_fen"), x=Sum("penalty_received_fen"))
    today = clock.business_date()
    investments = list(Investment.objects.filter(investor=user).select_related("purchase").prefetch_related(*FLOW_PREFETCH))
    earned = principal_days = 0
    for inv in investments:
        e, p = net_earnings(inv, today=today)
        earned, principal_days = earned + e, principal_days + p
    xirr_realised, xirr_expected = _xirr_pair(investments, today)
    return {
        "principal_to_collect_fen": (open_totals["principal"] or 0) - (open_totals["principal_in"] or 0),
        "interest_to_collect_fen": (open_totals["interest"] or 0) - (open_totals["interest_in"] or 0),
        "received_fen": sum(v or 0 for v in received.values()),
        "net_return": as_percent(net_annualised_return(earned, principal_days)),
        "xirr_realised": xirr_realised,
        "xirr_expected": xirr_expected,
    }
