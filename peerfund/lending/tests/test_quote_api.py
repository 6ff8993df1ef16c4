"""The quote a borrower sees before applying: `GET /api/v1/loans/quote` and the htmx
partial of the application form, with the service fee as its own column and the
all-in annual cost."""
from decimal import Decimal

import pytest

from peerfund.lending.cost import loan_all_in_apr
from peerfund.lending.models import LoanProduct
from peerfund.lending.schedules import Method


@pytest.fixture
def salary(db):
    return LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=5_000_000, terms_months=[6, 12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.06"), rate_max=Decimal("0.07"), service_fee_rate=Decimal("0.01"), max_per_investor_fen=500_000,
        penalty_rate_daily=Decimal("0.00010"),
    )


def test_quote_shows_fee_beside_interest_and_the_all_in_cost(client, salary):
    """¥3,000 over 12 months at the product's highest rate, 7 %, with a 1 % fee (¥30,
    ¥2.50 an instalment). numpy-financial's IRR of (−3000, 12 × 262.08) × 12 = 0.08803
    → "0.0880"."""
    response = client.get("/api/v1/loans/quote", {"product": salary.pk, "amount_fen": 300_000, "months": 12})
    assert response.status_code == 200
    body = response.json()
    assert (body["annual_rate"], body["service_fee_rate"], body["all_in_apr"], body["ceiling"], body["above_ceiling"]) == ("0.0700", "0.0100", "0.0880", "0.1200", False)
    rows = body["schedule"]
    assert len(rows) == 12 and {r["fee_fen"] for r in rows} == {250}
    assert all(r["total_fen"] == r["principal_fen"] + r["interest_fen"] + r["fee_fen"] for r in rows)
    assert body["principal_fen"] == 300_000 == sum(r["principal_fen"] for r in rows)
    assert body["fee_fen"] == 3_000 and body["total_fen"] == 300_000 + body["interest_fen"] + 3_000
    assert body["first_payment_fen"] == rows[0]["total_fen"] == 26_208


def test_quote_at_a_rate_in_the_range(client, salary):
    body = client.get("/api/v1/loans/quote", {"product": salary.pk, "amount_fen": 300_000, "months": 12, "annual_rate": "0.06"}).json()
    assert body["annual_rate"] == "0.06" and Decimal(body["all_in_apr"]) < Decimal("0.0880")


@pytest.mark.parametrize(("params", "code"), [
    ({"amount_fen": 99_999, "months": 12}, "quote.amount"),
    ({"amount_fen": 5_000_001, "months": 12}, "quote.amount"),
    ({"amount_fen": 300_000, "months": 3}, "quote.months"),
    ({"amount_fen": 300_000, "months": 12, "annual_rate": "0.08"}, "quote.rate"),
    ({"amount_fen": "abc", "months": 12}, "validation"),
    ({"amount_fen": 300_000, "months": "1.5"}, "validation"),
    ({"months": 12}, "validation"),
])
def test_bad_input_is_a_422_naming_it(client, salary, params, code):
    response = client.get("/api/v1/loans/quote", {"product": salary.pk, **params})
    assert response.status_code == 422 and response.json()["code"] == code


def test_unknown_or_closed_product_is_a_404(client, salary):
    assert client.get("/api/v1/loans/quote", {"product": salary.pk + 1, "amount_fen": 300_000, "months": 12}).status_code == 404
    LoanProduct.objects.filter(pk=salary.pk).update(enabled=False)
    assert client.get("/api/v1/loans/quote", {"product": salary.pk, "amount_fen": 300_000, "months": 12}).status_code == 404


def test_logged_in_users_get_the_same_quote(api_client_for, make_user, salary):
    client = api_client_for(make_user(username="borrower"))
    assert client.get("/api/v1/loans/quote", {"product": salary.pk, "amount_fen": 300_000, "months": 12}).json()["all_in_apr"] == "0.0880"


def test_quote_partial_for_the_application_form(client, salary):
    page = client.get("/loans/quote/", {"product": salary.pk, "amount": "3,000", "months": "12"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="quote-schedule"' in html
    assert "8.80%" in html and "¥262.08" in html and "¥2.50" in html and "¥30.00" in html and "12.00%" in html


@pytest.mark.parametrize("params", [{}, {"product": "x", "amount": "3000", "months": "12"}, {"product": "1", "amount": "abc", "months": "12"}])
def test_quote_partial_gives_a_hint_until_it_can_quote(client, salary, params):
    page = client.get("/loans/quote/", params)
    assert page.status_code == 200 and 'data-testid="quote-hint"' in page.content.decode()


def test_quote_partial_names_what_the_product_does_not_offer(client, salary):
    html = client.get("/loans/quote/", {"product": salary.pk, "amount": "3000", "months": "3"}).content.decode()
    assert 'data-testid="quote-hint"' in html and "6, 12" in html


def test_loan_detail_api_has_the_all_in_cost(client, list_loan, make_user):
    loan = list_loan(make_user(username="borrower"), annual_rate=Decimal("0.07"), service_fee_rate=Decimal("0.01"))
    detail = client.get(f"/api/v1/loans/{loan.pk}").json()
    assert detail["service_fee_rate"] == "0.0100" and detail["all_in_apr"] == str(loan_all_in_apr(loan)) == "0.0880"
    assert Decimal(detail["all_in_apr"]) >= Decimal(detail["annual_rate"])
    assert client.get("/api/v1/loans").json()["results"][0]["all_in_apr"] == "0.0880"
