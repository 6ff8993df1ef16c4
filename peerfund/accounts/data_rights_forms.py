"""Forms of the personal-data pages (download, correction, closure) and the
enterprise verification with a charity registration number. Kept apart from
forms.py, which the sign-up work changes."""
from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.accounts.forms import EnterpriseVerificationForm
from peerfund.core.forms import BootstrapFormMixin

_PASSWORD = {"autocomplete": "current-password"}
_TRADE = {"inputmode": "numeric", "autocomplete": "off"}


class ProfileForm(BootstrapFormMixin, forms.Form):
    display_name = forms.CharField(label=_("Nickname"), max_length=30)


class PasswordConfirmForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(label=_("Login password"), widget=forms.PasswordInput(attrs=_PASSWORD))


class ClosureForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(label=_("Login password"), widget=forms.PasswordInput(attrs=_PASSWORD))
    trade_password = forms.CharField(label=_("Trade password"), required=False, widget=forms.PasswordInput(attrs=_TRADE))
    understood = forms.BooleanField(label=_("I understand that a closed account cannot be reopened and I can no longer log in."))

    def __init__(self, *args, has_trade_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if has_trade_password:
            self.fields["trade_password"].required = True
        else:
            del self.fields["trade_password"]


class CharityEnterpriseVerificationForm(EnterpriseVerificationForm):
    charity_registration_no = forms.CharField(
        label=_("Charity registration number (charity organisations only)"), max_length=18, required=False,
        help_text=_("The unified social credit code on your charity registration certificate (慈善组织登记证书); it starts with 5."),
    )
