"""The staff console, first part: users (search, detail, freeze / unfreeze with
maker–checker, audited look at personal data), verification and withdrawal review
queues, the sandbox outbox. Each view declares its permission."""
from django.apps import apps
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.accounts.models import User, Verification
from peerfund.accounts.services.identity import verification_review, verified_identity
from peerfund.backoffice.models import UserActionRequest
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.backoffice.selectors import user_360
from peerfund.backoffice.services import personal_data_reveal, user_action_decide, user_action_request
from peerfund.core.audit import audit_trail
from peerfund.core.errors import ApplicationError
from peerfund.core.fields import blind_index_for
from peerfund.core.masking import mask_email, mask_id_number, mask_name, mask_phone
from peerfund.core.models import Alert
from peerfund.core.phones import normalize_phone
from peerfund.funds.models import Withdrawal
from peerfund.funds.services.withdrawals import withdrawal_review
from peerfund.ledger.selectors import user_balances


def _flash_errors(request, action) -> None:
    try:
        action()
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))


@staff_permission_required("view_users")
def index(request):
    context = {
        "pending_verifications": Verification.objects.filter(status=Verification.Status.REVIEWING).count(),
        "pending_withdrawals": Withdrawal.objects.filter(status=Withdrawal.Status.REVIEWING).count(),
        "pending_actions": UserActionRequest.objects.filter(status=UserActionRequest.Status.PENDING).count(),
        "alerts": Alert.objects.filter(acknowledged_at__isnull=True)[:10],
        "users_count": User.objects.count(),
    }
    return render(request, "backoffice/index.html", context)


@staff_permission_required("view_users")
def users(request):
    query = (request.GET.get("q") or "").strip()
    found = User.objects.order_by("-id")
    if query:
        found = found.filter(
            Q(username__icontains=query) | Q(display_name__icontains=query) | Q(phone_index=blind_index_for(User, "phone_index", normalize_phone(query)))
        )
    rows = [(u, mask_phone(u.phone)) for u in found[:50]]
    return render(request, "backoffice/users.html", {"rows": rows, "query": query})


@staff_permission_required("view_users")
def user_detail(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    identity = verified_identity(target)
    revealed = None
    if request.method == "POST" and request.POST.get("reveal"):
        try:
            revealed = personal_data_reveal(staff=request.user, target=target, purpose=request.POST.get("purpose", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
    context = {
        "target": target,
        "phone": mask_phone(target.phone),
        "email": mask_email(target.email),
        "identity": identity,
        "masked_name": mask_name(identity.real_name) if identity else "",
        "masked_id": mask_id_number(identity.id_number) if identity else "",
        "balances": user_balances(target),
        "cards": target.bank_cards.filter(removed_at__isnull=True),
        "requests": UserActionRequest.objects.filter(target=target)[:10],
        "trail": audit_trail(target).order_by("-id")[:20],
        **user_360(target),
        "revealed": revealed,
        "can_reveal": request.user.has_perm("backoffice.view_personal_data"),
        "can_freeze": request.user.has_perm("backoffice.freeze_users"),
        "can_approve": request.user.has_perm("backoffice.approve_freeze"),
    }
    return render(request, "backoffice/user_detail.html", context)


@staff_permission_required("freeze_users")
@require_POST
def user_action(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    action = UserActionRequest.Action.UNFREEZE if target.is_frozen else UserActionRequest.Action.FREEZE
    _flash_errors(request, lambda: user_action_request(staff=request.user, target=target, action=action, reason=request.POST.get("reason", "")))
    return redirect("backoffice:user_detail", user_id=user_id)


@staff_permission_required("approve_freeze")
@require_POST
def user_action_decision(request, request_id: int):
    action_request = get_object_or_404(UserActionRequest, pk=request_id)
    approve = request.POST.get("decision") == "approve"
    _flash_errors(request, lambda: user_action_decide(staff=request.user, request=action_request, approve=approve))
    return redirect("backoffice:user_detail", user_id=action_request.target_id)


@staff_permission_required("review_verifications")
def verifications(request):
    if request.method == "POST":
        verification = get_object_or_404(Verification, pk=request.POST.get("verification"))
        approve = request.POST.get("decision") == "approve"
        _flash_errors(request, lambda: verification_review(staff=request.user, verification=verification, approve=approve, reason=request.POST.get("reason", "")))
        return redirect("backoffice:verifications")
    queue = Verification.objects.filter(status=Verification.Status.REVIEWING).select_related("user")
    rows = [(v, mask_name(v.real_name), mask_id_number(v.id_number)) for v in queue]
    return render(request, "backoffice/verifications.html", {"rows": rows})


@staff_permission_required("review_withdrawals")
def withdrawals(request):
    if request.method == "POST":
        withdrawal = get_object_or_404(Withdrawal, pk=request.POST.get("withdrawal"))
        approve = request.POST.get("decision") == "approve"
        _flash_errors(request, lambda: withdrawal_review(staff=request.user, withdrawal=withdrawal, approve=approve, reason=request.POST.get("reason", "")))
        return redirect("backoffice:withdrawals")
    queue = Withdrawal.objects.filter(status=Withdrawal.Status.REVIEWING).select_related("user", "card")
    return render(request, "backoffice/withdrawals.html", {"queue": queue, "recent": Withdrawal.objects.select_related("user", "card")[:30]})


@staff_permission_required("view_outbox")
def outbox(request):
    """The sandbox's outbox of SMS and e-mail (demo and staging only: production
    installs no sandbox, so there is nothing to show)."""
    if not apps.is_installed("peerfund.sandbox"):
        raise Http404
    from peerfund.sandbox.models import OutboundMessage

    return render(request, "backoffice/outbox.html", {"messages_out": OutboundMessage.objects.all()[:100]})
