"""Pledges (all-or-nothing): the backer's money is frozen at the custodian in their
own sub-account until the deadline, never pooled. A pledge on a limited reward
reserves one unit with a guarded UPDATE, so the last unit goes to exactly one backer
whatever the concurrency. Backers may cancel until the deadline."""
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from peerfund.accounts.selectors import addresses_of
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import MAX_FEN, format_fen
from peerfund.core.switches import Operation, ensure_open
from peerfund.core.transitions import transition
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Follow, Pledge, Project, RewardTier
from peerfund.custody.models import CustodyAccount
from peerfund.custody.services import custody_move
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.errors import InsufficientBalance
from peerfund.legal.services import Action, consent_require
from peerfund.risk.models import Event
from peerfund.risk.services import risk_gate
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin

MIN_PLEDGE_FEN = 100

_RESERVE_SQL = (
    "UPDATE crowdfunding_rewardtier SET taken = taken + 1 "
    "WHERE id = %s AND project_id = %s AND (\"limit\" IS NULL OR taken < \"limit\")"
)


def _closed():
    return refuse(_("This project is not taking pledges."), "pledge.closed")


def _replay(backer, key: str, project_id: int, tier_id: int | None, amount_fen: int) -> Pledge | None:
    pledge = Pledge.objects.filter(backer=backer, key=key).first()
    if pledge is not None and (pledge.project_id, pledge.tier_id, pledge.amount_fen) != (project_id, tier_id, amount_fen):
        raise Conflict(_("This pledge key was already used for another pledge."), "pledge.key_conflict")
    return pledge


def _open(project: Project) -> bool:
    return project.status == Project.Status.FUNDING and project.deadline >= clock.business_date()


def _check_amount(project: Project, tier: RewardTier | None, amount_fen) -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen > MAX_FEN:
        raise refuse(_("Enter an amount."), "pledge.amount", "amount")
    if tier is None:
        if not project.allow_no_reward:
            raise refuse(_("Choose a reward."), "pledge.reward_required", "tier")
        if amount_fen < MIN_PLEDGE_FEN:
            raise refuse(_("The smallest pledge is %(min)s.") % {"min": format_fen(MIN_PLEDGE_FEN)}, "pledge.below_minimum", "amount", min_fen=MIN_PLEDGE_FEN)
    elif amount_fen < tier.minimum_fen:
        raise refuse(
            _("This reward needs at least %(min)s (price and shipping).") % {"min": format_fen(tier.minimum_fen)},
            "pledge.below_price", "amount", min_fen=tier.minimum_fen,
        )


def pledge_place(*, backer, project_id: int, tier_id: int | None, amount_fen: int, address_id: int | None, trade_password: str, key: str,
                 origin: Origin = UNKNOWN_ORIGIN) -> Pledge:
    """Pledge `amount_fen` to a funding project, for a reward (`tier_id`) or none.
    Idempotent on (backer, key): a repeat returns the first pledge."""
    ensure_open(Operation.PLEDGES)
    replay = _replay(backer, key, project_id, tier_id, amount_fen)
    if replay is not None:
        return replay
    consent_require(user=backer, action=Action.PLEDGE)
    project = Project.objects.filter(pk=project_id, status__in=Project.PUBLIC).first()
    if project is None:
        raise NotFound(_("No such project."), "not_found")
    if not _open(project):
        raise _closed()
    if project.owner_id == backer.pk:
        raise refuse(_("You cannot back your own project."), "pledge.own_project")
    tier = None
    if tier_id is not None:
        tier = project.tiers.filter(pk=tier_id).first()
        if tier is None:
            raise refuse(_("Choose one of this project's rewards."), "pledge.tier", "tier")
    _check_amount(project, tier, amount_fen)
    address = None
    if tier is not None and tier.needs_shipping:
        address = addresses_of(backer).filter(pk=address_id).first() if address_id else None
        if address is None:
            raise refuse(_("Choose a shipping address from your address book."), "pledge.address", "address")
    if not CustodyAccount.objects.filter(owner=backer).exists():
        raise refuse(_("Verify your identity first: pledges are held at the custodian bank in your name."), "pledge.not_verified")
    user_assert_can_move_money(user=backer, trade_password=trade_password)
    risk_gate(event=Event.PLEDGE, user=backer, origin=origin, amount_fen=amount_fen)
    try:
        return _place(backer, project, tier, amount_fen, address, key)
    except IntegrityError:  # the same key raced in from another request
        replay = _replay(backer, key, project_id, tier_id, amount_fen)
        if replay is None:
            raise
        return replay


def _place(backer, project: Project, tier: RewardTier | None, amount_fen: int, address, key: str) -> Pledge:
    accounts = ledger.user_accounts(backer)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if not _open(project):
            raise _closed()
        if tier is not None:
            with connection.cursor() as cursor:
                cursor.execute(_RESERVE_SQL, [tier.pk, project.pk])
                if cursor.rowcount == 0:
                    raise refuse(_("This reward is sold out."), "pledge.sold_out", "tier")
        pledge = Pledge.objects.create(
            project=project, backer=backer, tier=tier, amount_fen=amount_fen, key=key,
            address=address.one_line() if address else "", province=address.province if address else "",
        )
        try:
            custody_move(
                kind=EntryKind.FREEZE,
                legs=[(accounts[AccountKind.USER_AVAILABLE], -amount_fen), (accounts[AccountKind.USER_FROZEN], amount_fen)],
                key=f"pledge:{pledge.pk}", ref=f"project:{project.pk}", memo=f"pledge to project {project.pk}",
            )
        except InsufficientBalance as error:
            raise refuse(error.message, "pledge.insufficient", "amount") from error
        first_pledge = not Pledge.objects.filter(project=project, backer=backer, status__in=Pledge.HOLDING).exclude(pk=pledge.pk).exists()
        Project.objects.filter(pk=project.pk).update(raised_fen=F("raised_fen") + amount_fen, backers=F("backers") + int(first_pledge))
        Follow.objects.get_or_create(project=project, user=backer)
    return pledge


def pledge_cancel(*, backer, pledge: Pledge) -> Pledge:
    """Cancel a pledge before the deadline: the money is unfrozen, the reward's unit
    freed."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=pledge.project_id)
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.backer_id != backer.pk:
            raise NotFound(_("No such pledge."), "not_found")
        if pledge.status == Pledge.Status.CANCELLED:
            return pledge  # a repeat of a cancel that already went through (a retry after a lost answer)
        if pledge.status != Pledge.Status.ACTIVE or not _open(project):
            raise refuse(_("Only a pledge on a project still funding can be cancelled."), "pledge.not_cancellable")
        pledge_release(pledge, Pledge.Status.CANCELLED, actor=backer, reason="cancelled by the backer")
        if pledge.tier_id:
            RewardTier.objects.filter(pk=pledge.tier_id).update(taken=F("taken") - 1)
        last_pledge = not Pledge.objects.filter(project=project, backer=backer, status__in=Pledge.HOLDING).exists()
        Project.objects.filter(pk=project.pk).update(raised_fen=F("raised_fen") - pledge.amount_fen, backers=F("backers") - int(last_pledge))
    return pledge


def pledge_release(pledge: Pledge, to: str, *, actor=None, reason: str) -> None:
    """Give an active pledge's money back (cancelled, or the project failed). Inside
    the caller's transaction, with the project locked."""
    accounts = ledger.user_accounts(pledge.backer)
    custody_move(
        kind=EntryKind.UNFREEZE,
        legs=[(accounts[AccountKind.USER_FROZEN], -pledge.amount_fen), (accounts[AccountKind.USER_AVAILABLE], pledge.amount_fen)],
        key=f"pledge-release:{pledge.pk}", ref=f"project:{pledge.project_id}", memo=reason,
    )
    transition(pledge, to, actor=actor, reason=reason)
