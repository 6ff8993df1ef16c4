"""The legal documents' public pages, the consent page, a user's own acceptances, and
the console where staff write versions and a second person publishes them."""
import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.cms.services import render_markdown
from peerfund.core.devices import ip_of
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.legal import services
from peerfund.legal.forms import AcceptForm, DocumentForm, RejectForm
from peerfund.legal.models import DocumentKind, DocumentVersion
from peerfund.legal.services import PERMISSION, REQUIRED


def _with_html(version: DocumentVersion) -> DocumentVersion:
    version.body_html = render_markdown(version.body)
    return version


def document_index(request):
    return render(request, "legal/index.html", {"documents": services.published().order_by("kind")})


def document(request, kind: str):
    found = services.published([kind]).first()
    if found is None:
        raise Http404
    return render(request, "legal/document.html", {"version": _with_html(found)})


def version(request, kind: str, number: int):
    found = DocumentVersion.objects.filter(
        kind=kind, number=number, status__in=(DocumentVersion.Status.PUBLISHED, DocumentVersion.Status.SUPERSEDED)
    ).first()
    if found is None:
        raise Http404
    return render(request, "legal/document.html", {"version": _with_html(found)})


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return "/"


@login_required
def accept(request):
    """The documents an action still needs, in full, with one checkbox; then back."""
    action = request.GET.get("action", "")
    if action not in REQUIRED:
        raise Http404
    next_url = _safe_next(request, request.GET.get("next", ""))
    missing = services.consent_missing(request.user, action)
    if not missing:
        return redirect(next_url)
    form = AcceptForm(request.POST or None, initial={"versions": ",".join(str(v.pk) for v in missing)})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_accept(user=request.user, version_ids=form.version_ids(), ip=ip_of(request),
                                    user_agent=request.META.get("HTTP_USER_AGENT", ""), action=action)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if not services.consent_missing(request.user, action):
                messages.success(request, _("Thank you: your acceptance is recorded."))
                return redirect(next_url)
            return redirect(request.get_full_path())  # a version was published meanwhile: show it
    return render(request, "legal/accept.html", {"documents": [_with_html(v) for v in missing], "form": form, "next": next_url,
                                                 "action": action})


@login_required
def my_acceptances(request):
    return render(request, "legal/mine.html", {"acceptances": services.acceptances_of(request.user)})


# --- console ------------------------------------------------------------------------

@staff_permission_required(PERMISSION)
def console_list(request):
    versions = DocumentVersion.objects.select_related("made_by", "checked_by").order_by("kind", "-number")
    by_kind = {kind: [] for kind in DocumentKind.values}
    for found in versions:
        by_kind[found.kind].append(found)
    rows = [(kind, label, by_kind[kind]) for kind, label in DocumentKind.choices]
    return render(request, "legal/backoffice/list.html", {"rows": rows})


@staff_permission_required(PERMISSION)
def console_edit(request, kind: str):
    """Edit the open draft of `kind`; the first save starts a new version."""
    if kind not in DocumentKind.values:
        raise Http404
    base = DocumentVersion.objects.filter(kind=kind, status__in=("draft", "pending")).first() or services.published([kind]).first()
    if base is not None and base.status == DocumentVersion.Status.PENDING:
        messages.error(request, _("This document is waiting for review; it cannot be edited now."))
        return redirect("legal_backoffice:version", version_id=base.pk)
    form = DocumentForm(request.POST or None, initial={"title": base.title, "body": base.body} if base else None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.document_draft_save(staff=request.user, kind=kind, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("legal_backoffice:version", version_id=draft.pk)
    return render(request, "legal/backoffice/edit.html", {"form": form, "kind": kind, "label": DocumentKind(kind).label, "base": base})


@staff_permission_required(PERMISSION)
def console_version(request, version_id: int):
    found = get_object_or_404(DocumentVersion.objects.select_related("made_by", "checked_by"), pk=version_id)
    current = services.published([found.kind]).first()
    diff = []
    if current is not None and current.pk != found.pk:
        diff = list(difflib.unified_diff(current.body.splitlines(), found.body.splitlines(),
                                         f"v{current.number}", f"v{found.number}", lineterm="", n=1))
    return render(request, "legal/backoffice/version.html", {
        "version": _with_html(found), "current": current, "diff": diff, "reject_form": RejectForm(),
        "accepted": found.acceptances.count(),
    })


def _console_step(request, version_id: int, step, done: str):
    found = get_object_or_404(DocumentVersion, pk=version_id)
    try:
        step(found)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("legal_backoffice:version", version_id=found.pk)


@staff_permission_required(PERMISSION)
@require_POST
def console_submit(request, version_id: int):
    return _console_step(request, version_id, lambda v: services.document_submit(staff=request.user, version=v),
                         _("Sent for review: another staff member publishes it."))


@staff_permission_required(PERMISSION)
@require_POST
def console_publish(request, version_id: int):
    return _console_step(request, version_id, lambda v: services.document_publish(staff=request.user, version=v),
                         _("Published: users accept it before their next action that needs it."))


@staff_permission_required(PERMISSION)
@require_POST
def console_reject(request, version_id: int):
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _console_step(request, version_id, lambda v: services.document_reject(staff=request.user, version=v, reason=reason),
                         _("Sent back to its author."))
