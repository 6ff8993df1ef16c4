"""One close at a time, for a day that has begun, on the real clock in production: a
second close names the one running and stops; a future date and `--until` in
production are refused before anything is closed."""
import datetime as dt
import logging
import socket
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from peerfund.cob import registry
from peerfund.cob.lock import ADVISORY_KEY, CloseAlreadyRunning, _open_lock_connection
from peerfund.cob.models import CloseRun, StepRun
from peerfund.cob.services import CloseDateInFuture, close_run
from peerfund.cob.tasks import cob_nightly
from peerfund.core import clock
from peerfund.core.models import ClockState
from peerfund.lending.models import Repayment, RepaymentInstalment


@pytest.fixture
def one_step(db, monkeypatch):
    """The close reduced to one step that counts the dates it closed."""
    closed = []
    monkeypatch.setattr(registry, "_STEPS", {})
    registry.close_step(name="test.count", order=1)(lambda *, on: closed.append(on) or 1)
    return closed


@pytest.fixture
def another_close_running(db):
    """A close running in another process on this host: a live process, its CloseRun
    row and, on PostgreSQL, the advisory lock held by a session of its own."""
    process = subprocess.Popen(["sleep", "120"])  # noqa: S603,S607
    lock_connection = None
    if connection.vendor == "postgresql":
        lock_connection = _open_lock_connection()
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
    run = CloseRun.objects.create(holder=f"{socket.gethostname()}:{process.pid}", source="nightly", dates="2026-11-24")
    yield run
    if lock_connection is not None:
        lock_connection.close()
    process.kill()
    process.wait()


def test_a_second_close_names_the_one_running_and_exits_non_zero(one_step, another_close_running):
    with pytest.raises(CommandError) as refused:
        call_command("cob", "--date", clock.business_date().isoformat())
    message = str(refused.value)  # in the operator's language: check the facts it names
    since = timezone.localtime(another_close_running.started_at).strftime("%Y-%m-%d %H:%M:%S")
    assert another_close_running.holder in message and "nightly" in message and "2026-11-24" in message and since in message
    assert "[close_running]" in message
    assert one_step == [] and not StepRun.objects.exists()


def test_the_service_refusal_carries_the_holder_for_programs(one_step, another_close_running):
    with pytest.raises(CloseAlreadyRunning) as refused:
        close_run(on=clock.business_date())
    assert refused.value.status == 409 and refused.value.code == "close_running"
    assert refused.value.extra["holder"] == another_close_running.holder and refused.value.extra["source"] == "nightly"


def test_the_nightly_task_logs_the_holder_and_skips(one_step, another_close_running, caplog):
    with caplog.at_level(logging.ERROR, logger="peerfund.cob.tasks"):
        cob_nightly.call_local()
    assert one_step == [] and not StepRun.objects.exists()
    assert "skipped" in caplog.text and another_close_running.holder in caplog.text


def test_staff_see_which_close_is_running(client, staff_with, another_close_running):
    client.force_login(staff_with("finance"))
    page = client.get("/backoffice/close/").content.decode()
    assert 'data-testid="close-holder"' in page and another_close_running.holder in page


def test_a_close_left_by_a_dead_process_does_not_block_the_next(one_step):
    process = subprocess.Popen(["true"])  # noqa: S603,S607
    process.wait()  # its process id is now free: the close it "ran" died with it
    stale = CloseRun.objects.create(holder=f"{socket.gethostname()}:{process.pid}", source="command", dates="2026-11-23")
    close_run(on=clock.business_date())
    stale.refresh_from_db()
    assert stale.status == "abandoned" and one_step == [clock.business_date()]
    assert CloseRun.objects.exclude(pk=stale.pk).get().status == "done"


def test_each_close_records_who_ran_it(one_step):
    call_command("cob", "--date", clock.business_date().isoformat())
    run = CloseRun.objects.get()
    assert run.status == "done" and run.source == "command" and run.holder.endswith(":" + str(__import__("os").getpid()))
    assert run.finished_at is not None


def test_a_future_date_is_refused_before_anything_is_debited(disbursed_loan):
    due = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1).due_date
    assert due > clock.business_date()
    with pytest.raises(CommandError) as command_refused:
        call_command("cob", "--date", due.isoformat())
    message = str(command_refused.value)
    assert str(due) in message and str(clock.business_date()) in message and "[close_date_in_future]" in message
    with pytest.raises(CloseDateInFuture) as refused:
        close_run(on=clock.business_date() + dt.timedelta(days=1))
    assert refused.value.code == "close_date_in_future" and refused.value.status == 400
    assert not Repayment.objects.exists() and not StepRun.objects.exists()
    close_run(on=clock.business_date())  # today itself may be closed (the demo and tests do)


def test_until_does_not_move_the_clock_in_production(one_step):
    today = clock.business_date()
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="clock_move_refused"):
        call_command("cob", "--until", (today + dt.timedelta(days=3)).isoformat())
    clock.forget_offset()
    assert clock.business_date() == today and not ClockState.objects.exists()
    assert one_step == [] and not StepRun.objects.exists()
    call_command("cob", "--until", (today + dt.timedelta(days=1)).isoformat())  # the demo still may
    assert one_step == [today, today + dt.timedelta(days=1)]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_on_postgresql_the_second_exits_naming_the_first(monkeypatch):
    """A close runs in this process (held inside its step); `manage.py cob` started in
    another process meanwhile exits with status 1 naming this process, and changes
    nothing; the first close finishes."""
    import os
    import sys
    import threading

    from django.conf import settings

    started, release, outcome = threading.Event(), threading.Event(), {}
    monkeypatch.setattr(registry, "_STEPS", {})

    def held(*, on):
        started.set()
        assert release.wait(timeout=120)
        return 1

    registry.close_step(name="test.held", order=1)(held)

    def first_close():
        try:
            outcome["runs"] = close_run(on=clock.business_date(), source="command")
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcome["error"] = error
        finally:
            connection.close()

    first = threading.Thread(target=first_close)
    first.start()
    try:
        assert started.wait(timeout=60)
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        second = subprocess.run(  # noqa: S603 (our own interpreter and command)
            [sys.executable, "manage.py", "cob", "--date", clock.business_date().isoformat()],
            env={**os.environ, "DATABASE_URL": url}, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
        )
    finally:
        release.set()
        first.join(timeout=120)
    assert second.returncode == 1, second.stderr
    since = timezone.localtime(CloseRun.objects.get().started_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{socket.gethostname()}:{os.getpid()}" in second.stderr and since in second.stderr and "[close_running]" in second.stderr
    assert "error" not in outcome and StepRun.objects.get(step="test.held").status == "done"
    assert list(CloseRun.objects.values_list("status", flat=True)) == ["done"]
