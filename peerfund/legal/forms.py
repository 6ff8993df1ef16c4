from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import BootstrapFormMixin


class AcceptForm(BootstrapFormMixin, forms.Form):
    versions = forms.CharField(widget=forms.HiddenInput)
    agree = forms.BooleanField(label=_("I have read and agree to the documents above"),
                               error_messages={"required": _("Tick the box to accept the documents.")})

    def version_ids(self) -> list[int]:
        try:
            return [int(part) for part in self.cleaned_data["versions"].split(",") if part]
        except ValueError:
            return []


class DocumentForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 24}), max_length=100_000)


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("What must change"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


