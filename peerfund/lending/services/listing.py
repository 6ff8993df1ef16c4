"""Putting an approved loan in the investment hall, where auto-invest gets the first
share of it."""
import datetime as dt
from decimal import Decimal

from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.services.auto_invest import auto_invest_on_listing


def loan_list(*, borrower, product: LoanProduct, title: str, purpose: str, amount_fen: int, months: int, annual_rate: Decimal, grade: str, actor=None) -> Loan:
    now = clock.now()
    loan = Loan.objects.create(
        borrower=borrower, product=product, title=title, purpose=purpose, amount_fen=amount_fen, left_fen=amount_fen, months=months,
        annual_rate=annual_rate, grade=grade, listed_at=now, deadline=now + dt.timedelta(days=product.listing_days),
    )
    audit_record(actor=actor, action="loan.list", obj=loan, to_state=Loan.Status.LISTED)
    auto_invest_on_listing(loan=loan)
    loan.refresh_from_db()
    return loan
