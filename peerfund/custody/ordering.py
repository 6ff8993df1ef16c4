"""Instructions reach the bank in the order of their ledger entries, per sub-account.

Why: each commit dispatches its own instructions and the retry sends whatever is
due, so without this a freeze whose request was lost and the release that follows it
reach the bank release-first. The bank refuses the release (nothing is frozen yet),
custody compensates it, then the retried freeze lands: the books and the bank agree,
and money the business released stays frozen. The bank checks each instruction
against its balances at the moment it arrives, so the only safe order is ours.

Rule: an instruction is sent only when every instruction with a lower id that
touches any of the same custody sub-accounts has a final answer (succeeded or
failed). Instruction ids follow the order of the entries on each ledger account:
`ledger.post` locks the accounts before the instruction row is inserted, so a later
entry on the same account gets a higher id. Where two ledger accounts share one
bank sub-account (the per-loan repayment accounts and the platform's escrow), the
entries are independent and any order keeps every bank balance at or above zero.

Cost, kept flat for the daily close's tens of thousands of instructions:
- writing: one extra multi-row insert per transaction or batch (`lanes_open`), a row
  per sub-account an instruction touches;
- sending: one indexed EXISTS probe per instruction (`must_wait`) on a table that
  holds only unanswered instructions;
- final answer: one DELETE by instruction id and, after commit, one indexed read for
  waiting instructions on its sub-accounts (`lanes_kick`).
No scan grows with the outbox or the books. The price is latency on a busy
sub-account with an asynchronous bank: instructions on one sub-account (a platform
escrow during the close) go one callback round-trip at a time. A synchronous reply
(the sandbox, most custodians for in-bank moves) answers before the next is sent, so
a batch's single task sends them back to back as before.

Money arriving from outside (bank-first deposits) takes no place in the queue: it
only credits, has no ledger entry until confirmed, and nothing booked can depend on
it before it is confirmed; holding a user's bids behind an unanswered card payment
would only make them wait.
"""
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from peerfund.core import clock
from peerfund.core.bulk import insert_objects
from peerfund.custody.models import Instruction, InstructionLane

# How many waiting instructions one final answer hands to one dispatch task.
KICK_LIMIT = 1000


def accounts_touched(op: str, payload: dict[str, Any]) -> list[str]:
    """The custody sub-accounts an instruction moves money in, sorted; none for a
    bank-first deposit (see the module docstring)."""
    if op == "deposit":
        return []
    items = payload.get("items", [payload]) if op == "batch_transfer" else [payload]
    found = set()
    for item in items:
        for key in ("account_no", "from_account", "to_account"):
            if item.get(key):
                found.add(item[key])
    return sorted(found)


def lanes_open(instructions: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
    """Queue new instructions, given as (id, op, payload), on their sub-accounts.
    Call in the transaction that inserts them."""
    insert_objects([
        InstructionLane(instruction_id=pk, account_no=account_no, waiting=False)
        for pk, op, payload in instructions
        for account_no in accounts_touched(op, payload)
    ])


def _ahead(instruction: Instruction, accounts: list[str]) -> bool:
    return InstructionLane.objects.filter(account_no__in=accounts, instruction_id__lt=instruction.pk).exists()


def must_wait(instruction: Instruction) -> bool:
    """True when an earlier instruction on one of this one's sub-accounts has no
    final answer yet; the instruction is then marked waiting and will be sent by that
    answer (`lanes_kick`) or, should that be lost, by the retry.

    Marking before looking again closes the race with a concurrent final answer:
    either the second look sees the way clear, or the answer's kick, which reads
    after its commit, sees the mark."""
    accounts = accounts_touched(instruction.op, instruction.payload)
    if not accounts or not _ahead(instruction, accounts):
        return False
    with transaction.atomic():
        InstructionLane.objects.filter(instruction_id=instruction.pk).update(waiting=True)
        Instruction.objects.filter(pk=instruction.pk).update(
            next_attempt_at=clock.now() + dt.timedelta(seconds=settings.PEERFUND_OUTBOX_RETRY_SECONDS)
        )
    return _ahead(instruction, accounts)


def lanes_close(instruction: Instruction) -> None:
    """The instruction has its final answer: leave the queues and, after commit, send
    the instructions that were waiting behind it. Call in the transaction that
    records the answer."""
    accounts = accounts_touched(instruction.op, instruction.payload)
    if not accounts:
        return
    InstructionLane.objects.filter(instruction_id=instruction.pk).delete()
    transaction.on_commit(lambda: lanes_kick(accounts))


def lanes_kick(accounts: list[str]) -> list[int]:
    """Send the instructions waiting on these sub-accounts, in id order, by one task.
    Their marks are cleared first so that the answers they get in that task do not
    start another task for the same instructions; one still held back marks itself
    again."""
    from peerfund.custody.tasks import custody_dispatch

    ids = list(
        InstructionLane.objects.filter(account_no__in=accounts, waiting=True)
        .order_by("instruction_id")
        .values_list("instruction_id", flat=True)
        .distinct()[:KICK_LIMIT]
    )
    if ids:
        InstructionLane.objects.filter(instruction_id__in=ids).update(waiting=False)
        custody_dispatch(*ids)
    return ids
