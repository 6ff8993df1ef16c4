"""The skip link in a real browser: hidden until the first Tab, then visible at the
top of the page, and following it puts keyboard focus on the main content."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_first_tab_shows_the_skip_link_and_it_moves_focus_to_the_content(page, live_server):
    page.set_default_timeout(30_000)  # a busy CI machine
    page.goto(f"{live_server.url}/")
    link = page.get_by_test_id("skip-link")
    assert link.bounding_box()["width"] <= 1  # clipped away until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "skip-link"
    box = link.bounding_box()
    assert box["width"] > 20 and box["height"] > 10 and box["y"] < 60 and link.inner_text() == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
