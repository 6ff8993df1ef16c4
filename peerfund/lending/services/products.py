"""Loan products, as operations staff keep them. A product under which a loan could
cost more than the legal ceiling is refused (`cost.product_check`, worst case)."""
from django.db import transaction

from peerfund.core.audit import audit_record
from peerfund.lending.cost import product_check
from peerfund.lending.models import LoanProduct


def product_save(*, staff, product: LoanProduct) -> LoanProduct:
    created = product.pk is None
    product.full_clean()
    all_in = product_check(product)
    with transaction.atomic():
        product.save()
        audit_record(actor=staff, action="product.create" if created else "product.change", obj=product,
                     data={"name": product.name, "worst_all_in_apr": str(all_in)})
    return product
