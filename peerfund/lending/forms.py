import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from peerfund.core.forms import BootstrapFormMixin, YuanField
from peerfund.core.money import format_fen
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


class RepayForm(BootstrapFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan; empty pays everything due now)"), required=False)
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class PrepayForm(BootstrapFormMixin, forms.Form):
    principal = YuanField(label=_("Principal to prepay (yuan; empty prepays all)"), required=False)
    mode = forms.ChoiceField(label=_("Then"), choices=[("reduce_instalment", _("lower instalments, same term")), ("reduce_term", _("shorter term, instalments no higher"))])
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class SellClaimForm(BootstrapFormMixin, forms.Form):
    principal = YuanField(label=_("Principal to sell (yuan; empty sells all)"), required=False)
    discount = forms.DecimalField(label=_("Discount (%)"), min_value=0, max_value=20, decimal_places=2, initial=0)


class BuyClaimForm(BootstrapFormMixin, forms.Form):
    principal = YuanField(label=_("Principal to buy (yuan)"))
    trade_password = forms.CharField(label=_("Trade password"), widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class CollectionNoteForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=[
        ("call", _("Phone call")), ("sms", _("SMS")), ("visit", _("Visit")), ("letter", _("Letter")),
        ("promise", _("Promise to pay")), ("escalation", _("Escalation")),
    ])
    note = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    promised = YuanField(label=_("Promised amount (yuan)"), required=False)
    promised_by = forms.DateField(label=_("Promised by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AutoInvestForm(BootstrapFormMixin, forms.Form):
    enabled = forms.BooleanField(label=_("On (authorises the custodian bank to bid for you)"), required=False, initial=True)
    rate_min = forms.DecimalField(label=_("Rate from (%)"), min_value=0, max_value=36, decimal_places=2)
    rate_max = forms.DecimalField(label=_("Rate to (%)"), min_value=0, max_value=36, decimal_places=2)
    months_min = forms.IntegerField(label=_("Term from (months)"), min_value=1, max_value=36, initial=1)
    months_max = forms.IntegerField(label=_("Term to (months)"), min_value=1, max_value=36, initial=12)
    grades = forms.MultipleChoiceField(label=_("Grades"), choices=[(g, g) for g in "ABCDE"], widget=forms.CheckboxSelectMultiple)
    amount_per_loan = YuanField(label=_("Amount per loan (yuan)"))
    keep_balance = YuanField(label=_("Always keep (yuan)"), required=False, min_fen=0)


class ProductForm(BootstrapFormMixin, forms.ModelForm):
    terms = forms.CharField(label=_("Terms (months, comma-separated)"), help_text=_("e.g. 3,6,12"))
    documents = forms.CharField(label=_("Required documents (comma-separated)"), required=False, help_text=_("e.g. id,income"))
    min_amount = YuanField(label=_("Smallest loan (yuan)"))
    max_amount = YuanField(label=_("Largest loan (yuan)"))
    min_bid = YuanField(label=_("Smallest bid (yuan)"))
    bid_step = YuanField(label=_("Bid step (yuan)"))
    max_per_investor = YuanField(label=_("Most per investor (yuan)"))
    required_risk_level = forms.ChoiceField(label=_("Investors' risk level at least"), choices=[(level, level) for level in ("C1", "C2", "C3", "C4", "C5")])

    class Meta:
        from peerfund.lending.models import LoanProduct

        model = LoanProduct
        fields = ["name", "method", "day_count", "rounding", "rate_min", "rate_max", "service_fee_rate", "listing_days", "auto_invest_share", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.instance
        if product.pk:
            # A live product's fees change only through maker–checker (back office → Approvals).
            del self.fields["service_fee_rate"]
            yuan = lambda fen: format_fen(fen, symbol=False)  # noqa: E731
            self.initial.update(
                terms=",".join(str(t) for t in product.terms_months), documents=",".join(product.required_documents),
                min_amount=yuan(product.min_amount_fen), max_amount=yuan(product.max_amount_fen), min_bid=yuan(product.min_bid_fen),
                bid_step=yuan(product.bid_step_fen), max_per_investor=yuan(product.max_per_investor_fen), required_risk_level=product.required_risk_level,
            )

    def clean_terms(self):
        try:
            terms = sorted({int(part) for part in self.cleaned_data["terms"].split(",") if part.strip()})
        except ValueError as exc:
            raise forms.ValidationError(_("Whole months, separated by commas.")) from exc
        if not terms or terms[0] < 1 or terms[-1] > 36:
            raise forms.ValidationError(_("Terms are 1 to 36 months."))
        return terms

    def clean(self):
        data = super().clean()
        if data.get("min_amount") and data.get("max_amount") and data["min_amount"] > data["max_amount"]:
            self.add_error("max_amount", _("The largest loan must not be below the smallest."))
        if data.get("rate_min") is not None and data.get("rate_max") is not None and data["rate_min"] > data["rate_max"]:
            self.add_error("rate_max", _("The highest rate must not be below the lowest."))
        return data

    def product(self):
        """The product as edited (not saved: `product_save` does that)."""
        product = super().save(commit=False)
        data = self.cleaned_data
        product.terms_months = data["terms"]
        product.required_documents = [d.strip() for d in (data.get("documents") or "").split(",") if d.strip()]
        product.min_amount_fen, product.max_amount_fen = data["min_amount"], data["max_amount"]
        product.min_bid_fen, product.bid_step_fen, product.max_per_investor_fen = data["min_bid"], data["bid_step"], data["max_per_investor"]
        product.required_risk_level = data["required_risk_level"]
        return product


# Asked first, right after amount and term: what the money is for, and whether the
# applicant is a student (refused whatever the other answers: the 2017 ban on 校园贷).
FIRST_QUESTIONS = ("purpose", "student")


class ApplicationForm(BootstrapFormMixin, forms.Form):
    """Amount, term, then the questions of risk.features.QUESTIONS as a person asks them.
    Every question starts unanswered and is required: a skipped one is a field error,
    never a guessed (and lower-scoring) answer. Age and loans on this platform are not
    asked (the verified ID and the books say them); purpose is asked once."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=None)
    amount = YuanField(label=_("Amount (yuan)"))
    months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=36)

    def __init__(self, *args, quote_url: str | None = None, **kwargs):
        from peerfund.lending.models import ApplicationDocument, LoanProduct
        from peerfund.risk.features import QUESTIONS

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = LoanProduct.objects.filter(enabled=True).order_by("id")
        if quote_url:
            # The live quote (每月还款, 服务费, 综合年化成本) under the form, refreshed as these change.
            for name in ("product", "amount", "months"):
                self.fields[name].widget.attrs.update({
                    "hx-get": quote_url, "hx-target": "#quote", "hx-trigger": "change, keyup changed delay:400ms",
                    "hx-include": "[name=product],[name=amount],[name=months]", "hx-sync": "closest form:replace",
                })
        unanswered = [("", _("Choose an answer"))]
        ordered = [q for name in FIRST_QUESTIONS for q in QUESTIONS if q.name == name] + [q for q in QUESTIONS if q.name not in FIRST_QUESTIONS]
        for feature in ordered:
            label = feature.question or feature.label
            if feature.options:
                field = forms.TypedChoiceField(label=label, choices=unanswered + list(feature.options), coerce=int, empty_value=None)
            elif feature.numeric:
                field = forms.IntegerField(label=label, min_value=feature.minimum, max_value=feature.maximum)
            else:
                field = forms.ChoiceField(label=label, choices=unanswered + list(feature.choices))
            field.required = True
            field.error_messages["required"] = _("Please answer this question.")
            field.widget.attrs["class"] = "form-control" if feature.numeric and not feature.options else "form-select"
            self.fields[self.field_name(feature.name)] = field
        for kind, label in ApplicationDocument.Kind.choices:
            self.fields[kind] = forms.FileField(label=label, required=False)
            self.fields[kind].widget.attrs["class"] = "form-control"

    @staticmethod
    def field_name(question: str) -> str:
        return "purpose" if question == "purpose" else f"attr_{question}"

    def attributes(self) -> dict:
        from peerfund.risk.features import QUESTIONS

        return {feature.name: self.cleaned_data[self.field_name(feature.name)] for feature in QUESTIONS}

    def documents(self) -> dict:
        from peerfund.lending.models import ApplicationDocument

        return {kind: self.cleaned_data[kind] for kind in ApplicationDocument.Kind.values if self.cleaned_data.get(kind)}

