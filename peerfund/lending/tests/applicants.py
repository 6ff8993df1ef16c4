"""Applicants for the origination tests: consent to apply (the legal app's gate, not
what these tests are about), answers to every question, a firm, and loans already on
the platform with a schedule in any state (repaying, overdue, settled, written off)."""
import datetime as dt
from decimal import Decimal

from peerfund.core import clock
from peerfund.lending.models import Loan, RepaymentInstalment
from peerfund.risk.features import DERIVED, QUESTIONS
from peerfund.tests_support.applications import GOOD

Status = RepaymentInstalment.Status


def consent_to_act(user, action: str) -> None:
    try:
        from peerfund.legal.services import consent_missing, consent_record
    except ImportError:  # the consent gate is not installed
        return
    consent_record(user=user, versions=consent_missing(user, action), action=action)


def consent_to_apply(user) -> None:
    consent_to_act(user, "apply")


def lawful(product, **changes):
    """The product priced inside the legal ceiling and the grade bands (5 %–8 %, a
    0.5 % service fee, the default penalty), so that an approved application lists:
    the shared fixture's 8 %–12 % with a 2 % fee is created directly and no
    application's grade fits it."""
    product.rate_min, product.rate_max, product.service_fee_rate = Decimal("0.05"), Decimal("0.08"), Decimal("0.005")
    for name, value in changes.items():
        setattr(product, name, value)
    product.save()
    return product


def answers(**overrides) -> dict:
    """Every question of the application answered (a good applicant, not a student)."""
    values = {q.name: GOOD.get(q.name, "no") for q in QUESTIONS}
    assert not set(values) & set(DERIVED)
    return {**values, **overrides}


def firm(make_user, username: str = "firm"):
    from peerfund.accounts.models import Verification
    from peerfund.custody.services import custody_account_open

    user = make_user(username=username)
    Verification.objects.create(user=user, kind="enterprise", status="verified", real_name="刘洋", id_number="330106198507153337",
                                company_name="北京示范科技有限公司", credit_code="91110000MA01ABCD1M")
    custody_account_open(user=user)
    return user


def loan_on_book(borrower, product, *, amount_fen: int = 1_000_000, parts: int = 4, status: str = Loan.Status.DISBURSED, first_due: dt.date | None = None,
                 paid: int = 0, days_late: int = 0, recovered_fen: int = 0) -> Loan:
    """A loan with `parts` monthly instalments of equal principal (+1 % interest each):
    the first `paid` paid in full `days_late` days after their due dates; a written-off
    loan's other instalments written off, `recovered_fen` of principal recovered on them."""
    now = clock.now()
    # By default the paid instalments fell due in the past and the others fall due later.
    first_due = first_due or clock.business_date() - dt.timedelta(days=30 * paid - 10)
    loan = Loan.objects.create(
        borrower=borrower, product=product, title="历史借款", amount_fen=amount_fen, left_fen=0 if status != Loan.Status.LISTED else amount_fen,
        months=parts, annual_rate=Decimal("0.10"), grade="B", listed_at=now, deadline=now, status=status,
    )
    each = amount_fen // parts
    for number in range(1, parts + 1):
        due = first_due + dt.timedelta(days=30 * (number - 1))
        principal = each if number < parts else amount_fen - each * (parts - 1)
        row = RepaymentInstalment(loan=loan, number=number, due_date=due, principal_fen=principal, interest_fen=principal // 100)
        if number <= paid:
            row.status, row.principal_paid_fen, row.interest_paid_fen, row.paid_on = Status.PAID, principal, principal // 100, due + dt.timedelta(days=days_late)
        elif status == Loan.Status.WRITTEN_OFF:
            row.status, row.principal_paid_fen = Status.WRITTEN_OFF, min(principal, recovered_fen)
            recovered_fen -= row.principal_paid_fen
        row.save()
    return loan
