import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import BootstrapFormMixin, YuanField
from peerfund.lending.schedules import Method


class HallFilterForm(BootstrapFormMixin, forms.Form):
    rate_min = forms.DecimalField(label=_("Rate from (%)"), required=False, min_value=0, max_value=36, decimal_places=2)
    rate_max = forms.DecimalField(label=_("Rate to (%)"), required=False, min_value=0, max_value=36, decimal_places=2)
    months_max = forms.IntegerField(label=_("Term up to (months)"), required=False, min_value=1, max_value=36)
    grades = forms.MultipleChoiceField(label=_("Grades"), required=False, choices=[(g, g) for g in "ABCDE"], widget=forms.CheckboxSelectMultiple)
    method = forms.ChoiceField(label=_("Repayment"), required=False, choices=[("", _("All"))] + list(Method.choices))
    left_min = YuanField(label=_("At least left (yuan)"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("newest", _("Newest")), ("rate", _("Highest rate")), ("term", _("Shortest term")), ("left", _("Least left"))],
    )


class BidForm(BootstrapFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class AutoInvestForm(BootstrapFormMixin, forms.Form):
    enabled = forms.BooleanField(label=_("On (authorises the custodian bank to bid for you)"), required=False, initial=True)
    rate_min = forms.DecimalField(label=_("Rate from (%)"), min_value=0, max_value=36, decimal_places=2)
    rate_max = forms.DecimalField(label=_("Rate to (%)"), min_value=0, max_value=36, decimal_places=2)
    months_min = forms.IntegerField(label=_("Term from (months)"), min_value=1, max_value=36, initial=1)
    months_max = forms.IntegerField(label=_("Term to (months)"), min_value=1, max_value=36, initial=12)
    grades = forms.MultipleChoiceField(label=_("Grades"), choices=[(g, g) for g in "ABCDE"], widget=forms.CheckboxSelectMultiple)
    amount_per_loan = YuanField(label=_("Amount per loan (yuan)"))
    keep_balance = YuanField(label=_("Always keep (yuan)"), required=False, min_fen=0)
