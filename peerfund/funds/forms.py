import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerfund.core.forms import BootstrapFormMixin, YuanField
from peerfund.ledger.chart import EntryKind


class DepositForm(BootstrapFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    # One key per rendered form: a double submit makes one order, not two.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class WithdrawForm(BootstrapFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    card = forms.TypedChoiceField(label=_("To card"), coerce=int)
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args, cards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [(c.pk, f"{c.bank_name} **** {c.last4}") for c in cards]


class HistoryFilterForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All"))] + list(EntryKind.choices))
