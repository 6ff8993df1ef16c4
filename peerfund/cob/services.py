"""Running the daily close for a business date: every registered step in order, each
once per date. Chunked steps record each chunk as it finishes (in the chunk's own
transaction), so a run that crashed resumes at the first unfinished chunk; with
`fan_out`, the chunks are handed to the huey consumers and the close waits for them.
"""
import bisect
import datetime as dt
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, transaction

from peerfund.cob.models import ChunkDone, StepRun
from peerfund.cob.registry import Step, step, steps
from peerfund.core import clock

logger = logging.getLogger(__name__)

Progress = Callable[[Step, int, int], None]  # (step, chunks done, chunks in all)


def _count(result) -> int:
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def _plan(items: list[int], size: int) -> list[list[int]]:
    return [[items[i], items[min(i + size, len(items)) - 1]] for i in range(0, len(items), size)]


def _chunk_items(items: list[int], bounds: list[int]) -> list[int]:
    first, last = bounds
    return items[bisect.bisect_left(items, first):bisect.bisect_right(items, last)]


# A chunk that loses a lock race (PostgreSQL aborts one side of a deadlock, or a
# serializable conflict) is simply run again: its transaction left nothing behind.
CHUNK_ATTEMPTS = 3
_TRANSIENT = ("deadlock detected", "could not serialize access")


def _transient(error: OperationalError) -> bool:
    return any(text in str(error) for text in _TRANSIENT)


def chunk_run(*, on: dt.date, step_name: str, number: int, items: list[int] | None = None) -> int:
    """Run one chunk of a step and record it, in one transaction; a recorded chunk is
    not run again, and one that lost a lock race is retried. `items` is the step's
    sorted item list when the caller has it (a consumer taking one chunk reads it
    itself). Call outside any transaction. Returns what the step counted."""
    current = step(step_name)
    run = StepRun.objects.get(business_date=on, step=step_name)
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                if ChunkDone.objects.filter(step_run=run, number=number).exists():
                    return 0
                ids = _chunk_items(items if items is not None else sorted(current.items(on)), run.plan[number])
                counted = _count(current.run(on=on, ids=ids))
                ChunkDone.objects.create(step_run=run, number=number, items=len(ids), worker=f"{socket.gethostname()}:{os.getpid()}")
            return counted
        except OperationalError as error:
            if attempt == CHUNK_ATTEMPTS or not _transient(error):
                raise
            logger.warning("chunk %s of %s for %s lost a lock race (%s); running it again", number, step_name, on, error)
            time.sleep(0.1 * attempt)
            attempt += 1


def _run_chunks(current: Step, run: StepRun, on: dt.date, items: list[int], progress: Progress | None, fan_out: bool) -> int:
    done = set(run.chunks.values_list("number", flat=True))
    todo = [n for n in range(len(run.plan)) if n not in done]
    if fan_out and todo:
        from peerfund.cob.tasks import cob_chunk

        for number in todo:
            cob_chunk(on.isoformat(), current.name, number)
        while (finished := run.chunks.count()) < len(run.plan):
            if progress:
                progress(current, finished, len(run.plan))
            run.refresh_from_db(fields=["status"])
            if run.status == StepRun.Status.FAILED:
                raise RuntimeError(f"a chunk of {current.name} failed on a worker: see the step's error")
            time.sleep(0.2)
        return 0
    counted = 0
    for number in todo:
        counted += chunk_run(on=on, step_name=current.name, number=number, items=items)
        done.add(number)
        if progress:
            progress(current, len(done), len(run.plan))
    return counted


def close_run(*, on: dt.date, progress: Progress | None = None, fan_out: bool = False) -> list[StepRun]:
    """Close business date `on`: run every step not yet done for it. Safe to run again;
    a failed step raises, and the next run resumes it."""
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
            with transaction.atomic():
                counted = _count(current.run(on=on))
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


def close_until(*, until: dt.date, start: dt.date, progress: Progress | None = None, on_day: Callable[[dt.date], None] | None = None) -> int:
    """Close every date from `start` to `until`, moving the platform clock to the
    morning after each one first (the close runs just after a day ends), as the demo
    does to build months of history. Returns the number of dates closed."""
    day, closed = start, 0
    while day <= until:
        clock.travel_to(day + dt.timedelta(days=1))
        if on_day:
            on_day(day)
        close_run(on=day, progress=progress)
        day += dt.timedelta(days=1)
        closed += 1
    return closed
