
"""Reconciliation classifies every difference between our books and the bank's
statement, stores a report and raises an alert; it never corrects anything."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from peerfund.core import clock
from peerfund.core.models import Alert
from peerfund.custody.models import CustodyAccount, Instruction, ReconciliationReport
from peerfund.custody.outbox import instruction_apply_result, outbox_retry
from peerfund.custody.reconciliation import reconcile
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Account
from peerfund.sandbox.bank import SandboxBank, deliver_callbacks
from peerfund.sandbox.models import BankAccount, BankJournalLine
from peerfund.tests_support.money import deposit, freeze

TODAY = dt.date(2026, 11, 2)


def _kinds(report) -> list[str]:
    return sorted(report.differences.values_list("kind", flat=True))


def _bank_account(user) -> BankAccount:
    return BankAccount.objects.get(account_no=CustodyAccount.objects.get(owner=user).account_no)


def test_a_clean_day_matches_every_request(funded, django_capture_on_commit_callbacks):
    freeze(funded, 1_000, django_capture_on_commit_callbacks, key="c1")
    report = reconcile(business_date=clock.business_date())
    assert report.is_clean and report.matched_requests == 2
    assert not Alert.objects.filter(kind="custody.reconciliation_mismatch").exists()


@pytest.mark.corrupts_books
def test_a_corrupted_bank_balance_is_reported_never_fixed(funded):
    BankAccount.objects.filter(pk=_bank_account(funded).pk).update(available_fen=F("available_fen") + 100)
    ours_before = list(Account.objects.values_list("pk", "balance_fen"))
    report = reconcile(business_date=clock.business_date())
    (difference,) = report.differences.all()
    assert (difference.kind, difference.bucket, difference.ours_fen, difference.bank_fen) == ("balance", "available", 1_000_000, 1_000_100)
    assert Alert.objects.get(kind="custody.reconciliation_mismatch").severity == Alert.Severity.CRITICAL
    assert list(Account.objects.values_list("pk", "balance_fen")) == ours_before
    assert _bank_account(funded).available_fen == 1_000_100
    assert [v.check for v in ledger_check()] == ["ledger_matches_custodian"]


@pytest.mark.corrupts_books
def test_money_the_bank_moved_for_a_request_we_never_sent_is_missing_here(owner):
    SandboxBank().deposit(request_no="FOREIGN-1", account_no=_bank_account(owner).account_no, amount_fen=900)
    report = reconcile(business_date=clock.business_date())
    assert _kinds(report) == ["missing_here"]
    assert report.differences.get().request_no == "FOREIGN-1"


@pytest.mark.corrupts_books
def test_an_entry_with_no_bank_instruction_is_missing_at_bank(funded):
    accounts = ledger.user_accounts(funded)
    with transaction.atomic():  # behind custody's back: the ledger alone
        ledger.post(kind=E.FREEZE, legs=[(accounts["user_available"], -500), (accounts["user_frozen"], 500)], key="raw")
    assert _kinds(reconcile(business_date=clock.business_date())) == ["missing_at_bank"]


@pytest.mark.corrupts_books
def test_an_instruction_we_hold_as_done_that_the_bank_never_saw_is_missing_at_bank(funded, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(lose_next_requests=1)
    entry = freeze(funded, 700, django_capture_on_commit_callbacks, key="ghost")
    instruction = Instruction.objects.get(entry=entry)
    instruction_apply_result(request_no=instruction.request_no, status="succeeded")  # a mistaken confirmation
    report = reconcile(business_date=clock.business_date())
    assert _kinds(report) == ["missing_at_bank"]
    assert report.differences.get().request_no == instruction.request_no


@pytest.mark.corrupts_books
def test_a_different_amount_at_the_bank(funded, django_capture_on_commit_callbacks):
    entry = freeze(funded, 1_000, django_capture_on_commit_callbacks, key="amt")
    request_no = Instruction.objects.get(entry=entry).request_no
    BankJournalLine.objects.filter(request_no=request_no, amount_fen__gt=0).update(amount_fen=1_001)
    BankJournalLine.objects.filter(request_no=request_no, amount_fen__lt=0).update(amount_fen=-1_001)
    BankAccount.objects.filter(pk=_bank_account(funded).pk).update(available_fen=F("available_fen") - 1, frozen_fen=F("frozen_fen") + 1)
    report = reconcile(business_date=clock.business_date())
    assert _kinds(report) == ["amount"]  # the balance difference is explained by it
    assert (report.differences.get().ours_fen, report.differences.get().bank_fen) == (1_000, 1_001)


@pytest.mark.corrupts_books
def test_a_request_the_bank_applied_twice_is_a_duplicate(funded, django_capture_on_commit_callbacks):
    entry = freeze(funded, 1_000, django_capture_on_commit_callbacks, key="dup")
    request_no = Instruction.objects.get(entry=entry).request_no
    for line in BankJournalLine.objects.filter(request_no=request_no):
        line.pk = None
        line.save()
    BankAccount.objects.filter(pk=_bank_account(funded).pk).update(available_fen=F("available_fen") - 1_000, frozen_fen=F("frozen_fen") + 1_000)
    assert _kinds(reconcile(business_date=clock.business_date())) == ["duplicate"]


def test_in_flight_and_cross_day_bookings_are_timing_differences(owner, bank_faults, django_capture_on_commit_callbacks):
    clock.travel_to(TODAY)
    bank_faults(async_callbacks=True)
    deposit(owner, 5_000, django_capture_on_commit_callbacks, key="late")
    assert _kinds(reconcile(business_date=TODAY)) == ["timing"]  # bank booked it, confirmation on its way
    clock.travel_to(TODAY + dt.timedelta(days=1))
    deliver_callbacks()  # we book it a day after the bank did
    assert _kinds(reconcile(business_date=TODAY)) == ["timing"]
    assert _kinds(reconcile(business_date=TODAY + dt.timedelta(days=1))) == ["timing"]


def test_a_request_the_bank_books_a_day_after_us_is_timing(funded, bank_faults, django_capture_on_commit_callbacks):
    clock.travel_to(TODAY)
    bank_faults(lose_next_requests=1)
    freeze(funded, 2_000, django_capture_on_commit_callbacks, key="slow")
    clock.travel_to(TODAY + dt.timedelta(days=1))
    outbox_retry()
    assert _kinds(reconcile(business_date=TODAY)) == ["timing"]


@pytest.mark.corrupts_books
def test_reconcile_command_stores_a_report_and_exits_non_zero_on_differences(funded, capsys):
    call_command("custody_reconcile")
    assert "0 difference(s)" in capsys.readouterr().out
    BankAccount.objects.filter(pk=_bank_account(funded).pk).update(frozen_fen=5)
    try:
        call_command("custody_reconcile", "--date", clock.business_date().isoformat())
    except SystemExit as exc:
        assert exc.code == 1
    else:
        raise AssertionError("a mismatch must exit non-zero")
    assert ReconciliationReport.objects.count() == 2
    assert "[balance]" in capsys.readouterr().out


@pytest.mark.corrupts_books
def test_staff_see_the_reconciliation_page_users_do_not(funded, staff, client):
    BankAccount.objects.filter(pk=_bank_account(funded).pk).update(frozen_fen=5)
    reconcile(business_date=clock.business_date())
    client.force_login(funded)
    assert client.get("/custody/reconciliation/").status_code == 403
    client.force_login(staff)
    page = client.get("/custody/reconciliation/")
    assert page.status_code == 200
    assert 'data-testid="report"' in page.content.decode()
    assert "¥0.05" in page.content.decode()
