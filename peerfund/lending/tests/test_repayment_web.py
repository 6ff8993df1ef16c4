"""Repaying through My loans and the API; investors see their receivables' states;
another user gets a 404."""
import json

from peerfund.core.money import format_fen
from peerfund.lending.models import RepaymentInstalment
from peerfund.tests_support.people import TRADE_PASSWORD


def test_the_borrower_repays_from_my_loans_and_sees_the_plan_update(disbursed_loan, client, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    client.force_login(loan.borrower)
    page = client.get("/loans/my-loans/")
    assert page.status_code == 200 and b'data-testid="repay-form"' in page.content
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    prefix = f"loan{loan.pk}"
    wrong = client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-amount": "999999", f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k1"})
    assert wrong.status_code == 400 and format_fen(first.owed_fen).encode() in wrong.content  # "only … is due now"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k2"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.status == "paid"
    assert client.post(f"/loans/my-loans/{loan.pk}/repay/", {}).status_code == 400  # no trade password
    client.force_login(loan.investments.first().investor)
    assert client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k3"}).status_code == 404


def test_the_api_repays_and_shows_plans_and_receivables(disbursed_loan, api_client_for, investor, other_user, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    borrower = api_client_for(loan.borrower)
    mine = borrower.get("/api/v1/loans/mine").json()
    assert mine[0]["id"] == loan.pk and mine[0]["due_now_fen"] == mine[0]["instalments"][0]["owed_fen"] > 0
    body = json.dumps({"trade_password": TRADE_PASSWORD, "amount_fen": mine[0]["due_now_fen"] + 1})
    refused = borrower.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a")
    assert refused.status_code == 400 and refused.json()["code"] == "repay.above_due"
    body = json.dumps({"trade_password": TRADE_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        paid = borrower.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b")
    assert paid.status_code == 201 and paid.json()["amount_fen"] == mine[0]["due_now_fen"]
    assert borrower.get("/api/v1/loans/mine").json()[0]["instalments"][0]["status"] == "paid"
    receivables = api_client_for(investor).get("/api/v1/loans/investments/mine").json()[0]["receivables"]
    assert receivables[0]["status"] == "received" and receivables[0]["received_fen"] == receivables[0]["principal_fen"] + receivables[0]["interest_fen"]
    assert receivables[1]["status"] == "due"
    stranger = api_client_for(other_user)
    assert stranger.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c").status_code == 404
    assert stranger.get("/api/v1/loans/mine").json() == []
