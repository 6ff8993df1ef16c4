"""Finance reports: the money that moved, by entry kind, for a day, a month or a year,
on the page and as CSV, Excel and PDF. Amounts are what each entry moved (the sum of
its credit legs), straight from the ledger."""
import datetime as dt

from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core import clock
from peerfund.core.exports import FORMATS, table_response
from peerfund.core.money import format_fen
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.models import Entry, Posting

PERIODS = ("day", "month", "year")


def period_bounds(period: str, value: str) -> tuple[dt.date, dt.date]:
    """[first, following) of the day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY)."""
    try:
        if period == "day":
            first = dt.date.fromisoformat(value)
            return first, first + dt.timedelta(days=1)
        if period == "month":
            first = dt.date.fromisoformat(f"{value}-01")
            return first, clock.month_start(first, 1)
        if period == "year":
            first = dt.date(int(value), 1, 1)
            return first, dt.date(first.year + 1, 1, 1)
    except ValueError:
        pass
    raise Http404


def fund_flows(first: dt.date, following: dt.date) -> list[dict]:
    """Per entry kind: number of entries and money moved in [first, following)."""
    moved = dict(
        Posting.objects.filter(entry__business_date__gte=first, entry__business_date__lt=following, amount_fen__gt=0)
        .values("entry__kind").annotate(total=Sum("amount_fen")).values_list("entry__kind", "total")
    )
    counts = dict(Entry.objects.filter(business_date__gte=first, business_date__lt=following).values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    labels = dict(EntryKind.choices)
    return [{"kind": kind, "label": str(labels.get(kind, kind)), "entries": counts[kind], "moved_fen": moved.get(kind, 0)} for kind in sorted(counts)]


@staff_permission_required("view_reconciliation")
def reports(request):
    period = request.GET.get("period", "month") if request.GET.get("period") in PERIODS else "month"
    today = clock.business_date()
    default = {"day": today.isoformat(), "month": f"{today:%Y-%m}", "year": str(today.year)}[period]
    value = request.GET.get("value") or default
    first, following = period_bounds(period, value)
    rows = fund_flows(first, following)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header = [_("Entry kind"), _("Entries"), _("Money moved (yuan)")]
        table = [[row["label"], row["entries"], format_fen(row["moved_fen"], symbol=False)] for row in rows]
        title = f"PeerFund {_('Fund flows')} {value}"
        return table_response(fmt, f"peerfund-fund-flows-{value}", title, f"{first} – {following - dt.timedelta(days=1)}", header, table)
    return render(request, "backoffice/finance.html", {"rows": rows, "period": period, "value": value, "first": first,
                                                       "last": following - dt.timedelta(days=1), "periods": PERIODS,
                                                       "total_fen": sum(r["moved_fen"] for r in rows)})
