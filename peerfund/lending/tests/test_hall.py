"""Investment hall and loan pages, the bid form and the bidding API."""
import json
from decimal import Decimal

import pytest

from peerfund.lending.models import Bid
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


@pytest.fixture
def market(make_user, list_loan, product):
    borrower = make_user(username="borrower", display_name="刘洋")
    loans = [
        list_loan(borrower, amount_fen=1_000_000, annual_rate=Decimal("0.0800"), months=6, grade="A", title="A loan"),
        list_loan(borrower, amount_fen=2_000_000, annual_rate=Decimal("0.1200"), months=12, grade="C", title="C loan"),
        list_loan(borrower, amount_fen=500_000, annual_rate=Decimal("0.1050"), months=3, grade="B", title="B loan", left_fen=100_000),
    ]
    return loans


def test_hall_filters_sorts_and_paginates(client, market):
    html = client.get("/loans/").content.decode()
    assert all(title in html for title in ("A loan", "B loan", "C loan")) and "10.50%" in html
    only_b_and_c = client.get("/loans/", {"rate_min": "10"}).content.decode()
    assert "A loan" not in only_b_and_c and "B loan" in only_b_and_c
    by_rate = client.get("/loans/", {"sort": "rate"}).content.decode()
    assert by_rate.index("C loan") < by_rate.index("B loan") < by_rate.index("A loan")
    grades = client.get("/loans/", {"grades": ["A", "B"]}).content.decode()
    assert "C loan" not in grades
    enough_left = client.get("/loans/", {"left_min": "2,000"}).content.decode()
    assert "B loan" not in enough_left and "A loan" in enough_left


def test_hall_api(client, market):
    body = client.get("/api/v1/loans", {"sort": "rate"}).json()
    assert body["count"] == 3 and [r["title"] for r in body["results"]] == ["C loan", "B loan", "A loan"]
    assert client.get("/api/v1/loans", {"grade": "A,B", "months_max": 3}).json()["count"] == 1
    detail = client.get(f"/api/v1/loans/{market[0].pk}").json()
    assert detail["borrower"] == "刘*" and len(detail["schedule"]) == 6
    assert sum(i["principal_fen"] for i in detail["schedule"]) == 1_000_000


def test_loan_page_shows_masked_borrower_plan_and_warning(client, market):
    html = client.get(f"/loans/{market[0].pk}/").content.decode()
    assert "刘*" in html and "刘洋" not in html
    assert 'data-testid="schedule"' in html and html.count("<tr><td>") >= 6
    assert 'class="alert alert-warning small"' in html  # the risk warning


def test_bid_from_the_loan_page(client, investor, market, django_capture_on_commit_callbacks):
    pay_deposit(investor, 300_000, django_capture_on_commit_callbacks)
    client.force_login(investor)
    page = client.post(f"/loans/{market[0].pk}/", {"amount": "150", "trade_password": TRADE_PASSWORD, "key": "k1"}).content.decode()
    assert 'data-testid="amount-error"' in page  # off-step
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/loans/{market[0].pk}/", {"amount": "200", "trade_password": TRADE_PASSWORD, "key": "k2"})
    assert done.status_code == 302
    assert Bid.objects.get().amount_fen == 20_000
    from peerfund.core.masking import mask_name

    assert mask_name(investor.display_name) in client.get(f"/loans/{market[0].pk}/").content.decode()
    assert "A loan" in client.get("/loans/my-bids/").content.decode()


def test_bid_api_is_idempotent_and_names_the_rule(investor, other_investor, market, api_client_for, django_capture_on_commit_callbacks):
    pay_deposit(investor, 300_000, django_capture_on_commit_callbacks)
    client = api_client_for(investor)
    url = f"/api/v1/loans/{market[0].pk}/bids"
    body = json.dumps({"amount_fen": 10_000, "trade_password": TRADE_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b1")
        again = client.post(url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b1")
    assert first.status_code == 201 and again.json() == first.json()
    assert Bid.objects.count() == 1
    over = client.post(f"/api/v1/loans/{market[2].pk}/bids", data=json.dumps({"amount_fen": 200_000, "trade_password": TRADE_PASSWORD}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="b2")
    assert over.status_code == 400 and over.json()["code"] == "bid.above_left" and over.json()["extra"]["left_fen"] == 100_000
    assert [b["loan_id"] for b in client.get("/api/v1/loans/bids/mine").json()] == [market[0].pk]
    assert api_client_for(other_investor).get("/api/v1/loans/bids/mine").json() == []
