"""Collection: the daily close opens a task for an overdue loan and gives it to the
least busy collector, stages it, judges promises, and closes it when the loan is
current again; collectors log contacts in the back office; others get 403."""
import datetime as dt

import pytest

from peerfund.accounts.errors import AccountError
from peerfund.core import clock
from peerfund.core.errors import Forbidden
from peerfund.lending.models import CollectionNote, CollectionTask, RepaymentInstalment
from peerfund.lending.services.collection import collection_daily, collection_note
from peerfund.lending.services.overdue import loans_mark_overdue
from peerfund.lending.services.repayment import loan_repay
from peerfund.tests_support.people import TRADE_PASSWORD


@pytest.fixture
def overdue(disbursed_loan):
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    day = first.due_date + dt.timedelta(days=5)
    loans_mark_overdue(loan_ids=[disbursed_loan.pk], on=day)
    return disbursed_loan, day


def test_a_task_opens_goes_to_the_least_busy_collector_and_closes_when_cured(overdue, staff_with, django_capture_on_commit_callbacks):
    loan, day = overdue
    busy, free = staff_with("collection", "busy-collector"), staff_with("collection", "free-collector")
    CollectionTask.objects.create(loan=loan, assignee=busy, stage="M1", opened_on=day, status="closed")  # closed ones do not count
    assert collection_daily(loan_ids=[loan.pk], on=day) == 1
    task = CollectionTask.objects.get(loan=loan, status="open")
    assert task.stage == "M1" and task.assignee in (busy, free)
    assert collection_daily(loan_ids=[loan.pk], on=day) == 0  # one active task per loan
    clock.travel_to(day)
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="cure")
    collection_daily(loan_ids=[loan.pk], on=day + dt.timedelta(days=1))
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("closed", "current again")


def test_promises_are_judged_on_their_day_and_a_broken_one_escalates(overdue, staff_with):
    loan, day = overdue
    collector = staff_with("collection", "collector")
    collection_daily(loan_ids=[loan.pk], on=day)
    task = CollectionTask.objects.get(loan=loan, status="open")
    with pytest.raises(AccountError):
        collection_note(staff=collector, task=task, kind="promise", note="will pay", promised_fen=None, promised_by=None)
    collection_note(staff=collector, task=task, kind="call", note="answered, says salary is late")
    collection_note(staff=collector, task=task, kind="promise", note="pays on Friday", promised_fen=50_000, promised_by=day + dt.timedelta(days=3))
    task.refresh_from_db()
    assert task.status == "promised"
    collection_daily(loan_ids=[loan.pk], on=day + dt.timedelta(days=3))
    task.refresh_from_db()
    assert task.status == "escalated"
    assert CollectionNote.objects.get(task=task, kind="promise").kept is False
    assert task.assignee == collector  # the only collector when it opened
    with pytest.raises(Forbidden):
        collection_note(staff=staff_with("collection", "someone-else"), task=task, kind="call", note="tried")


def test_the_back_office_pages(overdue, staff_with, client):
    loan, day = overdue
    collector = staff_with("collection", "collector")
    collection_daily(loan_ids=[loan.pk], on=day)
    task = CollectionTask.objects.get(loan=loan, status="open")
    client.force_login(collector)
    page = client.get("/backoffice/lending/collection/")
    assert page.status_code == 200 and loan.title.encode() in page.content
    logged = client.post(f"/backoffice/lending/collection/{task.pk}/", {"kind": "call", "note": "no answer"})
    assert logged.status_code == 302 and task.notes.filter(note="no answer").exists()
    assert client.post(f"/backoffice/lending/collection/{task.pk}/", {"kind": "promise", "note": "soon"}).status_code == 400
    client.force_login(staff_with("finance", "finance"))
    assert client.get("/backoffice/lending/collection/").status_code == 403
