"""Signed contracts and the tamper-evident evidence chain (存证)."""
from django.db import models


class EvidenceRecord(models.Model):
    """One link of the hash chain: the SHA-256 of a document (a contract, later
    anything worth proving), chained to the previous link. Editing or removing any
    record breaks every hash after it; `manage.py evidence_verify` finds the first."""

    kind = models.CharField(max_length=30)
    ref = models.CharField(max_length=80)
    content_sha256 = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} {self.hash[:12]}"


class Contract(models.Model):
    """A loan contract between one investor and the borrower (PDF), signed by both
    through the e-signature adapter and recorded in the evidence chain."""

    kind = models.CharField(max_length=30, default="loan")
    ref = models.CharField(max_length=80, unique=True)  # e.g. "investment:12"
    pdf = models.FileField(upload_to="contracts/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    signatures = models.JSONField(default=dict)  # signer ref -> signature
    evidence = models.OneToOneField(EvidenceRecord, on_delete=models.PROTECT, related_name="contract")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"contract {self.ref}"
