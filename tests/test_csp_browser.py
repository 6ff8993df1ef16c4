"""The Content-Security-Policy in a real browser (issue 16, item 1): a script injected
into a page without the page's nonce does not run, the page's own scripts (Tabler,
htmx, ours) do, with no CSP violation of their own; and the GIF/HTML polyglot opens
as an image, never as a page that runs script."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from peerfund.tests_support.crowdfunding import draft_project
from peerfund.tests_support.people import onboard
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECTED = "<script>window.injectedRan = true; document.title = 'pwned';</script>"


def _violations(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None)
    return messages


def test_injected_inline_script_does_not_run_while_the_pages_own_scripts_do(page, live_server):
    page.set_default_timeout(30_000)  # a busy CI machine
    violations = _violations(page)

    def inject(route):
        # Markup that slipped into our page (as a stored XSS would): same response,
        # same CSP header, one extra inline script without the nonce.
        response = route.fetch()
        assert "content-security-policy" in response.headers
        body = response.text().replace("</main>", INJECTED + "</main>", 1)
        route.fulfill(response=response, body=body)

    page.route(f"{live_server.url}/", inject)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.evaluate("() => window.injectedRan") is None
    assert page.title() != "pwned"
    assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("() => typeof tabler") == "object"  # Tabler's bundle ran
    assert any("inline script" in text or "script-src" in text for text in violations), violations
    own = [text for text in violations if "inline script" not in text and "script-src" not in text]
    assert own == [], own


def test_pages_own_behaviour_still_works_under_the_policy(page, live_server):
    page.set_default_timeout(30_000)  # a busy CI machine
    violations = _violations(page)
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.select_option("#language-form select", "en")  # site.js submits on change
    assert page.locator("html").get_attribute("lang") == "en"
    for path in ("/projects/", "/loans/", "/disclosure/", "/accounts/login/", "/accounts/signup/", "/api/v1/docs"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    assert violations == [], violations


def test_polyglot_gif_opens_as_an_image_not_a_page(page, live_server, platform, make_user, api_client_for):
    project_owner = make_user(username="maker")
    onboard(project_owner, identity=2)
    buffer = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buffer, "GIF", comment=INJECTED.encode())
    project = draft_project(project_owner)
    upload = SimpleUploadedFile("x.html", buffer.getvalue(), content_type="text/html")
    url = api_client_for(project_owner).post(f"/api/v1/crowdfunding/mine/{project.pk}/story-images", {"image": upload}).json()["url"]
    browser_login(page, live_server.url, project_owner.username)
    response = page.goto(f"{live_server.url}{url}")
    assert response.headers["content-type"] == "image/gif"
    assert page.evaluate("() => document.contentType") == "image/gif"
    assert page.evaluate("() => window.injectedRan") is None and page.title() != "pwned"
