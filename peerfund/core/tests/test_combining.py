"""Flat combining: every request gets its own answer, requests that queue behind a
running batch are run together, and a failure reaches exactly the callers it concerns."""
import threading
import time

import pytest

from peerfund.core.combining import Combiner


def _crowd(count: int, work) -> list:
    results, barrier = [None] * count, threading.Barrier(count)

    def run(index):
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 (the test looks at it)
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a caller was never answered"
    return results


def test_each_caller_gets_the_answer_to_its_own_request_and_waiting_requests_share_batches():
    sizes = []

    def run_batch(requests):
        sizes.append(len(requests))
        time.sleep(0.01)  # a batch takes a while, so others queue meanwhile
        return [request * 10 for request in requests]

    combiner = Combiner(run_batch)
    results = _crowd(40, lambda i: [combiner.submit("loan-1", i * 100 + n) for n in range(5)])
    assert results == [[(i * 100 + n) * 10 for n in range(5)] for i in range(40)]
    assert sum(sizes) == 200
    assert max(sizes) > 1 and len(sizes) < 200


def test_a_refusal_in_a_batch_reaches_only_its_caller():
    combiner = Combiner(lambda requests: [ValueError(f"odd {r}") if r % 2 else r for r in requests])
    results = _crowd(20, lambda i: combiner.submit("k", i))
    for i, result in enumerate(results):
        if i % 2:
            assert isinstance(result, ValueError) and str(result) == f"odd {i}"
        else:
            assert result == i


def test_a_failing_batch_fails_every_caller_in_it_and_the_next_batch_runs():
    calls = []

    def run_batch(requests):
        calls.append(list(requests))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return list(requests)

    combiner = Combiner(run_batch)
    with pytest.raises(RuntimeError, match="went away"):
        combiner.submit("k", 1)
    assert combiner.submit("k", 2) == 2


def test_keys_are_independent():
    seen = []

    def run_batch(requests):
        seen.append({request[0] for request in requests})
        return [request[1] for request in requests]

    combiner = Combiner(run_batch)
    results = _crowd(30, lambda i: combiner.submit(i % 3, (i % 3, i)))
    assert results == list(range(30))
    assert all(len(keys) == 1 for keys in seen)  # a batch never mixes two loans
