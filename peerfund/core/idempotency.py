"""Idempotency-Key handling for money-moving API calls.

The first response to (user, key) is stored and replayed for repeats; the same key
with a different request is refused with 409. Use on a django-ninja operation with
`@decorate_view(idempotent)`. API authentication runs in middleware
(`accounts.middleware`), so the user is known here before the operation runs.

A record without a response is a call in progress; a repeat meanwhile is a 409
(`idempotency.in_progress`, with `Retry-After`). No key stays stuck in that state:

- a call that fails (an unhandled exception, which django-ninja re-raises when DEBUG
  is off, or a 5xx response) releases its record, so the next retry runs afresh; so
  does an answer that asks the client to do something first (`ASKS_FIRST`: accept the
  legal documents in force), so the same call retried after it goes through;
- a record left in progress by a crash (the process killed mid-call) is taken over by
  the first retry once it is older than `PEERFUND_IDEMPOTENCY_STALE_SECONDS`: one
  conditional UPDATE claims it, so of two concurrent retries only one runs the call.
  The claim is the record's `created_at`; a call whose record was taken over from it
  (it ran longer than the stale period) neither stores nor releases it.

Running the call again is safe because the services behind these calls take the key
as their own business key (the bid's, the pledge's, the deposit's...): a repeat finds
what the first run committed and returns it, so money never moves twice and the
client gets the first run's outcome. The daily close purges records older than
`PEERFUND_IDEMPOTENCY_KEEP_DAYS` (`core.close_steps`). See docs/idempotency.md.
"""
import datetime as dt
import functools
import hashlib
import json
import logging
import math

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerfund.core.errors import ApplicationError, Conflict
from peerfund.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 120
# Refusals that are not the call's outcome: the client does what they ask and retries.
ASKS_FIRST = frozenset({"legal.consent_required"})

logger = logging.getLogger(__name__)


def _error(error: ApplicationError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.PEERFUND_IDEMPOTENCY_STALE_SECONDS)


# Ages are measured against real time, as `created_at` is stamped (auto_now_add), not
# against the platform clock the demo moves: a record's age is how long its call has
# really been running.


def record_take_over(record: IdempotencyRecord) -> bool:
    """Claim an in-progress record older than the stale period for this call: one
    conditional UPDATE, true for exactly one of any number of concurrent claimers
    (the winner moves `created_at`, which is also the claim the others compare)."""
    now = timezone.now()
    if record.status_code is not None or record.created_at > now - _stale_after():
        return False
    claimed = IdempotencyRecord.objects.filter(
        pk=record.pk, status_code__isnull=True, created_at=record.created_at, created_at__lte=now - _stale_after()
    ).update(created_at=now)
    if claimed:
        record.created_at = now
    return bool(claimed)


def _mine(record: IdempotencyRecord):
    """The record as long as this call still holds it (nobody took it over)."""
    return IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at, status_code__isnull=True)


def _release(record: IdempotencyRecord) -> None:
    """Forget a call that failed, so the next retry runs it afresh. If even that fails
    (the database is gone), the record goes stale and a retry takes it over."""
    try:
        _mine(record).delete()
    except DatabaseError:
        logger.warning("could not release idempotency record %s; a retry takes it over when stale", record.pk, exc_info=True)


def _in_progress(record: IdempotencyRecord | None) -> JsonResponse:
    age = (timezone.now() - record.created_at).total_seconds() if record is not None else 0
    wait = max(1, math.ceil(settings.PEERFUND_IDEMPOTENCY_STALE_SECONDS - age))
    response = _error(
        Conflict(_("A request with this Idempotency-Key is still in progress."), "idempotency.in_progress", {"retry_after_seconds": wait})
    )
    response["Retry-After"] = str(wait)
    return response


def _claim(request, user, key: str) -> IdempotencyRecord | JsonResponse:
    """The record this call now holds, or the answer for a repeat (a replay or a 409)."""
    request_hash = _request_hash(request)
    stored = None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method, path=request.path[:255], request_hash=request_hash
                )
        except IntegrityError:
            pass
        stored = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if stored is None:
            continue  # released meanwhile by a call that failed: claim it afresh
        if stored.request_hash != request_hash:
            return _error(
                Conflict(_("This Idempotency-Key was already used for a different request."), "idempotency.key_reused", {"key": key})
            )
        if stored.status_code is not None:
            response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
            response["Idempotent-Replayed"] = "true"
            return response
        if record_take_over(stored):
            logger.warning("idempotency record %s (key %r) was stale in progress; this retry takes it over", stored.pk, key)
            return stored
        return _in_progress(stored)
    return _in_progress(stored)  # claimed and released three times over: busy, retry later


def idempotent(run):
    @functools.wraps(run)
    def wrapper(request, **kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return run(request, **kwargs)  # authentication refuses it with 401
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(
                ApplicationError(
                    _("This call moves money and needs an Idempotency-Key header (1-120 characters)."),
                    "idempotency.key_missing",
                )
            )
        record = _claim(request, user, key)
        if not isinstance(record, IdempotencyRecord):
            return record
        request.idempotency_key = key
        try:
            response = run(request, **kwargs)
        except BaseException:
            _release(record)  # no answer was given: let the client's retry run it again
            raise
        body = json.loads(response.content or b"null")
        if response.status_code >= 500 or (isinstance(body, dict) and body.get("code") in ASKS_FIRST):
            _release(record)  # not an outcome (a server fault, or "do this first"): let the client retry
            return response
        _mine(record).update(status_code=response.status_code, response_body=body)
        return response

    return wrapper
