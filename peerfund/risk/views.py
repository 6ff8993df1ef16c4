"""The risk console (staff with `manage_risk`): credit models and the active
scorecard, rules with a try-before-save, the blacklist, the decision log; and the AML
queue (`handle_aml`)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.core.masking import mask_card, mask_id_number, mask_phone
from peerfund.risk.aml import aml_alert_update
from peerfund.risk.blacklist import blacklist_add, blacklist_remove
from peerfund.risk.forms import AmlUpdateForm, BlacklistForm, RuleForm
from peerfund.risk.models import AmlAlert, BlacklistEntry, CreditDecision, Evaluation, Rule, ScoreModel
from peerfund.risk.rules import rule_save, rule_try
from peerfund.risk.scorecard_table import metrics_summary, scorecard_rows
from peerfund.risk.services import psi_check, score_model_activate


@staff_permission_required("manage_risk")
def models_page(request):
    if request.method == "POST":
        model = get_object_or_404(ScoreModel, pk=request.POST.get("model"))
        score_model_activate(staff=request.user, model=model)
        messages.success(request, _("Model %(version)s is now active.") % {"version": model.version})
        return redirect("risk:models")
    active = ScoreModel.objects.filter(is_active=True).first()
    psi = None
    if active is not None and request.GET.get("psi"):
        psi = psi_check()
    context = {
        "models": [(m, metrics_summary(m.metrics)) for m in ScoreModel.objects.all()[:20]],
        "active": active,
        "rows": scorecard_rows(active.artefact) if active else [],
        "psi": psi,
        "decisions": CreditDecision.objects.select_related("user", "model")[:20],
    }
    return render(request, "risk/models.html", context)


@staff_permission_required("manage_risk")
def rules_page(request):
    return render(request, "risk/rules.html", {"rules": Rule.objects.all()})


@staff_permission_required("manage_risk")
def rule_edit(request, rule_id: int | None = None):
    rule = get_object_or_404(Rule, pk=rule_id) if rule_id else None
    form = RuleForm(request.POST or None, instance=rule)
    tried = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "sample"}
        try:
            if "try" in request.POST:
                tried = rule_try(condition=data["condition"], signals=form.cleaned_data["sample"] or {})
            else:
                rule_save(staff=request.user, rule=rule, **data)
                messages.success(request, _("Rule saved; it applies from the next decision."))
                return redirect("risk:rules")
        except ApplicationError as error:
            add_application_error(form, error)
    return render(request, "risk/rule_edit.html", {"form": form, "rule": rule, "tried": tried})


def _masked(entry: BlacklistEntry) -> str:
    maskers = {"phone": mask_phone, "id_number": mask_id_number, "card": mask_card}
    masker = maskers.get(entry.kind)
    return masker(entry.value) if masker else entry.value


@staff_permission_required("manage_risk")
def blacklist_page(request):
    form = BlacklistForm(request.POST or None)
    if request.method == "POST" and "remove" in request.POST:
        entry = get_object_or_404(BlacklistEntry, pk=request.POST["remove"])
        blacklist_remove(staff=request.user, entry=entry, reason=request.POST.get("reason", ""))
        return redirect("risk:blacklist")
    if request.method == "POST" and form.is_valid():
        try:
            blacklist_add(staff=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Added to the blacklist."))
            return redirect("risk:blacklist")
    entries = BlacklistEntry.objects.filter(removed_at__isnull=True)[:200]
    return render(request, "risk/blacklist.html", {"form": form, "rows": [(e, _masked(e)) for e in entries]})


@staff_permission_required("manage_risk")
def evaluations_page(request):
    rows = Evaluation.objects.select_related("user")
    event = request.GET.get("event")
    if event:
        rows = rows.filter(event=event)
    outcome = request.GET.get("outcome")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return render(request, "risk/evaluations.html", {"rows": rows[:100]})


@staff_permission_required("handle_aml")
def aml_page(request):
    status = request.GET.get("status", "open")
    alerts = AmlAlert.objects.select_related("user")
    if status != "all":
        alerts = alerts.filter(status=status)
    return render(request, "risk/aml.html", {"alerts": alerts[:200], "status": status, "statuses": AmlAlert.Status.choices, "form": AmlUpdateForm()})


@staff_permission_required("handle_aml")
@require_POST
def aml_update(request, alert_id: int):
    alert = get_object_or_404(AmlAlert, pk=alert_id)
    form = AmlUpdateForm(request.POST)
    if form.is_valid():
        aml_alert_update(staff=request.user, alert=alert, status=form.cleaned_data["status"], note=form.cleaned_data["note"])
        messages.success(request, _("Alert updated."))
    return redirect("risk:aml")
