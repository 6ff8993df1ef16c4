"""The evidence chain: hash(prev | kind | ref | content | time), append-only."""
import hashlib

from django.db import transaction

from peerfund.contracts.models import EvidenceRecord
from peerfund.core import clock

GENESIS = "0" * 64


def _link_hash(prev: str, kind: str, ref: str, content_sha256: str, recorded_at) -> str:
    return hashlib.sha256(f"{prev}|{kind}|{ref}|{content_sha256}|{recorded_at.isoformat()}".encode()).hexdigest()


def evidence_append(*, kind: str, ref: str, content_sha256: str) -> EvidenceRecord:
    """Append a link. The chain's tail is locked so concurrent appends stay in order."""
    with transaction.atomic():
        last = EvidenceRecord.objects.select_for_update().order_by("-id").first()
        prev = last.hash if last else GENESIS
        recorded_at = clock.now().replace(microsecond=0)
        return EvidenceRecord.objects.create(
            kind=kind, ref=ref, content_sha256=content_sha256, prev_hash=prev,
            hash=_link_hash(prev, kind, ref, content_sha256, recorded_at), recorded_at=recorded_at,
        )


def evidence_verify() -> list[str]:
    """Every problem in the chain, first to last: an edited record, a removed one, a
    document whose file no longer matches its recorded hash, or a recorded acceptance
    of a legal document whose facts (or the document's text) were edited."""
    problems = []
    prev = GENESIS
    for record in EvidenceRecord.objects.select_related("contract", "acceptance").order_by("id").iterator():
        if record.prev_hash != prev:
            problems.append(f"record {record.pk}: does not follow the previous link (a record before it was removed or edited)")
        if _link_hash(record.prev_hash, record.kind, record.ref, record.content_sha256, record.recorded_at) != record.hash:
            problems.append(f"record {record.pk}: its content was edited")
        contract = getattr(record, "contract", None)
        if contract is not None:
            with contract.pdf.open("rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != record.content_sha256:
                    problems.append(f"record {record.pk}: contract file {contract.ref} no longer matches its hash")
        acceptance = getattr(record, "acceptance", None)  # legal.Acceptance: a user accepted a document
        if acceptance is not None:
            from peerfund.legal.services import acceptance_intact

            if not acceptance_intact(acceptance):
                problems.append(f"record {record.pk}: acceptance {acceptance.pk} (user {acceptance.user_id}) was edited or its document changed")
        prev = record.hash
    return problems
