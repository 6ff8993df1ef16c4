"""Running the daily close for a business date: every registered step in order, each
once per date. Chunked steps record each chunk as it finishes (in the chunk's own
transaction), so a run that crashed resumes at the first unfinished chunk; with
`fan_out`, the chunks are handed to the huey consumers and the close waits for them,
until a deadline. One close runs at a time (`cob.lock`); a date after today's business
date is refused; a step or chunk that loses a lock race is run again.
"""
import bisect
import datetime as dt
import logging
import os
import random
import socket
import sqlite3
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from peerfund.cob.lock import close_lock, describe_dates
from peerfund.cob.models import ChunkDone, StepRun
from peerfund.cob.registry import Step, step, steps
from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.errors import ApplicationError

logger = logging.getLogger(__name__)

Progress = Callable[[Step, int, int], None]  # (step, chunks done, chunks in all)
T = TypeVar("T")


class CloseDateInFuture(ApplicationError):
    """The business date asked for has not begun yet."""


class ClockMoveRefused(ApplicationError):
    """Production never moves the platform clock."""


class FanOutDeadlinePassed(ApplicationError):
    """Fanned-out chunks did not finish in time: `extra["stuck"]` names them."""

    status = 504


def _count(result) -> int:
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def _plan(items: list[int], size: int) -> list[list[int]]:
    return [[items[i], items[min(i + size, len(items)) - 1]] for i in range(0, len(items), size)]


def _chunk_items(items: list[int], bounds: list[int]) -> list[int]:
    first, last = bounds
    return items[bisect.bisect_left(items, first):bisect.bisect_right(items, last)]


# Lock races the database resolves by failing one side, which may simply run again:
# its transaction left nothing behind. Recognised by code, never by message text (the
# server may speak Chinese): PostgreSQL's SQLSTATE (40P01 deadlock_detected, 40001
# serialization_failure) and SQLite's primary result code (5 SQLITE_BUSY, "database is
# locked"; 6 SQLITE_LOCKED).
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
TRANSIENT_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def _transient(error: BaseException) -> bool:
    cause = error.__cause__ if error.__cause__ is not None else error  # Django wraps the driver's error
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate:
        return sqlstate in TRANSIENT_SQLSTATES
    code = getattr(cause, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in TRANSIENT_SQLITE_CODES


def _retrying(what: str, attempt_once: Callable[[], T]) -> T:
    """Run one transaction's worth of work, again after a short, growing, jittered pause
    when it lost a lock race, up to PEERFUND_COB_RETRIES times. Call outside any
    transaction of its own (its transaction must be the one rolled back)."""
    retries = settings.PEERFUND_COB_RETRIES
    attempt = 0
    while True:
        try:
            return attempt_once()
        except DatabaseError as error:
            if attempt >= retries or not _transient(error):
                raise
            attempt += 1
            logger.warning("%s lost a lock race (%s); running it again (retry %s of %s)", what, error, attempt, retries)
            time.sleep(min(0.05 * 2**attempt, 2.0) * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not security)


def chunk_run(*, on: dt.date, step_name: str, number: int, items: list[int] | None = None) -> int:
    """Run one chunk of a step and record it, in one transaction; a recorded chunk is
    not run again, and one that lost a lock race is retried. `items` is the step's
    sorted item list when the caller has it (a consumer taking one chunk reads it
    itself). Call outside any transaction. Returns what the step counted."""
    current = step(step_name)
    run = StepRun.objects.get(business_date=on, step=step_name)

    def attempt() -> int:
        with transaction.atomic():
            if ChunkDone.objects.filter(step_run=run, number=number).exists():
                return 0
            ids = _chunk_items(items if items is not None else sorted(current.items(on)), run.plan[number])
            counted = _count(current.run(on=on, ids=ids))
            ChunkDone.objects.create(step_run=run, number=number, items=len(ids), worker=f"{socket.gethostname()}:{os.getpid()}")
        return counted

    return _retrying(f"chunk {number} of {step_name} for {on}", attempt)


def _run_chunks(current: Step, run: StepRun, on: dt.date, items: list[int], progress: Progress | None, fan_out: bool) -> int:
    done = set(run.chunks.values_list("number", flat=True))
    todo = [n for n in range(len(run.plan)) if n not in done]
    if fan_out and todo:
        from peerfund.cob.tasks import cob_chunk

        deadline = time.monotonic() + settings.PEERFUND_COB_FAN_OUT_DEADLINE_SECONDS
        for number in todo:
            cob_chunk(on.isoformat(), current.name, number)
        while (finished := run.chunks.count()) < len(run.plan):
            if progress:
                progress(current, finished, len(run.plan))
            run.refresh_from_db(fields=["status"])
            if run.status == StepRun.Status.FAILED:
                raise RuntimeError(f"a chunk of {current.name} failed on a worker: see the step's error")
            if time.monotonic() >= deadline:
                _fan_out_stuck(current, run, on)
            time.sleep(0.2)
        return 0
    counted = 0
    for number in todo:
        counted += chunk_run(on=on, step_name=current.name, number=number, items=items)
        done.add(number)
        if progress:
            progress(current, len(done), len(run.plan))
    return counted


def _fan_out_stuck(current: Step, run: StepRun, on: dt.date):
    """Fail the step whose fanned-out chunks missed the deadline, naming each one (its
    number and the first and last item of its range) in the error and an alert."""
    done = set(run.chunks.values_list("number", flat=True))
    stuck = [{"chunk": n, "first": bounds[0], "last": bounds[1]} for n, bounds in enumerate(run.plan) if n not in done]
    seconds = settings.PEERFUND_COB_FAN_OUT_DEADLINE_SECONDS
    named = ", ".join(f"#{s['chunk']} ({s['first']}–{s['last']})" for s in stuck)
    alert_raise(
        kind="cob.fan_out_deadline", ref=f"cob:{on}:{current.name}", data={"step": current.name, "date": on.isoformat(), "stuck": stuck},
        message=f"Close of {on}: step {current.name} waited {seconds} s for fanned-out chunks; not finished: {named}",
    )
    raise FanOutDeadlinePassed(
        _("The close of %(date)s stopped: step %(step)s waited %(seconds)s s for its chunks on the workers, and these never finished: %(chunks)s. "
          "Check the huey consumers, then run the close again; it resumes at these chunks.")
        % {"date": on, "step": current.name, "seconds": seconds, "chunks": named},
        code="close_fan_out_deadline", extra={"step": current.name, "date": on.isoformat(), "seconds": seconds, "stuck": stuck},
    )


def _refuse_future(on: dt.date) -> None:
    today = clock.business_date()
    if on > today:
        raise CloseDateInFuture(
            _("%(date)s cannot be closed yet: today's business date is %(today)s. A close runs after its day has begun.") % {"date": on, "today": today},
            code="close_date_in_future", extra={"date": on.isoformat(), "business_date": today.isoformat()},
        )


def close_run(*, on: dt.date, progress: Progress | None = None, fan_out: bool = False, source: str = "service") -> list[StepRun]:
    """Close business date `on`: run every step not yet done for it. Safe to run again;
    a failed step raises, and the next run resumes it. Raises CloseDateInFuture for a
    date after today's business date and CloseAlreadyRunning while another close runs."""
    _refuse_future(on)
    with close_lock(source=source, dates=describe_dates(on, on)):
        runs = []
        for current in steps():
            run, _created = StepRun.objects.get_or_create(business_date=on, step=current.name)
            if run.status != StepRun.Status.DONE:
                _run_step(current, run, on, progress, fan_out)
            elif progress:
                progress(current, len(run.plan) or 1, len(run.plan) or 1)
            runs.append(run)
        return runs


def _run_step(current: Step, run: StepRun, on: dt.date, progress: Progress | None, fan_out: bool) -> None:
    # Both ends on the platform clock, so a step's duration holds under time travel too.
    run.status, run.error, run.started_at = StepRun.Status.RUNNING, "", clock.now()
    run.save(update_fields=["status", "error", "started_at"])
    try:
        if current.chunked:
            items = sorted(current.items(on))
            if not run.plan and not run.chunks.exists():
                run.plan = _plan(items, settings.PEERFUND_COB_CHUNK)
                run.save(update_fields=["plan"])
            counted = _run_chunks(current, run, on, items, progress, fan_out)
            if progress and not run.plan:
                progress(current, 0, 0)  # nothing to do today
        else:
            def attempt() -> int:
                with transaction.atomic():
                    return _count(current.run(on=on))

            counted = _retrying(f"step {current.name} for {on}", attempt)
            if progress:
                progress(current, 1, 1)
    except Exception:
        StepRun.objects.filter(pk=run.pk).update(status=StepRun.Status.FAILED, error=traceback.format_exc()[-4000:])
        raise
    run.status, run.finished_at, run.result = StepRun.Status.DONE, clock.now(), {"count": counted}
    run.save(update_fields=["status", "finished_at", "result"])


def last_closed() -> dt.date | None:
    """The latest business date every step has finished."""
    names = {s.name for s in steps()}
    for day in StepRun.objects.filter(status=StepRun.Status.DONE).order_by("-business_date").values_list("business_date", flat=True).distinct():
        if set(StepRun.objects.filter(business_date=day, status=StepRun.Status.DONE).values_list("step", flat=True)) >= names:
            return day
    return None


def close_until(
    *, until: dt.date, start: dt.date, progress: Progress | None = None, on_day: Callable[[dt.date], None] | None = None, source: str = "service",
) -> int:
    """Close every date from `start` to `until`, moving the platform clock to the
    morning after each one first (the close runs just after a day ends), as the demo
    does to build months of history. Returns the number of dates closed. Refused in
    production (ClockMoveRefused): there the clock is the real one."""
    if settings.PRODUCTION:
        raise ClockMoveRefused(
            _("Closing up to a date moves the platform clock, which production never does. Close one past date at a time with --date."),
            code="clock_move_refused", extra={"until": until.isoformat()},
        )
    day, closed = start, 0
    with close_lock(source=source, dates=describe_dates(start, until)):
        while day <= until:
            clock.travel_to(day + dt.timedelta(days=1))
            if on_day:
                on_day(day)
            close_run(on=day, progress=progress, source=source)
            day += dt.timedelta(days=1)
            closed += 1
    return closed
