"""Pages of the maker–checker queue: ask for a ledger adjustment, a payout release or
a fee change; approve or reject what someone else asked for."""
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerfund.backoffice.approvals import PRODUCT_FEES, approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.errors import ApplicationError
from peerfund.crowdfunding.models import Payout, Project
from peerfund.lending.models import LoanProduct


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


FEE_LABELS = {
    "service_fee_rate": gettext_lazy("Service fee rate"),
    "transfer_fee_rate": gettext_lazy("Transfer fee rate"),
    "prepayment_fee_rate": gettext_lazy("Prepayment fee rate"),
    "penalty_rate_daily": gettext_lazy("Daily penalty rate"),
    "fee_rate": gettext_lazy("Project fee rate"),
}


def _pct(rate) -> str:
    """A rate as a percentage with every significant digit (a daily penalty of
    0.00012 is 0.012 %, not a rounded 0.01 %), at least two decimals."""
    value = (Decimal(str(rate)) * 100).normalize()
    if -value.as_tuple().exponent < 2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}%"


def _fee_changes(approval: ApprovalRequest) -> list[dict]:
    """For a pending fee change, each rate as it is now beside the rate asked for,
    so the checker sees how big the change is before approving it."""
    pk = approval.target.partition(":")[2]
    if approval.kind == ApprovalRequest.Kind.PRODUCT_FEE:
        product = LoanProduct.objects.filter(pk=_int(pk)).first()
        if product is None:
            return []
        return [{"field": f, "label": FEE_LABELS[f], "current": _pct(getattr(product, f)), "requested": _pct(v)}
                for f, v in approval.payload.items() if f in PRODUCT_FEES]
    if approval.kind == ApprovalRequest.Kind.PROJECT_FEE:
        project = Project.objects.filter(pk=_int(pk)).first()
        if project is None:
            return []
        requested = approval.payload.get("fee_rate")
        default = _("platform default %(rate)s") % {"rate": _pct(settings.PEERFUND_CF_FEE_RATE)}
        return [{"field": "fee_rate", "label": FEE_LABELS["fee_rate"],
                 "current": _pct(project.fee_rate) if project.fee_rate is not None else default,
                 "requested": _pct(requested) if requested not in (None, "") else default}]
    return []


@staff_permission_required("request_adjustments")
def approvals(request):
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        payload = {field: request.POST.get(field, "").strip() for field in (*PRODUCT_FEES, "fee_rate") if request.POST.get(field, "").strip()}
        try:
            approval_request(staff=request.user, kind=kind, target_id=_int(request.POST.get("target")), reason=request.POST.get("reason", ""), payload=payload)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Asked: a second staff member must approve it."))
        return redirect("backoffice:approvals")
    # Emergency switches are asked for and approved on their own page (backoffice/switches.py).
    pending = list(ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).exclude(kind=ApprovalRequest.Kind.OPERATION_SWITCH)
                   .select_related("requested_by"))
    for approval in pending:
        approval.fee_changes = _fee_changes(approval)
    return render(request, "backoffice/approvals.html", {
        "pending": pending,
        "decided": ApprovalRequest.objects.exclude(status=ApprovalRequest.Status.PENDING).select_related("requested_by", "decided_by")[:30],
        "due_payouts": Payout.objects.filter(status=Payout.Status.DUE).select_related("project"),
        "products": LoanProduct.objects.order_by("id"),
        "kinds": [(v, label) for v, label in ApprovalRequest.Kind.choices if v != ApprovalRequest.Kind.OPERATION_SWITCH],
        "fee_fields": PRODUCT_FEES,
    })


@staff_permission_required("approve_adjustments")
@require_POST
def approval_decision(request, request_id: int):
    approval = get_object_or_404(ApprovalRequest, pk=request_id)
    try:
        approval_decide(staff=request.user, request=approval, approve=request.POST.get("decision") == "approve", note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("backoffice:approvals")
