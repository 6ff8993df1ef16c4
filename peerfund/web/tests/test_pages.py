"""Site pages: home in both languages, login, my account with the deposit form,
health check and the styled error pages."""
import pytest
from django.test import RequestFactory

from peerfund.web import views


def test_home_is_chinese_by_default_and_english_on_request(client, db):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "银行存管" in html
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "custodian bank" in english.content.decode()


def test_language_switch_sticks(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_account_page_needs_login(client, db):
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_new_user_sees_the_onboarding_steps(client, owner):
    client.force_login(owner)
    html = client.get("/account/").content.decode()
    assert 'data-testid="onboarding"' in html
    assert "/me/verify/" in html


def test_onboarded_user_sees_assets_and_no_steps(client, investor):
    client.force_login(investor)
    html = client.get("/account/").content.decode()
    assert 'data-testid="onboarding"' not in html
    assert 'data-testid="available-balance"' in html


def test_a_user_sees_only_their_own_movements(client, funded, other_user):
    client.force_login(other_user)
    html = client.get("/account/").content.decode()
    assert "¥10,000.00" not in html


def test_healthz_reports_database_and_queue(client, db, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}

    from huey.contrib.djhuey import HUEY

    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setattr(HUEY, "pending_count", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] == "error: ConnectionError"


def test_healthz_with_the_redis_queue(client, db, settings):
    from huey import RedisHuey
    from redis.exceptions import ConnectionError as RedisConnectionError

    huey = RedisHuey("peerfund-healthz-test", url="redis://127.0.0.1:6379/15")
    try:
        huey.pending_count()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from huey.contrib import djhuey

    original = djhuey.HUEY
    djhuey.HUEY = huey
    try:
        assert client.get("/healthz").json()["queue"] == "ok"
    finally:
        djhuey.HUEY = original


def test_unknown_page_is_the_styled_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.content.decode()


def test_styled_403_and_500(db):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    forbidden = views.error_403(request)
    assert forbidden.status_code == 403 and 'data-testid="error-403"' in forbidden.content.decode()
    server_error = views.error_500(request)
    assert server_error.status_code == 500 and 'data-testid="error-500"' in server_error.content.decode()


def test_csrf_is_enforced_on_forms(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/funds/deposit/", {"amount": "1.00", "key": "k"}).status_code == 403
