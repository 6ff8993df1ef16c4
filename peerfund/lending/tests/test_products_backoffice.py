"""Operations keep loan products in the back office; others cannot."""
from decimal import Decimal

from django.test import Client

from peerfund.core.audit import audit_trail
from peerfund.lending.models import LoanProduct

FORM = {
    "name": "消费贷", "method": "equal_principal", "day_count": "30/360", "rounding": "fen", "rate_min": "0.0600", "rate_max": "0.0800",
    "service_fee_rate": "0.0030", "listing_days": 5, "auto_invest_share": "0.50", "enabled": "on", "terms": "12, 6,3",
    "documents": "id, income", "min_amount": "1,000", "max_amount": "50,000", "min_bid": "100", "bid_step": "100",
    "max_per_investor": "5,000", "required_risk_level": "C2",
}


def test_operations_create_and_change_a_product(staff_with):
    client = Client()
    ops = staff_with("operations")
    client.force_login(ops)
    assert client.post("/backoffice/lending/products/new/", FORM).status_code == 302
    product = LoanProduct.objects.get(name="消费贷")
    assert product.terms_months == [3, 6, 12] and product.required_documents == ["id", "income"]
    assert (product.min_amount_fen, product.max_per_investor_fen, product.rate_max) == (100_000, 500_000, Decimal("0.0800"))
    edit = client.get(f"/backoffice/lending/products/{product.pk}/").content.decode()
    assert 'value="1,000.00"' in edit
    client.post(f"/backoffice/lending/products/{product.pk}/", {**FORM, "max_amount": "60,000"})
    product.refresh_from_db()
    assert product.max_amount_fen == 6_000_000
    assert audit_trail(product).filter(action="product.change", actor=ops).exists()


def test_bad_product_input_is_shown_at_the_field(staff_with):
    client = Client()
    client.force_login(staff_with("operations"))
    page = client.post("/backoffice/lending/products/new/", {**FORM, "terms": "0,48", "rate_min": "0.2"}).content.decode()
    assert 'data-testid="terms-error"' in page and 'data-testid="rate_max-error"' in page
    assert not LoanProduct.objects.exists()


def test_only_product_managers_see_products(staff_with):
    client = Client()
    client.force_login(staff_with("finance"))
    assert client.get("/backoffice/lending/products/").status_code == 403
