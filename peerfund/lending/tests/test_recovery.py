"""Recovery after write-off (坏账回收): the borrower of a written-off loan still owes what
was written off and may repay it, in parts or at once, through My loans and the API;
the money reaches the investors whose claims were written off, split to the fen, and
the loan is settled when all of it is back. Collection goes on until then."""
import datetime as dt
import json

import pytest

from peerfund.accounts.errors import AccountError
from peerfund.core import clock
from peerfund.core.errors import Conflict
from peerfund.core.money import format_fen
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import CollectionTask, Loan, Receivable, RepaymentInstalment
from peerfund.lending.services.collection import collection_daily
from peerfund.lending.services.overdue import loans_mark_overdue, loans_write_off
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


@pytest.fixture
def written_off(disbursed_loan, django_capture_on_commit_callbacks):
    """The loan 90 days past its first due date, with penalty interest run up, then
    written off; the borrower has money again."""
    loan = disbursed_loan
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    day = first.due_date + dt.timedelta(days=90)
    clock.travel_to(day)
    loans_mark_overdue(loan_ids=[loan.pk], on=day)
    collection_daily(loan_ids=[loan.pk], on=day)
    assert loans_write_off(loan_ids=[loan.pk], on=day) == 1
    pay_deposit(loan.borrower, 200_000, django_capture_on_commit_callbacks, key="found-money")
    loan.refresh_from_db()
    return loan


def _owed(loan) -> int:
    return sum(i.owed_fen for i in loan.instalments.filter(status="written_off"))


def _received_by(loan) -> dict[int, int]:
    received: dict[int, int] = {}
    for receivable in Receivable.objects.filter(investment__loan=loan).select_related("investment"):
        investor = receivable.investment.investor_id
        received[investor] = received.get(investor, 0) + receivable.received_fen
    return received


def test_a_part_recovery_goes_to_the_investors_oldest_instalment_first(written_off, investor, other_investor, django_capture_on_commit_callbacks):
    loan = written_off
    owed = _owed(loan)
    first = loan.instalments.get(number=1)
    assert first.penalty_fen > 0 and owed > 0
    before = {u.pk: user_balances(u)["user_available"] for u in (investor, other_investor)}
    part = first.owed_fen + 1  # the first instalment and one fen of the second
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=part, trade_password=TRADE_PASSWORD, key="found")
    assert repayment.amount_fen == part
    gained = {u.pk: user_balances(u)["user_available"] - before[u.pk] for u in (investor, other_investor)}
    assert sum(gained.values()) == part and all(fen > 0 for fen in gained.values())
    assert _received_by(loan) == gained  # nothing was received before the write-off
    first.refresh_from_db()
    assert first.status == "paid" and first.owed_fen == 0
    assert set(Receivable.objects.filter(investment__loan=loan, number=1).values_list("status", flat=True)) == {"received"}
    # the second instalment (overdue too before the write-off) got its fen, on its penalty first
    second = loan.instalments.get(number=2)
    assert second.status == "written_off" and second.penalty_fen > 0 and second.penalty_paid_fen == 1
    assert repayment.penalty_fen == first.penalty_fen + 1 and _owed(loan) == owed - part
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF
    assert investor.messages.filter(event="repayment.received").exists()
    assert ledger_check() == []


def test_write_off_waives_the_unpaid_service_fee_and_a_recovery_pays_the_investors_only(written_off, investor, other_investor, django_capture_on_commit_callbacks):
    """The fee was the platform's: its loss at write-off, never the investors'. A
    recovery of everything owed reaches the investors to the fen; no fee is posted."""
    loan = written_off
    instalments = list(loan.instalments.order_by("number"))
    assert loan.service_fee_rate > 0 and all(i.status == "written_off" for i in instalments)
    assert all(i.fee_fen == 0 == i.fee_paid_fen for i in instalments)  # ¥140 in 12 parts, none of it paid, all waived
    owed = _owed(loan)
    assert owed == sum(i.principal_fen + i.interest_fen + i.penalty_fen for i in instalments)
    before = {u.pk: user_balances(u)["user_available"] for u in (investor, other_investor)}
    pay_deposit(loan.borrower, owed, django_capture_on_commit_callbacks, key="all-of-it")
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="all")
    assert repayment.amount_fen == owed and repayment.service_fee_fen == 0
    assert sum(user_balances(u)["user_available"] - before[u.pk] for u in (investor, other_investor)) == owed
    assert not Entry.objects.filter(kind=EntryKind.LOAN_SERVICE_FEE, ref=f"loan:{loan.pk}").exists()
    assert ledger_check() == []


def test_recovering_everything_settles_the_loan_and_pays_every_claim_in_full(written_off, investor, other_investor, django_capture_on_commit_callbacks):
    loan = written_off
    owed = _owed(loan)
    scheduled = sum(i.principal_fen + i.interest_fen + i.penalty_fen for i in loan.instalments.all())
    with django_capture_on_commit_callbacks(execute=True):
        repayment = loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="all")
    assert repayment.amount_fen == owed == scheduled
    loan.refresh_from_db()
    assert loan.status == Loan.Status.SETTLED
    assert set(loan.instalments.values_list("status", flat=True)) == {"paid"}
    receivables = Receivable.objects.filter(investment__loan=loan)
    assert set(receivables.values_list("status", flat=True)) == {"received"}
    assert all(r.principal_received_fen == r.principal_fen and r.interest_received_fen == r.interest_fen for r in receivables)
    assert sum(_received_by(loan).values()) == scheduled
    assert loan.borrower.messages.filter(event="loan.settled").exists()
    with pytest.raises(Conflict) as settled:
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=100, trade_password=TRADE_PASSWORD, key="again")
    assert settled.value.code == "repay.settled"
    assert ledger_check() == []


def test_a_written_off_loan_refuses_more_than_it_owes_and_prepayment(written_off, api_client_for):
    loan = written_off
    owed = _owed(loan)
    with pytest.raises(AccountError) as above:
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=owed + 1, trade_password=TRADE_PASSWORD, key="too-much")
    assert above.value.code == "repay.above_due" and above.value.extra["owed_fen"] == owed
    assert format_fen(owed) in str(above.value)
    with pytest.raises(Conflict) as prepay:
        loan_prepay(borrower=loan.borrower, loan_id=loan.pk, principal_fen=None, mode="reduce_term", trade_password=TRADE_PASSWORD, key="pre")
    assert prepay.value.code == "repay.written_off"
    quote = api_client_for(loan.borrower).get(f"/api/v1/loans/{loan.pk}/prepayment-quote")
    assert quote.status_code == 409 and quote.json()["code"] == "repay.written_off"
    assert not loan.repayments.exists() and _owed(loan) == owed


def test_the_borrower_recovers_through_my_loans_and_the_api(written_off, client, api_client_for, other_user, django_capture_on_commit_callbacks):
    loan = written_off
    owed = _owed(loan)
    client.force_login(loan.borrower)
    page = client.get("/loans/my-loans/")
    assert b'data-testid="recovery-note"' in page.content and format_fen(owed).encode() in page.content
    assert b'data-testid="repay-form"' in page.content and b'data-testid="prepay-form"' not in page.content
    prefix = f"repay{loan.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-amount": "1000.00", f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "web"})
    assert done.status_code == 302 and _owed(loan) == owed - 100_000
    api = api_client_for(loan.borrower)
    mine = api.get("/api/v1/loans/mine").json()[0]
    assert mine["status"] == "written_off" and mine["due_now_fen"] == owed - 100_000
    body = json.dumps({"trade_password": TRADE_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        paid = api.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="api")
    assert paid.status_code == 201 and paid.json()["amount_fen"] == owed - 100_000
    assert api.get("/api/v1/loans/mine").json()[0]["status"] == "settled"
    stranger = api_client_for(other_user)
    assert stranger.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x").status_code == 404


def test_a_written_off_loan_stays_in_collection_until_it_is_recovered(written_off, staff_with, client, django_capture_on_commit_callbacks):
    loan = written_off
    day = clock.business_date()
    collection_daily(loan_ids=[loan.pk], on=day + dt.timedelta(days=1))
    task = CollectionTask.objects.get(loan=loan)
    assert task.status == "open" and task.stage == "M3+"
    client.force_login(staff_with("collection", "collector"))
    page = client.get(f"/backoffice/lending/collection/{task.pk}/")
    assert page.status_code == 200 and format_fen(loan.instalments.get(number=4).owed_fen).encode() in page.content  # every written-off instalment, due or not
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=loan.borrower, loan_id=loan.pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="all")
    collection_daily(loan_ids=[loan.pk], on=day + dt.timedelta(days=2))
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("closed", "settled")
