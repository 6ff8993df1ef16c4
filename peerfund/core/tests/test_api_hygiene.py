"""Malformed input never reaches the database or crashes the API: amounts are JSON
integers of fen, ids and pages stay inside what a 64-bit column holds, and whatever
goes wrong the answer is JSON `{code, message, extra}` — also the platform's own
500 and an address under /api/v1/ that names no operation. The OpenAPI document gives
every schema its own name and declares every operation's error statuses."""
import json
import logging

import pytest
from ninja import Schema

from config.api import api

BIG = 2**64


def _post(client, path, payload, key="k"):
    return client.post(path, data=json.dumps(payload), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["extra"]["fields"]]


@pytest.mark.parametrize("amount", [True, "10000", 10000.5, 0, -5, 10**15 + 1])
def test_an_amount_must_be_a_positive_json_integer_of_fen(investor, api_client_for, amount):
    response = _post(api_client_for(investor), "/api/v1/funds/deposits", {"amount_fen": amount}, key=f"amount-{amount!r}")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation" and _fields(response) == ["payload.amount_fen"]


def test_money_fields_in_bodies_are_strict_everywhere(investor, api_client_for):
    client = api_client_for(investor)
    for path, payload in (
        ("/api/v1/loans/1/bids", {"amount_fen": True, "trade_password": "x"}),
        ("/api/v1/loans/1/repayments", {"amount_fen": "100", "trade_password": "x"}),
        ("/api/v1/loans/claims/1/purchases", {"principal_fen": 1.5, "trade_password": "x"}),
        ("/api/v1/funds/withdrawals", {"amount_fen": True, "card_id": 1, "trade_password": "x"}),
        ("/api/v1/crowdfunding/projects/1/pledges", {"amount_fen": True, "trade_password": "x"}),
    ):
        response = _post(client, path, payload, key=path)
        assert response.status_code == 422, (path, response.content)
        assert any(field.endswith("_fen") for field in _fields(response)), path


def test_ids_pages_and_offsets_beyond_64_bits_are_422_not_500(investor, api_client_for, client):
    authed = api_client_for(investor)
    for path in (f"/api/v1/loans/{BIG}", f"/api/v1/loans?page={BIG}", f"/api/v1/crowdfunding/projects/{BIG}",
                 f"/api/v1/crowdfunding/projects?category={BIG}", f"/api/v1/loans?left_min_fen={BIG}"):
        response = client.get(path)
        assert response.status_code == 422 and response.json()["code"] == "validation", path
    for path in (f"/api/v1/funds/withdrawals/{BIG}", f"/api/v1/funds/history?offset={BIG}", f"/api/v1/me/messages?limit={BIG}",
                 f"/api/v1/loans/{2**63}/prepayment-quote"):
        response = authed.get(path)
        assert response.status_code == 422 and response.json()["code"] == "validation", path
    response = _post(authed, "/api/v1/funds/withdrawals", {"amount_fen": 10_000, "card_id": BIG, "trade_password": "x"})
    assert response.status_code == 422 and _fields(response) == ["payload.card_id"]


def test_an_address_under_the_api_that_names_no_operation_is_a_json_404(client, db):
    for path in ("/api/v1/nothing-here", "/api/v1/loans/-1", "/api/v1/loans/abc/bids"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json"), path
        assert response.json() == {"code": "not_found", "message": "未找到。", "extra": {}}  # Chinese first


def test_an_unexpected_failure_is_a_logged_json_500(client, db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("peerfund.cms.api.published", broken)
    with caplog.at_level(logging.ERROR, logger="peerfund.api"):
        response = client.get("/api/v1/content/articles")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error" and body["message"] and body["extra"] == {}
    assert "the database went away" not in response.content.decode()
    assert any(record.exc_info and "the database went away" in str(record.exc_info[1]) for record in caplog.records)


def test_every_api_schema_has_its_own_name():
    import peerfund.accounts.api
    import peerfund.backoffice.support_api
    import peerfund.cms.api
    import peerfund.crowdfunding.api
    import peerfund.disclosure.api
    import peerfund.funds.api
    import peerfund.lending.api  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    seen: dict[str, str] = {}
    for schema in subclasses(Schema):
        if not (schema.__module__.startswith("peerfund.") or schema.__module__.startswith("config.")):
            continue
        where = f"{schema.__module__}.{schema.__qualname__}"
        assert seen.setdefault(schema.__name__, where) == where, f"{where} and {seen[schema.__name__]} share a name"


def test_every_operation_declares_its_error_statuses_with_one_error_schema():
    document = api.get_openapi_schema(path_params={})
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message", "extra"}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            declared = {int(status): spec for status, spec in operation["responses"].items()}
            expected = {400, 403, 404, 409, 422, 500} | ({401} if operation.get("security") else set())
            assert expected <= set(declared), (method, path)
            assert all(declared[status]["content"] == error for status in expected), (method, path)


def test_a_whole_number_written_with_a_point_is_that_integer(investor, api_client_for):
    """JSON Schema (the API's document) calls 100.0 an integer, so the API reads it as one."""
    client = api_client_for(investor)
    response = _post(client, "/api/v1/funds/deposits", {"amount_fen": 10000.0}, key="point-zero")
    assert response.status_code == 201, response.content
    assert response.json()["amount_fen"] == 10000 and client.get("/api/v1/funds/deposits").json()[0]["amount_fen"] == 10000


def test_a_json_body_that_is_not_an_object_is_refused_and_changes_nothing(investor, api_client_for):
    client = api_client_for(investor)
    unread = len(client.get("/api/v1/me/messages?unread_only=true").json())
    assert unread > 0
    for body in ("[null, null]", '"AAA"', "null", "1"):
        response = client.post("/api/v1/me/messages/read", data=body, content_type="application/json")
        assert response.status_code == 422 and _fields(response) == ["payload"], (body, response.content)
        response = client.post("/api/v1/crowdfunding/mine", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=body)
        assert response.status_code == 422 and response.json()["code"] == "validation", (body, response.content)
    assert len(client.get("/api/v1/me/messages?unread_only=true").json()) == unread  # none marked read
    assert client.get("/api/v1/crowdfunding/mine").json() == []  # no project started
    assert client.post("/api/v1/me/messages/read", data="{}", content_type="application/json").json() == {"marked": unread}


@pytest.mark.parametrize("value", ["0", "1700000000", "20240101", "2024-1-1", "2024-02-30", "2024-01-01T00:00", "", "２０２４-01-01"])
def test_a_query_date_is_an_iso_date_and_nothing_else(investor, api_client_for, value):
    response = api_client_for(investor).get("/api/v1/funds/history", {"date_to": value})
    assert response.status_code == 422, response.content
    assert _fields(response) == ["date_to"] and "YYYY-MM-DD" in response.json()["extra"]["fields"][0]["message"]


def test_a_query_date_filters_the_history(investor, api_client_for):
    client = api_client_for(investor)
    assert client.get("/api/v1/funds/history", {"date_to": "2000-01-01"}).json() == []
    response = client.get("/api/v1/funds/history", {"date_from": "2000-01-01", "date_to": "2999-12-31"})
    assert response.status_code == 200 and isinstance(response.json(), list)


def test_a_query_rate_is_documented_as_the_number_it_must_be(client, db):
    parameter = next(p for p in api.get_openapi_schema(path_params={})["paths"]["/api/v1/loans"]["get"]["parameters"]
                     if p["name"] == "rate_max")
    assert parameter["schema"]["anyOf"][0] == {"type": "number", "minimum": 0, "maximum": 1}
    assert all(branch.get("type") != "string" for branch in parameter["schema"]["anyOf"])
    for value in ("", "abc", "NaN", "1.5", "-0.1"):
        response = client.get("/api/v1/loans", {"rate_max": value})
        assert response.status_code == 422 and _fields(response) == ["rate_max"], value
    for value in ("0.08", "0.0849999999999", "5e-324", "1e-999999", "1"):
        response = client.get("/api/v1/loans", {"rate_min": value, "rate_max": value})
        assert response.status_code == 200, (value, response.content)


@pytest.mark.parametrize("rate", ["P", "", 0.02, "0.12345", "1.5", "-0", "NaN", "1e-3", ".5"])
def test_a_body_rate_is_decimal_text_as_documented(investor, api_client_for, rate):
    """The CI fuzzer sent `"discount_rate": "P"`, which the document allowed (any string)
    and the server refused: the document now says what is read — text of a fraction from
    0 to 1 with at most four places — and everything else is a 422 naming the field."""
    body = api.get_openapi_schema(path_params={})["components"]["schemas"]["ClaimListIn"]["properties"]["discount_rate"]
    assert body["type"] == "string" and "pattern" in body
    response = _post(api_client_for(investor), "/api/v1/loans/claims", {"investment_id": 1, "discount_rate": rate}, key=f"rate-{rate!r}")
    assert response.status_code == 422 and _fields(response) == ["payload.discount_rate"], response.content


def test_a_body_rate_in_the_documented_form_reaches_the_business_rules(investor, api_client_for):
    response = _post(api_client_for(investor), "/api/v1/loans/claims", {"investment_id": 1, "discount_rate": "0.02"})
    assert response.status_code == 404, response.content  # no such investment of this investor, not a 422


def test_a_session_cookie_no_server_issued_is_ignored_not_a_500(investor, api_client_for):
    """A forged `sessionid` longer than allauth's 40-character column crashed its session
    tracking on PostgreSQL; it is now dropped before the session middleware reads it."""
    client = api_client_for(investor)
    client.cookies["sessionid"] = "x" * 60 + "!"
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    from allauth.usersessions.models import UserSession

    assert not UserSession.objects.filter(session_key__startswith="xxxx").exists()
