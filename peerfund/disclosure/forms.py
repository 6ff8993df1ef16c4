from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import BootstrapFormMixin
from peerfund.disclosure.models import PostLoanRecord


class PostLoanForm(BootstrapFormMixin, forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=forms.DateInput(attrs={"type": "date"}))
    funds_used_as_declared = forms.TypedChoiceField(
        label=_("Money used as declared"), choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes",
    )
    funds_note = forms.CharField(label=_("How the money was used"), max_length=300, required=False)
    ability = forms.ChoiceField(label=_("Ability to repay"), choices=PostLoanRecord.Ability.choices)
    ability_note = forms.CharField(label=_("What changed"), max_length=300, required=False)
    overdue_note = forms.CharField(label=_("Arrears"), max_length=300, required=False)
