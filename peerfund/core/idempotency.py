"""Idempotency-Key handling for money-moving API calls.

The first response to (user, key) is stored and replayed for repeats; the same key
with a different request is refused with 409. Use on a django-ninja operation with
`@decorate_view(idempotent)`. API authentication runs in middleware
(`accounts.middleware`), so the user is known here before the operation runs.

The services behind such calls also take the key as their own business key, so even
a call whose response was never stored (a crash mid-way) cannot move money twice.
"""
import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _

from peerfund.core.errors import ApplicationError, Conflict
from peerfund.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 120


def _error(error: ApplicationError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


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
        request_hash = _request_hash(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method, path=request.path[:255], request_hash=request_hash
                )
        except IntegrityError:
            stored = IdempotencyRecord.objects.get(user=user, key=key)
            if stored.request_hash != request_hash:
                return _error(
                    Conflict(
                        _("This Idempotency-Key was already used for a different request."),
                        "idempotency.key_reused",
                        {"key": key},
                    )
                )
            if stored.status_code is None:
                return _error(
                    Conflict(_("A request with this Idempotency-Key is still in progress."), "idempotency.in_progress")
                )
            response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
            response["Idempotent-Replayed"] = "true"
            return response
        request.idempotency_key = key
        response = run(request, **kwargs)
        if response.status_code >= 500:
            record.delete()  # a server fault is not an answer; let the client retry
            return response
        record.status_code = response.status_code
        record.response_body = json.loads(response.content or b"null")
        record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper
