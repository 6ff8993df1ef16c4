"""The payment channel as the platform sees it: a signed link to the channel's
payment page, and the channel's signed "paid" notice coming back. The sandbox
channel (sandbox.views.pay) is what the demo and the tests pay on; a real channel's
page is PEERFUND_PAYMENT_PAGE_URL, which production must set."""
import json
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from peerfund.custody import signing
from peerfund.funds.models import DepositOrder
from peerfund.funds.services.deposits import deposit_order_paid


class BadNotice(Exception):
    pass


def payment_link(order: DepositOrder) -> str:
    fields = {"order_no": order.order_no, "amount_fen": str(order.amount_fen)}
    fields["sign"] = signing.sign(urlencode(sorted(fields.items())).encode())
    page = settings.PEERFUND_PAYMENT_PAGE_URL or reverse("sandbox:pay")
    return page + "?" + urlencode(fields)


def payment_link_verify(params) -> dict[str, str]:
    fields = {"order_no": params.get("order_no", ""), "amount_fen": params.get("amount_fen", "")}
    if not signing.verify(urlencode(sorted(fields.items())).encode(), params.get("sign", "")):
        raise BadNotice("payment link signature does not match")
    return fields


def payment_notice_receive(*, body: bytes, signature: str) -> DepositOrder:
    """The channel's notice that an order was paid (repeats are harmless)."""
    if not signing.verify(body, signature):
        raise BadNotice("payment notice signature does not match")
    data = json.loads(body)
    order = DepositOrder.objects.get(order_no=data["order_no"])
    if int(data["amount_fen"]) != order.amount_fen or data.get("status") != "paid":
        raise BadNotice("payment notice does not match the order")
    return deposit_order_paid(order_no=order.order_no)
