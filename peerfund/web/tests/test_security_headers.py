"""Every page carries a Content-Security-Policy with a fresh nonce that only the page's
own scripts carry; the CSRF cookie is out of script's reach and forms still post;
production adds HSTS and the HTTPS redirect (issue 16, item 1)."""
import re

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/projects/", "/loans/", "/disclosure/", "/no-such-page/"])
def test_every_page_has_a_strict_policy_with_a_fresh_nonce(url):
    first, second = Client().get(url), Client().get(url)
    nonces = []
    for response in (first, second):
        rules = policy(response)
        assert rules["default-src"] == ["'self'"] and rules["object-src"] == ["'none'"]
        assert rules["frame-ancestors"] == ["'none'"] and rules["base-uri"] == ["'self'"] and rules["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in rules["script-src"] and "'unsafe-eval'" not in rules["script-src"]
        (nonce,) = [source[len("'nonce-"):-1] for source in rules["script-src"] if source.startswith("'nonce-")]
        page = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", page)
        executable = [tag for tag in scripts if 'type="application/json"' not in tag]
        assert executable and all(f'nonce="{nonce}"' in tag for tag in executable if "nonce=" in tag)
        assert 'src="/static/vendor/htmx/htmx.min.js" nonce="' + nonce in page
        assert not re.search(r"\son[a-z]+=\"", page), "inline event handlers do not run under the policy"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_json_api_answers_carry_the_policy_too():
    assert "default-src 'self'" in Client().get("/api/v1/openapi.json")["Content-Security-Policy"]


def test_csrf_cookie_is_http_only_and_forms_still_post(make_user):
    make_user(username="lin")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    cookie = client.cookies["csrftoken"]
    assert cookie["httponly"] is True
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    # htmx requests send the token from <body hx-headers>, rendered by the server.
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", page.content.decode())
    refused = client.post("/accounts/login/", {"login": "lin", "password": "correct-horse-9"})
    assert refused.status_code == 403
    logged_in = client.post("/accounts/login/", {"login": "lin", "password": "correct-horse-9", "csrfmiddlewaretoken": token})
    assert logged_in.status_code == 302
    header = Client(enforce_csrf_checks=True)
    header.get("/accounts/login/")
    body = header.get("/accounts/login/").content.decode()
    hx_token = re.search(r"X-CSRFToken\": \"([^\"]+)\"", body).group(1)
    assert header.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=hx_token).status_code == 302


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_production_https_redirect_and_hsts_with_healthz_exempt():
    """The production values (config.settings sets them when PEERFUND_ENV=production)."""
    plain = Client().get("/projects/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/projects/"
    assert Client().get("/healthz").status_code == 200  # the load balancer probes over HTTP
    secure = Client().get("/projects/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
