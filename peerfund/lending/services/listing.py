"""Putting an approved loan in the investment hall, where auto-invest gets the first
share of it. Nothing is listed above the legal ceiling (`cost.listing_check`)."""
import datetime as dt
from decimal import Decimal

from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.lending.cost import listing_check
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.services.auto_invest import auto_invest_on_listing


def loan_list(*, borrower, product: LoanProduct, title: str, purpose: str, amount_fen: int, months: int, annual_rate: Decimal, grade: str, actor=None) -> Loan:
    """The loan keeps the product's fee rate of today (`Loan.service_fee_rate`): a
    later change of the product's fee never reprices a listed loan."""
    now = clock.now()
    all_in = listing_check(product=product, amount_fen=amount_fen, months=months, annual_rate=annual_rate, start=now.date())
    loan = Loan.objects.create(
        borrower=borrower, product=product, title=title, purpose=purpose, amount_fen=amount_fen, left_fen=amount_fen, months=months,
        annual_rate=annual_rate, service_fee_rate=product.service_fee_rate, grade=grade, listed_at=now,
        deadline=now + dt.timedelta(days=product.listing_days),
    )
    audit_record(actor=actor, action="loan.list", obj=loan, to_state=Loan.Status.LISTED, data={"all_in_apr": str(all_in)})
    auto_invest_on_listing(loan=loan)
    loan.refresh_from_db()
    return loan
