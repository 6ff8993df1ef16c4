"""The emergency switches page: the four operations users start (sign-up, bid,
pledge, withdrawal), each open or paused with its reason, who asked, who approved and
when. Pausing or resuming one is a maker–checker request (kind `operation_switch`,
backoffice/approvals.py): asked here by one staff member, approved here by another;
both need `pause_operations`."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.approvals import approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.errors import ApplicationError
from peerfund.core.switches import switches_list

Kind = ApprovalRequest.Kind


@staff_permission_required("pause_operations")
def switches(request):
    if request.method == "POST":
        try:
            switch_id = int(request.POST.get("switch", ""))
        except ValueError:
            switch_id = 0
        try:
            approval_request(staff=request.user, kind=Kind.OPERATION_SWITCH, target_id=switch_id, reason=request.POST.get("reason", ""),
                             payload={"pause": request.POST.get("action") == "pause"})
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Asked: a second staff member must approve it."))
        return redirect("backoffice:switches")
    requests = ApprovalRequest.objects.filter(kind=Kind.OPERATION_SWITCH).select_related("requested_by", "decided_by")
    pending = {r.target: r for r in requests.filter(status=ApprovalRequest.Status.PENDING)}
    rows = [(switch, pending.get(f"switch:{switch.pk}")) for switch in switches_list()]
    return render(request, "backoffice/switches.html", {
        "rows": rows,
        "decided": requests.exclude(status=ApprovalRequest.Status.PENDING)[:20],
    })


@staff_permission_required("pause_operations")
@require_POST
def switch_decision(request, request_id: int):
    approval = get_object_or_404(ApprovalRequest, pk=request_id, kind=Kind.OPERATION_SWITCH)
    try:
        approval_decide(staff=request.user, request=approval, approve=request.POST.get("decision") == "approve", note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("backoffice:switches")
