"""The sandbox bank's HTTP face: the endpoints a real custodian would expose.
Requests and replies are JSON signed with HMAC-SHA256 (custody.signing)."""
import datetime as dt
import json
from dataclasses import asdict

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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


@login_required
def pay(request):
    """The sandbox payment channel's page (快捷支付): shows the signed order, and on
    "pay" sends the platform a signed paid notice, then returns the user.

    Sandbox only (never installed or routed in production, peerfund.web.checks). It
    signs with the platform's own secret, so it signs only for the logged-in user's
    own order still awaiting payment: anyone else's order, or a link without a valid
    signature, is refused. (The platform's funds app is imported here, not at the top,
    so the bank alone can run as its own server: config/settings_sandbox_bank.py.)"""
    from peerfund.funds.models import DepositOrder
    from peerfund.funds.payment import BadNotice, payment_link_verify, payment_notice_receive

    try:
        fields = payment_link_verify(request.GET)
    except BadNotice:
        return JsonResponse({"error": "bad signature"}, status=403)
    order = DepositOrder.objects.filter(order_no=fields["order_no"], user=request.user).first()
    if order is None:
        raise Http404("no such order of yours")
    result = redirect(reverse("funds:deposit_result", args=[order.order_no]))
    if order.status != DepositOrder.Status.AWAITING_PAYMENT:
        return result
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            body = json.dumps({**fields, "amount_fen": order.amount_fen, "status": "paid"}, sort_keys=True).encode()
            payment_notice_receive(body=body, signature=signing.sign(body))
        return result
    return render(request, "sandbox/pay.html", {"order_no": order.order_no, "amount_fen": order.amount_fen})
