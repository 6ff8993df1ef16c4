"""Consumer navigation: no developer links (API docs, health check) in the header or
footer, and a skip link to the page's main content for keyboard users."""
import re

import pytest


@pytest.mark.parametrize("who", ["visitor", "investor"])
def test_consumer_pages_have_no_api_or_status_link(client, investor, who):
    if who == "investor":
        client.force_login(investor)
    for path in ("/", "/loans/", "/projects/"):
        html = client.get(path).content.decode()
        assert 'href="/api/v1/docs' not in html and 'href="/healthz' not in html, path
    assert client.get("/api/v1/docs").status_code == 200  # still there for developers who know the address


def test_the_skip_link_is_first_and_targets_the_main_content(client, db):
    html = client.get("/").content.decode()
    body = html[html.index("<body"):]
    first_link = re.search(r"<a\b[^>]*>", body).group(0)
    assert 'data-testid="skip-link"' in first_link and "visually-hidden-focusable" in first_link
    target = re.search(r'href="#([\w-]+)"', first_link).group(1)
    assert re.search(rf'<main\b[^>]*\bid="{target}"', html)
    assert "跳到正文" in body[: body.index("</a>")]
