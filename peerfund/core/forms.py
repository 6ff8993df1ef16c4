"""Form fields shared by every app's pages."""
from django import forms
from django.core import validators

from peerfund.core.money import MoneyError, parse_yuan


class YuanField(forms.CharField):
    """A yuan amount typed by a person ("1,234.56"), cleaned to integer fen."""

    def __init__(self, *args, min_fen: int = 1, **kwargs):
        self.min_fen = min_fen
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        # The cleaned value is an int: CharField's length validators do not apply to it
        # (the widget still limits what can be typed; parse_yuan refuses overflow).
        self.validators = [v for v in self.validators if not isinstance(v, validators.MaxLengthValidator | validators.MinLengthValidator)]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"})
        return attrs

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            fen = parse_yuan(text)
        except MoneyError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if fen < self.min_fen:
            from django.utils.translation import gettext as _

            from peerfund.core.money import format_fen

            raise forms.ValidationError(_("The smallest amount is %(min)s.") % {"min": format_fen(self.min_fen)}, code="min")
        return fen


def form_run(request, form: forms.Form, action, success: str = ""):
    """Call a service with a valid form's data. On a domain error show it at its
    field and return None; else flash `success` (if any) and return the result (True
    when the service returns nothing)."""
    from django.contrib import messages

    from peerfund.core.errors import ApplicationError

    try:
        result = action(form.cleaned_data)
    except ApplicationError as error:
        add_application_error(form, error)
        return None
    if success:
        messages.success(request, success)
    return result or True


def add_application_error(form: forms.Form, error) -> None:
    """Show a domain error next to the field it names (`extra["field"]`), else above
    the form."""
    field = (error.extra or {}).get("field")
    form.add_error(field if field in form.fields else None, error.message)


class BootstrapFormMixin:
    """Tabler/Bootstrap classes on every widget, so one template renders any form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
