import datetime as dt
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core import clock
from peerfund.core.forms import BootstrapFormMixin, YuanField
from peerfund.crowdfunding.models import Category


def _key():
    return forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class DiscoveryForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[("newest", _("Newest")), ("funded", _("Most funded")), ("ending", _("Ending soon"))])
    status = forms.ChoiceField(label=_("Show"), required=False, choices=[("funding", _("Funding now")), ("all", _("All published"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [(c.pk, str(c)) for c in Category.objects.filter(banned=False).select_related("parent")]


class NewProjectForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=60)


class BasicsForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=60)
    summary = forms.CharField(label=_("One-sentence summary"), max_length=160)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(parent__isnull=False, banned=False).select_related("parent"))
    cover = forms.FileField(label=_("Cover image (JPEG, PNG, WebP or GIF)"), required=False)
    goal = YuanField(label=_("Goal (yuan)"), min_fen=100_00)
    duration_days = forms.IntegerField(label=_("Funding days"), min_value=1, max_value=60)
    allow_no_reward = forms.BooleanField(label=_("Backers may support without a reward"), required=False)


class StoryForm(BootstrapFormMixin, forms.Form):
    story = forms.CharField(label=_("Story (HTML allowed: paragraphs, headings, lists, links, images)"), widget=forms.Textarea(attrs={"rows": 12}), max_length=50_000)
    image = forms.FileField(label=_("Add an image at the end of the story (optional)"), required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")


class RiskForm(BootstrapFormMixin, forms.Form):
    risk_statement = forms.CharField(label=_("Risk statement: what could delay or stop delivery"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000)


class TierForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Reward"), max_length=60)
    description = forms.CharField(label=_("What the backer gets"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    price = YuanField(label=_("Price (yuan)"))
    limit = forms.IntegerField(label=_("Limited to (empty: unlimited)"), required=False, min_value=1)
    delivery_month = forms.DateField(label=_("Estimated delivery (month)"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m", "%Y-%m-%d"])
    needs_shipping = forms.BooleanField(label=_("Shipped to the backer"), required=False, initial=True)
    shipping_fee = YuanField(label=_("Shipping fee (yuan, optional)"), required=False, min_fen=0)


class PledgeForm(BootstrapFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    address = forms.TypedChoiceField(label=_("Ship to"), required=False, coerce=int, empty_value=None)
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = _key()

    def __init__(self, *args, addresses=(), needs_address: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_address:
            self.fields["address"].choices = [(a.pk, f"{a.recipient} · {a.province}{a.city}{a.street}") for a in addresses]
            self.fields["address"].required = True
            default = next((a.pk for a in addresses if a.is_default), None)
            self.fields["address"].initial = default
        else:
            del self.fields["address"]


class CommentForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(label=_("Comment or question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    is_question = forms.BooleanField(label=_("This is a question for the owner"), required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UpdateForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    body = forms.CharField(label=_("News for your followers"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000)
    backers_only = forms.BooleanField(label=_("Backers only"), required=False)


class ShipForm(BootstrapFormMixin, forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=30, required=False)
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=40, required=False)


class ComplaintForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("What went wrong"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class MessageForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


def delivery_month_default() -> dt.date:
    return clock.month_start(clock.business_date(), 3)
