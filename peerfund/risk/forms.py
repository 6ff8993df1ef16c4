import json

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import BootstrapFormMixin
from peerfund.risk.models import AmlAlert, BlacklistEntry, Rule


class RuleForm(BootstrapFormMixin, forms.ModelForm):
    sample = forms.CharField(
        label=_("Sample input to try the condition on (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=_('For example {"age": 17, "grade": "C", "linked_accounts": 0}'),
    )

    class Meta:
        model = Rule
        fields = ["name", "event", "condition", "action", "priority", "enabled", "description"]
        widgets = {"condition": forms.Textarea(attrs={"rows": 2, "class": "font-monospace"})}

    def clean_sample(self):
        text = self.cleaned_data.get("sample") or ""
        if not text.strip():
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give an object: {\"name\": value, …}."))
        return value


class BlacklistForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=BlacklistEntry.Kind.choices)
    value = forms.CharField(label=_("Value"), max_length=80)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    expires_at = forms.DateTimeField(label=_("Expires (empty: never)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class AmlUpdateForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AmlAlert.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


