"""Flat combining: many threads hand their requests for one hot object to whichever
of them holds the object's lock, and that thread runs them as one batch.

Why: when 64 bidders race for one loan, doing each bid as its own transaction makes
the loan's row (and one interpreter) the bottleneck; a batch costs about as much as a
single request, so throughput grows with contention instead of collapsing under it.
Nobody waits for a timer: a request runs as soon as the lock is free, alone if
nobody else is waiting, or together with everything that queued meanwhile.

`run_batch(requests) -> results` must return one result per request, in order; a
result that is an exception is raised in the thread that asked. An exception from
`run_batch` itself is raised in every thread of that batch.
"""
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

_UNSET = object()


class _Ticket:
    __slots__ = ("request", "result", "wake")

    def __init__(self, request):
        self.request = request
        self.result: Any = _UNSET
        self.wake = threading.Event()


class _Lane:
    def __init__(self):
        self.mutex = threading.Lock()  # guards `waiting`
        self.leader = threading.Lock()  # held by the thread running a batch
        self.waiting: list[_Ticket] = []


class Combiner:
    def __init__(self, run_batch: Callable[[Sequence[Any]], Sequence[Any]], *, max_batch: int = 256):
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._lanes: dict[Hashable, _Lane] = {}
        self._lanes_mutex = threading.Lock()

    def _lane(self, key: Hashable) -> _Lane:
        with self._lanes_mutex:
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = _Lane()
            return lane

    def submit(self, key: Hashable, request) -> Any:
        """Run `request` in a batch with whatever else is queued for `key`; its result."""
        lane = self._lane(key)
        ticket = _Ticket(request)
        with lane.mutex:
            lane.waiting.append(ticket)
        while ticket.result is _UNSET:
            if lane.leader.acquire(blocking=False):
                try:
                    while ticket.result is _UNSET:
                        self._run_one_batch(lane)
                finally:
                    lane.leader.release()
                    self._hand_over(lane)
            else:
                ticket.wake.wait()
                ticket.wake.clear()
        if isinstance(ticket.result, BaseException):
            raise ticket.result
        return ticket.result

    def _run_one_batch(self, lane: _Lane) -> None:
        with lane.mutex:
            batch, lane.waiting = lane.waiting[: self._max_batch], lane.waiting[self._max_batch :]
        try:
            results = self._run_batch([ticket.request for ticket in batch])
            if len(results) != len(batch):
                raise RuntimeError("run_batch must return one result per request")
        except Exception as error:  # noqa: BLE001 (delivered to every caller of the batch)
            results = [error] * len(batch)
        for ticket, result in zip(batch, results, strict=True):
            ticket.result = result
            ticket.wake.set()

    @staticmethod
    def _hand_over(lane: _Lane) -> None:
        # Requests that queued after our last batch would wait forever: wake the
        # first so it takes the lock and runs them.
        with lane.mutex:
            if lane.waiting:
                lane.waiting[0].wake.set()
