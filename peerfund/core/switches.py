"""Emergency switches: staff pause sign-ups, bids, pledges or withdrawals
platform-wide, with a reason, and resume them.

A switch changes only through maker–checker (`backoffice/approvals.py`, kind
`operation_switch`: one member of staff with `pause_operations` asks, another one
approves); `switch_set` is what the approval does, audited with both names.

The services that start those operations call `ensure_open(Operation.X)` first: while
paused it raises `OperationPaused` — a 503 from the API with the code `paused.<op>` and
the reason in the message, a form error on a page. Every page shows a banner while
anything is paused (`core.context_processors.emergency_switches`).

The paused set is read on every page and every guarded call, so it is cached for
`CACHE_SECONDS`. A change deletes the cache entry at once and again when its
transaction commits; with the local-memory cache (one per process) another process
may go on seeing the old state for at most `CACHE_SECONDS`; with Redis every process
sees the change at once. The key names the database, so test workers sharing one
Redis never see each other's switches.
"""
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError, Conflict
from peerfund.core.models import OperationSwitch

Operation = OperationSwitch.Operation
CACHE_SECONDS = 5


class OperationPaused(ApplicationError):
    """The operation is paused by the emergency switch: try again later."""

    status = 503


def _messages() -> dict[str, str]:
    return {
        Operation.SIGNUPS: _("New sign-ups are paused for now (%(reason)s). Please try again later."),
        Operation.BIDS: _("Bidding is paused for now (%(reason)s). Please try again later."),
        Operation.PLEDGES: _("Pledging is paused for now (%(reason)s). Please try again later."),
        Operation.WITHDRAWALS: _("Withdrawals are paused for now (%(reason)s). Please try again later."),
    }


def _cache_key() -> str:
    return f"peerfund:emergency-switches:{connection.settings_dict['NAME']}"


def switches_forget() -> None:
    """Drop the cached state (after a change, and in tests)."""
    cache.delete(_cache_key())


def paused_operations() -> dict[str, dict]:
    """{operation: {"reason", "since"}} for every paused operation, cached briefly."""
    key = _cache_key()
    paused = cache.get(key)
    if paused is None:
        paused = {
            s.operation: {"reason": s.reason, "since": s.changed_at.isoformat() if s.changed_at else ""}
            for s in OperationSwitch.objects.filter(paused=True)
        }
        cache.set(key, paused, CACHE_SECONDS)
    return paused


def paused_error(operation: str, reason: str, since: str = "") -> OperationPaused:
    return OperationPaused(
        _messages()[operation] % {"reason": reason},
        f"paused.{operation}",
        {"operation": str(operation), "reason": reason, "since": since},
    )


def is_open(operation: str) -> bool:
    return operation not in paused_operations()


def ensure_open(operation: str) -> None:
    """The guard at the top of a service: raises OperationPaused while `operation` is paused."""
    state = paused_operations().get(operation)
    if state is not None:
        raise paused_error(operation, state["reason"], state["since"])


def switches_list() -> list[OperationSwitch]:
    """The four switches, in a fixed order (rows are made the first time they are asked for)."""
    existing = set(OperationSwitch.objects.values_list("operation", flat=True))
    missing = [OperationSwitch(operation=op) for op in Operation.values if op not in existing]
    if missing:
        OperationSwitch.objects.bulk_create(missing, ignore_conflicts=True)
    order = {op: n for n, op in enumerate(Operation.values)}
    switches = OperationSwitch.objects.select_related("requested_by", "approved_by")
    return sorted(switches, key=lambda s: order[s.operation])


def switch_check(*, switch: OperationSwitch, pause: bool) -> None:
    """Refuses asking to pause what is paused, or to resume what is open."""
    if pause and switch.paused:
        raise Conflict(_("%(operation)s: already paused.") % {"operation": switch.get_operation_display()}, "switch.already_paused")
    if not pause and not switch.paused:
        raise Conflict(_("%(operation)s: not paused, nothing to resume.") % {"operation": switch.get_operation_display()}, "switch.not_paused")


def switch_set(*, switch_id: int, pause: bool, reason: str, requested_by, approved_by) -> OperationSwitch:
    """Pause or resume one operation (what an approved request does). Joins the
    caller's transaction; audited; the cache is dropped now and after the commit."""
    with transaction.atomic():
        switch = OperationSwitch.objects.select_for_update().get(pk=switch_id)
        switch_check(switch=switch, pause=pause)
        before = "paused" if switch.paused else "open"
        switch.paused = pause
        switch.reason = reason.strip()[:300] if pause else ""
        switch.changed_at = clock.now()
        switch.requested_by, switch.approved_by = requested_by, approved_by
        switch.save(update_fields=["paused", "reason", "changed_at", "requested_by", "approved_by"])
        audit_record(
            actor=approved_by, action=f"switch.{'paused' if pause else 'resumed'}", obj=switch,
            from_state=before, to_state="paused" if pause else "open", reason=reason,
            data={"operation": switch.operation, "requested_by": requested_by.pk, "approved_by": approved_by.pk},
        )
        switches_forget()
        transaction.on_commit(switches_forget)
    return switch
