"""Crowdfunding pages: discovery, the project page (rewards, story, updates,
comments and Q&A, share link and QR), pledging, my pledges, and the owner's side
(drafts in steps, submission, the dashboard with analytics, shipping, updates and
private messages). Each view parses input, checks who may see what, calls one
service and renders."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.accounts.selectors import addresses_of
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import form_run
from peerfund.core.money import format_fen
from peerfund.core.qr import qr_svg
from peerfund.crowdfunding import forms as cf_forms
from peerfund.crowdfunding.content import plain_text
from peerfund.crowdfunding.models import Comment, Payout, PrivateMessage, Project, RewardTier
from peerfund.crowdfunding.selectors import (
    Discovery,
    platform_figures,
    pledge_get_for_backer,
    pledge_get_for_owner,
    pledges_of,
    project_analytics,
    project_get_for_owner,
    project_get_public,
    projects_page,
    reply_time,
)
from peerfund.crowdfunding.services import community, fulfilment, pledges, projects
from peerfund.risk.signals import Origin

STEPS = ("basics", "story", "rewards", "risk")


def discover(request):
    form = cf_forms.DiscoveryForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = Discovery(category=data.get("category"), q=(data.get("q") or "").strip(), sort=data.get("sort") or "newest", status=data.get("status") or "funding")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "crowdfunding/discover.html", {
        "form": form, "page": projects_page(filters, request.GET.get("page", 1)), "query": query.urlencode(),
        "figures": platform_figures(),
    })


def project_detail(request, project_id: int):
    project = project_get_public(project_id)
    comment_form = cf_forms.CommentForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if comment_form.is_valid():
            data = comment_form.cleaned_data
            parent = Comment.objects.filter(pk=data["parent"], project=project).first() if data.get("parent") else None
            if form_run(request, comment_form, lambda d: community.comment_post(author=request.user, project=project, body=d["body"], is_question=d["is_question"], parent=parent), _("Posted.")):
                return redirect(f"{reverse('crowdfunding:project', args=[project.pk])}#comments")
    else:
        community.visit_count(project=project)
    is_backer = community.is_backer(request.user, project)
    updates = project.updates.all() if is_backer or request.user.pk == project.owner_id else project.updates.filter(backers_only=False)
    comments = project.comments.filter(parent__isnull=True).select_related("author").prefetch_related("replies__author")
    share_url = request.build_absolute_uri(reverse("crowdfunding:project", args=[project.pk]))
    return render(request, "crowdfunding/project.html", {
        "project": project, "tiers": project.tiers.all(), "updates": updates, "comments": comments, "comment_form": comment_form,
        "is_backer": is_backer, "is_owner": request.user.pk == project.owner_id, "reply": reply_time(project), "share_url": share_url,
        "description": project.summary or plain_text(project.story)[:150],
        "following": request.user.is_authenticated and project.follows.filter(user=request.user).exists(),
    })


def project_qr(request, project_id: int):
    project = project_get_public(project_id)
    svg = qr_svg(request.build_absolute_uri(reverse("crowdfunding:project", args=[project.pk])))
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
@require_POST
def follow(request, project_id: int):
    project = project_get_public(project_id)
    community.follow_set(user=request.user, project=project, follow=request.POST.get("follow") == "1")
    return redirect("crowdfunding:project", project_id=project.pk)


@login_required
def pledge(request, project_id: int, tier_id: int | None = None):
    project = project_get_public(project_id)
    tier = get_object_or_404(RewardTier, pk=tier_id, project=project) if tier_id else None
    addresses = list(addresses_of(request.user))
    needs_address = bool(tier and tier.needs_shipping)
    form = cf_forms.PledgeForm(request.POST or None, addresses=addresses, needs_address=needs_address,
                               initial={"amount": format_fen(tier.minimum_fen, symbol=False) if tier else ""})
    if request.method == "POST" and form.is_valid():
        placed = form_run(request, form, lambda d: pledges.pledge_place(
            backer=request.user, project_id=project.pk, tier_id=tier.pk if tier else None, amount_fen=d["amount"], address_id=d.get("address"),
            trade_password=d["trade_password"], key=d["key"], origin=Origin.of(request),
        ), "")
        if placed:
            messages.success(request, _("Thank you! %(amount)s is frozen in your account until the deadline.") % {"amount": format_fen(placed.amount_fen)})
            return redirect("crowdfunding:project", project_id=project.pk)
    return render(request, "crowdfunding/pledge.html", {"project": project, "tier": tier, "form": form, "needs_address": needs_address, "addresses": addresses})


@login_required
def my_pledges(request):
    return render(request, "crowdfunding/my_pledges.html", {"pledges": pledges_of(request.user), "complaint_form": cf_forms.ComplaintForm()})


@login_required
@require_POST
def pledge_action(request, pledge_id: int, action: str):
    pledge = pledge_get_for_backer(request.user, pledge_id)
    try:
        if action == "cancel":
            pledges.pledge_cancel(backer=request.user, pledge=pledge)
            messages.success(request, _("Pledge cancelled; the money is back in your balance."))
        elif action == "confirm":
            fulfilment.pledge_confirm(backer=request.user, pledge=pledge)
            messages.success(request, _("Thank you for confirming."))
        elif action == "complain":
            form = cf_forms.ComplaintForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Say what went wrong."), "complaint.text")
            fulfilment.complaint_file(backer=request.user, pledge=pledge, text=form.cleaned_data["text"])
            messages.success(request, _("Complaint filed; customer service will contact you."))
        else:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("crowdfunding:my_pledges")


# --- the owner's side ---------------------------------------------------------------


@login_required
def my_projects(request):
    form = cf_forms.NewProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = form_run(request, form, lambda d: projects.project_create(owner=request.user, title=d["title"]), _("Draft saved. Fill in the steps, then submit it for review."))
        if project:
            return redirect("crowdfunding:edit", project_id=project.pk, step="basics")
    return render(request, "crowdfunding/my_projects.html", {"projects": Project.objects.filter(owner=request.user), "form": form})


def _step_form(project: Project, step: str, data=None, files=None):
    if step == "basics":
        initial = {"title": project.title, "summary": project.summary, "category": project.category_id, "duration_days": project.duration_days,
                   "allow_no_reward": project.allow_no_reward, "goal": format_fen(project.goal_fen, symbol=False) if project.goal_fen else ""}
        return cf_forms.BasicsForm(data, files, initial=initial)
    if step == "story":
        return cf_forms.StoryForm(data, files, initial={"story": project.story, "video_url": project.video_url})
    if step == "risk":
        return cf_forms.RiskForm(data, initial={"risk_statement": project.risk_statement})
    return cf_forms.TierForm(data, initial={"delivery_month": cf_forms.delivery_month_default().strftime("%Y-%m"), "needs_shipping": True})


def _save_step(owner, project: Project, step: str, data: dict):
    if step == "basics":
        return projects.project_update(owner=owner, project=project, cover=data.pop("cover", None), goal_fen=data.pop("goal"), **data)
    if step == "story":
        image = data.pop("image", None)
        project = projects.project_update(owner=owner, project=project, **data)
        return projects.project_story_image_add(owner=owner, project=project, image=image) if image else project
    if step == "risk":
        return projects.project_update(owner=owner, project=project, **data)
    return projects.tier_save(owner=owner, project=project, title=data["title"], description=data["description"], price_fen=data["price"], limit=data["limit"],
                              delivery_month=data["delivery_month"], needs_shipping=data["needs_shipping"], shipping_fee_fen=data["shipping_fee"] or 0)


@login_required
def project_edit(request, project_id: int, step: str):
    project = project_get_for_owner(request.user, project_id)
    if step not in STEPS:
        raise Http404
    form = _step_form(project, step, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: _save_step(request.user, project, step, dict(d)), _("Saved.")):
            stay = step == "rewards" or (step == "story" and request.FILES.get("image"))
            following = step if stay else STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]
            return redirect("crowdfunding:edit", project_id=project.pk, step=following)
    return render(request, "crowdfunding/edit.html", {"project": project, "step": step, "steps": STEPS, "form": form, "tiers": project.tiers.all(),
                                                     "editable": project.status in Project.EDITABLE})


@login_required
@require_POST
def tier_remove(request, project_id: int, tier_id: int):
    project = project_get_for_owner(request.user, project_id)
    try:
        projects.tier_remove(owner=request.user, tier=get_object_or_404(RewardTier, pk=tier_id, project=project))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("crowdfunding:edit", project_id=project.pk, step="rewards")


@login_required
@require_POST
def project_submit(request, project_id: int):
    project = project_get_for_owner(request.user, project_id)
    try:
        projects.project_submit(owner=request.user, project=project, origin=Origin.of(request))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("crowdfunding:edit", project_id=project.pk, step="risk")
    messages.success(request, _("Submitted: the machine checks passed and a reviewer will look at it."))
    return redirect("crowdfunding:my_projects")


@login_required
def dashboard(request, project_id: int):
    project = project_get_for_owner(request.user, project_id)
    update_form = cf_forms.UpdateForm(request.POST or None)
    if request.method == "POST" and update_form.is_valid():
        if form_run(request, update_form, lambda d: community.update_post(owner=request.user, project=project, **d), _("Update posted; followers are told.")):
            return redirect("crowdfunding:dashboard", project_id=project.pk)
    backers = project.pledges.select_related("backer", "tier").prefetch_related("complaints").order_by("id")
    analytics = project_analytics(project)
    charts = {
        "curve": {"days": [d.isoformat() for d, _, _ in analytics["curve"]], "daily": [fen for _, fen, _ in analytics["curve"]],
                  "total": [fen for _, _, fen in analytics["curve"]], "unit": "fen"},
        "tiers": [{"name": name, "value": n} for name, n, _ in analytics["by_tier"]],
        "regions": {"labels": [r for r, _ in analytics["by_region"]], "values": [n for _, n in analytics["by_region"]]},
        "visits": {"labels": [d.isoformat() for d, _ in analytics["daily_visits"]], "values": [n for _, n in analytics["daily_visits"]]},
    }
    return render(request, "crowdfunding/dashboard.html", {
        "project": project, "analytics": analytics, "charts": charts, "backers": backers, "update_form": update_form,
        "payouts": Payout.objects.filter(project=project), "reply": reply_time(project), "ship_form": cf_forms.ShipForm(),
        "unread": PrivateMessage.objects.filter(project=project, recipient=request.user, read_at__isnull=True).count(),
    })


@login_required
@require_POST
def ship(request, pledge_id: int):
    pledge = pledge_get_for_owner(request.user, pledge_id)
    form = cf_forms.ShipForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Give the carrier and the tracking number."), "delivery.tracking")
        fulfilment.pledge_ship(owner=request.user, pledge=pledge, **form.cleaned_data)
        messages.success(request, _("Marked as sent; the backer is told."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("crowdfunding:dashboard", project_id=pledge.project_id)


@login_required
def conversation(request, project_id: int):
    """Private messages between the owner and one backer (`?with=` the other side)."""
    project = get_object_or_404(Project, pk=project_id, status__in=Project.PUBLIC)
    is_owner = request.user.pk == project.owner_id
    if is_owner:
        other = get_object_or_404(get_user_model(), pk=request.GET.get("with") or 0)
        if not community.is_backer(other, project):
            raise Http404
    else:
        if not community.is_backer(request.user, project):
            raise Http404
        other = project.owner
    form = cf_forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: community.message_send(sender=request.user, project=project, recipient=other, body=d["body"]), ""):
            return redirect(f"{reverse('crowdfunding:messages', args=[project.pk])}?with={other.pk}")
    community.messages_mark_read(user=request.user, project=project, other_id=other.pk)
    thread = PrivateMessage.objects.filter(project=project, sender__in=(request.user, other), recipient__in=(request.user, other)).select_related("sender")
    correspondents = []
    if is_owner:
        senders = PrivateMessage.objects.filter(project=project, recipient=request.user).values_list("sender_id", flat=True).distinct()
        correspondents = list(get_user_model().objects.filter(pk__in=senders))
    return render(request, "crowdfunding/messages.html", {"project": project, "other": other, "thread": thread, "form": form,
                                                         "correspondents": correspondents, "is_owner": is_owner})
