"""django-allauth adapter: phone numbers live (encrypted) on our User; SMS goes
through the configured SMS adapter; sign-up records an invitation code kept in the
session from the invite link."""
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.utils.translation import gettext as _

from peerfund.accounts.selectors import user_find_by_phone
from peerfund.core.phones import is_valid_mobile, normalize_phone

INVITE_SESSION_KEY = "peerfund_invite_code"


class MobileField(PhoneField):
    """Accepts a mainland number as people type it (138 0000 0000) as well as E.164."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [])
        super().__init__(*args, **kwargs)
        self.widget.attrs["placeholder"] = "138 0000 0000"
        self.label = _("Mobile number")

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        return MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        if not is_valid_mobile(phone):
            raise forms.ValidationError(_("Enter a valid mobile number."))
        return normalize_phone(phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from peerfund.notify.services import sms_adapter

        sms_adapter().send(to=phone, text=_("【PeerFund】Your verification code is %(code)s. It expires in 15 minutes; never share it.") % {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        from peerfund.notify.services import sms_adapter

        sms_adapter().send(to=phone, text=_("【PeerFund】Someone asked for a login code for this number, but no account uses it."))

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = normalize_phone(phone)
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_index", "phone_verified"])

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str):
        return user_find_by_phone(normalize_phone(phone))

    def get_login_redirect_url(self, request):
        """Staff work in the back office, so that is where they land; everyone else
        keeps LOGIN_REDIRECT_URL. allauth only asks when there is no safe `next`."""
        if request.user.is_staff:
            from django.urls import reverse

            return reverse("backoffice:index")
        return super().get_login_redirect_url(request)

    def pre_login(self, request, user, **kwargs):
        """The login risk rules: a refused login is undone and answered with a page
        that does not say why (staff see the evaluation)."""
        from allauth.account.internal.stagekit import clear_login
        from django.shortcuts import render

        from peerfund.risk.models import Event
        from peerfund.risk.services import RiskRefused, risk_gate
        from peerfund.risk.signals import Origin

        try:
            risk_gate(event=Event.LOGIN, user=user, origin=Origin.of(request))
        except RiskRefused as refusal:
            clear_login(request)
            return render(request, "core/application_error.html", {"error": refusal}, status=refusal.status)
        return super().pre_login(request, user, **kwargs)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        code = request.session.pop(INVITE_SESSION_KEY, "") if request is not None else ""
        if code and commit:
            from peerfund.accounts.errors import AccountError
            from peerfund.accounts.services.invitations import invitation_accept

            try:
                invitation_accept(invitee=user, code=code)
            except AccountError:
                pass  # a stale or self invitation link is simply ignored at sign-up
        return user
