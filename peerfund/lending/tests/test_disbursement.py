"""Full review by two people, disbursement through the custodian, schedules whose
investor shares add up, signed contracts in a tamper-evident chain."""
import hashlib

import pytest
from django.core.management import call_command

from peerfund.contracts.evidence import evidence_verify
from peerfund.contracts.models import EvidenceRecord
from peerfund.contracts.services import contract_signatures_valid
from peerfund.core.errors import Conflict, Forbidden
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.lending.models import Bid, Investment, Loan, Receivable, RepaymentInstalment
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.notify.models import Message


def _disburse(loan, maker, checker, capture):
    request = disbursement_request(staff=maker, loan=loan)
    with capture(execute=True):
        return disbursement_decide(staff=checker, request=request, approve=True)


def test_disbursement_pays_the_borrower_the_whole_principal_and_fixes_the_schedules(full_loan, staff_with, django_capture_on_commit_callbacks, investor):
    maker, checker = staff_with("risk", "maker"), staff_with("risk", "checker")
    fee_before = platform_account("platform_fee").balance_fen
    request = disbursement_request(staff=maker, loan=full_loan)
    with pytest.raises(Forbidden):
        disbursement_decide(staff=maker, request=request, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        disbursement_decide(staff=checker, request=request, approve=True)
    full_loan.refresh_from_db()
    assert full_loan.status == Loan.Status.DISBURSED
    # the whole ¥7,000: no fee netted (砍头息); the platform gets nothing at disbursement
    assert user_balances(full_loan.borrower)["user_available"] == 700_000
    assert platform_account("platform_fee").balance_fen == fee_before
    disburse = Entry.objects.get(kind=EntryKind.LOAN_DISBURSE, ref=f"loan:{full_loan.pk}")
    assert {p.account.kind for p in disburse.postings.filter(amount_fen__gt=0).select_related("account")} == {"user_available"}
    assert user_balances(investor) == {"user_available": 100_000, "user_frozen": 0}
    instalments = list(RepaymentInstalment.objects.filter(loan=full_loan).order_by("number"))
    assert len(instalments) == 12 and sum(i.principal_fen for i in instalments) == 700_000
    # the fee, 2 % of ¥7,000 = ¥140, comes with the instalments: 14,000 // 12 = 1,166, the first 8 one fen more
    assert [i.fee_fen for i in instalments] == [1_167] * 8 + [1_166] * 4
    message = Message.objects.filter(user=full_loan.borrower, event="loan.disbursed_borrower").get()
    assert message.context["amount"] == "¥7,000.00" and message.context["fee"] == "¥140.00"
    for instalment in instalments:
        shares = Receivable.objects.filter(investment__loan=full_loan, number=instalment.number)
        assert sum(s.principal_fen for s in shares) == instalment.principal_fen
        assert sum(s.interest_fen for s in shares) == instalment.interest_fen
    assert set(Bid.objects.filter(loan=full_loan).values_list("status", flat=True)) == {Bid.Status.DISBURSED}


def test_each_investor_gets_a_contract_signed_by_both_and_chained(full_loan, staff_with, django_capture_on_commit_callbacks, investor):
    _disburse(full_loan, staff_with("risk", "m"), staff_with("risk", "c"), django_capture_on_commit_callbacks)
    investments = list(Investment.objects.filter(loan=full_loan).select_related("contract"))
    assert len(investments) == 2
    for investment in investments:
        contract = investment.contract
        with contract.pdf.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == contract.sha256
        assert set(contract.signatures) == {f"user:{investment.investor_id}", f"user:{full_loan.borrower_id}", "platform"}
        assert contract_signatures_valid(contract)
    assert evidence_verify() == []


def test_the_chain_detects_an_edited_record_and_a_changed_file(full_loan, staff_with, django_capture_on_commit_callbacks, capsys):
    from django.db import connection

    _disburse(full_loan, staff_with("risk", "m"), staff_with("risk", "c"), django_capture_on_commit_callbacks)
    call_command("evidence_verify")
    assert "intact" in capsys.readouterr().out
    first = EvidenceRecord.objects.filter(kind="contract").order_by("id").first()  # the chain opens with the consents
    contract = first.contract
    with contract.pdf.open("wb") as handle:
        handle.write(b"%PDF-1.4 forged")
    assert any("no longer matches" in p for p in evidence_verify())
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic():  # the database itself refuses the edit
            EvidenceRecord.objects.filter(pk=first.pk).update(ref="investment:999")
    else:
        EvidenceRecord.objects.filter(pk=first.pk).update(ref="investment:999")
        assert any("was edited" in p for p in evidence_verify())
    with pytest.raises(SystemExit):
        call_command("evidence_verify")


def test_refusing_at_full_review_releases_every_bid(full_loan, staff_with, django_capture_on_commit_callbacks, investor, other_investor):
    request = disbursement_request(staff=staff_with("risk", "m"), loan=full_loan)
    with pytest.raises(Conflict):
        disbursement_request(staff=staff_with("risk", "x"), loan=full_loan)
    with django_capture_on_commit_callbacks(execute=True):
        disbursement_decide(staff=staff_with("risk", "c"), request=request, approve=False, reason="borrower withdrew")
    full_loan.refresh_from_db()
    assert full_loan.status == Loan.Status.FAILED
    assert user_balances(investor) == {"user_available": 500_000, "user_frozen": 0}
    assert user_balances(other_investor) == {"user_available": 500_000, "user_frozen": 0}


def test_only_a_full_loan_can_be_disbursed(investor, list_loan, staff_with):
    with pytest.raises(Conflict):
        disbursement_request(staff=staff_with("risk"), loan=list_loan(investor))


def test_full_review_pages_and_who_may_open_a_contract(full_loan, staff_with, investor, other_investor, make_user, django_capture_on_commit_callbacks):
    from django.test import Client

    maker, checker = Client(), Client()
    maker.force_login(staff_with("risk", "maker"))
    checker.force_login(staff_with("risk", "checker"))
    assert full_loan.title in maker.get("/backoffice/lending/disbursements/").content.decode()
    maker.post("/backoffice/lending/disbursements/", {"loan": full_loan.pk})
    pending = full_loan.disbursement
    maker.post("/backoffice/lending/disbursements/", {"request": pending.pk, "decision": "approve"})  # refused: own request
    full_loan.refresh_from_db()
    assert full_loan.status == Loan.Status.FULL
    with django_capture_on_commit_callbacks(execute=True):
        checker.post("/backoffice/lending/disbursements/", {"request": pending.pk, "decision": "approve"})
    full_loan.refresh_from_db()
    assert full_loan.status == Loan.Status.DISBURSED
    contract = Investment.objects.get(investor=investor).contract
    lender = Client()
    lender.force_login(investor)
    page = lender.get("/loans/my-investments/").content.decode()
    assert 'data-testid="contract-link"' in page
    pdf = lender.get(f"/loans/contracts/{contract.pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    borrower = Client()
    borrower.force_login(full_loan.borrower)
    assert borrower.get(f"/loans/contracts/{contract.pk}.pdf").status_code == 200
    assert "12" in borrower.get("/loans/my-loans/").content.decode()
    other = Client()
    other.force_login(other_investor)
    assert other.get(f"/loans/contracts/{contract.pk}.pdf").status_code == 404
