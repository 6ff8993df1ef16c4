"""The operator's dashboard: today's figures computed live (the same definitions as
the daily snapshot), trends from the snapshots, and the open alerts, which staff
acknowledge (audited)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.models import Alert
from peerfund.disclosure.figures import Figure
from peerfund.disclosure.selectors import trend
from peerfund.disclosure.services.statistics import statistics_compute
from peerfund.risk.models import AmlAlert

LIVE = [
    ("users_new", _("New users today"), "count"),
    ("deposits_fen", _("Deposits today"), "fen"),
    ("invested_fen", _("Invested today"), "fen"),
    ("withdrawals_fen", _("Withdrawals today"), "fen"),
    ("loans_listed", _("Loans listed today"), "count"),
    ("loans_full", _("Loans full, awaiting disbursement"), "count"),
    ("loans_disbursed", _("Loans disbursed today"), "count"),
    ("outstanding_fen", _("Outstanding principal"), "fen"),
    ("overdue_rate", _("Overdue rate M1+"), "ratio"),
    ("overdue_90_rate", _("Overdue rate M3+"), "ratio"),
    ("cf_raised_fen", _("Crowdfunding raised"), "fen"),
    ("cf_pledged_today_fen", _("Pledged today"), "fen"),
]


@staff_permission_required("view_dashboard")
def dashboard(request):
    live = statistics_compute(clock.business_date())
    days = trend(60)
    labels = [d.business_date.isoformat() for d in days]

    def series(key: str, scale: float = 0.01):
        return [int(d.figures.get(key, 0)) * scale for d in days]

    charts = {
        "flows": {"labels": labels, "series": [
            {"name": _("Deposits (yuan)"), "values": series("deposits_fen")},
            {"name": _("Withdrawals (yuan)"), "values": series("withdrawals_fen")},
            {"name": _("Invested (yuan)"), "values": series("invested_fen")},
        ]},
        "book": {"labels": labels, "series": [
            {"name": _("Outstanding principal (yuan)"), "values": series("outstanding_fen")},
            {"name": _("Crowdfunding raised (yuan)"), "values": series("cf_raised_fen")},
        ]},
        "overdue": {"labels": labels, "series": [
            {"name": _("Overdue rate M1+ (%)"), "values": [float(d.figures.get("overdue_rate", 0)) * 100 for d in days]},
            {"name": _("Overdue rate M3+ (%)"), "values": [float(d.figures.get("overdue_90_rate", 0)) * 100 for d in days]},
        ]},
    }
    return render(request, "backoffice/dashboard.html", {
        "live": [(key, label, Figure(key, label, kind).show(live)) for key, label, kind in LIVE],
        "charts": charts,
        "alerts": Alert.objects.filter(acknowledged_at__isnull=True).order_by("-id")[:50],
        "aml_open": AmlAlert.objects.filter(status=AmlAlert.Status.OPEN).count(),
        "today": clock.business_date(),
    })


@staff_permission_required("acknowledge_alerts")
@require_POST
def alert_acknowledge(request, alert_id: int):
    alert = get_object_or_404(Alert, pk=alert_id, acknowledged_at__isnull=True)
    Alert.objects.filter(pk=alert.pk).update(acknowledged_at=clock.now(), acknowledged_by=request.user)
    audit_record(actor=request.user, action="alert.acknowledged", obj=alert, reason=request.POST.get("note", "")[:200])
    messages.success(request, _("Alert acknowledged."))
    return redirect("backoffice:dashboard")
