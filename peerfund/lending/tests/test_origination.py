"""Origination: checks, pre-screen with reasons, two different reviewers, listing with
auto-invest; the borrowing cap across loans; uploads checked by content and size."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from peerfund.accounts.errors import AccountError
from peerfund.core.errors import Forbidden
from peerfund.lending.models import Loan, LoanApplication
from peerfund.lending.services.origination import application_review, application_submit
from peerfund.lending.tests.applicants import consent_to_apply, lawful
from peerfund.notify.models import Message
from peerfund.risk.features import DERIVED
from peerfund.tests_support.applications import GOOD, WEAK

PDF = b"%PDF-1.4\n% test document\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docs(**overrides):
    files = {"id": SimpleUploadedFile("id.pdf", PDF), "income": SimpleUploadedFile("income.png", PNG)}
    files.update(overrides)
    return {k: v for k, v in files.items() if v is not None}


@pytest.fixture
def attributes():
    return {**{k: v for k, v in GOOD.items() if k not in DERIVED}, "student": "no"}


@pytest.fixture
def borrowing(product, active_model):
    return lawful(product, required_documents=["id", "income"])


def submit(borrower, product, attributes, amount=500_000, months=12, documents=None):
    return application_submit(borrower=borrower, product=product, amount_fen=amount, months=months, purpose="装修", attributes=attributes,
                              documents=docs() if documents is None else documents)


def test_a_good_application_goes_through_two_reviews_and_is_listed(investor, borrowing, attributes, staff_with):
    first, second = staff_with("risk", "first"), staff_with("risk", "second")
    application = submit(investor, borrowing, attributes)
    assert application.status == LoanApplication.Status.FIRST_REVIEW and application.decision.grade in "ABC"
    assert application.documents.count() == 2 and application.documents.first().content_type in ("application/pdf", "image/png")
    application_review(staff=first, application=application, approve=True)
    with pytest.raises(Forbidden):
        application_review(staff=first, application=application, approve=True)
    application = application_review(staff=second, application=application, approve=True)
    assert application.status == LoanApplication.Status.LISTED
    loan = application.loan
    assert (loan.status, loan.amount_fen, loan.grade, loan.borrower) == (Loan.Status.LISTED, 500_000, application.decision.grade, investor)
    assert borrowing.rate_min <= loan.annual_rate <= borrowing.rate_max
    assert Message.objects.filter(user=investor, event="application.listed").exists()


def test_a_weak_application_is_declined_at_once_with_reasons(investor, borrowing):
    attributes = {**{k: v for k, v in WEAK.items() if k not in DERIVED}, "student": "no"}
    application = submit(investor, borrowing, attributes, amount=1_000_000, months=12)
    assert application.status == LoanApplication.Status.PRESCREEN_REJECTED
    assert application.reason and Message.objects.filter(user=investor, event="application.declined").exists()


def test_a_reviewer_may_decline_with_a_reason(investor, borrowing, attributes, staff_with):
    application = submit(investor, borrowing, attributes)
    with pytest.raises(AccountError):
        application_review(staff=staff_with("risk"), application=application, approve=False)
    application_review(staff=staff_with("risk"), application=application, approve=False, reason="income proof unreadable")
    application.refresh_from_db()
    assert (application.status, application.reason) == (LoanApplication.Status.REJECTED, "income proof unreadable")


def test_the_borrowing_cap_counts_every_loan_and_pending_application(investor, borrowing, attributes, settings):
    settings.PEERFUND_BORROW_CAP_PERSON_FEN = 1_200_000
    submit(investor, borrowing, attributes, amount=800_000)
    with pytest.raises(AccountError) as excinfo:
        submit(investor, borrowing, attributes, amount=500_000)
    assert excinfo.value.code == "application.cap" and excinfo.value.extra["outstanding_fen"] == 800_000


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": 50_000}, "application.amount"),
        ({"months": 9}, "application.term"),
        ({"documents": {"id": SimpleUploadedFile("id.pdf", PDF)}}, "application.document_missing"),
        ({"documents": docs(income=SimpleUploadedFile("income.pdf", b"MZ\x90\x00 not a pdf"))}, "application.document_type"),
        ({"documents": docs(income=SimpleUploadedFile("big.pdf", PDF + b"0" * (6 * 1024 * 1024)))}, "application.document_size"),
    ],
)
def test_bad_applications_are_refused_at_their_field(investor, borrowing, attributes, change, code):
    with pytest.raises(AccountError) as excinfo:
        submit(investor, borrowing, attributes, **change)
    assert excinfo.value.code == code
    assert not LoanApplication.objects.exists()


def test_an_unverified_borrower_cannot_apply(owner, borrowing, attributes):
    consent_to_apply(owner)  # the consent gate comes first; this is about the identity
    with pytest.raises(AccountError) as excinfo:
        submit(owner, borrowing, attributes)
    assert excinfo.value.code == "application.not_verified"


def test_the_final_rate_must_fit_product_and_grade(investor, borrowing, attributes, staff_with):
    application = submit(investor, borrowing, attributes)
    application_review(staff=staff_with("risk", "a"), application=application, approve=True)
    with pytest.raises(AccountError) as excinfo:
        application_review(staff=staff_with("risk", "b"), application=application, approve=True, annual_rate=Decimal("0.30"))
    assert excinfo.value.code == "application.rate"
