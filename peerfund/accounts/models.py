"""The user centre's records: users, identity verification (KYC), bank cards,
risk-tolerance assessments, login history and invitations.

Personal data (phone, names, ID numbers, card numbers, credit codes) is encrypted at
rest with a blind index for exact look-ups; pages and the API show it masked.
"""
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerfund.core import clock
from peerfund.core.fields import BlindIndexField, EncryptedTextField
from peerfund.core.phones import normalize_phone


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum()).upper()


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = EncryptedTextField(_("mobile number"), blank=True)
    phone_index = BlindIndexField(source="phone", normalize=normalize_phone)
    phone_verified = models.BooleanField(default=False)
    # A frozen account can log in and look, but moves no money (staff action, maker-checker).
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_reason = models.CharField(max_length=200, blank=True)
    invite_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="invitees")
    trade_password = models.CharField(max_length=128, blank=True)
    trade_password_failures = models.PositiveSmallIntegerField(default=0)
    trade_password_locked_until = models.DateTimeField(null=True, blank=True)
    # Platform time, so "new users of the day" follows the business date (demo, tests).
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)
    # Account closure (注销): closed_at starts the retention period of personal data;
    # anonymised_at is set by the daily close's purge (services/data_rights.py).
    closed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # The last time the user re-entered their password to see their full identity in a
    # data export (a download within minutes of it shows the ID unmasked).
    identity_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ApiToken(models.Model):
    """A bearer token for the REST API (apps, mini-programs). Only its SHA-256 is
    stored; the token itself is shown once, when it is created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Verification(models.Model):
    """One real-name (person) or enterprise verification attempt. At most one
    verified row per user, and an identity verified once cannot verify a second
    account (unique blind index among verified rows)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Individual")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Status(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        REVIEWING = "reviewing", _("Under review")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    real_name = EncryptedTextField()
    id_number = EncryptedTextField()
    id_index = BlindIndexField(source="id_number", normalize=_digits)
    birth_date = models.DateField(null=True, blank=True)
    company_name = models.CharField(max_length=120, blank=True)
    credit_code = EncryptedTextField(blank=True)
    credit_code_index = BlindIndexField(source="credit_code", normalize=_digits)
    # A charity organisation (慈善组织): its registration number is the unified social
    # credit code the civil-affairs authority gave it (starting with 5); staff confirm
    # the registration certificate before the 公益 category opens to it.
    charity_registration_no = models.CharField(max_length=18, blank=True)
    charity_verified = models.BooleanField(default=False)
    charity_decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    provider_ref = models.CharField(max_length=64, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="verified"), name="verification_one_per_user"),
            models.UniqueConstraint(fields=["id_index"], condition=Q(status="verified", kind="person"), name="verification_identity_once"),
            models.UniqueConstraint(
                fields=["credit_code_index"], condition=Q(status="verified", kind="enterprise"), name="verification_enterprise_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} verification of user {self.user_id} [{self.status}]"


class BankCard(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bank_cards")
    card_number = EncryptedTextField()
    card_index = BlindIndexField(source="card_number", normalize=_digits)
    last4 = models.CharField(max_length=4)
    bank_code = models.CharField(max_length=12)
    bank_name = models.CharField(max_length=40)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(fields=["card_index"], condition=Q(removed_at__isnull=True), name="bankcard_bound_once"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True, removed_at__isnull=True), name="bankcard_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} **** {self.last4}"


class RiskAssessment(models.Model):
    """A completed risk-tolerance questionnaire (风险测评): the newest unexpired one
    decides which products the user may invest in."""

    class Level(models.TextChoices):
        C1 = "C1", _("C1 Conservative")
        C2 = "C2", _("C2 Cautious")
        C3 = "C3", _("C3 Balanced")
        C4 = "C4", _("C4 Growth")
        C5 = "C5", _("C5 Aggressive")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_assessments")
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=2, choices=Level.choices)
    taken_at = models.DateTimeField()
    expires_on = models.DateField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.level} for user {self.user_id}"


class LoginRecord(models.Model):
    """Where and on what a user logged in, for the new-device / new-city notice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="logins")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    city = models.CharField(max_length=40, blank=True)
    device = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)  # platform time: signals count per 24 h of it

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"login of user {self.user_id} from {self.city or self.ip_address}"


class InvitationReward(models.Model):
    """The one-off reward an inviter gets for one invitee (one level only)."""

    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invitee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField()
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reward to {self.inviter_id} for {self.invitee_id}"


PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏",
    "新疆", "香港", "澳门", "台湾",
)


class ShippingAddress(models.Model):
    """An entry of the user's address book (where crowdfunding rewards are sent).
    The recipient, phone and street are personal data and encrypted; the province is
    kept plain so project owners can see where their backers are, in aggregate."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    recipient = EncryptedTextField()
    phone = EncryptedTextField()
    province = models.CharField(max_length=8, choices=[(p, p) for p in PROVINCES])
    city = models.CharField(max_length=30)
    street = EncryptedTextField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return f"address {self.pk} of user {self.user_id}"

    def one_line(self) -> str:
        return f"{self.recipient} {self.phone} {self.province}{self.city}{self.street}"
