"""Writing legal documents (maker–checker) and recording consent.

Which documents an action needs is `REQUIRED`; a user has consented to an action when
they accepted the *published* version of each, so publishing a new version asks
everyone again before their next such action. Services that start such an action call
`consent_require` first thing; pages are sent to the consent page by
`legal.middleware`, the API answers 409 `legal.consent_required`."""
import hashlib
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from peerfund.contracts.evidence import evidence_append
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from peerfund.legal.models import Acceptance, DocumentKind, DocumentVersion

# The console permission that writes and publishes documents (maker and checker are
# two different people holding it).
PERMISSION = "manage_content"


class Action:
    SIGNUP = "signup"
    BID = "bid"
    AUTO_INVEST = "auto_invest"
    CLAIM_PURCHASE = "claim_purchase"
    APPLY = "apply"
    PLEDGE = "pledge"


_LENDER = (DocumentKind.RISK_DISCLOSURE, DocumentKind.LENDING_SERVICE)
REQUIRED: dict[str, tuple[str, ...]] = {
    Action.SIGNUP: (DocumentKind.USER_AGREEMENT, DocumentKind.PRIVACY_POLICY),
    Action.BID: _LENDER,
    Action.AUTO_INVEST: _LENDER,
    Action.CLAIM_PURCHASE: _LENDER,
    Action.APPLY: (DocumentKind.CREDIT_AUTHORISATION, DocumentKind.LENDING_SERVICE),
    Action.PLEDGE: (DocumentKind.CROWDFUNDING_SERVICE, DocumentKind.RISK_DISCLOSURE),
}

MAX_TITLE, MAX_BODY = 120, 100_000


class LegalError(ApplicationError):
    pass


class ConsentRequired(Conflict):
    """The user must accept these documents first. Pages turn it into a redirect to
    the consent page (`accept_url` in extra), the API into a 409 listing them."""

    leaves_page = True  # not a form error: the consent page is where it is resolved


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def document_url(version: DocumentVersion) -> str:
    try:
        return reverse("legal:version", kwargs={"kind": version.kind, "number": version.number})
    except NoReverseMatch:  # the legal pages are not routed (never in a real configuration)
        return f"/legal/{version.kind}/v{version.number}/"


def accept_url(action: str, next_url: str = "") -> str:
    try:
        base = reverse("legal:accept")
    except NoReverseMatch:
        base = "/legal/accept/"
    query = {"action": action}
    if next_url:
        query["next"] = next_url
    return f"{base}?{urlencode(query)}"


def published(kinds=None):
    found = DocumentVersion.objects.filter(status=DocumentVersion.Status.PUBLISHED)
    return found.filter(kind__in=kinds) if kinds is not None else found


def document_describe(version: DocumentVersion) -> dict:
    return {"id": version.pk, "kind": version.kind, "version": version.number, "title": version.title,
            "sha256": version.sha256, "url": document_url(version)}


# --- consent ------------------------------------------------------------------------

def consent_missing(user, action: str) -> list[DocumentVersion]:
    """The published documents `action` needs that `user` has not accepted (one query)."""
    if action not in REQUIRED:
        raise NotFound(_("No such action."), "legal.action")
    kinds = REQUIRED[action]
    found = published(kinds).exclude(acceptances__user=user) if user.pk else published(kinds)
    order = {kind: i for i, kind in enumerate(kinds)}
    return sorted(found, key=lambda v: order[v.kind])


def consent_require(*, user, action: str) -> None:
    """Raise `ConsentRequired` unless `user` accepted every current document of `action`."""
    missing = consent_missing(user, action)
    if missing:
        titles = "、".join(f"《{v.title}》" for v in missing)
        raise ConsentRequired(
            _("Please read and accept %(documents)s first.") % {"documents": titles}, "legal.consent_required",
            {"action": action, "documents": [document_describe(v) for v in missing], "accept_url": accept_url(action)},
        )


def _acceptance_hash(*, user_id: int, version: DocumentVersion, accepted_at, ip: str, user_agent: str) -> str:
    facts = f"{user_id}|{version.kind}|{version.number}|{version.sha256}|{accepted_at.isoformat()}|{ip}|{user_agent}"
    return hashlib.sha256(facts.encode("utf-8")).hexdigest()


def acceptance_intact(acceptance: Acceptance) -> bool:
    """The acceptance's facts still give the hash recorded in the chain."""
    return acceptance.sha256 == acceptance.evidence.content_sha256 == _acceptance_hash(
        user_id=acceptance.user_id, version=acceptance.version, accepted_at=acceptance.accepted_at,
        ip=acceptance.ip_address or "", user_agent=acceptance.user_agent,
    ) and acceptance.document_sha256 == acceptance.version.sha256 == body_sha256(acceptance.version.body)


def consent_record(*, user, versions: list[DocumentVersion], ip: str = "", user_agent: str = "", action: str = "") -> list[Acceptance]:
    """Record that `user` accepted these versions (each must be the published one of its
    kind). Already accepted versions are kept as they were. One transaction; every new
    acceptance's hash joins the evidence chain."""
    user_agent = (user_agent or "")[:400]
    ip = ip or ""
    with transaction.atomic():
        ids = sorted({v.pk for v in versions})
        current = {v.pk: v for v in DocumentVersion.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        stale = [pk for pk in ids if pk not in current or current[pk].status != DocumentVersion.Status.PUBLISHED]
        if stale:
            raise Conflict(_("A document has changed since you opened it; please read the current version."), "legal.version_stale",
                           {"versions": stale})
        done = {a.version_id: a for a in Acceptance.objects.filter(user=user, version_id__in=ids)}
        accepted_at = clock.now().replace(microsecond=0)
        result = []
        for pk in ids:
            if pk in done:
                result.append(done[pk])
                continue
            version = current[pk]
            digest = _acceptance_hash(user_id=user.pk, version=version, accepted_at=accepted_at, ip=ip, user_agent=user_agent)
            record = evidence_append(kind="consent", ref=f"user:{user.pk}:{version.kind}:v{version.number}", content_sha256=digest)
            result.append(Acceptance.objects.create(
                user=user, version=version, document_sha256=version.sha256, action=action, accepted_at=accepted_at,
                ip_address=ip or None, user_agent=user_agent, sha256=digest, evidence=record,
            ))
        return result


def consent_accept(*, user, version_ids: list[int], ip: str = "", user_agent: str = "", action: str = "") -> list[Acceptance]:
    """What the consent page and the API call: accept these published versions by id."""
    found = list(DocumentVersion.objects.filter(pk__in=version_ids))
    if not version_ids or len(found) != len(set(version_ids)):
        raise NotFound(_("No such document."), "legal.not_found")
    return consent_record(user=user, versions=found, ip=ip, user_agent=user_agent, action=action)


def acceptances_of(user):
    return Acceptance.objects.filter(user=user).select_related("version").order_by("-id")


# --- maker–checker ------------------------------------------------------------------

def _check_staff(staff) -> None:
    if not (staff.is_staff and staff.has_perm(f"backoffice.{PERMISSION}")):
        raise Forbidden(_("You may not edit legal documents."), "legal.forbidden")


def document_draft_save(*, staff, kind: str, title: str, body: str) -> DocumentVersion:
    """Write the open draft of `kind` (a new version number when there is none). The
    last one to edit it is its maker: somebody else must publish it."""
    _check_staff(staff)
    title, body = (title or "").strip(), (body or "").strip().replace("\r\n", "\n")
    if kind not in DocumentKind.values:
        raise LegalError(_("No such kind of document."), "legal.kind", {"field": "kind"})
    if not title or not body:
        raise LegalError(_("Give a title and a text."), "legal.required", {"field": "title" if not title else "body"})
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise LegalError(_("The text is too long."), "legal.too_long", {"field": "body", "max_chars": MAX_BODY})
    try:
        with transaction.atomic():
            open_versions = DocumentVersion.objects.select_for_update().filter(kind=kind, status__in=("draft", "pending"))
            draft = open_versions.first()
            if draft is not None and draft.status == DocumentVersion.Status.PENDING:
                raise Conflict(_("This document is waiting for review; it cannot be edited now."), "legal.pending")
            if draft is None:
                number = (DocumentVersion.objects.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
                draft = DocumentVersion(kind=kind, number=number)
            draft.title, draft.body, draft.sha256, draft.made_by = title, body, body_sha256(body), staff
            draft.save()
            audit_record(actor=staff, action="legal.draft_saved", obj=draft, to_state=draft.status,
                         data={"kind": kind, "version": draft.number, "sha256": draft.sha256})
    except IntegrityError as exc:  # two people opened the first draft at once
        raise Conflict(_("Someone else is writing this document; reload the page."), "legal.concurrent") from exc
    return draft


def document_draft_start(*, staff, kind: str) -> DocumentVersion:
    """A new draft from the published text (or the open draft if there is one)."""
    _check_staff(staff)
    existing = DocumentVersion.objects.filter(kind=kind, status__in=("draft", "pending")).first()
    if existing is not None:
        return existing
    base = published([kind]).first()
    if base is None:
        raise NotFound(_("No such document."), "legal.not_found")
    return document_draft_save(staff=staff, kind=kind, title=base.title, body=base.body)


def _move(staff, version: DocumentVersion, expected: str):
    locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != expected:
        raise Conflict(_("This version is no longer %(status)s.") % {"status": DocumentVersion.Status(expected).label},
                       "legal.state", {"status": locked.status})
    return locked


def document_submit(*, staff, version: DocumentVersion) -> DocumentVersion:
    _check_staff(staff)
    with transaction.atomic():
        locked = _move(staff, version, DocumentVersion.Status.DRAFT)
        locked.status, locked.submitted_at = DocumentVersion.Status.PENDING, clock.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit_record(actor=staff, action="legal.submitted", obj=locked, from_state="draft", to_state="pending",
                     data={"kind": locked.kind, "version": locked.number, "sha256": locked.sha256})
    return locked


def document_publish(*, staff, version: DocumentVersion) -> DocumentVersion:
    """The checker publishes: not the maker. The previous version is superseded, and
    every user is asked to accept the new one before their next action needing it."""
    _check_staff(staff)
    with transaction.atomic():
        locked = _move(staff, version, DocumentVersion.Status.PENDING)
        if locked.made_by_id == staff.pk:
            raise Forbidden(_("A second staff member must publish the version you wrote."), "legal.same_person")
        previous = published([locked.kind]).select_for_update().first()
        if previous is not None:
            previous.status = DocumentVersion.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        locked.status, locked.checked_by, locked.published_at = DocumentVersion.Status.PUBLISHED, staff, clock.now()
        locked.save(update_fields=["status", "checked_by", "published_at"])
        audit_record(actor=staff, action="legal.published", obj=locked, from_state="pending", to_state="published",
                     data={"kind": locked.kind, "version": locked.number, "sha256": locked.sha256, "made_by": locked.made_by_id,
                           "supersedes": previous.number if previous else None})
    return locked


def document_reject(*, staff, version: DocumentVersion, reason: str) -> DocumentVersion:
    """The checker sends a version back to its draft with a reason."""
    _check_staff(staff)
    reason = (reason or "").strip()
    if not reason:
        raise LegalError(_("Say what must change."), "legal.reason", {"field": "reason"})
    with transaction.atomic():
        locked = _move(staff, version, DocumentVersion.Status.PENDING)
        if locked.made_by_id == staff.pk:
            raise Forbidden(_("A second staff member must review the version you wrote."), "legal.same_person")
        locked.status = DocumentVersion.Status.DRAFT
        locked.save(update_fields=["status"])
        audit_record(actor=staff, action="legal.rejected", obj=locked, from_state="pending", to_state="draft", reason=reason)
    return locked
