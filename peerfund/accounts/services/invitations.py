"""Invitations (邀请好友): one level only. An invitee names their inviter once, at
sign-up; the inviter gets one capped reward, paid from the platform's marketing
account through the ledger, when the invitee is verified and has invested. No
rewards on the invitee's own invitees (no multi-level rebates)."""
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import InvitationReward, User
from peerfund.accounts.services.identity import verified_identity
from peerfund.accounts.services.tiers import cumulative_invested_fen
from peerfund.core.audit import audit_record
from peerfund.core.masking import mask_name
from peerfund.core.money import format_fen
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.errors import InsufficientBalance

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def invite_code_of(user: User) -> str:
    """The user's personal invitation code, made on first use."""
    for _attempt in range(10):
        if user.invite_code:
            return user.invite_code
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk, invite_code__isnull=True).update(invite_code=code)
        except IntegrityError:  # another user has this code: draw again
            continue
        user.refresh_from_db(fields=["invite_code"])
    raise RuntimeError("could not draw a free invitation code")


def invitation_accept(*, invitee: User, code: str) -> User:
    """Record who invited `invitee` (once). Self-invites and loops are refused."""
    inviter = User.objects.filter(invite_code=(code or "").strip().upper()).first()
    if inviter is None:
        raise AccountError(_("This invitation code does not exist."), "invite.unknown", {"field": "invite_code"})
    if inviter.pk == invitee.pk:
        raise AccountError(_("You cannot invite yourself."), "invite.self", {"field": "invite_code"})
    if invitee.invited_by_id is not None:
        raise AccountError(_("You were already invited by someone."), "invite.already", {"field": "invite_code"})
    if inviter.invited_by_id == invitee.pk:
        raise AccountError(_("Two people cannot invite each other."), "invite.loop", {"field": "invite_code"})
    User.objects.filter(pk=invitee.pk).update(invited_by=inviter)
    invitee.invited_by = inviter
    audit_record(actor=invitee, action="invite.accept", obj=invitee, data={"inviter": inviter.pk})
    return inviter


def invitation_reward_if_due(*, invitee: User) -> InvitationReward | None:
    """Pay the inviter's one-off reward once the invitee is verified and has
    invested; at most PEERFUND_INVITE_REWARD_CAP rewards per inviter. Called when an
    invitee is verified and after each first investment."""
    from peerfund.custody.services import custody_move
    from peerfund.ledger import services as ledger
    from peerfund.notify.services import notify

    inviter = invitee.invited_by
    if inviter is None or InvitationReward.objects.filter(invitee=invitee).exists():
        return None
    if verified_identity(invitee) is None or cumulative_invested_fen(invitee) <= 0:
        return None
    if InvitationReward.objects.filter(inviter=inviter).count() >= settings.PEERFUND_INVITE_REWARD_CAP:
        return None
    amount = settings.PEERFUND_INVITE_REWARD_FEN
    marketing = ledger.platform_account(AccountKind.PLATFORM_MARKETING)
    available = ledger.account_get_or_open(kind=AccountKind.USER_AVAILABLE, owner=inviter)
    try:
        with transaction.atomic():
            entry = custody_move(
                kind=EntryKind.MARKETING_REWARD,
                legs=[(marketing, -amount), (available, amount)],
                key=f"invite-reward:{invitee.pk}",
                ref=f"user:{invitee.pk}",
                memo="invitation reward",
            )
            reward = InvitationReward.objects.create(inviter=inviter, invitee=invitee, amount_fen=amount, entry=entry)
            notify(user=inviter, event="invitation.rewarded", context={"invitee": mask_name(invitee.display_name), "amount": format_fen(amount)})
    except InsufficientBalance:
        from peerfund.core.alerts import alert_raise

        alert_raise(kind="marketing.exhausted", message="The marketing account cannot pay an invitation reward.", ref=f"user:{invitee.pk}")
        return None
    return reward
