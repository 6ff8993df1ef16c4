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
