"""The pre-screen reads the borrower's history on this platform (issue 17, item 4): a
written-off loan not fully recovered or an instalment overdue past its grace days
declines the application whatever the answers; loans repaid on time add points."""
import datetime as dt
import json

import pytest
from django.test import Client

from peerfund.core import clock
from peerfund.lending.forms import ApplicationForm
from peerfund.lending.models import Loan, LoanApplication
from peerfund.lending.services.origination import application_submit, platform_history
from peerfund.lending.tests.applicants import answers, consent_to_act, consent_to_apply, loan_on_book
from peerfund.notify.models import Message


@pytest.fixture
def borrowing(product, active_model):
    product.required_documents = []
    product.save()
    return product


def apply(borrower, product, amount_fen=500_000):
    return application_submit(borrower=borrower, product=product, amount_fen=amount_fen, months=12, attributes=answers(), documents={})


def written_off_like_zhaolei(borrower, product) -> Loan:
    """The demo's 赵磊: two of six instalments paid, the rest written off, part of it recovered since."""
    return loan_on_book(borrower, product, amount_fen=600_000, parts=6, paid=2, status=Loan.Status.WRITTEN_OFF, recovered_fen=30_000,
                        first_due=clock.business_date() - dt.timedelta(days=200))


def test_a_clean_borrower_with_the_same_answers_passes(investor, borrowing):
    application = apply(investor, borrowing)
    assert application.status == LoanApplication.Status.FIRST_REVIEW and application.decision.decline_codes == []


def test_a_written_off_loan_still_owing_declines_with_history_written_off(investor, borrowing):
    written_off_like_zhaolei(investor, borrowing)
    application = apply(investor, borrowing)
    decision = application.decision
    assert application.status == LoanApplication.Status.PRESCREEN_REJECTED and decision.outcome == "reject"
    assert decision.decline_codes == ["history.written_off"]
    owed = 400_000 + 4 * 1_000 - 30_000  # four written-off instalments: principal and interest, less what was recovered
    assert decision.history["written_off_loans"] == 1 and decision.history["written_off_owed_fen"] == owed
    assert "¥3,740.00" in application.reason  # the reason names what is still owed
    assert Message.objects.filter(user=investor, event="application.declined").exists()


def test_a_written_off_loan_fully_recovered_no_longer_declines(investor, borrowing):
    loan = written_off_like_zhaolei(investor, borrowing)
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.SETTLED)  # 坏账回收: repaid in full later
    assert apply(investor, borrowing).status == LoanApplication.Status.FIRST_REVIEW


@pytest.mark.parametrize(("days_past_due", "declined"), [(3, False), (4, True)])
def test_an_instalment_overdue_past_its_grace_days_declines_with_history_overdue(investor, borrowing, days_past_due, declined):
    assert borrowing.grace_days == 3
    loan_on_book(investor, borrowing, amount_fen=400_000, parts=4, paid=1, first_due=clock.business_date() - dt.timedelta(days=30 + days_past_due))
    application = apply(investor, borrowing)
    assert application.decision.decline_codes == (["history.overdue"] if declined else [])
    assert application.status == (LoanApplication.Status.PRESCREEN_REJECTED if declined else LoanApplication.Status.FIRST_REVIEW)
    if declined:
        assert application.decision.history["overdue_owed_fen"] == 101_000 and "¥1,010.00" in application.reason


def test_loans_repaid_on_time_add_points_up_to_three_loans(investor, borrowing, settings):
    base = apply(investor, borrowing).decision.score
    loan_on_book(investor, borrowing, paid=4, status=Loan.Status.SETTLED)
    loan_on_book(investor, borrowing, paid=4, status=Loan.Status.SETTLED)
    loan_on_book(investor, borrowing, paid=4, status=Loan.Status.SETTLED, days_late=2)  # one instalment paid late: not counted
    assert platform_history(investor).settled_on_time == 2
    two = apply(investor, borrowing).decision
    assert (two.score, two.history_points) == (base + 16, 16)
    for _ in range(3):
        loan_on_book(investor, borrowing, paid=4, status=Loan.Status.SETTLED)
    five = apply(investor, borrowing).decision
    assert (five.score, five.history_points) == (base + 24, 24)  # at most three loans count


def test_the_page_tells_the_borrower_why(client, investor, borrowing, make_user):
    written_off_like_zhaolei(investor, borrowing)
    client.force_login(investor)
    consent_to_apply(investor)
    data = {"product": borrowing.pk, "amount": "5,000", "months": 12, **{ApplicationForm.field_name(k): v for k, v in answers().items()}}
    done = client.post("/loans/apply/", data, follow=True)
    html = done.content.decode()
    assert done.redirect_chain[-1][0] == "/loans/my-applications/" and "¥3,740.00" in html
    assert LoanApplication.objects.get().status == LoanApplication.Status.PRESCREEN_REJECTED
    assert "¥3,740.00" in client.get("/loans/my-applications/").content.decode()
    other = Client()
    other.force_login(make_user(username="stranger"))
    assert "¥3,740.00" not in other.get("/loans/my-applications/").content.decode()


def test_the_api_returns_the_reason_codes(investor, borrowing, api_client_for):
    written_off_like_zhaolei(investor, borrowing)
    consent_to_apply(investor)
    api = api_client_for(investor)
    data = {"product_id": borrowing.pk, "amount_fen": 500_000, "months": 12, "attributes": json.dumps(answers())}
    created = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="hist-1")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "prescreen_rejected" and body["reasons"][0]["code"] == "history.written_off" and "¥3,740.00" in body["reasons"][0]["text"]
    mine = api.get("/api/v1/loans/applications/mine").json()
    assert mine[0]["reasons"][0]["code"] == "history.written_off"


@pytest.fixture
def lenders_consented(investor, other_investor):
    """The lenders of `full_loan` accepted what bidding needs (the consent gate)."""
    for lender in (investor, other_investor):
        consent_to_act(lender, "bid")


def test_zhaolei_through_the_real_services_write_off_then_part_recovery_is_still_declined(lenders_consented, disbursed_loan, borrowing,
                                                                                         django_capture_on_commit_callbacks):
    """The demo's 赵磊 the way the platform makes him: a disbursed loan never repaid,
    marked overdue and written off by the close, ¥100 recovered since."""
    from peerfund.lending.services.collection import collection_daily
    from peerfund.lending.services.origination import outstanding_fen
    from peerfund.lending.services.overdue import loans_mark_overdue, loans_write_off
    from peerfund.lending.services.repayment import loan_repay
    from peerfund.tests_support.money import pay_deposit
    from peerfund.tests_support.people import TRADE_PASSWORD

    loan, borrower = disbursed_loan, disbursed_loan.borrower
    day = loan.instalments.get(number=1).due_date + dt.timedelta(days=90)
    clock.travel_to(day)
    loans_mark_overdue(loan_ids=[loan.pk], on=day)
    collection_daily(loan_ids=[loan.pk], on=day)
    assert loans_write_off(loan_ids=[loan.pk], on=day) == 1
    pay_deposit(borrower, 10_000, django_capture_on_commit_callbacks, key="recovery-funds")
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=borrower, loan_id=loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="recovery")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF
    owed = sum(i.owed_fen for i in loan.instalments.all())
    assert 0 < outstanding_fen(borrower) < loan.amount_fen  # the principal not yet recovered counts against the cap
    consent_to_apply(borrower)
    application = apply(borrower, borrowing, amount_fen=200_000)
    assert application.status == LoanApplication.Status.PRESCREEN_REJECTED
    assert application.decision.decline_codes == ["history.written_off"] and application.decision.history["written_off_owed_fen"] == owed
