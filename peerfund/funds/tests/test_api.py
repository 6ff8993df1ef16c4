"""The REST API walks the same journey as the pages; another user's objects are 404;
money calls need an Idempotency-Key and replay it."""
import json

import pytest
from django.test import Client

from peerfund.core import clock
from peerfund.funds.models import DepositOrder
from peerfund.tests_support.people import TRADE_PASSWORD, card_number


def _json(client, method, url, body=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json", **headers)


@pytest.mark.django_db(transaction=True)  # real commits: the outbox sends before each reply
def test_onboarding_and_money_through_the_api(make_user, platform, api_client_for, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    user = make_user(username="apiuser", display_name="")
    client = api_client_for(user)
    assert client.get("/api/v1/me").json()["verified"] is False

    bad = _json(client, "post", "/api/v1/me/verification", {"real_name": "李娜", "id_number": "110101199003071234"})
    assert bad.status_code == 400 and bad.json()["code"] == "identity.id_invalid"
    assert _json(client, "post", "/api/v1/me/verification", {"real_name": "李娜", "id_number": "110101199003071233"}).status_code == 201
    card = _json(client, "post", "/api/v1/me/cards", {"card_number": card_number(serial=77), "holder_name": "李娜"})
    assert card.status_code == 201 and card.json()["bank_name"] == "工商银行"
    assert _json(client, "put", "/api/v1/me/trade-password", {"new": TRADE_PASSWORD}).status_code == 204
    questions = client.get("/api/v1/me/risk/questions").json()
    risk = _json(client, "post", "/api/v1/me/risk", {"answers": {q["key"]: 1 for q in questions}})
    assert risk.status_code == 201 and risk.json()["level"] == "C2"

    order = _json(client, "post", "/api/v1/funds/deposits", {"amount_fen": 1_000_000}, key="dep-1").json()
    assert order["status"] == "awaiting_payment" and order["pay_url"].startswith("http://testserver/sandbox/pay/?")
    browser = Client()
    browser.force_login(user)
    paid = browser.post(order["pay_url"].removeprefix("http://testserver"), {"action": "pay"})
    assert paid.status_code == 302
    assert client.get(f"/api/v1/funds/deposits/{order['order_no']}").json()["status"] == "succeeded"

    body = {"amount_fen": 100_000, "card_id": card.json()["id"], "trade_password": TRADE_PASSWORD}
    created = _json(client, "post", "/api/v1/funds/withdrawals", body, key="wd-1")
    assert created.status_code == 201 and created.json()["status"] == "succeeded"
    replay = _json(client, "post", "/api/v1/funds/withdrawals", body, key="wd-1")
    assert replay.json() == created.json() and replay["Idempotent-Replayed"] == "true"
    conflict = _json(client, "post", "/api/v1/funds/withdrawals", {**body, "amount_fen": 200_000}, key="wd-1")
    assert conflict.status_code == 409

    overview = client.get("/api/v1/funds/overview").json()
    assert overview["available_fen"] == 900_000
    assert overview["net_return"] is None and overview["xirr_realised"] is None  # no holdings: no figure, never a degenerate one
    kinds = [row["entry_kind"] for row in client.get("/api/v1/funds/history").json()]
    assert kinds == ["withdrawal", "deposit"]
    assert [row["entry_kind"] for row in client.get("/api/v1/funds/history", {"kind": "deposit"}).json()] == ["deposit"]
    profile = client.get("/api/v1/me").json()
    assert profile["verified_id_masked"] == "110101********1233" and profile["risk_level"] == "C2"
    assert profile["unread_messages"] >= 3
    assert _json(client, "post", "/api/v1/me/messages/read", {}).json()["marked"] >= 3


def test_withdrawal_rule_breach_is_a_400_naming_the_rule(investor, api_client_for):
    body = {"amount_fen": 50, "card_id": investor.card.pk, "trade_password": TRADE_PASSWORD}
    response = _json(api_client_for(investor), "post", "/api/v1/funds/withdrawals", body, key="tiny")
    assert response.status_code == 400
    assert response.json()["code"] == "withdraw.below_minimum" and response.json()["extra"]["min_fen"] == 10_000


def test_another_users_objects_are_404(investor, other_investor, api_client_for, django_capture_on_commit_callbacks):
    mine = api_client_for(investor)
    order = _json(mine, "post", "/api/v1/funds/deposits", {"amount_fen": 500}, key="mine").json()
    theirs = api_client_for(other_investor)
    assert theirs.get(f"/api/v1/funds/deposits/{order['order_no']}").status_code == 404
    assert theirs.get("/api/v1/funds/deposits").json() == []
    assert _json(theirs, "post", f"/api/v1/me/cards/{investor.card.pk}/default").status_code == 404
    assert theirs.delete(f"/api/v1/me/cards/{investor.card.pk}").status_code == 404
    body = {"amount_fen": 100_000, "card_id": investor.card.pk, "trade_password": TRADE_PASSWORD}
    assert _json(theirs, "post", "/api/v1/funds/withdrawals", body, key="steal").status_code == 404
    assert [c["id"] for c in theirs.get("/api/v1/me/cards").json()] == [other_investor.card.pk]
    assert DepositOrder.objects.filter(user=other_investor).count() == 0


def test_another_users_withdrawal_is_404(investor, other_investor, api_client_for, django_capture_on_commit_callbacks, settings):
    from peerfund.funds.services.withdrawals import withdrawal_request
    from peerfund.tests_support.money import pay_deposit

    settings.PEERFUND_COOLING_OFF_DAYS = 0
    pay_deposit(investor, 1_000_000, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        w = withdrawal_request(user=investor, amount_fen=100_000, card_id=investor.card.pk, trade_password=TRADE_PASSWORD, key="k")
    assert api_client_for(investor).get(f"/api/v1/funds/withdrawals/{w.pk}").status_code == 200
    assert api_client_for(other_investor).get(f"/api/v1/funds/withdrawals/{w.pk}").status_code == 404
    assert clock.business_date()
