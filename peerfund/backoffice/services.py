"""Back-office actions. Sensitive ones are maker–checker: one staff member asks,
another approves; nobody approves their own request. Everything is audited."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import User
from peerfund.backoffice.models import UserActionRequest
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, Forbidden
from peerfund.core.makerchecker import decision_lock, decision_mark
from peerfund.notify.services import notify


def user_action_request(*, staff: User, target: User, action: str, reason: str) -> UserActionRequest:
    if not reason.strip():
        raise AccountError(_("Give the reason."), "backoffice.reason_required", {"field": "reason"})
    if action == UserActionRequest.Action.FREEZE and target.is_frozen:
        raise Conflict(_("This account is already frozen."), "backoffice.already_frozen")
    if action == UserActionRequest.Action.UNFREEZE and not target.is_frozen:
        raise Conflict(_("This account is not frozen."), "backoffice.not_frozen")
    try:
        with transaction.atomic():
            request = UserActionRequest.objects.create(target=target, action=action, reason=reason.strip(), requested_by=staff)
            audit_record(actor=staff, action=f"user.{action}.request", obj=target, reason=reason)
    except IntegrityError as exc:
        raise Conflict(_("A request on this account is already waiting for approval."), "backoffice.pending") from exc
    return request


def user_action_decide(*, staff: User, request: UserActionRequest, approve: bool) -> UserActionRequest:
    with transaction.atomic():
        request = decision_lock(UserActionRequest, request, staff, code="backoffice")
        decision_mark(request, staff, approve=approve)
        request.save(update_fields=["status", "decided_by", "decided_at"])
        target = User.objects.select_for_update().get(pk=request.target_id)
        audit_record(actor=staff, action=f"user.{request.action}.{request.status}", obj=target, reason=request.reason)
        if approve:
            if request.action == UserActionRequest.Action.FREEZE:
                target.frozen_at, target.frozen_reason = clock.now(), request.reason
                notify(user=target, event="account.frozen", context={"reason": request.reason})
            else:
                target.frozen_at, target.frozen_reason = None, ""
                notify(user=target, event="account.unfrozen")
            target.save(update_fields=["frozen_at", "frozen_reason"])
    return request


def personal_data_reveal(*, staff: User, target: User, purpose: str) -> dict[str, str]:
    """The unmasked personal data of a user, for staff allowed to see it; every look
    is audited with its purpose."""
    from peerfund.accounts.services.identity import verified_identity

    if not staff.has_perm("backoffice.view_personal_data"):
        raise Forbidden(_("Your role may not see unmasked personal data."), "backoffice.forbidden")
    if not purpose.strip():
        raise AccountError(_("Say why you need to see it."), "backoffice.purpose_required", {"field": "purpose"})
    identity = verified_identity(target)
    audit_record(actor=staff, action="personal_data.view", obj=target, reason=purpose.strip())
    return {
        "phone": target.phone,
        "email": target.email,
        "real_name": identity.real_name if identity else "",
        "id_number": identity.id_number if identity else "",
        "cards": ", ".join(c.card_number for c in target.bank_cards.filter(removed_at__isnull=True)),
    }
