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
from peerfund.disclosure.figures import OVERDUE_SERIES, Figure
from peerfund.disclosure.selectors import trend, trend_chart
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
    charts = {
        "flows": trend_chart(days, [(_("Deposits (yuan)"), "deposits_fen", "fen"), (_("Withdrawals (yuan)"), "withdrawals_fen", "fen"),
                                    (_("Invested (yuan)"), "invested_fen", "fen")]),
        "book": trend_chart(days, [(_("Outstanding principal (yuan)"), "outstanding_fen", "fen"), (_("Crowdfunding raised (yuan)"), "cf_raised_fen", "fen")]),
        "overdue": trend_chart(days, OVERDUE_SERIES),
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
