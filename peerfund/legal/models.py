"""Legal documents in versions, and who accepted which version.

A version is written (draft), sent for review, and published by a second staff
member (maker–checker); only one version of a kind is published at a time, and a
published text never changes (its SHA-256 is what users accept). Acceptances are
append-only evidence: each one is also a link in the evidence chain."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    USER_AGREEMENT = "user_agreement", _("User agreement")
    PRIVACY_POLICY = "privacy_policy", _("Privacy policy")
    RISK_DISCLOSURE = "risk_disclosure", _("Risk disclosure")
    CREDIT_AUTHORISATION = "credit_authorisation", _("Credit report authorisation")
    LENDING_SERVICE = "lending_service", _("Lending service agreement")
    CROWDFUNDING_SERVICE = "crowdfunding_service", _("Crowdfunding service agreement")


class DocumentVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending review")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="legal_version_number_unique"),
            models.UniqueConstraint(fields=["kind"], condition=Q(status="published"), name="legal_one_published_per_kind"),
            models.UniqueConstraint(fields=["kind"], condition=Q(status__in=["draft", "pending"]), name="legal_one_open_draft_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.number} ({self.status})"


class Acceptance(models.Model):
    """A user accepted one published version: the text's hash, when, from where.
    `sha256` is the hash of this record's facts, the link recorded in the chain."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_acceptances")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="acceptances")
    document_sha256 = models.CharField(max_length=64)
    action = models.CharField(max_length=20, blank=True)
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    sha256 = models.CharField(max_length=64)
    evidence = models.OneToOneField("contracts.EvidenceRecord", on_delete=models.PROTECT, related_name="acceptance")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="legal_accept_once")]

    def __str__(self) -> str:
        return f"user {self.user_id} accepted {self.version_id}"
