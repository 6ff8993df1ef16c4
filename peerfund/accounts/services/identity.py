"""Real-name (实名认证) and enterprise verification through the identity adapter.

Checks we own come first (checksums with python-stdnum, date of birth, age, one
identity per account); the provider then confirms the person or firm exists with that
name. A verified user gets a custodian sub-account. Enterprise verifications wait for
a staff review after the provider's check.
"""
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import User, Verification
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict
from peerfund.core.fields import blind_index_for
from peerfund.notify.services import notify

PROVIDER_REASONS = {
    "NO_RECORD": gettext_lazy("The identity service has no record of this ID number."),
    "NAME_MISMATCH": gettext_lazy("The name does not match the ID number."),
    "LEGAL_REP_MISMATCH": gettext_lazy("The legal representative does not match the company's registration."),
}


def identity_provider():
    return import_string(settings.PEERFUND_IDENTITY_ADAPTER)()


def verified_identity(user: User) -> Verification | None:
    return Verification.objects.filter(user=user, status=Verification.Status.VERIFIED).first()


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _clean_id_number(id_number: str) -> tuple[str, dt.date]:
    try:
        number = ric.validate(id_number)
    except StdnumError as exc:
        raise AccountError(_("This is not a valid resident ID number (check the digits)."), "identity.id_invalid", {"field": "id_number"}) from exc
    birth = ric.get_birth_date(number)
    age = _age_on(birth, clock.business_date())
    if age < settings.PEERFUND_MIN_AGE:
        raise AccountError(
            _("You must be at least %(min)s years old to use the platform.") % {"min": settings.PEERFUND_MIN_AGE},
            "identity.under_age",
            {"field": "id_number", "min_age": settings.PEERFUND_MIN_AGE},
        )
    return number, birth


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not 2 <= len(cleaned) <= 30:
        raise AccountError(_("Enter your full legal name."), "identity.name_invalid", {"field": "real_name"})
    return cleaned


def _refuse_if_verified(user: User) -> None:
    if verified_identity(user) is not None:
        raise Conflict(_("Your account is already verified."), "identity.already_verified")


def _refuse_if_taken(kind: str, field: str, value: str) -> None:
    index = blind_index_for(Verification, field, value)
    if Verification.objects.filter(kind=kind, status=Verification.Status.VERIFIED, **{field: index}).exists():
        raise Conflict(
            _("This identity is already verified on another account."), "identity.taken", {"field": "id_number" if kind == "person" else "credit_code"}
        )


def _refuse_if_blacklisted(user: User, number: str) -> None:
    """A listed person is stopped here, before the provider is paid for a check and
    before a custody account is opened, rather than after at the first deposit. The
    person is not told which list; staff see it in the audit log and the alerts."""
    from peerfund.core.alerts import alert_raise
    from peerfund.risk.blacklist import blacklist_hits

    hits = blacklist_hits(id_number=number)
    if not hits:
        return
    reasons = [f"{hit['source']}:{hit['kind']}: {hit['reason']}" for hit in hits]
    audit_record(actor=user, action="identity.blacklisted", obj=user, reason="; ".join(reasons))
    alert_raise(kind="risk.verification", message=f"Blacklisted identity refused at verification: {'; '.join(reasons)}", ref=f"user:{user.pk}")
    raise AccountError(
        _("We cannot verify this identity on the platform. If you think this is a mistake, contact customer service."),
        "identity.blacklisted",
        {"field": "id_number"},
    )


def _open_custody(user: User) -> str:
    from peerfund.custody.services import custody_account_open

    return custody_account_open(user=user).account_no


def verification_submit_person(*, user: User, real_name: str, id_number: str) -> Verification:
    _refuse_if_verified(user)
    name = _clean_name(real_name)
    number, birth = _clean_id_number(id_number)
    _refuse_if_taken(Verification.Kind.PERSON, "id_index", number)
    _refuse_if_blacklisted(user, number)
    result = identity_provider().check_person(name=name, id_number=number)
    status = Verification.Status.VERIFIED if result.ok else Verification.Status.REJECTED
    reason = "" if result.ok else str(PROVIDER_REASONS.get(result.code, result.code))
    try:
        with transaction.atomic():
            verification = Verification.objects.create(
                user=user, kind=Verification.Kind.PERSON, status=status, real_name=name, id_number=number,
                birth_date=birth, reason=reason, provider_ref=result.ref, decided_at=clock.now(),
            )
            audit_record(actor=user, action="identity.submit", obj=verification, to_state=status, reason=reason)
            if result.ok:
                _after_verified(user, verification)
            else:
                notify(user=user, event="verification.rejected", context={"reason": reason})
    except IntegrityError as exc:  # verified concurrently on another account
        raise Conflict(_("This identity is already verified on another account."), "identity.taken") from exc
    if not result.ok:
        raise AccountError(reason, f"identity.{result.code.lower()}", {"field": "id_number"})
    return verification


def _after_verified(user: User, verification: Verification) -> None:
    if not user.display_name:
        user.display_name = verification.real_name if verification.kind == Verification.Kind.PERSON else verification.company_name
        user.save(update_fields=["display_name"])
    account_no = _open_custody(user)
    notify(user=user, event="verification.verified", context={"account": f"**** {account_no[-4:]}"})
    from peerfund.accounts.services.invitations import invitation_reward_if_due

    invitation_reward_if_due(invitee=user)


def _clean_charity_no(number: str, credit_code: str) -> str:
    """A charity organisation's registration number is its own unified social credit
    code, issued by the civil-affairs authority (registration-authority digit 5)."""
    try:
        cleaned = uscc.validate(number)
    except StdnumError as exc:
        raise AccountError(
            _("This is not a valid unified social credit code."), "identity.charity_invalid", {"field": "charity_registration_no"}
        ) from exc
    if not cleaned.startswith("5"):
        raise AccountError(
            _("A charity organisation's code is issued by the civil-affairs authority and starts with 5."),
            "identity.charity_not_social_org",
            {"field": "charity_registration_no"},
        )
    if cleaned != _digits_upper(credit_code):
        raise AccountError(
            _("The charity registration number must be the organisation's own unified social credit code."),
            "identity.charity_code_mismatch",
            {"field": "charity_registration_no"},
        )
    return cleaned


def _digits_upper(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch.isalnum()).upper()


def verification_submit_enterprise(*, user: User, company_name: str, credit_code: str, legal_rep_name: str, legal_rep_id: str,
                                   charity_registration_no: str = "") -> Verification:
    """Provider check, then a staff review (营业执照 and the representative's consent;
    with a charity registration number, the 慈善组织登记证书 too)."""
    _refuse_if_verified(user)
    if Verification.objects.filter(user=user, status=Verification.Status.REVIEWING).exists():
        raise Conflict(_("A verification of yours is already under review."), "identity.reviewing")
    company = (company_name or "").strip()
    if not 4 <= len(company) <= 120:
        raise AccountError(_("Enter the company's registered name."), "identity.company_invalid", {"field": "company_name"})
    try:
        code = uscc.validate(credit_code)
    except StdnumError as exc:
        raise AccountError(_("This is not a valid unified social credit code."), "identity.uscc_invalid", {"field": "credit_code"}) from exc
    charity_no = _clean_charity_no(charity_registration_no, code) if (charity_registration_no or "").strip() else ""
    rep_name = _clean_name(legal_rep_name)
    rep_id, birth = _clean_id_number(legal_rep_id)
    _refuse_if_taken(Verification.Kind.ENTERPRISE, "credit_code_index", code)
    result = identity_provider().check_enterprise(company_name=company, credit_code=code, legal_rep_id=rep_id)
    if not result.ok:
        reason = str(PROVIDER_REASONS.get(result.code, result.code))
        raise AccountError(reason, f"identity.{result.code.lower()}", {"field": "credit_code"})
    with transaction.atomic():
        verification = Verification.objects.create(
            user=user, kind=Verification.Kind.ENTERPRISE, status=Verification.Status.REVIEWING, real_name=rep_name,
            id_number=rep_id, birth_date=birth, company_name=company, credit_code=code, provider_ref=result.ref,
            charity_registration_no=charity_no,
        )
        audit_record(actor=user, action="identity.submit", obj=verification, to_state=verification.status)
        notify(user=user, event="verification.reviewing")
    return verification


def verification_review(*, staff: User, verification: Verification, approve: bool, reason: str = "") -> Verification:
    """A staff decision on a verification under review (audited)."""
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification.pk)
        if verification.status != Verification.Status.REVIEWING:
            raise Conflict(_("This verification was already decided."), "identity.decided")
        if not approve and not reason.strip():
            raise AccountError(_("Give the reason for the rejection."), "identity.reason_required", {"field": "reason"})
        verification.status = Verification.Status.VERIFIED if approve else Verification.Status.REJECTED
        verification.reason = reason.strip()
        verification.reviewed_by = staff
        verification.decided_at = clock.now()
        # Approving an enterprise that gave a charity registration number confirms it
        # too: the reviewer saw its registration certificate with the business licence.
        if approve and verification.charity_registration_no:
            verification.charity_verified, verification.charity_decided_at = True, verification.decided_at
        try:
            with transaction.atomic():
                verification.save(update_fields=["status", "reason", "reviewed_by", "decided_at", "charity_verified", "charity_decided_at"])
        except IntegrityError as exc:
            raise Conflict(_("This identity is already verified on another account."), "identity.taken") from exc
        audit_record(actor=staff, action="identity.review", obj=verification, from_state="reviewing", to_state=verification.status, reason=reason)
        if approve:
            _after_verified(verification.user, verification)
        else:
            notify(user=verification.user, event="verification.rejected", context={"reason": reason})
    return verification


def user_is_verified_charity(user: User) -> bool:
    """Whether the user is an enterprise verified as a charity organisation (慈善组织):
    only they may run projects in a charity (公益) category."""
    return Verification.objects.filter(
        user=user, kind=Verification.Kind.ENTERPRISE, status=Verification.Status.VERIFIED, charity_verified=True
    ).exists()


def verification_charity_submit(*, user: User, charity_registration_no: str) -> Verification:
    """A verified enterprise gives its charity registration number later. The identity
    adapter confirms it at once when it can (`check_charity`); otherwise staff do."""
    identity = verified_identity(user)
    if identity is None or identity.kind != Verification.Kind.ENTERPRISE:
        raise AccountError(_("Only a verified enterprise can register as a charity organisation."), "identity.charity_not_enterprise")
    number = _clean_charity_no(charity_registration_no, identity.credit_code)
    check = getattr(identity_provider(), "check_charity", None)
    result = check(credit_code=number, company_name=identity.company_name) if check is not None else None
    with transaction.atomic():
        identity = Verification.objects.select_for_update().get(pk=identity.pk)
        identity.charity_registration_no = number
        identity.charity_verified = bool(result is not None and result.ok)
        identity.charity_decided_at = clock.now() if identity.charity_verified else None
        identity.save(update_fields=["charity_registration_no", "charity_verified", "charity_decided_at"])
        audit_record(actor=user, action="identity.charity_submit", obj=identity, to_state="verified" if identity.charity_verified else "reviewing")
    return identity


def verification_charity_decide(*, staff: User, verification: Verification, approve: bool, reason: str = "") -> Verification:
    """Staff confirm (or withdraw) an enterprise's charity status, audited; a
    withdrawal needs a reason (e.g. the registration was revoked)."""
    if not approve and not reason.strip():
        raise AccountError(_("Give the reason for the rejection."), "identity.reason_required", {"field": "reason"})
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification.pk)
        if verification.kind != Verification.Kind.ENTERPRISE or verification.status != Verification.Status.VERIFIED:
            raise Conflict(_("Only a verified enterprise can register as a charity organisation."), "identity.charity_not_enterprise")
        if approve and not verification.charity_registration_no:
            raise AccountError(_("This enterprise gave no charity registration number."), "identity.charity_missing")
        before = "verified" if verification.charity_verified else "unverified"
        verification.charity_verified = approve
        verification.charity_decided_at = clock.now()
        verification.save(update_fields=["charity_verified", "charity_decided_at"])
        audit_record(actor=staff, action="identity.charity_review", obj=verification, from_state=before,
                     to_state="verified" if approve else "unverified", reason=reason.strip())
    return verification
