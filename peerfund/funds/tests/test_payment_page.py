"""Where a deposit is paid: the sandbox channel's page in the demo, the configured
channel's page anywhere else (production refuses to start without one)."""
from urllib.parse import parse_qs, urlsplit

from peerfund.funds.payment import payment_link, payment_link_verify
from peerfund.funds.services.deposits import deposit_order_create


def test_a_deposit_links_to_the_configured_payment_page_with_a_signed_order(investor, settings):
    settings.PEERFUND_PAYMENT_PAGE_URL = "https://pay.channel.example/cashier"
    order = deposit_order_create(user=investor, amount_fen=50_000, key="pay-page")
    link = urlsplit(payment_link(order))
    assert (link.scheme, link.netloc, link.path) == ("https", "pay.channel.example", "/cashier")
    params = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert payment_link_verify(params) == {"order_no": order.order_no, "amount_fen": "50000"}


def test_without_a_configured_page_the_demo_pays_on_the_sandbox(investor, settings):
    settings.PEERFUND_PAYMENT_PAGE_URL = ""
    order = deposit_order_create(user=investor, amount_fen=50_000, key="sandbox-page")
    assert payment_link(order).startswith("/sandbox/pay/?order_no=")
