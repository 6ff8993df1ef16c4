"""The steps of the daily close (日终批处理), registered by the apps that own them.

A step is a function of the business date. A chunked step also names the items it
works on (loan ids, in a fixed order); the close splits them into chunks and records
each chunk's completion in the same transaction as its work, so a crash resumes at
the first unfinished chunk. Every step must be idempotent per business date anyway:
a chunk interrupted before its record commits is run again.
"""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    order: int
    run: Callable[..., object]  # run(on=date) or, chunked, run(on=date, ids=[...])
    items: Callable[[dt.date], list[int]] | None = None
    description: str = ""

    @property
    def chunked(self) -> bool:
        return self.items is not None


_STEPS: dict[str, Step] = {}


def close_step(*, name: str, order: int, items: Callable[[dt.date], list[int]] | None = None, description: str = ""):
    """Register the decorated function as a step of the daily close."""

    def register(run):
        _STEPS[name] = Step(name=name, order=order, run=run, items=items, description=description)
        return run

    return register


def steps() -> list[Step]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


def step(name: str) -> Step:
    return _STEPS[name]
