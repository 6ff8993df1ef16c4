"""Sending outbox instructions and applying the bank's answers.

An answer may come as the reply to our request, from a callback, or from a status
query after a lost callback; all three go through `instruction_apply_result`, which
locks the instruction and moves it forward at most once, so duplicates and
out-of-order callbacks change nothing.
"""
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.models import Alert
from peerfund.custody.gateway import FAILED, NOT_FOUND, PROCESSING, SUCCEEDED, CustodianUnavailable, get_custodian, send
from peerfund.custody.models import Instruction
from peerfund.custody.ordering import lanes_close, must_wait
from peerfund.custody.outcomes import outcome_dispatch
from peerfund.ledger import services as ledger
from peerfund.ledger.errors import LedgerError

logger = logging.getLogger(__name__)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(settings.PEERFUND_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def instruction_dispatch(instruction_id: int) -> str:
    """Send one instruction (again); the bank de-duplicates on the request number.
    Held back while an earlier instruction on the same sub-account is unanswered."""
    instruction = Instruction.objects.get(pk=instruction_id)
    if instruction.is_final:
        return instruction.status
    if must_wait(instruction):
        # An earlier instruction on one of its sub-accounts is unanswered: the bank
        # must see them in order (custody.ordering); that answer sends this one.
        return instruction.status
    try:
        reply = send(get_custodian(), op=instruction.op, request_no=instruction.request_no, payload=instruction.payload)
    except CustodianUnavailable as exc:
        _note_attempt(instruction, str(exc))
        return instruction.status
    return instruction_apply_result(request_no=reply.request_no, status=reply.status, reason=reply.reason)


def _note_attempt(instruction: Instruction, error: str) -> None:
    attempts = instruction.attempts + 1
    Instruction.objects.filter(pk=instruction.pk).update(
        attempts=attempts, last_error=error[:255], next_attempt_at=clock.now() + _backoff(attempts)
    )
    if attempts >= settings.PEERFUND_OUTBOX_MAX_ATTEMPTS and not instruction.alerted:
        Instruction.objects.filter(pk=instruction.pk).update(alerted=True)
        alert_raise(
            kind="custody.unanswered",
            message=f"Instruction {instruction.request_no} has had no final answer after {attempts} attempts: {error}",
            ref=instruction.request_no,
            severity=Alert.Severity.CRITICAL,
        )


def instruction_apply_result(*, request_no: str, status: str, reason: str = "") -> str:
    """Move an instruction to the bank's answer, once. Returns the resulting status."""
    with transaction.atomic():
        instruction = Instruction.objects.select_for_update().filter(request_no=request_no).first()
        if instruction is None:
            return NOT_FOUND
        if instruction.is_final or status == NOT_FOUND:
            return instruction.status
        if status == PROCESSING:
            if instruction.status == Instruction.Status.PENDING:
                instruction.status = Instruction.Status.PROCESSING
                instruction.attempts += 1
                instruction.next_attempt_at = clock.now() + _backoff(instruction.attempts)
                instruction.save(update_fields=["status", "attempts", "next_attempt_at"])
            return instruction.status
        if status == SUCCEEDED:
            _succeed(instruction)
        elif status == FAILED:
            _fail(instruction, reason)
        else:
            raise ValueError(f"unknown custody status {status!r}")
        lanes_close(instruction)
        outcome_dispatch(instruction)
        return instruction.status


def _succeed(instruction: Instruction) -> None:
    from peerfund.custody.services import deposit_entry_post

    if instruction.op == "deposit" and instruction.entry_id is None:
        instruction.entry = deposit_entry_post(instruction)
    instruction.status = Instruction.Status.SUCCEEDED
    instruction.completed_at = clock.now()
    instruction.save(update_fields=["status", "entry", "completed_at"])


def _fail(instruction: Instruction, reason: str) -> None:
    """The bank refused: undo our side by a reversing entry and tell an operator."""
    instruction.status = Instruction.Status.FAILED
    instruction.reason = reason[:200]
    instruction.completed_at = clock.now()
    if instruction.entry_id is not None:
        try:
            with transaction.atomic():
                instruction.compensation_entry = ledger.reverse(
                    entry=instruction.entry,
                    key=f"compensate:{instruction.request_no}",
                    reason=_("Bank rejected instruction %(no)s: %(reason)s") % {"no": instruction.request_no, "reason": reason},
                )
        except LedgerError as exc:
            alert_raise(
                kind="custody.compensation_failed",
                message=f"Bank rejected {instruction.request_no} ({reason}) and the reversal failed: {exc.message}",
                ref=instruction.request_no,
                severity=Alert.Severity.CRITICAL,
            )
    instruction.save(update_fields=["status", "reason", "completed_at", "compensation_entry"])
    if instruction.op != "deposit":
        alert_raise(
            kind="custody.rejected",
            message=f"The bank rejected {instruction.op} {instruction.request_no}: {reason}; our entry was reversed.",
            ref=instruction.request_no,
        )


def outbox_retry(*, limit: int = 500) -> int:
    """Re-send instructions that never reached the bank, and ask the bank about those
    it accepted but never confirmed (a lost callback). Returns how many it touched."""
    now = clock.now()
    due = Instruction.objects.filter(
        status__in=[Instruction.Status.PENDING, Instruction.Status.PROCESSING], next_attempt_at__lte=now
    ).order_by("id")[:limit]
    touched = 0
    custodian = get_custodian()
    for instruction in due:
        touched += 1
        if instruction.status == Instruction.Status.PENDING:
            instruction_dispatch(instruction.pk)
            continue
        try:
            reply = custodian.query_request(request_no=instruction.request_no)
        except CustodianUnavailable as exc:
            _note_attempt(instruction, str(exc))
            continue
        if reply.status == NOT_FOUND:
            # Accepted yet unknown to the bank: send it again.
            instruction_dispatch(instruction.pk)
        elif reply.status == PROCESSING:
            _note_attempt(instruction, "still processing at the bank")
        else:
            instruction_apply_result(request_no=reply.request_no, status=reply.status, reason=reply.reason)
    return touched
