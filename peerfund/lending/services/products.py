"""Loan products, as operations staff keep them."""
from peerfund.core.audit import audit_record
from peerfund.lending.models import LoanProduct


def product_save(*, staff, product: LoanProduct) -> LoanProduct:
    created = product.pk is None
    product.full_clean()
    product.save()
    audit_record(actor=staff, action="product.create" if created else "product.change", obj=product, data={"name": product.name})
    return product
