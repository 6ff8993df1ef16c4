"""Back office for crowdfunding: the review queue, every project (fee override,
declaring an owner in default), categories, and the complaints queue."""
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.approvals import approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.audit import audit_trail
from peerfund.core.errors import ApplicationError
from peerfund.core.models import Alert
from peerfund.crowdfunding.models import Category, Complaint, Project
from peerfund.crowdfunding.selectors import platform_figures
from peerfund.crowdfunding.services.fulfilment import complaint_handle
from peerfund.crowdfunding.services.projects import category_save, project_review
from peerfund.crowdfunding.services.settlement import project_default


def _attempt(request, action, success: str) -> None:
    try:
        action()
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@staff_permission_required("review_projects")
def review_queue(request):
    if request.method == "POST":
        project = get_object_or_404(Project, pk=request.POST.get("project"))
        reasons = [line for line in request.POST.get("reasons", "").splitlines() if line.strip()]
        _attempt(request, lambda: project_review(staff=request.user, project=project, approve=request.POST.get("decision") == "approve", reasons=reasons), _("Done."))
        return redirect("crowdfunding_backoffice:review")
    waiting = Project.objects.filter(status=Project.Status.IN_REVIEW).select_related("owner", "category__parent").prefetch_related("tiers").order_by("id")
    return render(request, "crowdfunding/backoffice/review.html", {"projects": waiting})


@staff_permission_required("review_projects")
def project_view(request, project_id: int):
    project = get_object_or_404(Project.objects.select_related("owner", "category__parent"), pk=project_id)
    return render(request, "crowdfunding/backoffice/project.html", {
        "project": project, "tiers": project.tiers.all(), "payouts": project.payouts.all(), "trail": audit_trail(project),
        "alerts": Alert.objects.filter(kind__startswith="crowdfunding.", ref__startswith=f"project:{project.pk}:"),
    })


@staff_permission_required("manage_crowdfunding")
@require_POST
def project_manage(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    if request.POST.get("action") == "fee":
        raw = request.POST.get("fee_percent", "").strip()
        try:
            rate = str(Decimal(raw) / 100) if raw else ""
        except InvalidOperation:
            messages.error(request, _("Enter the fee as a number, e.g. 5."))
        else:
            _attempt(request, lambda: approval_request(staff=request.user, kind=ApprovalRequest.Kind.PROJECT_FEE, target_id=project.pk,
                                                       reason=request.POST.get("reason") or "fee override", payload={"fee_rate": rate}),
                     _("Fee change asked: a second staff member must approve it."))
    elif request.POST.get("action") == "default":
        _attempt(request, lambda: project_default(staff=request.user, project=project, reason=request.POST.get("reason", "")),
                 _("The owner is in default: escrow refunded to backers, owner blacklisted."))
    return redirect("crowdfunding_backoffice:project", project_id=project.pk)


@staff_permission_required("review_projects")
def project_list(request):
    status = request.GET.get("status", "")
    projects = Project.objects.select_related("owner").order_by("-id")
    if status in Project.Status.values:
        projects = projects.filter(status=status)
    return render(request, "crowdfunding/backoffice/projects.html", {
        "projects": projects[:200], "status": status, "statuses": Project.Status.choices, "figures": platform_figures(),
        "alerts": Alert.objects.filter(kind__startswith="crowdfunding.", acknowledged_at__isnull=True).order_by("-id")[:20],
    })


@staff_permission_required("manage_crowdfunding")
def categories(request):
    if request.method == "POST":
        parent = Category.objects.filter(pk=request.POST.get("parent") or 0).first()
        category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
        _attempt(request, lambda: category_save(staff=request.user, name=request.POST.get("name", ""), parent=parent,
                                                banned=request.POST.get("banned") == "on", category=category,
                                                charity=request.POST.get("charity") == "on"), _("Category saved."))
        return redirect("crowdfunding_backoffice:categories")
    tops = Category.objects.filter(parent__isnull=True).prefetch_related("children")
    return render(request, "crowdfunding/backoffice/categories.html", {"tops": tops})


@staff_permission_required("handle_complaints")
def complaints(request):
    if request.method == "POST":
        complaint = get_object_or_404(Complaint, pk=request.POST.get("complaint"))
        _attempt(request, lambda: complaint_handle(staff=request.user, complaint=complaint, resolve=request.POST.get("decision") == "resolve",
                                                   resolution=request.POST.get("resolution", "")), _("Complaint closed."))
        return redirect("crowdfunding_backoffice:complaints")
    queue = Complaint.objects.select_related("pledge__project", "pledge__backer", "pledge__tier").order_by("status", "-id")[:200]
    return render(request, "crowdfunding/backoffice/complaints.html", {"complaints": queue})
