"""Investor returns: what is still to collect, what has been received, and the
annualised return (XIRR) — realised and expected — per investment and per investor.

Cash flows of an investment: the money paid for it (the bid, or the price of a bought
claim) on the day it was acquired; what its receivables paid, on the day each was
settled (a part-paid receivable counts on today's date); what parts of it sold for,
net of the fee, on the day of sale. *Expected* adds the receivables still to come on
their due dates; *realised* values what is still outstanding at its principal today.
Written-off receivables bring nothing. XIRR is the annual rate at which these flows'
present value is zero (actual/365), found by bisection; it is a ratio, not money, so
it is computed in floating point and shown to two decimals of a percent.
"""
import datetime as dt

from django.db.models import Sum

from peerfund.core import clock
from peerfund.lending.models import Investment, Receivable

Flow = tuple[dt.date, int]
# What `investment_flows` reads: prefetch it (with select_related("purchase")) for lists.
FLOW_PREFETCH = ("receivables", "listings__purchases")


def xirr(flows: list[Flow]) -> float | None:
    """The annual rate that makes the flows' net present value zero, or None when the
    flows do not both pay and receive."""
    flows = [(day, amount) for day, amount in flows if amount]
    if not flows or all(a > 0 for _d, a in flows) or all(a < 0 for _d, a in flows):
        return None
    start = min(day for day, _a in flows)

    def npv(rate: float) -> float:
        return sum(amount / (1 + rate) ** ((day - start).days / 365) for day, amount in flows)

    low, high = -0.9999, 10.0
    if npv(low) * npv(high) > 0:
        return None
    for _ in range(200):
        middle = (low + high) / 2
        if npv(low) * npv(middle) <= 0:
            high = middle
        else:
            low = middle
        if high - low < 1e-10:
            break
    return (low + high) / 2


def investment_flows(investment: Investment, *, today: dt.date, expected: bool) -> list[Flow]:
    """An investment's cash flows (see the module doc)."""
    paid = investment.purchase.price_fen if investment.bought_from_id and hasattr(investment, "purchase") else investment.principal_fen
    flows: list[Flow] = [(investment.acquired_on, -paid)]
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


def as_percent(rate: float | None) -> str | None:
    return None if rate is None else f"{rate * 100:.2f}%"


def investment_returns(investment: Investment, today: dt.date | None = None) -> dict:
    today = today or clock.business_date()
    return {
        "xirr_realised": as_percent(xirr(investment_flows(investment, today=today, expected=False))),
        "xirr_expected": as_percent(xirr(investment_flows(investment, today=today, expected=True))),
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
    realised = [flow for inv in investments for flow in investment_flows(inv, today=today, expected=False)]
    expected = [flow for inv in investments for flow in investment_flows(inv, today=today, expected=True)]
    return {
        "principal_to_collect_fen": (open_totals["principal"] or 0) - (open_totals["principal_in"] or 0),
        "interest_to_collect_fen": (open_totals["interest"] or 0) - (open_totals["interest_in"] or 0),
        "received_fen": sum(v or 0 for v in received.values()),
        "xirr_realised": as_percent(xirr(realised)),
        "xirr_expected": as_percent(xirr(expected)),
    }
