"""Instructions on one custody sub-account reach the bank in the order of their
entries: a release never overtakes the freeze it undoes (issue 16, item 3)."""
from django.db import transaction

from peerfund.core.models import Alert
from peerfund.custody.models import CustodyAccount, Instruction, InstructionLane
from peerfund.custody.outbox import outbox_retry
from peerfund.custody.services import custody_move, custody_move_many
from peerfund.custody.tests.test_custody_flows import bank_of, books_agree, settle
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.selectors import user_balances
from peerfund.sandbox.models import BankJournalLine, BankRequest
from peerfund.tests_support.money import deposit, freeze


def release(user, amount_fen: int, capture, key: str):
    accounts = ledger.user_accounts(user)
    with capture(execute=True), transaction.atomic():
        return custody_move(kind=E.UNFREEZE, legs=[(accounts["user_frozen"], -amount_fen), (accounts["user_available"], amount_fen)], key=key)


def instruction_of(entry) -> Instruction:
    return Instruction.objects.get(entry=entry)


def test_a_release_waits_for_the_lost_freeze_it_undoes(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(lose_next_requests=1)
    frozen = freeze(funded, 25_000, django_capture_on_commit_callbacks, key="pledge-250")
    released = release(funded, 25_000, django_capture_on_commit_callbacks, key="pledge-250-cancel")
    freeze_i, release_i = instruction_of(frozen), instruction_of(released)
    # The freeze timed out; the release was not sent before it has a final answer.
    assert freeze_i.status == release_i.status == Instruction.Status.PENDING
    assert not BankRequest.objects.filter(request_no=release_i.request_no).exists()
    assert release_i.attempts == 0 and release_i.last_error == ""
    assert bank_of(funded) == (1_000_000, 0)

    outbox_retry()
    freeze_i.refresh_from_db()
    release_i.refresh_from_db()
    assert (freeze_i.status, release_i.status) == (Instruction.Status.SUCCEEDED, Instruction.Status.SUCCEEDED)
    # Both landed, freeze first; nothing stays frozen, nothing was reversed.
    lines = list(BankJournalLine.objects.filter(request_no__in=[freeze_i.request_no, release_i.request_no]).order_by("id").values_list("op", flat=True))
    assert lines == ["freeze", "freeze", "unfreeze", "unfreeze"]
    assert bank_of(funded) == (1_000_000, 0)
    assert user_balances(funded) == {"user_available": 1_000_000, "user_frozen": 0}
    assert not Alert.objects.filter(kind="custody.rejected").exists()
    assert not InstructionLane.objects.exists()
    books_agree()


def test_the_answer_to_a_slow_freeze_sends_the_release_waiting_behind_it(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True)
    frozen = freeze(funded, 25_000, django_capture_on_commit_callbacks, key="bid-slow")
    released = release(funded, 25_000, django_capture_on_commit_callbacks, key="bid-slow-cancel")
    release_i = instruction_of(released)
    assert instruction_of(frozen).status == Instruction.Status.PROCESSING
    assert not BankRequest.objects.filter(request_no=release_i.request_no).exists()
    assert InstructionLane.objects.get(instruction=release_i).waiting

    # The freeze's callback arrives: its final answer sends the release at once,
    # without waiting for the retry job.
    from peerfund.sandbox.bank import deliver_callbacks

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_callbacks() == 1
    assert BankRequest.objects.filter(request_no=release_i.request_no, status="succeeded").exists()
    settle(django_capture_on_commit_callbacks)
    assert bank_of(funded) == (1_000_000, 0)
    assert user_balances(funded) == {"user_available": 1_000_000, "user_frozen": 0}
    books_agree()


def test_other_sub_accounts_are_not_held_up(funded, other_user, bank_faults, django_capture_on_commit_callbacks):
    deposit(other_user, 50_000, django_capture_on_commit_callbacks)
    bank_faults(lose_next_requests=1)
    stuck = freeze(funded, 10_000, django_capture_on_commit_callbacks, key="a-lost")
    moving = freeze(other_user, 20_000, django_capture_on_commit_callbacks, key="b-goes")
    assert instruction_of(stuck).status == Instruction.Status.PENDING
    assert instruction_of(moving).status == Instruction.Status.SUCCEEDED
    assert bank_of(other_user) == (30_000, 20_000)


def test_a_batch_keeps_one_task_and_its_order(funded, bank_faults, django_capture_on_commit_callbacks):
    accounts = ledger.user_accounts(funded)
    available, frozen = accounts["user_available"], accounts["user_frozen"]
    specs = [
        ledger.EntrySpec(kind=E.FREEZE, legs=[(available, -5_000), (frozen, 5_000)], key="batch-f1"),
        ledger.EntrySpec(kind=E.UNFREEZE, legs=[(frozen, -5_000), (available, 5_000)], key="batch-u1"),
        ledger.EntrySpec(kind=E.FREEZE, legs=[(available, -7_000), (frozen, 7_000)], key="batch-f2"),
    ]
    bank_faults(lose_next_requests=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        entries = custody_move_many(specs)
    assert len(callbacks) == 1  # one dispatch task for the whole batch
    # The first was lost; the two behind it on the same sub-account waited.
    assert [instruction_of(e).status for e in entries] == ["pending"] * 3
    assert not BankRequest.objects.filter(op__in=["freeze", "unfreeze"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_retry()
    assert [instruction_of(e).status for e in entries] == ["succeeded"] * 3
    account_no = CustodyAccount.objects.get(owner=funded).account_no
    assert list(BankRequest.objects.filter(payload__items__0__account_no=account_no, op__in=["freeze", "unfreeze"]).order_by("id").values_list("request_no", flat=True)) == [
        instruction_of(e).request_no for e in entries
    ]
    assert bank_of(funded) == (993_000, 7_000)
    books_agree()
