"""REST API of the legal documents: read the published ones (and what an action still
needs), accept them. A money action that needs consent answers 409
`legal.consent_required` with the documents in `extra`; accepting them here clears it."""
from typing import Annotated

from ninja import Field, Router, Schema
from ninja.responses import Status

from peerfund.core.devices import ip_of
from peerfund.core.schemas import Id, InputSchema
from peerfund.legal import services
from peerfund.legal.models import DocumentVersion

router = Router(tags=["legal"])

ActionName = Annotated[str, Field(pattern=r"^(signup|bid|auto_invest|claim_purchase|apply|pledge)$",
                                  description="An action that needs consent: signup, bid, auto_invest, claim_purchase, apply, pledge")]


class DocumentOut(Schema):
    id: int
    kind: str
    version: int
    title: str
    sha256: str
    url: str
    published_at: str
    body: str | None = None

    @staticmethod
    def of(version: DocumentVersion, *, body: bool = False) -> "DocumentOut":
        return DocumentOut(**services.document_describe(version), published_at=version.published_at.isoformat(),
                           body=version.body if body else None)


class AcceptIn(InputSchema):
    versions: list[Id] = Field(min_length=1, max_length=10, description="ids of the published versions accepted")
    action: ActionName | None = None


class AcceptanceOut(Schema):
    id: int
    kind: str
    version: int
    document_sha256: str
    accepted_at: str
    sha256: str


class AcceptedOut(Schema):
    acceptances: list[AcceptanceOut]
    still_missing: list[DocumentOut]


@router.get("/documents", response=list[DocumentOut], auth=None,
            summary="The published documents with their text; `action` keeps those that action still needs from you (logged in)")
def documents(request, action: ActionName | None = None):
    if action:
        found = services.consent_missing(request.user, action) if request.user.is_authenticated else list(services.published(services.REQUIRED[action]))
    else:
        found = list(services.published().order_by("kind"))
    return [DocumentOut.of(v, body=True) for v in found]


@router.post("/acceptances", response={201: AcceptedOut}, summary="Accept published versions (recorded with time, IP and user agent)")
def accept(request, payload: AcceptIn):
    done = services.consent_accept(user=request.user, version_ids=payload.versions, ip=ip_of(request),
                                   user_agent=request.META.get("HTTP_USER_AGENT", ""), action=payload.action or "")
    missing = services.consent_missing(request.user, payload.action) if payload.action else []
    return Status(201, AcceptedOut(
        acceptances=[AcceptanceOut(id=a.pk, kind=a.version.kind, version=a.version.number, document_sha256=a.document_sha256,
                                   accepted_at=a.accepted_at.isoformat(), sha256=a.sha256) for a in done],
        still_missing=[DocumentOut.of(v) for v in missing],
    ))


@router.get("/acceptances", response=list[AcceptanceOut], summary="What you accepted, newest first")
def my_acceptances(request):
    return [AcceptanceOut(id=a.pk, kind=a.version.kind, version=a.version.number, document_sha256=a.document_sha256,
                          accepted_at=a.accepted_at.isoformat(), sha256=a.sha256) for a in services.acceptances_of(request.user)[:200]]
