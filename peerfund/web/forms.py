import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import YuanField


class DepositForm(forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    # One key per rendered form: a double submit books one deposit, not two.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)
