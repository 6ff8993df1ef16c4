"""Ledger and bank move together: every fault the sandbox bank can show (rejections,
lost requests, latency, asynchronous, lost, duplicated and reordered callbacks) ends
with both books agreeing once retries finish."""
import pytest
from django.db import transaction

from peerfund.core import clock
from peerfund.core.models import Alert
from peerfund.custody.models import CallbackLog, CustodyAccount, Instruction
from peerfund.custody.outbox import outbox_retry
from peerfund.custody.reconciliation import compare
from peerfund.custody.services import CustodyError, custody_deposit, custody_move
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import user_accounts
from peerfund.sandbox.bank import deliver_callbacks
from peerfund.sandbox.models import BankAccount
from peerfund.tests_support.money import deposit, freeze


def bank_of(user) -> tuple[int, int]:
    account = BankAccount.objects.get(account_no=CustodyAccount.objects.get(owner=user).account_no)
    return account.available_fen, account.frozen_fen


def books_agree() -> None:
    assert [d for d in compare(business_date=clock.business_date()).differences] == []
    assert ledger_check() == []


def test_deposit_is_booked_when_the_bank_confirms_it(owner, django_capture_on_commit_callbacks):
    instruction = deposit(owner, 123_456, django_capture_on_commit_callbacks)
    assert instruction.status == Instruction.Status.SUCCEEDED
    assert user_balances(owner)["user_available"] == 123_456
    assert bank_of(owner) == (123_456, 0)
    books_agree()


def test_freeze_moves_money_between_buckets_at_the_bank(funded, django_capture_on_commit_callbacks):
    freeze(funded, 40_000, django_capture_on_commit_callbacks, key="bid-1")
    assert user_balances(funded) == {"user_available": 960_000, "user_frozen": 40_000}
    assert bank_of(funded) == (960_000, 40_000)
    books_agree()


def test_a_rejected_instruction_is_reversed_and_raises_an_alert(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(reject_next_requests=1)
    entry = freeze(funded, 40_000, django_capture_on_commit_callbacks, key="bid-2")
    instruction = Instruction.objects.get(entry=entry)
    assert instruction.status == Instruction.Status.FAILED
    assert instruction.compensation_entry.reverses == entry
    assert user_balances(funded) == {"user_available": 1_000_000, "user_frozen": 0}
    assert bank_of(funded) == (1_000_000, 0)
    assert Alert.objects.filter(kind="custody.rejected", ref=instruction.request_no).exists()
    books_agree()


def test_a_rejected_deposit_books_nothing(owner, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(reject_next_requests=1)
    instruction = deposit(owner, 5_000, django_capture_on_commit_callbacks)
    assert instruction.status == Instruction.Status.FAILED
    assert instruction.reason.startswith("BANK_REJECTED")
    assert user_balances(owner)["user_available"] == 0
    books_agree()


@pytest.mark.corrupts_books
def test_the_bank_refusing_an_overdraft_is_compensated(funded, django_capture_on_commit_callbacks):
    # Our books allow it, the bank's do not (its balance was drained behind our back).
    BankAccount.objects.filter(account_no=CustodyAccount.objects.get(owner=funded).account_no).update(available_fen=0)
    entry = freeze(funded, 10_000, django_capture_on_commit_callbacks, key="bid-3")
    instruction = Instruction.objects.get(entry=entry)
    assert (instruction.status, instruction.reason) == (Instruction.Status.FAILED, "INSUFFICIENT_FUNDS")
    assert user_balances(funded)["user_frozen"] == 0


def test_a_lost_request_is_resent_by_the_outbox(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(lose_next_requests=1)
    entry = freeze(funded, 25_000, django_capture_on_commit_callbacks, key="bid-4")
    instruction = Instruction.objects.get(entry=entry)
    assert instruction.status == Instruction.Status.PENDING
    assert instruction.attempts == 1 and "timed out" in instruction.last_error
    assert bank_of(funded) == (1_000_000, 0)
    assert ledger_check() == []  # in flight: a timing difference, not a violation
    assert outbox_retry() == 1
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.SUCCEEDED
    assert bank_of(funded) == (975_000, 25_000)
    books_agree()


def test_asynchronous_confirmation_by_callback(owner, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True)
    instruction = deposit(owner, 70_000, django_capture_on_commit_callbacks)
    assert instruction.status == Instruction.Status.PROCESSING
    assert user_balances(owner)["user_available"] == 0
    assert bank_of(owner) == (70_000, 0)
    assert deliver_callbacks() == 1
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.SUCCEEDED
    assert user_balances(owner)["user_available"] == 70_000
    books_agree()


def test_duplicate_callbacks_are_applied_once(owner, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True, duplicate_callbacks=True)
    deposit(owner, 70_000, django_capture_on_commit_callbacks)
    assert deliver_callbacks() == 2
    assert CallbackLog.objects.filter(signature_valid=True).count() == 2
    assert user_balances(owner)["user_available"] == 70_000
    books_agree()


def test_a_lost_callback_is_recovered_by_asking_the_bank(owner, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True, lose_next_callbacks=1)
    instruction = deposit(owner, 33_300, django_capture_on_commit_callbacks)
    assert deliver_callbacks() == 0
    outbox_retry()
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.SUCCEEDED
    assert user_balances(owner)["user_available"] == 33_300
    books_agree()


def settle(capture, rounds: int = 20) -> int:
    """Let time pass: deliver callbacks and run the retry (with their after-commit
    work, as in production) until nothing is in flight. Returns the rounds taken."""
    for round_ in range(1, rounds + 1):
        with capture(execute=True):
            deliver_callbacks()
            outbox_retry()
        if not Instruction.objects.filter(status__in=["pending", "processing"]).exists():
            return round_
    raise AssertionError("instructions still in flight")


def test_reordered_callbacks_settle_every_instruction(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True, reorder_callbacks=True)
    entries = [freeze(funded, 1_000 * n, django_capture_on_commit_callbacks, key=f"r{n}") for n in (1, 2, 3)]
    unfreeze_legs = user_accounts(funded)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        custody_move(kind=E.UNFREEZE, legs=[(unfreeze_legs["user_frozen"], -3_000), (unfreeze_legs["user_available"], 3_000)], key="r-un")
    settle(django_capture_on_commit_callbacks)
    assert set(Instruction.objects.filter(entry__in=entries).values_list("status", flat=True)) == {"succeeded"}
    assert bank_of(funded) == (997_000, 3_000)
    books_agree()


def test_latency_is_tolerated(owner, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(latency_ms=30)
    assert deposit(owner, 1_00, django_capture_on_commit_callbacks).status == Instruction.Status.SUCCEEDED


def test_an_instruction_that_never_gets_an_answer_raises_one_alert(owner, bank_faults, settings, django_capture_on_commit_callbacks):
    settings.PEERFUND_OUTBOX_MAX_ATTEMPTS = 3
    bank_faults(lose_next_requests=10)
    instruction = deposit(owner, 500, django_capture_on_commit_callbacks)
    for _ in range(4):
        outbox_retry()
    alerts = Alert.objects.filter(kind="custody.unanswered", ref=instruction.request_no)
    assert alerts.count() == 1
    assert alerts.get().severity == Alert.Severity.CRITICAL


def test_everything_at_once_converges(funded, other_user, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(
        async_callbacks=True, duplicate_callbacks=True, reorder_callbacks=True, lose_next_callbacks=2, lose_next_requests=3, reject_next_requests=1
    )
    deposit(other_user, 200_000, django_capture_on_commit_callbacks, key="o1")
    for n in range(6):
        freeze(funded, 10_000 + n, django_capture_on_commit_callbacks, key=f"all-{n}")
    settle(django_capture_on_commit_callbacks)
    assert Instruction.objects.filter(status="failed").count() == 1
    books_agree()


def test_deposit_needs_a_custody_account_and_a_positive_amount(make_user, owner):
    with pytest.raises(CustodyError) as excinfo:
        custody_deposit(user=make_user(username="nobank"), amount_fen=100, key="k")
    assert excinfo.value.code == "custody.no_account"
    for bad in (0, -1, 10**16, 1.5):
        with pytest.raises(CustodyError):
            custody_deposit(user=owner, amount_fen=bad, key=f"bad-{bad}")


def test_a_deposit_key_reused_for_another_amount_is_refused(owner, django_capture_on_commit_callbacks):
    deposit(owner, 100, django_capture_on_commit_callbacks, key="same")
    with pytest.raises(CustodyError) as excinfo:
        custody_deposit(user=owner, amount_fen=200, key="same")
    assert excinfo.value.code == "custody.key_conflict"
    assert deposit(owner, 100, django_capture_on_commit_callbacks, key="same").status == "succeeded"
    assert user_balances(owner)["user_available"] == 100
