"""A loan application's `attributes` must be a JSON object of the documented questions
(GET /api/v1/loans/applications/schema); anything else is a 422 naming the field,
never a server error, and nothing is stored."""
import json

import pytest

from peerfund.lending.models import LoanApplication


@pytest.mark.parametrize("attributes", ["[1, 2]", '"text"', "7", "null", '{"purpose": []}', '{"purpose": {"a": 1}}', '{"age_in_years": true}',
                                        '{"favourite_colour": "blue"}', "[" * 5000])
def test_attributes_that_are_not_an_object_of_the_questions_are_a_422(investor, product, api_client_for, attributes):
    response = api_client_for(investor).post(
        "/api/v1/loans/applications",
        data={"product_id": product.pk, "amount_fen": 500_000, "months": 12, "purpose": "装修", "attributes": attributes},
        HTTP_IDEMPOTENCY_KEY=f"attr-{hash(attributes)}",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "application.attributes" and body["extra"]["field"] == "attributes" and body["message"]
    assert not LoanApplication.objects.exists()


def test_the_api_refuses_unknown_questions_by_name(investor, product, api_client_for):
    response = api_client_for(investor).post(
        "/api/v1/loans/applications",
        data={"product_id": product.pk, "amount_fen": 500_000, "months": 12, "purpose": "装修", "attributes": json.dumps({"salary_secret": 1})},
        HTTP_IDEMPOTENCY_KEY="unknown",
    )
    assert response.status_code == 422 and response.json()["extra"]["unknown"] == ["salary_secret"]
