"""What staff read about the daily close: each recent business date, its steps and
how far their chunks got, and the ledger checks."""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from peerfund.cob.models import ChunkDone, StepRun
from peerfund.cob.registry import steps


@dataclass(frozen=True)
class StepState:
    name: str
    description: str
    status: str  # done, running, failed, or "" for not started
    chunks_done: int
    chunks: int
    count: int | None
    error: str
    seconds: float | None  # how long its last run took, once done


@dataclass(frozen=True)
class CloseDay:
    business_date: dt.date
    steps: list[StepState]

    @property
    def status(self) -> str:
        states = {s.status for s in self.steps}
        return "failed" if "failed" in states else "done" if states == {"done"} else "running"


def close_days(*, limit: int = 14) -> list[CloseDay]:
    """The latest business dates the close has started, newest first: three queries."""
    dates = list(StepRun.objects.order_by("-business_date").values_list("business_date", flat=True).distinct()[:limit])
    runs = {(r.business_date, r.step): r for r in StepRun.objects.filter(business_date__in=dates)}
    done = defaultdict(int)
    for run_id, chunks in ChunkDone.objects.filter(step_run__in=[r.pk for r in runs.values()]).values_list("step_run").annotate(n=Count("id")):
        done[run_id] = chunks
    days = []
    for day in dates:
        states = []
        for registered in steps():
            run = runs.get((day, registered.name))
            states.append(StepState(
                name=registered.name, description=registered.description, status=run.status if run else "",
                chunks_done=done[run.pk] if run else 0, chunks=len(run.plan) if run else 0,
                count=(run.result or {}).get("count") if run else None, error=(run.error.strip().splitlines() or [""])[-1] if run else "",
                seconds=(run.finished_at - run.started_at).total_seconds() if run and run.finished_at else None,
            ))
        days.append(CloseDay(day, states))
    return days
