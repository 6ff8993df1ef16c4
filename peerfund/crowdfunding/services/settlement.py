"""The deadline and the money after it.

- At the deadline (a daily-close step) a project that reached its goal is
  **successful**: every pledge moves from the backer's frozen balance into the
  project's escrow account (ledger and custodian), and two payouts are scheduled —
  the first share of the money less the platform fee after T+N days, the rest once
  backers have their rewards (or after a quiet period with no open complaint). A
  project short of its goal **fails**: every pledge is unfrozen in full.
- Payouts leave the escrow to the owner's balance (and the fee to the platform),
  once two staff members have released them (maker–checker; `PEERFUND_CF_PAYOUT_APPROVAL`).
- An owner who does not deliver is declared in default by staff: what is still in
  escrow is refunded to the backers who did not get their reward (largest
  remainder by pledge), and the owner goes on the blacklist.

Each money step has its own entry key, so running the close again moves nothing twice.
"""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.services.identity import verified_identity
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import NotFound
from peerfund.core.money import format_fen, round_half_up, split_largest_remainder
from peerfund.core.transitions import transition, transition_many
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Complaint, Payout, Pledge, Project
from peerfund.crowdfunding.services.pledges import pledge_release
from peerfund.custody.services import custody_move, custody_move_many
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.notify.services import notify, notify_many
from peerfund.risk.blacklist import blacklist_add
from peerfund.risk.models import BlacklistEntry


def escrow_account(project: Project):
    return ledger.account_get_or_open(kind=AccountKind.PLEDGE_ESCROW, scope=f"project:{project.pk}")


def payout_plan(total_fen: int, fee_rate: Decimal) -> tuple[int, int, int]:
    """(fee, first payout, final payout) of a successful project's money: the fee is
    rounded half up; the first payout is the configured share of the rest; the final
    payout takes what is left, so the three always sum to the total."""
    fee = round_half_up(Decimal(total_fen) * fee_rate)
    first = round_half_up(Decimal(total_fen - fee) * Decimal(settings.PEERFUND_CF_FIRST_PAYOUT_SHARE))
    return fee, first, total_fen - fee - first


def projects_due(on: dt.date) -> list[int]:
    return list(Project.objects.filter(status=Project.Status.FUNDING, deadline__lte=on).order_by("id").values_list("pk", flat=True))


def projects_close(*, project_ids: list[int], on: dt.date) -> int:
    for project_id in project_ids:
        project_close(project_id=project_id, on=on)
    return len(project_ids)


def project_close(*, project_id: int, on: dt.date) -> Project:
    """Settle or fail one project whose deadline has passed. Safe to run again."""
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project_id)
        if project.status != Project.Status.FUNDING or project.deadline > on:
            return project
        pledges = list(project.pledges.filter(status=Pledge.Status.ACTIVE).select_related("backer", "tier").order_by("id"))
        total = sum(p.amount_fen for p in pledges)
        project.closed_on = on
        context = {"project": project.title, "amount": format_fen(total), "goal": format_fen(project.goal_fen)}
        if total >= project.goal_fen:
            _settle(project, pledges, on)
            transition(project, Project.Status.SUCCESSFUL, reason=f"raised {total} of {project.goal_fen} fen", fields=("closed_on",))
            notify_many(notices=[(p.backer, context) for p in pledges], event="project.succeeded_backer", url=f"/projects/{project.pk}/")
            notify(user=project.owner, event="project.succeeded_owner", context=context, url=f"/projects/{project.pk}/dashboard/")
        else:
            for pledge in pledges:
                pledge_release(pledge, Pledge.Status.RELEASED, reason=f"project {project.pk} did not reach its goal")
            transition(project, Project.Status.FAILED, reason=f"raised {total} of {project.goal_fen} fen", fields=("closed_on",))
            notify_many(notices=[(p.backer, {**context, "pledged": format_fen(p.amount_fen)}) for p in pledges], event="project.failed_backer")
            notify(user=project.owner, event="project.failed_owner", context=context)
    return project


def _settle(project: Project, pledges: list[Pledge], on: dt.date) -> None:
    escrow = escrow_account(project)
    accounts = ledger.user_accounts_many({p.backer_id for p in pledges})
    custody_move_many([
        ledger.EntrySpec(
            kind=EntryKind.PLEDGE_FUND, legs=[(accounts[p.backer_id][AccountKind.USER_FROZEN], -p.amount_fen), (escrow, p.amount_fen)],
            key=f"pledge-fund:{p.pk}", ref=f"project:{project.pk}", memo=f"pledge {p.pk} to project {project.pk}",
        )
        for p in pledges
    ])
    transition_many(pledges, Pledge.Status.SETTLED, reason="project successful")
    Pledge.objects.filter(pk__in=[p.pk for p in pledges], tier__isnull=False).update(delivery=Pledge.Delivery.WAITING)
    fee, first, final = payout_plan(sum(p.amount_fen for p in pledges), project.effective_fee_rate)
    Payout.objects.bulk_create([
        Payout(project=project, stage=1, amount_fen=first, fee_fen=fee, due_on=on + dt.timedelta(days=settings.PEERFUND_CF_FIRST_PAYOUT_DAYS)),
        Payout(project=project, stage=2, amount_fen=final),
    ], ignore_conflicts=True)


def _open_complaints(project_id: int) -> bool:
    return Complaint.objects.filter(pledge__project_id=project_id, status=Complaint.Status.OPEN).exists()


def _final_due(project: Project, on: dt.date) -> bool:
    """The final payout is due once every reward is received, or after the quiet
    period since success."""
    waiting = project.pledges.filter(status=Pledge.Status.SETTLED).exclude(delivery__in=(Pledge.Delivery.NONE, Pledge.Delivery.RECEIVED))
    return not waiting.exists() or on >= project.closed_on + dt.timedelta(days=settings.PEERFUND_CF_FINAL_PAYOUT_DAYS)


def payouts_due(on: dt.date) -> list[int]:
    first = Payout.objects.filter(stage=1, status=Payout.Status.SCHEDULED, due_on__lte=on)
    final = Payout.objects.filter(stage=2, status__in=(Payout.Status.SCHEDULED, Payout.Status.HELD), project__payouts__stage=1,
                                  project__payouts__status=Payout.Status.PAID, project__status=Project.Status.SUCCESSFUL)
    return sorted(set(first.values_list("project_id", flat=True)) | set(final.values_list("project_id", flat=True)))


def payouts_release(*, project_ids: list[int], on: dt.date) -> int:
    """Release every payout that is due — the first after T+N, the final when it is
    due and no complaint is open (else it is held, and shows so). With payout
    approval on (the default) a due payout waits for two finance staff
    (`payout_pay`, through the back office's maker–checker); otherwise it is paid
    here."""
    released = 0
    for project_id in project_ids:
        with transaction.atomic():
            project = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project_id)
            if project.status != Project.Status.SUCCESSFUL:
                continue
            for payout in project.payouts.select_for_update().order_by("stage"):
                if payout.status not in (Payout.Status.SCHEDULED, Payout.Status.HELD):
                    continue
                if payout.stage == 2 and not _final_due(project, on):
                    continue
                if payout.stage == 1 and payout.due_on > on:
                    continue
                if payout.stage == 2 and _open_complaints(project.pk):
                    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.HELD)
                    continue
                if settings.PEERFUND_CF_PAYOUT_APPROVAL:
                    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.DUE)
                else:
                    _pay(project, payout, on)
                released += 1
    return released


def payout_pay(*, payout_id: int, actor=None) -> Payout:
    """Pay a payout that is due (a second staff member approved its release). The
    final payout is refused while a complaint is open, and completes the project."""
    with transaction.atomic():
        # The project before its payout (docs/money-core.md, "Lock order"), as
        # payouts_release and project_default take them.
        project_id = Payout.objects.filter(pk=payout_id).values_list("project_id", flat=True).first()
        if project_id is None:
            raise NotFound(_("No such payout."), "not_found")
        project = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project_id)
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != Payout.Status.DUE or project.status != Project.Status.SUCCESSFUL:
            raise refuse(_("This payout is not due for release."), "payout.not_due")
        if payout.stage == 2 and _open_complaints(project.pk):
            raise refuse(_("A complaint about this project is open; settle it first."), "payout.complaints")
        _pay(project, payout, clock.business_date(), actor=actor)
    return payout


def _pay(project: Project, payout: Payout, on: dt.date, actor=None) -> None:
    legs = [(escrow_account(project), -(payout.amount_fen + payout.fee_fen)),
            (ledger.user_accounts(project.owner)[AccountKind.USER_AVAILABLE], payout.amount_fen)]
    if payout.fee_fen:
        legs.append((ledger.platform_account(AccountKind.PLATFORM_FEE), payout.fee_fen))
    entry = custody_move(kind=EntryKind.PLEDGE_PAYOUT, legs=legs, key=f"payout:{payout.pk}", ref=f"project:{project.pk}",
                         memo=f"payout {payout.stage} of project {project.pk}")
    payout.status, payout.paid_on, payout.entry = Payout.Status.PAID, on, entry
    payout.save(update_fields=["status", "paid_on", "entry"])
    audit_record(actor=actor, action="payout.paid", obj=payout, data={"amount_fen": payout.amount_fen, "fee_fen": payout.fee_fen})
    if payout.stage == 2:
        transition(project, Project.Status.COMPLETED, actor=actor, reason="final payout made")
    notify(user=project.owner, event="project.payout", context={"project": project.title, "amount": format_fen(payout.amount_fen),
                                                                "fee": format_fen(payout.fee_fen), "stage": payout.stage})


def project_default(*, staff, project: Project, reason: str) -> Project:
    """The owner failed to deliver: refund what is still in escrow to the backers
    whose reward did not arrive (pro rata to their pledges), cancel the payouts not
    yet made and blacklist the owner."""
    if not (reason or "").strip():
        raise refuse(_("Say why the owner is in default."), "project.reason", "reason")
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project.pk)
        if project.status != Project.Status.SUCCESSFUL:
            raise refuse(_("Only a successful project still paying out can be declared in default."), "project.not_successful")
        escrow = escrow_account(project)
        pledges = list(project.pledges.filter(status=Pledge.Status.SETTLED).exclude(delivery=Pledge.Delivery.RECEIVED).select_related("backer").order_by("id"))
        if not pledges:
            pledges = list(project.pledges.filter(status=Pledge.Status.SETTLED).select_related("backer").order_by("id"))
        accounts = ledger.user_accounts_many({p.backer_id for p in pledges})
        # Every account the refund posts to, locked at once in id order (the escrow
        # alone first, then the backers', would break it: docs/money-core.md, "Lock order").
        locked = ledger.accounts_lock([escrow.pk, *(accounts[p.backer_id][AccountKind.USER_AVAILABLE].pk for p in pledges)])
        balance = locked[escrow.pk].balance_fen
        if balance and pledges:
            shares = split_largest_remainder(balance, [p.amount_fen for p in pledges])
            legs = [(escrow, -balance)] + [(accounts[p.backer_id][AccountKind.USER_AVAILABLE], share) for p, share in zip(pledges, shares, strict=True) if share]
            custody_move(kind=EntryKind.PLEDGE_REFUND, legs=legs, key=f"project-default:{project.pk}", ref=f"project:{project.pk}", memo=reason)
            for pledge, share in zip(pledges, shares, strict=True):
                pledge.refund_fen = share
                pledge.save(update_fields=["refund_fen"])
            transition_many(pledges, Pledge.Status.REFUNDED, reason="owner defaulted")
            notify_many(notices=[(p.backer, {"project": project.title, "amount": format_fen(s)}) for p, s in zip(pledges, shares, strict=True)],
                        event="project.refunded")
        project.payouts.exclude(status=Payout.Status.PAID).update(status=Payout.Status.CANCELLED)
        transition(project, Project.Status.DEFAULTED, actor=staff, reason=reason)
        identity = verified_identity(project.owner)
        if identity is not None:
            blacklist_add(staff=staff, kind=BlacklistEntry.Kind.ID_NUMBER, value=identity.id_number, reason=f"crowdfunding owner defaulted on project {project.pk}")
    return project
