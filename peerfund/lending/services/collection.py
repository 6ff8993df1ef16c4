"""Collection (催收): every loan with an overdue instalment has one active task, given
to the collector (staff with the `collection` role) who has the fewest active tasks.
Collectors log contacts, record promises to pay and escalate. The daily close keeps
the tasks true: it opens them, moves their stage (M1/M2/M3+), judges promises whose day
has come (kept if the borrower has paid the promised amount since), escalates broken
ones and closes tasks whose loan is current again or settled. A written-off loan stays
in collection (坏账催收, stage M3+) until the borrower has repaid what was written off.
"""
import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, Forbidden
from peerfund.lending.models import CollectionNote, CollectionTask, Loan, Repayment, RepaymentInstalment
from peerfund.lending.services.overdue import overdue_stage

Status = CollectionTask.Status


def _collectors():
    group = Group.objects.filter(name="collection").first()
    return group.user_set.filter(is_active=True) if group else None


def _least_busy():
    collectors = _collectors()
    if collectors is None:
        return None
    busy = Count("collection_tasks", filter=Q(collection_tasks__status__in=CollectionTask.ACTIVE))
    return collectors.annotate(busy=busy).order_by("busy", "id").first()


def _stage(loan: Loan, on: dt.date) -> str:
    """The stage of the loan's oldest overdue or written-off instalment; "" if none."""
    late = (RepaymentInstalment.Status.OVERDUE, RepaymentInstalment.Status.WRITTEN_OFF)
    oldest = loan.instalments.filter(status__in=late).order_by("number").first()
    return overdue_stage((on - oldest.due_date).days) if oldest else ""


def collection_daily(*, loan_ids: list[int], on: dt.date) -> int:
    """The daily close's collection work for these loans. Returns tasks opened."""
    opened = 0
    for loan in Loan.objects.filter(pk__in=loan_ids):
        with transaction.atomic():
            task = CollectionTask.objects.select_for_update().filter(loan=loan, status__in=CollectionTask.ACTIVE).first()
            stage = _stage(loan, on)
            if task is None and stage:
                CollectionTask.objects.create(loan=loan, assignee=_least_busy(), stage=stage, opened_on=on)
                opened += 1
            elif task is not None and not stage:
                reason = "settled" if loan.status == Loan.Status.SETTLED else "current again"
                task.status, task.closed_on, task.close_reason = Status.CLOSED, on, reason
                task.save(update_fields=["status", "closed_on", "close_reason"])
            elif task is not None:
                task.stage = stage
                _judge_promises(task, on)
                task.save(update_fields=["stage", "status"])
    return opened


def _judge_promises(task: CollectionTask, on: dt.date) -> None:
    for promise in task.notes.filter(kind=CollectionNote.Kind.PROMISE, kept__isnull=True, promised_by__lte=on):
        paid = Repayment.objects.filter(loan=task.loan, created_at__gte=promise.created_at).aggregate(t=Sum("amount_fen"))["t"] or 0
        promise.kept = paid >= promise.promised_fen
        promise.save(update_fields=["kept"])
        if not promise.kept:
            task.status = Status.ESCALATED
            CollectionNote.objects.create(task=task, kind=CollectionNote.Kind.ESCALATION, note=f"promise of {promise.promised_by} broken")


def _own(staff, task: CollectionTask) -> None:
    if task.status == Status.CLOSED:
        raise Conflict(_("This task is closed."), "collection.closed")
    if task.assignee_id not in (None, staff.pk) and not staff.is_superuser and not staff.groups.filter(name="admin").exists():
        raise Forbidden(_("This task is assigned to another collector."), "collection.not_yours")


def collection_note(*, staff, task: CollectionTask, kind: str, note: str, promised_fen: int | None = None, promised_by: dt.date | None = None) -> CollectionNote:
    """Log a contact, a promise to pay (amount and date) or an escalation. Audited."""
    _own(staff, task)
    if kind not in CollectionNote.Kind.values:
        raise AccountError(_("Choose what happened."), "collection.kind", {"field": "kind"})
    if not (note or "").strip():
        raise AccountError(_("Write what was said or done."), "collection.note", {"field": "note"})
    if kind == CollectionNote.Kind.PROMISE and (not promised_fen or promised_fen <= 0 or promised_by is None):
        raise AccountError(_("A promise needs an amount and a date."), "collection.promise", {"field": "promised_fen"})
    with transaction.atomic():
        entry = CollectionNote.objects.create(task=task, staff=staff, kind=kind, note=note.strip()[:500],
                                              promised_fen=promised_fen if kind == CollectionNote.Kind.PROMISE else None,
                                              promised_by=promised_by if kind == CollectionNote.Kind.PROMISE else None)
        status = {CollectionNote.Kind.PROMISE: Status.PROMISED, CollectionNote.Kind.ESCALATION: Status.ESCALATED}.get(kind)
        if status:
            CollectionTask.objects.filter(pk=task.pk).update(status=status)
        audit_record(actor=staff, action=f"collection.{kind}", obj=task.loan, data={"task": task.pk})
    return entry


def collection_assign(*, staff, task: CollectionTask, assignee) -> None:
    if not assignee.groups.filter(name="collection").exists():
        raise AccountError(_("Give the task to a collector."), "collection.assignee", {"field": "assignee"})
    CollectionTask.objects.filter(pk=task.pk).update(assignee=assignee)
    audit_record(actor=staff, action="collection.assign", obj=task.loan, data={"task": task.pk, "assignee": assignee.pk})
