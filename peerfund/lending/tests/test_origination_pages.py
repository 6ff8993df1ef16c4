"""The application form, my applications, and the review queue in the back office."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from peerfund.core.audit import audit_trail
from peerfund.lending.forms import ApplicationForm
from peerfund.lending.models import LoanApplication
from peerfund.lending.tests.applicants import consent_to_apply, lawful
from peerfund.risk.features import QUESTIONS
from peerfund.tests_support.applications import GOOD

PDF = b"%PDF-1.4\n% test\n"


def form_data(product, **overrides):
    data = {"product": product.pk, "amount": "5,000", "months": 12, "attr_student": "no"}
    data.update({ApplicationForm.field_name(f.name): GOOD[f.name] for f in QUESTIONS if f.name != "student"})
    data.update(overrides)
    return data


def test_apply_then_two_staff_review_and_list_it(client, investor, product, active_model, staff_with):
    lawful(product, required_documents=["id"])
    client.force_login(investor)
    consent_to_apply(investor)
    bad = client.post("/loans/apply/", {**form_data(product), "id": SimpleUploadedFile("id.pdf", b"GIF89a not allowed")}).content.decode()
    assert 'data-testid="id-error"' in bad and not LoanApplication.objects.exists()
    done = client.post("/loans/apply/", {**form_data(product), "id": SimpleUploadedFile("id.pdf", PDF)})
    assert done.status_code == 302 and done["Location"] == "/loans/my-applications/"
    assert "初审" in client.get("/loans/my-applications/").content.decode() or "first review" in client.get("/loans/my-applications/").content.decode()
    application = LoanApplication.objects.get()
    first, second = Client(), Client()
    first.force_login(staff_with("risk", "first"))
    second.force_login(staff_with("risk", "second"))
    queue = first.get("/backoffice/lending/applications/").content.decode()
    assert "二手车" in queue  # the purpose chosen ("used car") is the application's purpose
    document = application.documents.get()
    assert first.get(f"/backoffice/lending/documents/{document.pk}/").status_code == 200
    assert audit_trail(application).filter(action="application.document_view").exists()
    first.post("/backoffice/lending/applications/", {"application": application.pk, "decision": "approve"})
    first.post("/backoffice/lending/applications/", {"application": application.pk, "decision": "approve"})  # refused: same person
    application.refresh_from_db()
    assert application.status == "final_review"
    second.post("/backoffice/lending/applications/", {"application": application.pk, "decision": "approve", "annual_rate": ""})
    application.refresh_from_db()
    assert application.status == "listed" and application.loan is not None
    assert "二手车" in client.get("/loans/").content.decode()


def test_the_review_queue_is_for_loan_reviewers_only(staff_with, client):
    client.force_login(staff_with("finance"))
    assert client.get("/backoffice/lending/applications/").status_code == 403


def test_apply_through_the_api(investor, product, active_model, api_client_for, client):
    import json

    product.required_documents = ["id"]
    product.save()
    schema = client.get("/api/v1/loans/applications/schema").json()
    asked = {q["name"] for q in schema}
    assert not asked & {"credit_amount", "duration_in_month", "age_in_years", "number_of_existing_credits_at_this_bank"} and "student" in asked
    answers = {q["name"]: GOOD.get(q["name"], "no") for q in schema}
    api = api_client_for(investor)
    consent_to_apply(investor)
    data = {"product_id": product.pk, "amount_fen": 500_000, "months": 12, "purpose": "装修", "attributes": json.dumps(answers), "id": SimpleUploadedFile("id.pdf", PDF)}
    created = api.post("/api/v1/loans/applications", data=data, HTTP_IDEMPOTENCY_KEY="app-1")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "first_review" and created.json()["grade"]
    refused = api.post("/api/v1/loans/applications", data={**data, "amount_fen": 10, "id": SimpleUploadedFile("id.pdf", PDF)}, HTTP_IDEMPOTENCY_KEY="app-2")
    assert refused.status_code == 400 and refused.json()["code"] == "application.amount"
    assert [a["id"] for a in api.get("/api/v1/loans/applications/mine").json()] == [created.json()["id"]]
