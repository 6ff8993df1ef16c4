"""Racing threads for PostgreSQL concurrency tests."""
import threading

from django.db import connections


def start_together(work, items) -> list:
    """Run `work(item)` for every item in its own thread, all released at once by a
    barrier; returns the unexpected exceptions (the test asserts there are none).
    Each thread closes its database connections when done."""
    errors, barrier = [], threading.Barrier(len(items))

    def run(item):
        try:
            barrier.wait()
            work(item)
        except BaseException as exc:  # noqa: BLE001 - anything unexpected fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
