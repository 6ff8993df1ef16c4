"""Issuing contracts: render the PDF, have every party sign its hash through the
e-signature adapter, and append the hash to the evidence chain."""
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.module_loading import import_string

from peerfund.contracts.evidence import evidence_append
from peerfund.contracts.models import Contract
from peerfund.core.pdf import render_document


def esign_adapter():
    return import_string(settings.PEERFUND_ESIGN_ADAPTER)()


def contract_issue(*, ref: str, title: str, number: str, lines: list[str], table: list[tuple[str, ...]], signers: list[str]) -> Contract:
    """Idempotent on `ref`."""
    existing = Contract.objects.filter(ref=ref).first()
    if existing is not None:
        return existing
    content = render_document(title=title, subtitle=f"合同编号 / Contract no.: {number}", lines=lines, table=table)
    digest = hashlib.sha256(content).hexdigest()
    signer = esign_adapter()
    signatures = {party: signer.sign(document_sha256=digest, signer=party) for party in signers}
    with transaction.atomic():
        record = evidence_append(kind="contract", ref=ref, content_sha256=digest)
        contract = Contract(ref=ref, sha256=digest, signatures=signatures, evidence=record)
        contract.pdf.save(f"{number}.pdf", ContentFile(content), save=False)
        contract.save()
    return contract


def contract_signatures_valid(contract: Contract) -> bool:
    signer = esign_adapter()
    return all(signer.verify(document_sha256=contract.sha256, signer=party, signature=sig) for party, sig in contract.signatures.items())
