"""Migration lending 0008: every loan keeps its product's fee rate, and loans
disbursed under the old rule (fee netted at disbursement) are never charged the fee
again with their instalments."""
import importlib
from decimal import Decimal

from django.apps import apps

from peerfund.lending.models import Loan, RepaymentInstalment

migration = importlib.import_module("peerfund.lending.migrations.0008_service_fee_with_instalments")


def test_existing_loans_get_their_products_rate_and_disbursed_instalments_no_fee(disbursed_loan, list_loan, make_user):
    listed = list_loan(make_user(username="another"), service_fee_rate=Decimal("0"))
    Loan.objects.filter(pk=disbursed_loan.pk).update(service_fee_rate=Decimal("0"))
    assert RepaymentInstalment.objects.filter(loan=disbursed_loan, fee_fen__gt=0).exists()  # as if made by the new rule

    migration.copy_product_fee_rates(apps, None)
    migration.no_fee_on_disbursed_loans(apps, None)

    assert set(Loan.objects.filter(pk__in=[disbursed_loan.pk, listed.pk]).values_list("service_fee_rate", flat=True)) == {Decimal("0.0200")}
    assert set(RepaymentInstalment.objects.filter(loan=disbursed_loan).values_list("fee_fen", "fee_paid_fen")) == {(0, 0)}
