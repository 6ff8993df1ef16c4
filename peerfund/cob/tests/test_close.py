"""The daily close: every step once per date, re-running changes nothing, a crash
resumes at the chunk where it stopped (a year of closes is in test_year.py)."""
import datetime as dt

import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError

from peerfund.cob import registry
from peerfund.cob.models import ChunkDone, StepRun
from peerfund.cob.services import close_run, last_closed
from peerfund.cob.tasks import cob_nightly
from peerfund.core import clock
from peerfund.ledger.models import Entry
from peerfund.lending.models import Repayment, RepaymentInstalment


@pytest.fixture
def flaky_step(db):
    """A chunked step that fails in its second chunk the first time it gets there."""
    calls, failed = [], []

    def run(*, on, ids):
        calls.append(list(ids))
        if ids[0] >= 3 and not failed:
            failed.append(True)
            raise RuntimeError("worker killed")
        return len(ids)

    registry.close_step(name="test.flaky", order=1, items=lambda on: [1, 2, 3, 4, 5])(run)
    yield calls
    registry._STEPS.pop("test.flaky")


def test_a_crashed_close_resumes_at_the_chunk_where_it_stopped(flaky_step, settings):
    settings.PEERFUND_COB_CHUNK = 2
    day = clock.business_date()
    with pytest.raises(RuntimeError, match="worker killed"):
        close_run(on=day)
    run = StepRun.objects.get(business_date=day, step="test.flaky")
    assert run.status == "failed" and "worker killed" in run.error
    assert list(run.chunks.values_list("number", flat=True)) == [0]
    close_run(on=day)
    run.refresh_from_db()
    assert run.status == "done" and run.plan == [[1, 2], [3, 4], [5, 5]]
    assert flaky_step == [[1, 2], [3, 4], [3, 4], [5]]  # chunk 0 once; chunk 1 again after the crash
    assert sorted(ChunkDone.objects.filter(step_run=run).values_list("number", flat=True)) == [0, 1, 2]


def test_closing_a_date_again_changes_nothing(disbursed_loan, django_capture_on_commit_callbacks):
    due = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1).due_date
    clock.travel_to(due + dt.timedelta(days=1))  # the close of a date runs after it
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=due)
    assert Repayment.objects.filter(loan=disbursed_loan, source="auto").count() == 1
    entries, steps = Entry.objects.count(), StepRun.objects.filter(business_date=due).count()
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=due)
        StepRun.objects.filter(business_date=due).delete()  # even with its records gone, the steps themselves are idempotent
        close_run(on=due)
    assert Entry.objects.count() == entries and Repayment.objects.filter(loan=disbursed_loan).count() == 1
    assert StepRun.objects.filter(business_date=due, status="done").count() == steps


def test_the_command_closes_a_date_with_a_progress_bar(disbursed_loan, capsys, django_capture_on_commit_callbacks):
    day = clock.business_date()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cob", "--date", day.isoformat())
    out = capsys.readouterr().out
    assert f"business date {day} closed" in out and "lending.auto_debit" in out and "[####" in out
    assert StepRun.objects.filter(business_date=day, status="done").count() == len(registry.steps())


def test_the_nightly_task_closes_the_day_that_ended(db):
    cob_nightly.call_local()
    yesterday = clock.business_date() - dt.timedelta(days=1)
    assert last_closed() == yesterday
    assert set(StepRun.objects.values_list("business_date", flat=True)) == {yesterday}


@pytest.fixture
def racing_step(db):
    """A chunked step whose first attempt loses a lock race, as PostgreSQL reports one
    (Django's OperationalError raised from psycopg's DeadlockDetected, SQLSTATE 40P01)
    from a server whose messages are in Chinese (lc_messages=zh_CN)."""
    attempts = []

    def run(*, on, ids):
        attempts.append(list(ids))
        if len(attempts) == 1:
            Entry.objects.count()  # work the failed attempt did is rolled back with it
            cause = psycopg.errors.DeadlockDetected("检测到死锁\n描述: 进程1等待在事务2上的ShareLock")
            raise OperationalError(str(cause)) from cause
        return len(ids)

    registry.close_step(name="test.racing", order=1, items=lambda on: [1, 2])(run)
    yield attempts
    registry._STEPS.pop("test.racing")


def test_a_chunk_that_loses_a_lock_race_runs_again(racing_step):
    day = clock.business_date()
    close_run(on=day)
    assert racing_step == [[1, 2], [1, 2]]
    run = StepRun.objects.get(business_date=day, step="test.racing")
    assert run.status == "done" and run.result == {"count": 2} and run.chunks.count() == 1


def test_other_database_errors_fail_the_step(db):
    def run(*, on, ids):
        raise OperationalError("disk full")

    registry.close_step(name="test.broken", order=1, items=lambda on: [1])(run)
    try:
        with pytest.raises(OperationalError, match="disk full"):
            close_run(on=clock.business_date())
        assert StepRun.objects.get(step="test.broken").status == "failed"
    finally:
        registry._STEPS.pop("test.broken")
