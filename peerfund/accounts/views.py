"""User-centre pages (我的账户): verification, cards, risk profile, security,
invitations and messages. Each parses input, calls one service and renders."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.accounts.adapter import INVITE_SESSION_KEY
from peerfund.accounts.data_rights_forms import CharityEnterpriseVerificationForm
from peerfund.accounts.forms import (
    AddressForm,
    CardForm,
    InviteCodeForm,
    PersonVerificationForm,
    QuestionnaireForm,
    TradePasswordForm,
)
from peerfund.accounts.models import InvitationReward, Verification
from peerfund.accounts.selectors import address_get_for_user, addresses_of, card_get_for_user, cards_of
from peerfund.accounts.services import addresses as address_services
from peerfund.accounts.services import cards as card_services
from peerfund.accounts.services.identity import verification_submit_enterprise, verification_submit_person, verified_identity
from peerfund.accounts.services.invitations import invitation_accept, invite_code_of
from peerfund.accounts.services.risk import assessment_submit, current_assessment
from peerfund.accounts.services.security import trade_password_set
from peerfund.accounts.services.tiers import cumulative_invested_fen, tiers, user_tier
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import form_run
from peerfund.core.masking import mask_id_number, mask_name
from peerfund.core.qr import qr_svg
from peerfund.notify.events import EVENTS
from peerfund.notify.selectors import messages_of
from peerfund.notify.services import channels_for, message_mark_read, preference_set


@login_required
def verify(request):
    identity = verified_identity(request.user)
    form = PersonVerificationForm(request.POST or None)
    if request.method == "POST" and identity is None and form.is_valid():
        done = form_run(request, form, lambda d: verification_submit_person(user=request.user, **d), _("Your identity is verified."))
        if done:
            return redirect("accounts:cards")
    reviewing = Verification.objects.filter(user=request.user, status=Verification.Status.REVIEWING).first()
    context = {
        "form": form,
        "identity": identity,
        "reviewing": reviewing,
        "masked_name": mask_name(identity.real_name) if identity else "",
        "masked_id": mask_id_number(identity.id_number) if identity else "",
    }
    return render(request, "accounts/verify.html", context)


@login_required
def verify_enterprise(request):
    form = CharityEnterpriseVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: verification_submit_enterprise(user=request.user, **d), _("Submitted: we will review it shortly.")):
            return redirect("accounts:verify")
    return render(request, "accounts/verify_enterprise.html", {"form": form})


@login_required
def cards(request):
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: card_services.card_bind(user=request.user, **d), _("Card bound.")):
            return redirect("accounts:cards")
    return render(request, "accounts/cards.html", {"form": form, "cards": cards_of(request.user), "identity": verified_identity(request.user)})


@login_required
@require_POST
def card_action(request, card_id: int, action: str):
    if action not in {"default", "remove"}:
        raise Http404
    card = card_get_for_user(request.user, card_id)
    try:
        if action == "default":
            card_services.card_set_default(user=request.user, card=card)
        else:
            card_services.card_remove(user=request.user, card=card)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("accounts:cards")


@login_required
def addresses(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: address_services.address_save(user=request.user, **d), _("Address saved.")):
            back = request.GET.get("next", "")  # from the pledge form: back to it
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("accounts:addresses")
    return render(request, "accounts/addresses.html", {"form": form, "addresses": addresses_of(request.user)})


@login_required
@require_POST
def address_remove(request, address_id: int):
    address_services.address_remove(user=request.user, address=address_get_for_user(request.user, address_id))
    messages.success(request, _("Address removed."))
    return redirect("accounts:addresses")


@login_required
def risk(request):
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = form_run(request, form, lambda d: assessment_submit(user=request.user, answers=d), _("Thank you: your risk level is updated."))
        if result:
            return redirect("accounts:risk")
    return render(request, "accounts/risk.html", {"form": form, "assessment": current_assessment(request.user)})


@login_required
def security(request):
    has_password = bool(request.user.trade_password)
    form = TradePasswordForm(request.POST or None, has_password=has_password)
    if request.method == "POST" and form.is_valid():
        action = lambda d: trade_password_set(user=request.user, new=d["new"], current=d.get("current"))  # noqa: E731
        if form_run(request, form, action, _("Trade password saved.")):
            return redirect("accounts:security")
    return render(request, "accounts/security.html", {"form": form, "has_password": has_password})


@login_required
def invite(request):
    code = invite_code_of(request.user)
    link = request.build_absolute_uri(reverse("invite_landing", args=[code]))
    form = InviteCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: invitation_accept(invitee=request.user, code=d["invite_code"]), _("Invitation recorded.")):
            return redirect("accounts:invite")
    context = {
        "code": code,
        "link": link,
        "qr_svg": qr_svg(link),
        "form": form if request.user.invited_by_id is None else None,
        "invitees": request.user.invitees.all()[:50],
        "rewards": InvitationReward.objects.filter(inviter=request.user),
        "tier": user_tier(request.user),
        "tiers": tiers(),
        "invested": cumulative_invested_fen(request.user),
    }
    return render(request, "accounts/invite.html", context)


def invite_landing(request, code: str):
    """The personal link: remember the code for sign-up."""
    request.session[INVITE_SESSION_KEY] = code
    return redirect("account_signup")


@login_required
def message_list(request):
    if request.method == "POST":
        message_mark_read(user=request.user, message_id=int(request.POST["message"]) if request.POST.get("message") else None)
        return redirect("accounts:messages")
    return render(request, "accounts/messages.html", {"messages_list": messages_of(request.user)[:100]})


@login_required
def message_preferences(request):
    if request.method == "POST":
        for event, spec in EVENTS.items():
            if spec.mandatory:
                continue
            preference_set(
                user=request.user, event=event, site=f"{event}:site" in request.POST,
                sms=f"{event}:sms" in request.POST, email=f"{event}:email" in request.POST,
            )
        messages.success(request, _("Preferences saved."))
        return redirect("accounts:message_preferences")
    rows = [(event, spec, channels_for(request.user, event)) for event, spec in EVENTS.items()]
    return render(request, "accounts/message_preferences.html", {"rows": rows})
