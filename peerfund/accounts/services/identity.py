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


def _open_custody(user: User) -> str:
    from peerfund.custody.services import custody_account_open

    return custody_account_open(user=user).account_no


def verification_submit_person(*, user: User, real_name: str, id_number: str) -> Verification:
    _refuse_if_verified(user)
    name = _clean_name(real_name)
    number, birth = _clean_id_number(id_number)
    _refuse_if_taken(Verification.Kind.PERSON, "id_index", number)
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


def verification_submit_enterprise(*, user: User, company_name: str, credit_code: str, legal_rep_name: str, legal_rep_id: str) -> Verification:
    """Provider check, then a staff review (营业执照 and the representative's consent)."""
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
        try:
            with transaction.atomic():
                verification.save(update_fields=["status", "reason", "reviewed_by", "decided_at"])
        except IntegrityError as exc:
            raise Conflict(_("This identity is already verified on another account."), "identity.taken") from exc
        audit_record(actor=staff, action="identity.review", obj=verification, from_state="reviewing", to_state=verification.status, reason=reason)
        if approve:
            _after_verified(verification.user, verification)
        else:
            notify(user=verification.user, event="verification.rejected", context={"reason": reason})
    return verification
