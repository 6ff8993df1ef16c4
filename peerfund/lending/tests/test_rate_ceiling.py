"""The legal ceiling (4 × the one-year LPR): a product, a fee change or a listing that
would cost a borrower more is refused, naming both figures."""
from decimal import Decimal

import pytest
from django.test import Client

from peerfund.core.audit import audit_trail
from peerfund.lending.cost import AboveCeiling, product_check, rate_ceiling
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.lending.services.listing import loan_list
from peerfund.lending.services.products import product_save


def _product(**overrides) -> LoanProduct:
    values = {
        "name": "工薪贷", "min_amount_fen": 100_000, "max_amount_fen": 5_000_000, "terms_months": [6, 12], "method": Method.EQUAL_INSTALMENT,
        "rate_min": Decimal("0.06"), "rate_max": Decimal("0.08"), "service_fee_rate": Decimal("0.005"), "max_per_investor_fen": 500_000,
        "penalty_rate_daily": Decimal("0.00010"), "required_documents": ["id"],
    }
    return LoanProduct(**{**values, **overrides})


def test_ceiling_is_the_multiple_of_the_lpr(settings):
    assert rate_ceiling() == Decimal("0.1200")
    settings.PEERFUND_LPR_1Y, settings.PEERFUND_RATE_CEILING_MULTIPLE = "0.0345", 4
    assert rate_ceiling() == Decimal("0.1380")


def test_a_lawful_product_is_saved_with_its_worst_cost_audited(staff):
    product = product_save(staff=staff, product=_product())
    assert product.pk
    # 8 % over 6 months with a 0.5 % fee (numpy-financial: 0.096936), its worst term and amount.
    assert audit_trail(product).get(action="product.create").data["worst_all_in_apr"] == "0.0969"


def test_a_product_whose_fee_breaks_the_ceiling_is_refused_naming_both_figures(staff):
    with pytest.raises(AboveCeiling) as refused:
        product_save(staff=staff, product=_product(service_fee_rate=Decimal("0.02")))
    error = refused.value
    assert error.code == "lending.above_ceiling" and error.status == 422
    # The worst case is the shortest term: a 2 % fee over 6 months.
    assert error.extra["all_in_apr"] == "0.1475" and error.extra["ceiling"] == "0.1200" and error.extra["months"] == 6
    assert "14.75%" in error.message and "12.00%" in error.message
    assert not LoanProduct.objects.exists()


def test_the_shortest_term_is_checked_not_only_the_usual_one(staff):
    """A 1 % fee is lawful over 12 months (8 % → 9.80 %) but not over 3 (13.96 %)."""
    product_save(staff=staff, product=_product(service_fee_rate=Decimal("0.01"), terms_months=[12]))
    with pytest.raises(AboveCeiling) as refused:
        product_save(staff=staff, product=_product(service_fee_rate=Decimal("0.01"), terms_months=[3, 12]))
    assert refused.value.extra["months"] == 3


def test_rate_plus_yearly_penalty_above_the_ceiling_is_refused(staff):
    """9 % plus 0.05 % a day (18.25 % a year) = 27.25 %: refused even with no fee."""
    with pytest.raises(AboveCeiling) as refused:
        product_save(staff=staff, product=_product(rate_max=Decimal("0.09"), service_fee_rate=Decimal(0), penalty_rate_daily=Decimal("0.00050")))
    error = refused.value
    assert error.extra["figure"] == "rate_with_penalty" and error.extra["rate_with_penalty"] == "0.2725"
    assert "27.25%" in error.message and "12.00%" in error.message


def test_a_higher_lpr_lets_the_same_product_through(staff, settings):
    with pytest.raises(AboveCeiling):
        product_save(staff=staff, product=_product(service_fee_rate=Decimal("0.015")))
    settings.PEERFUND_LPR_1Y = "0.0500"
    assert product_save(staff=staff, product=_product(service_fee_rate=Decimal("0.015"))).pk


def test_a_fee_change_above_the_ceiling_is_refused_at_the_fee(staff):
    product = product_save(staff=staff, product=_product())
    with pytest.raises(AboveCeiling) as refused:
        product_check(product, service_fee_rate=Decimal("0.03"))
    assert refused.value.extra["field"] == "service_fee_rate"
    with pytest.raises(AboveCeiling) as refused:
        product_check(product, penalty_rate_daily=Decimal("0.00020"))
    assert refused.value.extra["field"] == "penalty_rate_daily" and refused.value.extra["rate_with_penalty"] == "0.153"
    assert product_check(product, service_fee_rate=Decimal("0.004")) < Decimal("0.0969")


FORM = {
    "name": "消费贷", "method": "equal_principal", "day_count": "30/360", "rounding": "fen", "rate_min": "0.0600", "rate_max": "0.0800",
    "service_fee_rate": "0.0300", "listing_days": 5, "auto_invest_share": "0.50", "enabled": "on", "terms": "3,6",
    "documents": "id", "min_amount": "1,000", "max_amount": "50,000", "min_bid": "100", "bid_step": "100",
    "max_per_investor": "5,000", "required_risk_level": "C2",
}


def test_back_office_shows_the_refusal_at_the_rate(staff_with):
    client = Client()
    client.force_login(staff_with("operations"))
    response = client.post("/backoffice/lending/products/new/", FORM)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="rate_max-error"' in page
    assert "12.00%" in page and 'data-testid="ceiling-note"' in page
    assert not LoanProduct.objects.exists()
    assert client.post("/backoffice/lending/products/new/", {**FORM, "service_fee_rate": "0.0030"}).status_code == 302


@pytest.fixture
def lawful_product(db):
    product = _product(terms_months=[3, 6, 12], service_fee_rate=Decimal("0.01"))
    product.save()
    return product


def test_a_listing_above_the_ceiling_is_refused_and_nothing_is_listed(lawful_product, make_user):
    borrower = make_user(username="borrower")
    with pytest.raises(AboveCeiling) as refused:
        loan_list(borrower=borrower, product=lawful_product, title="周转", purpose="周转", amount_fen=300_000, months=3,
                  annual_rate=Decimal("0.08"), grade="B")
    assert refused.value.extra["all_in_apr"] == "0.1396" and refused.value.extra["field"] == "annual_rate"
    assert not Loan.objects.exists()


def test_a_lawful_listing_keeps_the_fee_rate_and_shows_its_cost(lawful_product, make_user, client):
    borrower = make_user(username="borrower")
    loan = loan_list(borrower=borrower, product=lawful_product, title="周转", purpose="周转", amount_fen=300_000, months=12,
                     annual_rate=Decimal("0.07"), grade="B")
    assert loan.service_fee_rate == Decimal("0.0100")
    LoanProduct.objects.filter(pk=lawful_product.pk).update(service_fee_rate=Decimal("0.002"))
    detail = client.get(f"/api/v1/loans/{loan.pk}").json()
    # 7 % with 1 % over 12 months: the fee rate it was listed with, not today's.
    assert (detail["service_fee_rate"], detail["all_in_apr"]) == ("0.0100", "0.0880")
    assert "8.80%" in client.get(f"/loans/{loan.pk}/").content.decode()
    assert "8.80%" in client.get("/loans/").content.decode()
