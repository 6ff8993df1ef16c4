"""The single-runner lock of the daily close: two closes never run at once.

On PostgreSQL the lock is a session advisory lock (`pg_try_advisory_lock` on a fixed
key), taken on a connection of its own and held for the whole run, so the server frees
it the moment the holding process dies, however it dies. A `CloseRun` row says who
holds it (host, process, what it closes, since when), for the second run's error.

On SQLite (the embedded demo: one machine, one writer at a time) the `CloseRun` row in
status "running" is the lock itself; a unique constraint allows one such row, taken in
an IMMEDIATE transaction. A row left by a process that died is taken over when its
process id is no longer alive on this host. A row left from another host (a database
file on a shared disk) is never taken over automatically: mark it abandoned in the admin.

The lock is re-entrant within one thread (`close_until` closes day after day under
one lock); the fanned-out chunks run under the lock of the close that waits for them.
"""
import contextlib
import datetime as dt
import os
import socket
import threading
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerfund.cob.models import CloseRun
from peerfund.core.errors import Conflict

# A fixed, arbitrary 64-bit key: "PFCOB" in ASCII.
ADVISORY_KEY = 0x5046434F42

_held = threading.local()


class CloseAlreadyRunning(Conflict):
    """Another process is running the close: `extra` names it."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _busy(run: CloseRun | None, backend: str = "") -> CloseAlreadyRunning:
    if run is None:  # PostgreSQL: the lock is taken but its holder has not written its row yet
        return CloseAlreadyRunning(
            _("Another close is already running (database session %(backend)s). Wait for it to finish.") % {"backend": backend or "?"},
            code="close_running", extra={"holder": backend, "source": "", "dates": "", "since": None},
        )
    since = timezone.localtime(run.started_at)
    return CloseAlreadyRunning(
        _("Another close is already running: %(holder)s (%(source)s, %(dates)s) since %(since)s. Wait for it to finish.")
        % {"holder": run.holder, "source": run.source, "dates": run.dates, "since": since.strftime("%Y-%m-%d %H:%M:%S %Z")},
        code="close_running",
        extra={"holder": run.holder, "source": run.source, "dates": run.dates, "since": since.isoformat(), "close_run": run.pk},
    )


def _alive(holder: str) -> bool:
    """Whether the process named "host:pid" may still be running (SQLite only)."""
    host, _sep, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # cannot tell from here: keep it
    if int(pid) == os.getpid():
        return True  # another thread of this process
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _open_lock_connection():
    """A connection of the lock's own, so nothing the run does to its connections (a
    worker closing old ones, a transaction rolled back) can drop the lock."""
    default = connections[DEFAULT_DB_ALIAS]
    lock_connection = type(default)({**default.settings_dict}, alias=DEFAULT_DB_ALIAS)
    lock_connection.ensure_connection()
    lock_connection.set_autocommit(True)
    return lock_connection


def _acquire_postgresql(record):
    lock_connection = _open_lock_connection()
    try:
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            if not cursor.fetchone()[0]:
                cursor.execute(
                    "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
                    [ADVISORY_KEY],
                )
                row = cursor.fetchone()
                backend = f"pid {row[0]} from {row[1] or 'local'}" if row else ""
                raise _busy(CloseRun.objects.filter(status=CloseRun.Status.RUNNING).first(), backend)
        # We hold the lock: a row still running belongs to a process that died.
        CloseRun.objects.filter(status=CloseRun.Status.RUNNING).update(status=CloseRun.Status.ABANDONED, finished_at=timezone.now())
        return lock_connection, record()
    except BaseException:
        lock_connection.close()  # closing the session frees the lock if we took it
        raise


def _acquire_row(record) -> CloseRun:
    with transaction.atomic():
        for running in CloseRun.objects.select_for_update().filter(status=CloseRun.Status.RUNNING):
            if _alive(running.holder):
                raise _busy(running)
            running.status, running.finished_at = CloseRun.Status.ABANDONED, timezone.now()
            running.save(update_fields=["status", "finished_at"])
        return record()


@contextlib.contextmanager
def close_lock(*, source: str, dates: str) -> Iterator[CloseRun]:
    """Hold the close's single-runner lock for the block, or raise CloseAlreadyRunning
    naming the holder. Re-entrant within a thread."""
    current = getattr(_held, "run", None)
    if current is not None:
        yield current
        return

    def record() -> CloseRun:
        return CloseRun.objects.create(holder=holder_name(), source=source, dates=dates)

    lock_connection = None
    if connection.vendor == "postgresql":
        lock_connection, run = _acquire_postgresql(record)
    else:
        run = _acquire_row(record)
    _held.run = run
    try:
        yield run
    except BaseException as error:
        with contextlib.suppress(DatabaseError):  # the run's own error is the one to report
            CloseRun.objects.filter(pk=run.pk).update(status=CloseRun.Status.FAILED, error=repr(error)[:4000], finished_at=timezone.now())
        raise
    else:
        CloseRun.objects.filter(pk=run.pk).update(status=CloseRun.Status.DONE, finished_at=timezone.now())
    finally:
        _held.run = None
        if lock_connection is not None:
            with contextlib.suppress(Exception):
                with lock_connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
            lock_connection.close()


def close_holder() -> CloseRun | None:
    """The close running now, if any (for the staff page)."""
    return CloseRun.objects.filter(status=CloseRun.Status.RUNNING).first()


def describe_dates(first: dt.date, last: dt.date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
