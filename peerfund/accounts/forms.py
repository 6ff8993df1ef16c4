import functools

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.accounts.models import PROVINCES
from peerfund.accounts.questionnaire import QUESTIONS
from peerfund.core.forms import BootstrapFormMixin


class PersonVerificationForm(BootstrapFormMixin, forms.Form):
    real_name = forms.CharField(label=_("Legal name"), max_length=30)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18, min_length=18)


class EnterpriseVerificationForm(BootstrapFormMixin, forms.Form):
    company_name = forms.CharField(label=_("Registered company name"), max_length=120)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    legal_rep_name = forms.CharField(label=_("Legal representative"), max_length=30)
    legal_rep_id = forms.CharField(label=_("Legal representative's ID number"), max_length=18, min_length=18)


class CardForm(BootstrapFormMixin, forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=23, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder_name = forms.CharField(label=_("Name on the card"), max_length=30)


class TradePasswordForm(BootstrapFormMixin, forms.Form):
    current = forms.CharField(label=_("Current trade password"), required=False, widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    new = forms.CharField(label=_("New trade password (6 digits)"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    confirm = forms.CharField(label=_("Repeat it"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def __init__(self, *args, has_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["current"]

    def clean(self):
        data = super().clean()
        if data.get("new") and data.get("new") != data.get("confirm"):
            self.add_error("confirm", _("The two entries differ."))
        return data


class QuestionnaireForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(i), label) for i, (label, _points) in enumerate(question.options)],
                coerce=int,
                widget=forms.RadioSelect,
            )


class InviteCodeForm(BootstrapFormMixin, forms.Form):
    invite_code = forms.CharField(label=_("Invitation code"), max_length=12)


class AddressForm(BootstrapFormMixin, forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=30)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    province = forms.ChoiceField(label=_("Province"), choices=[(p, p) for p in PROVINCES])
    city = forms.CharField(label=_("City"), max_length=30)
    street = forms.CharField(label=_("Street address"), max_length=120)
    make_default = forms.BooleanField(label=_("Make this my default address"), required=False)


def _agreement_label():
    """The sign-up checkbox's label, linking the two documents (they open in a new tab)."""
    from django.urls import reverse
    from django.utils.html import format_html

    def link(kind: str, title) -> str:
        try:
            url = reverse("legal:document", kwargs={"kind": kind})
        except Exception:  # the legal pages are not routed
            url = f"/legal/{kind}/"
        return format_html('<a href="{}" target="_blank" rel="noopener" data-testid="doc-{}">《{}》</a>', url, kind, title)

    documents = format_html("{}{}", link("user_agreement", _("User agreement")), link("privacy_policy", _("Privacy policy")))
    return format_html(str(_("I have read and agree to {documents}")), documents=documents)


@functools.cache
def signup_form_class():
    """allauth's sign-up form with the required agreement checkbox; the acceptance of
    both documents is recorded with the new user, in the same transaction."""
    from allauth.account.forms import SignupForm as AllauthSignupForm

    class SignupForm(AllauthSignupForm):
        agree = forms.BooleanField(required=True, error_messages={"required": _("Please read and accept the user agreement and the privacy policy.")})

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["agree"] = self.fields.pop("agree")  # last, under the passwords
            self.fields["agree"].label = _agreement_label()

        def save(self, request):
            from django.db import transaction

            from peerfund.core.devices import ip_of
            from peerfund.legal.services import REQUIRED, Action, consent_record, published

            with transaction.atomic():
                user = super().save(request)
                consent_record(user=user, versions=list(published(REQUIRED[Action.SIGNUP])), ip=ip_of(request),
                               user_agent=request.META.get("HTTP_USER_AGENT", ""), action=Action.SIGNUP)
            return user

    return SignupForm
