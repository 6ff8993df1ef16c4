"""The audit log, searchable by actor, object, action and time (read-only: the log
is append-only, and on PostgreSQL a trigger refuses changes)."""
import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core import clock
from peerfund.core.forms import BootstrapFormMixin
from peerfund.core.models import AuditLog


class AuditSearchForm(BootstrapFormMixin, forms.Form):
    actor = forms.CharField(label=_("Actor (user name)"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type (e.g. lending.loan)"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    action = forms.CharField(label=_("Action contains"), required=False, max_length=80)
    since = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def audit_search(data: dict):
    rows = AuditLog.objects.select_related("actor").order_by("-id")
    if data.get("actor"):
        rows = rows.filter(actor__username=data["actor"].strip())
    if data.get("object_type"):
        rows = rows.filter(object_type=data["object_type"].strip())
    if data.get("object_id"):
        rows = rows.filter(object_id=data["object_id"].strip())
    if data.get("action"):
        rows = rows.filter(action__icontains=data["action"].strip())
    if data.get("since"):
        rows = rows.filter(created_at__gte=clock.day_start(data["since"]))
    if data.get("until"):
        rows = rows.filter(created_at__lt=clock.day_start(data["until"] + dt.timedelta(days=1)))
    return rows


@staff_permission_required("view_audit")
def audit_log(request):
    form = AuditSearchForm(request.GET or None)
    rows = audit_search(form.cleaned_data if form.is_valid() else {})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "backoffice/audit.html", {"form": form, "page": Paginator(rows, 50).get_page(request.GET.get("page", 1)), "query": query.urlencode()})
