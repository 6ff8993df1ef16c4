"""Funds pages: deposit to the payment page and back, withdraw with field errors."""
import datetime as dt

from peerfund.core import clock
from peerfund.funds.models import DepositOrder, Withdrawal
from peerfund.tests_support.people import TRADE_PASSWORD


def test_deposit_page_goes_to_the_payment_page_and_back(client, investor, django_capture_on_commit_callbacks):
    client.force_login(investor)
    page = client.post("/funds/deposit/", {"amount": "1.234", "key": "k0"}).content.decode()
    assert 'data-testid="amount-error"' in page and not DepositOrder.objects.exists()
    to_pay = client.post("/funds/deposit/", {"amount": "10,000", "key": "k1"})
    assert to_pay.status_code == 302 and to_pay["Location"].startswith("/sandbox/pay/?order_no=")
    assert "¥10,000.00" in client.get(to_pay["Location"]).content.decode()
    forged = to_pay["Location"].replace("amount_fen=1000000", "amount_fen=1")
    assert client.get(forged).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(to_pay["Location"], {"action": "pay"})
    order = DepositOrder.objects.get()
    assert back["Location"] == f"/funds/deposit/{order.order_no}/"
    assert order.status == "succeeded"
    assert "成功" in client.get(back["Location"]).content.decode()


def test_withdraw_page(client, investor, django_capture_on_commit_callbacks):
    from peerfund.tests_support.money import pay_deposit

    clock.travel_to(dt.date(2026, 4, 1))
    pay_deposit(investor, 500_000, django_capture_on_commit_callbacks)
    client.force_login(investor)
    page = client.post("/funds/withdraw/", {"amount": "1000", "card": investor.card.pk, "trade_password": TRADE_PASSWORD, "key": "w0"})
    assert 'data-testid="amount-error"' in page.content.decode()  # cooling-off
    clock.travel_to(dt.date(2026, 4, 5))
    page = client.post("/funds/withdraw/", {"amount": "1000", "card": investor.card.pk, "trade_password": "000000", "key": "w1"})
    assert 'data-testid="trade_password-error"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/funds/withdraw/", {"amount": "1000", "card": investor.card.pk, "trade_password": TRADE_PASSWORD, "key": "w2"})
    assert done.status_code == 302
    assert Withdrawal.objects.get().status == "succeeded"


def test_an_unpaid_deposit_can_be_cancelled_from_its_page_and_the_api(client, investor, api_client_for):
    from peerfund.funds.services.deposits import deposit_order_create

    order = deposit_order_create(user=investor, amount_fen=10_000, key="to-cancel")
    client.force_login(investor)
    assert 'data-testid="cancel-deposit"' in client.get(f"/funds/deposit/{order.order_no}/").content.decode()
    client.post(f"/funds/deposit/{order.order_no}/")
    order.refresh_from_db()
    assert order.status == DepositOrder.Status.CANCELLED
    other = deposit_order_create(user=investor, amount_fen=10_000, key="api-cancel")
    response = api_client_for(investor).post(f"/api/v1/funds/deposits/{other.order_no}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = api_client_for(investor).post(f"/api/v1/funds/deposits/{other.order_no}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "deposit.not_cancellable"
