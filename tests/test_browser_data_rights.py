"""A user downloads their data and closes an emptied account, in a real browser."""
import io
import json
import zipfile

import pytest

from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-9"


def test_download_my_data_then_close_the_emptied_account(page, investor):
    from peerfund.accounts.models import User

    page.goto("/accounts/login/")
    page.fill("#id_login", investor.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    page.goto("/me/personal/")
    assert page.locator("[data-testid=identity-reason]").is_visible()
    page.click("[data-testid=to-download]")
    page.fill("#id_password", PASSWORD)
    with page.expect_download() as download_info:
        page.click("[data-testid=download-form] button[type=submit]")
    with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as archive:
        assert json.loads(archive.read("profile.json"))["username"] == investor.username
        assert json.loads(archive.read("identity.json"))["unmasked"] is True

    page.goto("/me/personal/")
    page.click("[data-testid=to-closure]")
    assert page.locator("[data-testid=close-blockers]").count() == 0
    page.fill("#id_password", PASSWORD)
    page.fill("#id_trade_password", TRADE_PASSWORD)
    page.check("#id_understood")
    with page.expect_navigation():
        page.click("[data-testid=closure-form] button[type=submit]")
    assert not User.objects.get(pk=investor.pk).is_active

    page.goto("/accounts/login/")
    page.fill("#id_login", investor.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/login/" in page.url or "/accounts/inactive/" in page.url
    assert page.goto("/me/personal/").url.split("?")[0].endswith("/accounts/login/")
