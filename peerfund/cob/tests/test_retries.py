"""A step or chunk that loses a lock race runs again; other database errors fail the
step at once. Lock races are recognised by their code (PostgreSQL's SQLSTATE, SQLite's
result code), whatever language the server writes its messages in."""
import sqlite3

import psycopg
import pytest
from django.db import OperationalError

from peerfund.cob import registry
from peerfund.cob.models import StepRun
from peerfund.cob.services import close_run
from peerfund.core import clock
from peerfund.core.models import Alert


def _as_django_raises(cause: Exception):
    """What Django's error wrapper raises for a driver error."""
    raise OperationalError(*cause.args) from cause


@pytest.fixture
def only_step(db, monkeypatch):
    """register(run, items=None): make `run` the close's only step."""
    monkeypatch.setattr(registry, "_STEPS", {})

    def register(run, items=None):
        registry.close_step(name="test.step", order=1, items=items)(run)

    return register


def test_a_one_transaction_step_that_deadlocks_runs_again_and_its_first_attempt_leaves_nothing(only_step):
    attempts = []

    def run(*, on):
        attempts.append(on)
        Alert.objects.create(kind="test.step", message=f"attempt {len(attempts)}")  # its work, rolled back with it
        if len(attempts) == 1:
            _as_django_raises(psycopg.errors.DeadlockDetected("检测到死锁"))
        return 7

    only_step(run)
    close_run(on=clock.business_date())
    assert len(attempts) == 2
    run_record = StepRun.objects.get(step="test.step")
    assert run_record.status == "done" and run_record.result == {"count": 7}
    assert list(Alert.objects.filter(kind="test.step").values_list("message", flat=True)) == ["attempt 2"]


def test_a_serialisation_failure_runs_again_too(only_step):
    attempts = []

    def run(*, on):
        attempts.append(on)
        if len(attempts) == 1:
            _as_django_raises(psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"))
        return 1

    only_step(run)
    close_run(on=clock.business_date())
    assert len(attempts) == 2 and StepRun.objects.get(step="test.step").status == "done"


def test_a_chunk_that_finds_the_sqlite_database_locked_runs_again(only_step, tmp_path):
    # A real SQLITE_BUSY: another connection holds the write lock of a database file.
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    attempts = []

    def run(*, on, ids):
        attempts.append(list(ids))
        if len(attempts) == 1:
            holder.execute("BEGIN IMMEDIATE")
            try:
                sqlite3.connect(path, timeout=0).execute("INSERT INTO t VALUES (1)")
            except sqlite3.OperationalError as busy:
                assert busy.sqlite_errorcode == sqlite3.SQLITE_BUSY
                _as_django_raises(busy)
            finally:
                holder.execute("ROLLBACK")
        return len(ids)

    only_step(run, items=lambda on: [1, 2, 3])
    close_run(on=clock.business_date())
    assert attempts == [[1, 2, 3], [1, 2, 3]] and StepRun.objects.get(step="test.step").status == "done"


def test_a_step_that_keeps_losing_gives_up_after_the_configured_retries(only_step, settings):
    settings.PEERFUND_COB_RETRIES = 2
    attempts = []

    def run(*, on):
        attempts.append(on)
        _as_django_raises(psycopg.errors.DeadlockDetected("deadlock detected"))

    only_step(run)
    with pytest.raises(OperationalError):
        close_run(on=clock.business_date())
    assert len(attempts) == 3  # the first try and two retries
    assert StepRun.objects.get(step="test.step").status == "failed"


@pytest.mark.parametrize("cause", [
    psycopg.errors.DiskFull("could not extend file: No space left on device"),
    psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    OperationalError("deadlock detected"),  # the words alone, with no code behind them, prove nothing
], ids=["disk-full-53100", "statement-timeout-57014", "text-only"])
def test_other_database_errors_are_not_retried(only_step, cause):
    attempts = []

    def run(*, on, ids):
        attempts.append(list(ids))
        if isinstance(cause, psycopg.Error):
            _as_django_raises(cause)
        raise cause

    only_step(run, items=lambda on: [1])
    with pytest.raises(OperationalError):
        close_run(on=clock.business_date())
    assert attempts == [[1]]
    record = StepRun.objects.get(step="test.step")
    assert record.status == "failed" and type(cause).__name__ in record.error
