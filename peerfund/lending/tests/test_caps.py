"""The borrowing cap (PRODUCT.md §3: ¥200,000 a person, ¥1,000,000 a firm) counts what
the borrower still owes here: principal not yet repaid on repaying, overdue and
written-off loans, listed loans not yet disbursed, applications still in review."""
import pytest

from peerfund.accounts.errors import AccountError
from peerfund.lending.models import Loan, LoanApplication
from peerfund.lending.services.origination import application_submit, borrowing_cap_fen, outstanding_fen
from peerfund.lending.tests.applicants import answers, consent_to_apply, firm, loan_on_book

PERSON_CAP, FIRM_CAP = 20_000_000, 100_000_000


@pytest.fixture
def big_product(product, active_model):
    product.max_amount_fen = 200_000_000
    product.required_documents = []
    product.save()
    return product


def apply(borrower, product, amount_fen):
    return application_submit(borrower=borrower, product=product, amount_fen=amount_fen, months=12, attributes=answers(), documents={})


def test_outstanding_is_principal_still_owed_plus_listed_loans_and_pending_applications(investor, big_product, make_user):
    loan_on_book(investor, big_product, amount_fen=1_000_000, paid=2)  # repaying: half repaid, ¥5,000 owed
    loan_on_book(investor, big_product, amount_fen=800_000, paid=1, status=Loan.Status.WRITTEN_OFF, recovered_fen=50_000)  # ¥6,000 − ¥500 recovered
    loan_on_book(investor, big_product, amount_fen=900_000, paid=4, status=Loan.Status.SETTLED)  # repaid: nothing
    loan_on_book(investor, big_product, amount_fen=300_000, status=Loan.Status.LISTED)
    loan_on_book(investor, big_product, amount_fen=200_000, status=Loan.Status.FULL)
    loan_on_book(investor, big_product, amount_fen=700_000, status=Loan.Status.FAILED)  # never lent
    for amount_fen, status in ((100_000, "first_review"), (150_000, "final_review"), (400_000, "prescreen_rejected"), (600_000, "rejected")):
        LoanApplication.objects.create(borrower=investor, product=big_product, amount_fen=amount_fen, months=12, purpose="x", attributes={}, status=status)
    loan_on_book(make_user(username="someone_else"), big_product, amount_fen=5_000_000)
    assert outstanding_fen(investor) == 500_000 + 550_000 + 300_000 + 200_000 + 100_000 + 150_000


@pytest.mark.parametrize(("amount_fen", "refused"), [(PERSON_CAP - 500_000, False), (PERSON_CAP - 500_000 + 1, True)])
def test_a_person_may_borrow_up_to_200_000_yuan_counting_what_is_still_owed(investor, big_product, amount_fen, refused):
    loan_on_book(investor, big_product, amount_fen=2_000_000, paid=3)  # ¥20,000 lent, ¥15,000 repaid: ¥5,000 still owed
    assert borrowing_cap_fen(investor) == PERSON_CAP
    if not refused:
        assert apply(investor, big_product, amount_fen).amount_fen == amount_fen
        return
    with pytest.raises(AccountError) as excinfo:
        apply(investor, big_product, amount_fen)
    error = excinfo.value
    assert (error.code, error.extra["cap_fen"], error.extra["outstanding_fen"], error.extra["field"]) == ("application.cap", PERSON_CAP, 500_000, "amount")
    assert "¥200,000.00" in error.message and "¥195,000.00" in error.message  # the cap and what is left
    assert not LoanApplication.objects.exists()


def test_a_written_off_loan_counts_its_unrecovered_principal(investor, big_product):
    loan_on_book(investor, big_product, amount_fen=4_000_000, paid=1, status=Loan.Status.WRITTEN_OFF, recovered_fen=1_000_000)
    owed = 3_000_000 - 1_000_000
    with pytest.raises(AccountError) as excinfo:
        apply(investor, big_product, PERSON_CAP - owed + 1)
    assert excinfo.value.code == "application.cap" and excinfo.value.extra["outstanding_fen"] == owed


@pytest.mark.parametrize(("amount_fen", "refused"), [(FIRM_CAP, False), (FIRM_CAP + 1, True)])
def test_a_firm_may_borrow_up_to_1_000_000_yuan(make_user, big_product, amount_fen, refused):
    company = firm(make_user)
    consent_to_apply(company)
    assert borrowing_cap_fen(company) == FIRM_CAP
    if not refused:
        application = apply(company, big_product, amount_fen)
        assert application.amount_fen == FIRM_CAP and application.attributes["age_in_years"] is None  # a firm has no date of birth
        return
    with pytest.raises(AccountError) as excinfo:
        apply(company, big_product, amount_fen)
    assert excinfo.value.code == "application.cap" and "¥1,000,000.00" in excinfo.value.message


def test_the_form_shows_the_cap_at_the_amount(client, investor, big_product):
    from peerfund.lending.forms import ApplicationForm

    loan_on_book(investor, big_product, amount_fen=2_000_000, paid=3)
    client.force_login(investor)
    consent_to_apply(investor)
    data = {"product": big_product.pk, "amount": "195,000.01", "months": 12, **{ApplicationForm.field_name(k): v for k, v in answers().items()}}
    page = client.post("/loans/apply/", data)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="amount-error"' in html and "¥195,000.00" in html
    assert not LoanApplication.objects.exists()
    assert client.post("/loans/apply/", {**data, "amount": "195,000.00"}).status_code == 302


def test_the_api_refuses_over_the_cap_with_the_figures(investor, big_product, api_client_for):
    import json

    loan_on_book(investor, big_product, amount_fen=2_000_000, paid=3)
    consent_to_apply(investor)
    api = api_client_for(investor)
    data = {"product_id": big_product.pk, "amount_fen": PERSON_CAP - 500_000 + 1, "months": 12, "attributes": json.dumps(answers())}
    refused = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="cap-1")
    assert refused.status_code == 400
    body = refused.json()
    assert (body["code"], body["extra"]["cap_fen"], body["extra"]["outstanding_fen"]) == ("application.cap", PERSON_CAP, 500_000)
    accepted = api.post("/api/v1/loans/applications", data={**data, "amount_fen": PERSON_CAP - 500_000}, HTTP_IDEMPOTENCY_KEY="cap-2")
    assert accepted.status_code == 201, accepted.content
