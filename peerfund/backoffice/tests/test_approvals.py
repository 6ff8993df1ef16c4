"""Maker–checker on money and pricing: a ledger adjustment by reversing entry, a fee
change, a payout release — asked by one, done only when another approves; nobody
approves their own request."""
from decimal import Decimal

import pytest
from django.test import Client

from peerfund.backoffice.approvals import approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.core.errors import ApplicationError, Conflict, Forbidden
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import LoanProduct
from peerfund.lending.schedules import Method
from peerfund.sandbox.models import BankAccount
from peerfund.tests_support.money import freeze

pytestmark = pytest.mark.django_db
Kind = ApprovalRequest.Kind


@pytest.fixture
def pair(staff_with):
    return staff_with("finance", "maker"), staff_with("finance", "checker")


def test_a_reversal_is_done_only_when_a_second_person_approves(pair, funded, django_capture_on_commit_callbacks):
    maker, checker = pair
    entry = freeze(funded, 300_00, django_capture_on_commit_callbacks, key="wrong-freeze")
    request = approval_request(staff=maker, kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="frozen by mistake")
    assert user_balances(funded)["user_frozen"] == 300_00
    with pytest.raises(Forbidden):
        approval_decide(staff=maker, request=request, approve=True)
    with pytest.raises(Conflict):
        approval_request(staff=checker, kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="again")
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(staff=checker, request=request, approve=True)
    reversal = Entry.objects.get(reverses=entry)
    assert reversal.actor == checker and user_balances(funded)["user_frozen"] == 0
    assert BankAccount.objects.get(holder_ref=f"user:{funded.pk}").frozen_fen == 0  # mirrored at the bank
    with pytest.raises(ApplicationError):
        approval_request(staff=maker, kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="twice")


def test_rejected_requests_change_nothing_and_roles_are_enforced(pair, staff_with, funded, django_capture_on_commit_callbacks):
    maker, checker = pair
    entry = freeze(funded, 100_00, django_capture_on_commit_callbacks, key="f")
    request = approval_request(staff=maker, kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="check")
    approval_decide(staff=checker, request=request, approve=False)
    assert not Entry.objects.filter(reverses=entry).exists()
    operations = staff_with("operations")
    asked = approval_request(staff=operations, kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="ops may ask")
    with pytest.raises(Forbidden):
        approval_decide(staff=staff_with("operations", "ops2"), request=asked, approve=True)  # operations may ask, not approve
    with pytest.raises(Forbidden):
        approval_request(staff=staff_with("auditor"), kind=Kind.LEDGER_REVERSAL, target_id=entry.pk, reason="no")


def test_fee_changes_need_a_second_person(pair, db):
    maker, checker = pair
    # A lawful product (all-in cost well under the legal ceiling before and after the change).
    product = LoanProduct.objects.create(name="p", min_amount_fen=1, max_amount_fen=10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
                                         rate_min=Decimal("0.05"), rate_max=Decimal("0.06"), service_fee_rate=Decimal("0.002"), max_per_investor_fen=10)
    with pytest.raises(ApplicationError):
        approval_request(staff=maker, kind=Kind.PRODUCT_FEE, target_id=product.pk, reason="r", payload={"service_fee_rate": "0.9"})
    request = approval_request(staff=maker, kind=Kind.PRODUCT_FEE, target_id=product.pk, reason="pricing review", payload={"service_fee_rate": "0.005"})
    product.refresh_from_db()
    assert product.service_fee_rate == Decimal("0.002")
    decided = approval_decide(staff=checker, request=request, approve=True)
    product.refresh_from_db()
    assert product.service_fee_rate == Decimal("0.005") and decided.result == "service_fee_rate=0.005"


def test_the_approvals_page_lets_the_checker_approve_not_the_maker(pair, funded, django_capture_on_commit_callbacks):
    maker, checker = pair
    entry = freeze(funded, 100_00, django_capture_on_commit_callbacks, key="f")
    maker_client, checker_client = Client(), Client()
    maker_client.force_login(maker)
    checker_client.force_login(checker)
    maker_client.post("/backoffice/approvals/", {"kind": "ledger_reversal", "target": entry.pk, "reason": "mistake"})
    request = ApprovalRequest.objects.get()
    assert 'data-testid="approve"' not in maker_client.get("/backoffice/approvals/").content.decode()
    maker_client.post(f"/backoffice/approvals/{request.pk}/", {"decision": "approve"})
    assert ApprovalRequest.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        checker_client.post(f"/backoffice/approvals/{request.pk}/", {"decision": "approve"})
    assert ApprovalRequest.objects.get().status == "approved" and Entry.objects.filter(reverses=entry).exists()
