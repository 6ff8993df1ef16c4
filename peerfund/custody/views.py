"""The bank's callback endpoint and the staff reconciliation page."""
import logging

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.custody import signing
from peerfund.custody.callbacks import MAX_CALLBACK_BYTES, BadSignature, CallbackTooLarge, MalformedCallback, callback_receive
from peerfund.custody.selectors import latest_reports

logger = logging.getLogger("peerfund.custody")


@csrf_exempt
@require_POST
def bank_callback(request):
    """403 for an unsigned or forged callback (nothing stored), 413 for an oversized
    body, 400 for a signed body that is not a callback."""
    try:
        outcome = callback_receive(body=request.body, signature=request.headers.get(signing.HEADER, ""))
    except CallbackTooLarge:
        return JsonResponse({"error": "callback too large", "max_bytes": MAX_CALLBACK_BYTES}, status=413)
    except BadSignature:
        logger.warning("custody callback refused: bad signature from %s (%s bytes)", request.META.get("REMOTE_ADDR"), len(request.body))
        return JsonResponse({"error": "bad signature"}, status=403)
    except (MalformedCallback, ValueError, KeyError):
        return JsonResponse({"error": "malformed callback"}, status=400)
    return JsonResponse({"status": outcome})


@staff_permission_required("view_reconciliation")
def reconciliation_reports(request):
    return render(request, "custody/reconciliation.html", {"reports": latest_reports()})
