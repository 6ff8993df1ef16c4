"""The sandbox bank's HTTP face: the endpoints a real custodian would expose.
Requests and replies are JSON signed with HMAC-SHA256 (custody.signing)."""
import datetime as dt
import json
from dataclasses import asdict

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peerfund.custody import signing
from peerfund.custody.gateway import MONEY_OPS, CustodianUnavailable
from peerfund.sandbox.bank import SandboxBank

REPLY_OPS = {*MONEY_OPS, "open_account", "query_request", "authorise"}


def _signed(data) -> HttpResponse:
    body = json.dumps(data, sort_keys=True).encode()
    response = HttpResponse(body, content_type="application/json")
    response[signing.HEADER] = signing.sign(body)
    return response


@csrf_exempt
@require_POST
def bank_api(request, op: str):
    if not signing.verify(request.body, request.headers.get(signing.HEADER, "")):
        return JsonResponse({"error": "bad signature"}, status=403)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    bank = SandboxBank()
    try:
        if op in REPLY_OPS:
            return _signed(asdict(getattr(bank, op)(**payload)))
        if op == "query_account":
            return _signed(bank.query_account(**payload))
        if op == "daily_statement":
            return _signed(bank.daily_statement(business_date=dt.date.fromisoformat(payload["business_date"])))
    except CustodianUnavailable:
        return JsonResponse({"error": "timeout"}, status=504)
    except (TypeError, KeyError, ValueError):
        return JsonResponse({"error": "malformed request"}, status=400)
    return JsonResponse({"error": f"unknown operation {op}"}, status=404)


def pay(request):
    """The sandbox payment channel's page (快捷支付): shows the signed order, and on
    "pay" sends the platform a signed paid notice, then returns the user."""
    from django.shortcuts import redirect, render
    from django.urls import reverse

    from peerfund.funds.payment import BadNotice, payment_link_verify, payment_notice_receive

    try:
        fields = payment_link_verify(request.GET)
    except BadNotice:
        return JsonResponse({"error": "bad signature"}, status=403)
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            body = json.dumps({**fields, "amount_fen": int(fields["amount_fen"]), "status": "paid"}, sort_keys=True).encode()
            payment_notice_receive(body=body, signature=signing.sign(body))
        return redirect(reverse("funds:deposit_result", args=[fields["order_no"]]))
    return render(request, "sandbox/pay.html", {"order_no": fields["order_no"], "amount_fen": int(fields["amount_fen"])})
