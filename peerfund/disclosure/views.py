"""Public disclosure (信息披露): the figures and their trends, the fee schedule, the
published liabilities with each user's inclusion proof, monthly reports (PDF,
Excel), and per-loan / per-project transparency pages."""
import datetime as dt
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from peerfund.core.exports import table_response
from peerfund.core.masking import mask_name
from peerfund.disclosure import merkle
from peerfund.disclosure.figures import DISCLOSED, OVERDUE_SERIES
from peerfund.disclosure.models import LiabilityTree
from peerfund.disclosure.selectors import (
    fee_schedule,
    latest_tree,
    loan_transparency,
    month_report,
    post_loan_records_for,
    project_transparency,
    report_months,
    trend,
    trend_chart,
)
from peerfund.disclosure.services.liabilities import liability_proof
from peerfund.disclosure.services.reports import HEADER, monthly_rows, monthly_subtitle, monthly_title
from peerfund.disclosure.services.statistics import latest_snapshot
from peerfund.lending.models import Loan


def disclosure(request):
    snapshot = latest_snapshot()
    days = trend()
    charts = {
        "volume": trend_chart(days, [(_("Cumulative lending (yuan)"), "lent_total_fen", "fen"), (_("Outstanding principal (yuan)"), "outstanding_fen", "fen")]),
        "overdue": trend_chart(days, OVERDUE_SERIES),
    }
    return render(request, "disclosure/index.html", {
        "snapshot": snapshot, "figures": [(f.label, f.show(snapshot.figures)) for f in DISCLOSED] if snapshot else [],
        # The page shows the exact figure and, for ¥10,000 or more, the same in 万 beside it.
        "figure_rows": [(f.key, f.label, f.show_short(snapshot.figures), f.show(snapshot.figures)) for f in DISCLOSED] if snapshot else [],
        "charts": charts, "fees": fee_schedule(), "tree": latest_tree(), "months": report_months()[:24],
    })


def _report(year: int, month: int) -> dict:
    if not 1 <= month <= 12:
        raise Http404
    report = month_report(year, month)
    if report is None:
        raise Http404
    return report


def report(request, year: int, month: int, fmt: str):
    report = _report(year, month)
    return table_response(fmt, f"peerfund-disclosure-{year}-{month:02d}", monthly_title(report), monthly_subtitle(report), HEADER, monthly_rows(report))


@login_required
def my_proof(request):
    """The signed-in user's inclusion proof for the latest day (or `?date=`)."""
    wanted = request.GET.get("date")
    try:
        tree = LiabilityTree.objects.get(business_date=dt.date.fromisoformat(wanted)) if wanted else latest_tree()
    except (ValueError, LiabilityTree.DoesNotExist):
        raise Http404 from None
    proof = liability_proof(user=request.user, tree=tree) if tree else None
    if proof is None:
        return render(request, "disclosure/no_proof.html", {"tree": tree}, status=404)
    return HttpResponse(json.dumps(proof, indent=2), content_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="peerfund-liabilities-{proof["business_date"]}.json"'})


def verifier(request):
    """The verifier itself, as a file anyone can read and run."""
    return FileResponse(open(Path(merkle.__file__), "rb"), content_type="text/x-python; charset=utf-8", as_attachment=True, filename="merkle.py")


def loan_page(request, loan_id: int):
    data = loan_transparency(loan_id)
    return render(request, "disclosure/loan.html", {**data, "borrower": mask_name(data["loan"].borrower.display_name or data["loan"].borrower.username)})


@login_required
def post_loan_page(request, loan_id: int):
    """The loan's post-loan information, for its investors only (404 to anyone else,
    so a stranger cannot tell it exists)."""
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None or post_loan_records_for(loan_id, request.user) is None:
        raise Http404
    return render(request, "disclosure/post_loan.html", {"loan": loan})


def project_page(request, project_id: int):
    return render(request, "disclosure/project.html", project_transparency(project_id))


