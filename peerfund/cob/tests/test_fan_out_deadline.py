"""A fanned-out close does not wait for ever: when a chunk's consumer dies with it, the
step fails at the deadline naming that chunk (number and item range), in its error and
in an operator alert, and the next close resumes at it."""
import time

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from peerfund.cob import registry
from peerfund.cob.models import StepRun
from peerfund.cob.services import FanOutDeadlinePassed, chunk_run, close_run
from peerfund.core import clock
from peerfund.core.models import Alert

WAIT_LIMIT = 15  # seconds: far past the 1 s deadline, so a close with none fails the test instead of hanging it


@pytest.fixture
def queue():
    """Tasks go to a queue of their own that no consumer reads."""
    storage, immediate = HUEY.storage, HUEY._immediate
    HUEY._immediate, HUEY.storage = False, MemoryStorage("cob-deadline-test")
    yield HUEY
    HUEY.storage, HUEY._immediate = storage, immediate


@pytest.fixture
def chunked_step(db, monkeypatch):
    ran = []
    monkeypatch.setattr(registry, "_STEPS", {})
    registry.close_step(name="test.fanned", order=1, items=lambda on: [11, 12, 13, 14, 15])(lambda *, on, ids: ran.append(list(ids)) or len(ids))
    return ran


def test_a_chunk_that_never_finishes_fails_the_close_by_the_deadline_naming_it(chunked_step, queue, settings):
    settings.PEERFUND_COB_CHUNK = 2
    settings.PEERFUND_COB_FAN_OUT_DEADLINE_SECONDS = 1
    day = clock.business_date()
    started = time.monotonic()

    def consumers_at_work(step, done, total):
        # Two consumers take their chunks; the one that took chunk 1 died with it.
        for task in queue.pending():
            _on, name, number = task.args
            if number != 1:
                chunk_run(on=day, step_name=name, number=number)
        queue.flush()
        assert time.monotonic() - started < WAIT_LIMIT, "the close kept waiting past its deadline"

    with pytest.raises(FanOutDeadlinePassed) as stuck:
        close_run(on=day, fan_out=True, progress=consumers_at_work)
    assert time.monotonic() - started < WAIT_LIMIT
    assert stuck.value.extra["stuck"] == [{"chunk": 1, "first": 13, "last": 14}]
    assert "test.fanned" in stuck.value.message and "#1 (13–14)" in stuck.value.message
    record = StepRun.objects.get(step="test.fanned")
    assert record.status == "failed" and "#1 (13–14)" in record.error
    alert = Alert.objects.get(kind="cob.fan_out_deadline")
    assert alert.data["stuck"] == [{"chunk": 1, "first": 13, "last": 14}] and "test.fanned" in alert.message
    assert chunked_step == [[11, 12], [15]]

    close_run(on=day)  # run again (in one process): it resumes at the stuck chunk only
    record.refresh_from_db()
    assert record.status == "done" and chunked_step == [[11, 12], [15], [13, 14]]
