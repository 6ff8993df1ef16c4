"""Pages of the maker–checker queue: ask for a ledger adjustment, a payout release or
a fee change; approve or reject what someone else asked for."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.approvals import PRODUCT_FEES, approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.errors import ApplicationError
from peerfund.crowdfunding.models import Payout
from peerfund.lending.models import LoanProduct


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
    return render(request, "backoffice/approvals.html", {
        # Emergency switches are asked for and approved on their own page (backoffice/switches.py).
        "pending": ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).exclude(kind=ApprovalRequest.Kind.OPERATION_SWITCH)
        .select_related("requested_by"),
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
