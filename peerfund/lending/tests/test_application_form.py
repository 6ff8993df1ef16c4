"""The application form (issue 17, item 4): every question starts unanswered and is
required, age comes from the verified ID, purpose is asked once, students are refused
(the 2017 ban on campus lending, 校园贷) on the page and in the API."""
import datetime as dt
import json
import re

import pytest

from peerfund.core import clock
from peerfund.lending.forms import ApplicationForm
from peerfund.lending.models import LoanApplication
from peerfund.lending.services.origination import application_submit
from peerfund.lending.tests.applicants import answers, consent_to_apply
from peerfund.risk.features import QUESTIONS
from peerfund.risk.models import CreditDecision


@pytest.fixture
def borrowing(product, active_model):
    product.required_documents = []
    product.save()
    return product


@pytest.fixture
def applicant(client, investor):
    client.force_login(investor)
    consent_to_apply(investor)
    return investor


def form_data(product, **overrides):
    data = {"product": product.pk, "amount": "5,000", "months": 12, **{ApplicationForm.field_name(k): v for k, v in answers().items()}}
    data.update(overrides)
    return data


def test_every_question_starts_unanswered(client, applicant, borrowing):
    html = client.get("/loans/apply/").content.decode()
    for question in QUESTIONS:
        name = ApplicationForm.field_name(question.name)
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        if select:
            assert re.search(r'<option value="" selected>', select.group(1)), name  # the blank answer is the one shown
            assert select.group(1).count("selected") == 1, name
        else:
            field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
            assert field and 'value="' not in field.group(0), name
    assert "age_in_years" not in html and "number_of_existing_credits_at_this_bank" not in html  # not asked: known from the ID and the books
    assert html.count('name="purpose"') == 1  # purpose asked once


def test_skipping_questions_is_an_error_on_each_never_a_lower_grade(client, applicant, borrowing):
    page = client.post("/loans/apply/", {"product": borrowing.pk, "amount": "5,000", "months": 12})
    html = page.content.decode()
    assert page.status_code == 200
    for question in QUESTIONS:
        assert f'data-testid="{ApplicationForm.field_name(question.name)}-error"' in html, question.name
    assert not LoanApplication.objects.exists() and not CreditDecision.objects.exists()
    skipped_one = client.post("/loans/apply/", form_data(borrowing, attr_housing="")).content.decode()
    assert 'data-testid="attr_housing-error"' in skipped_one and not CreditDecision.objects.exists()


def test_the_api_refuses_unanswered_questions_by_name(applicant, borrowing, api_client_for):
    api = api_client_for(applicant)
    given = {k: v for k, v in answers().items() if k not in ("housing", "student")}
    data = {"product_id": borrowing.pk, "amount_fen": 500_000, "months": 12, "attributes": json.dumps(given)}
    refused = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="q-1")
    assert refused.status_code == 422 and refused.json()["code"] == "application.unanswered"
    assert set(refused.json()["extra"]["questions"]) == {"housing", "student"} and not CreditDecision.objects.exists()


def test_the_same_answers_get_the_same_grade_in_any_order_on_the_page_and_in_the_api(client, applicant, borrowing, api_client_for):
    data = form_data(borrowing)
    client.post("/loans/apply/", data)
    client.post("/loans/apply/", dict(reversed(list(data.items()))))
    api = api_client_for(applicant)
    shuffled = dict(sorted(answers().items(), reverse=True))
    created = api.post("/api/v1/loans/applications", data={"product_id": borrowing.pk, "amount_fen": 500_000, "months": 12,
                                                           "attributes": json.dumps(shuffled)}, HTTP_IDEMPOTENCY_KEY="q-2")
    assert created.status_code == 201, created.content
    decisions = list(CreditDecision.objects.order_by("id").values_list("score", "grade"))
    assert len(decisions) == 3 and len(set(decisions)) == 1


def test_a_student_is_refused_on_the_page(client, applicant, borrowing):
    page = client.post("/loans/apply/", form_data(borrowing, attr_student="yes"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="attr_student-error"' in html and "2017" in html
    assert not LoanApplication.objects.exists() and not CreditDecision.objects.exists()


def test_a_student_is_refused_in_the_api_and_the_service(applicant, borrowing, api_client_for):
    api = api_client_for(applicant)
    data = {"product_id": borrowing.pk, "amount_fen": 500_000, "months": 12, "attributes": json.dumps(answers(student="yes"))}
    refused = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="s-1")
    assert refused.status_code == 400 and refused.json()["code"] == "application.student"
    assert refused.json()["extra"]["field"] == "student"
    from peerfund.accounts.errors import AccountError

    with pytest.raises(AccountError) as excinfo:
        application_submit(borrower=applicant, product=borrowing, amount_fen=500_000, months=12, attributes=answers(student="yes"), documents={})
    assert excinfo.value.code == "application.student" and not LoanApplication.objects.exists()


def test_age_comes_from_the_verified_id(client, applicant, borrowing, api_client_for):
    clock.travel_to(dt.date(2026, 3, 6))  # the investor's ID: born 1990-03-07, so 35 today and 36 tomorrow
    assert "35" in client.get("/loans/apply/").content.decode()
    client.post("/loans/apply/", form_data(borrowing))
    assert LoanApplication.objects.get().attributes["age_in_years"] == 35
    clock.travel_to(dt.date(2026, 3, 7))
    api = api_client_for(applicant)
    data = {"product_id": borrowing.pk, "amount_fen": 500_000, "months": 12, "attributes": json.dumps({**answers(), "age_in_years": 70})}
    created = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="age-1")
    assert created.status_code == 201, created.content
    assert LoanApplication.objects.get(pk=created.json()["id"]).attributes["age_in_years"] == 36  # what the client said is not used


def test_the_purpose_chosen_is_the_applications_purpose(client, applicant, borrowing):
    client.post("/loans/apply/", form_data(borrowing, purpose="repairs"))
    application = LoanApplication.objects.get()
    assert application.attributes["purpose"] == "repairs" and application.purpose == "装修维修"


def test_the_live_quote_is_wired_to_amount_term_and_product(client, applicant, borrowing):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("lending:quote")
    except NoReverseMatch:
        pytest.skip("the quote partial (lending:quote) is not there yet")
    html = client.get("/loans/apply/").content.decode()
    assert 'id="quote"' in html
    for name in ("product", "amount", "months"):
        tag = re.search(rf'<(?:select|input)[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'hx-get="{url}"' in tag and 'hx-target="#quote"' in tag and "keyup changed delay:400ms" in tag
