"""Pages of 个人信息与账户: see and correct one's details, download one's data,
close the account. Each parses input, calls one service and renders; every page
shows the logged-in user's own data only."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerfund.accounts.data_rights_forms import ClosureForm, PasswordConfirmForm, ProfileForm
from peerfund.accounts.services.data_rights import (
    account_close,
    closure_blockers,
    data_export_build,
    identity_confirm,
    profile_update,
)
from peerfund.accounts.services.identity import verified_identity
from peerfund.core import clock
from peerfund.core.devices import ip_of
from peerfund.core.forms import form_run
from peerfund.core.masking import mask_email, mask_id_number, mask_name, mask_phone


def export_response(content: bytes, user) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="peerfund-data-{user.pk}-{clock.business_date():%Y%m%d}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def personal(request):
    """What we hold about the user and what they may correct here."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"display_name": user.display_name})
    if request.method == "POST" and form.is_valid():
        if form_run(request, form, lambda d: profile_update(user=user, display_name=d["display_name"]), _("Nickname saved.")):
            return redirect("accounts:personal")
    identity = verified_identity(user)
    context = {
        "form": form,
        "identity": identity,
        "masked_name": mask_name(identity.real_name) if identity else "",
        "masked_id": mask_id_number(identity.id_number) if identity else "",
        "masked_phone": mask_phone(user.phone) if user.phone else "",
        "masked_email": mask_email(user.email) if user.email else "",
    }
    return render(request, "accounts/personal.html", context)


@login_required
def data_download(request):
    """The download needs the login password again: the file holds the verified name
    and ID number in full."""
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = form_run(request, form, lambda d: identity_confirm(user=request.user, password=d["password"]))
        if confirmed:
            return export_response(data_export_build(user=request.user, ip_address=ip_of(request) or None), request.user)
    return render(request, "accounts/data_download.html", {"form": form})


@login_required
def account_closure(request):
    user = request.user
    blockers = closure_blockers(user)
    form = ClosureForm(request.POST or None, has_trade_password=bool(user.trade_password))
    if request.method == "POST" and form.is_valid():
        action = lambda d: account_close(user=user, password=d["password"], trade_password=d.get("trade_password") or "", ip_address=ip_of(request) or None)  # noqa: E731
        if form_run(request, form, action):
            logout(request)
            messages.success(request, _("Your account is closed. Thank you for using PeerFund."))
            return redirect("web:home")
        blockers = closure_blockers(user)
    return render(request, "accounts/closure.html", {"form": form, "blockers": blockers})
