"""The bank's callback endpoint and the staff reconciliation page."""
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.custody import signing
from peerfund.custody.callbacks import BadSignature, callback_receive
from peerfund.custody.selectors import latest_reports


@csrf_exempt
@require_POST
def bank_callback(request):
    try:
        outcome = callback_receive(body=request.body, signature=request.headers.get(signing.HEADER, ""))
    except BadSignature:
        return JsonResponse({"error": "bad signature"}, status=403)
    except (ValueError, KeyError):
        return JsonResponse({"error": "malformed callback"}, status=400)
    return JsonResponse({"status": outcome})


@staff_permission_required("view_reconciliation")
def reconciliation_reports(request):
    return render(request, "custody/reconciliation.html", {"reports": latest_reports()})
