"""A book of disbursed, repaying loans written straight into the tables (not through
origination and disbursement), for what is measured or compared on top of it: the
daily close's benchmark and the test that the set-based debit writes what the
loan-by-loan one does.

Each loan has two open instalments (the first due on its day, the next 30 days
later), `per_loan` investments by different investors, and their receivables. The
people are verified with custody accounts; funding the borrowers is the caller's. The
product is lawful (8 % plus the default penalty stays under the legal ceiling).
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.custody.services import platform_accounts_open
from peerfund.lending.models import Investment, Loan, LoanProduct, Receivable, RepaymentInstalment
from peerfund.lending.schedules import Method
from peerfund.tests_support.people import verify_directly

SHARE_FEN = 10_000  # each investor's principal in each instalment
INTEREST_FEN = 67  # and interest (8 % a year: 10,000 × 0.08 / 12)
_BATCH = 20_000


@dataclass
class Book:
    borrowers: list[User]
    investors: list[User]
    loan_ids: list[int]


def repaying_book(*, loans: int, per_loan: int, borrowers: int, investors: int, due_dates: list[dt.date], prefix: str = "") -> Book:
    """Loan n is lent by borrower n mod `borrowers`, due first on due_dates[n mod
    len(due_dates)], and held by investors (7n + k) mod `investors`, k < per_loan."""
    if per_loan > investors:
        raise ValueError("each loan's investors are different people")
    platform_accounts_open()
    product = LoanProduct.objects.create(
        name=f"{prefix}book", min_amount_fen=10_000, max_amount_fen=10**10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.08"), rate_max=Decimal("0.08"), service_fee_rate=Decimal("0"), max_per_investor_fen=10**10, required_risk_level="C1",
    )
    lenders = [verify_directly(User.objects.create(username=f"{prefix}borrower{n}"), n) for n in range(borrowers)]
    holders = [verify_directly(User.objects.create(username=f"{prefix}investor{n}"), borrowers + n) for n in range(investors)]
    now = clock.now()
    loan_ids: list[int] = []
    for start in range(0, loans, _BATCH):
        made = Loan.objects.bulk_create(
            Loan(borrower=lenders[n % borrowers], product=product, title=f"{prefix}loan {n}", amount_fen=per_loan * SHARE_FEN * 12, left_fen=0,
                 months=12, annual_rate=Decimal("0.08"), grade="A", status=Loan.Status.DISBURSED, listed_at=now, deadline=now)
            for n in range(start, min(start + _BATCH, loans))
        )
        loan_ids += [loan.pk for loan in made]
    due_of = {loan_id: due_dates[n % len(due_dates)] for n, loan_id in enumerate(loan_ids)}
    RepaymentInstalment.objects.bulk_create(
        (RepaymentInstalment(loan_id=loan_id, number=number, due_date=due_of[loan_id] + dt.timedelta(days=30 * (number - 1)),
                             principal_fen=per_loan * SHARE_FEN, interest_fen=per_loan * INTEREST_FEN)
         for loan_id in loan_ids for number in (1, 2)), batch_size=_BATCH,
    )
    step = max(1, _BATCH // per_loan)
    for start in range(0, len(loan_ids), step):
        investments = Investment.objects.bulk_create(
            Investment(loan_id=loan_id, investor=holders[(n * 7 + k) % investors], principal_fen=SHARE_FEN * 12, acquired_on=due_of[loan_id] - dt.timedelta(days=30))
            for n, loan_id in enumerate(loan_ids[start:start + step], start=start) for k in range(per_loan)
        )
        Receivable.objects.bulk_create(
            Receivable(investment=inv, number=number, due_date=due_of[inv.loan_id] + dt.timedelta(days=30 * (number - 1)),
                       principal_fen=SHARE_FEN, interest_fen=INTEREST_FEN)
            for inv in investments for number in (1, 2)
        )
    return Book(lenders, holders, loan_ids)
