"""Downloading one's data (PIPL art. 45) and correcting what may be corrected."""
import datetime as dt
import io
import json
import zipfile

import pytest

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import Verification
from peerfund.accounts.services.data_rights import data_export_build, identity_confirm, profile_update
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.models import AuditLog
from peerfund.notify.services import notify
from peerfund.tests_support.crowdfunding import address_of
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import IDENTITIES

PASSWORD = "correct-horse-9"


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


@pytest.fixture
def two_people(investor, other_investor, django_capture_on_commit_callbacks):
    """Both onboarded, with money, an address and a message each."""
    for user, key in ((investor, "a"), (other_investor, "b")):
        pay_deposit(user, 123_400 if user == investor else 567_800, django_capture_on_commit_callbacks, key=key)
        address_of(user, province="浙江" if user == investor else "广东")
    other_investor.display_name = "另一位用户"
    other_investor.email = "other@example.com"
    other_investor.save()
    return investor, other_investor


def test_the_export_holds_my_data_and_nothing_of_anyone_else(two_people):
    me, other = two_people
    files = unzip(data_export_build(user=me))
    assert {"README.txt", "profile.json", "identity.json", "bank_cards.csv", "balances.csv", "ledger.csv", "bids.csv", "investments.csv",
            "receivables.csv", "loans.csv", "loan_applications.csv", "pledges.csv", "projects.csv", "messages.csv", "logins.csv",
            "audit.csv", "addresses.csv"} <= set(files)
    profile = json.loads(files["profile.json"])
    assert profile["username"] == me.username and profile["mobile"] == me.phone
    assert "123400" in files["balances.csv"] and "123400" in files["ledger.csv"]
    assert f"**** {me.card.last4}" in files["bank_cards.csv"] and me.card.card_number not in "".join(files.values())
    assert "浙江" in files["addresses.csv"]
    everything = "".join(files.values())
    other_verification = Verification.objects.get(user=other)
    for secret in (other.username, other.phone, other.email, other.display_name, other_verification.id_number, other_verification.real_name,
                   f"**** {other.card.last4}", "567800", "广东"):
        assert secret not in everything, secret


def test_identity_is_masked_unless_the_password_was_just_confirmed(investor):
    id_number, name = IDENTITIES[0]
    masked = json.loads(unzip(data_export_build(user=investor))["identity.json"])
    assert masked["unmasked"] is False and id_number not in json.dumps(masked) and name not in json.dumps(masked, ensure_ascii=False)

    identity_confirm(user=investor, password=PASSWORD)
    full = json.loads(unzip(data_export_build(user=investor))["identity.json"])
    assert full["unmasked"] is True
    assert full["verifications"][0]["id_number"] == id_number and full["verifications"][0]["real_name"] == name

    investor.identity_confirmed_at = clock.now() - dt.timedelta(minutes=11)
    investor.save(update_fields=["identity_confirmed_at"])
    stale = json.loads(unzip(data_export_build(user=investor))["identity.json"])
    assert stale["unmasked"] is False


def test_a_wrong_password_is_refused_and_limited(investor):
    for _try in range(5):
        with pytest.raises(AccountError) as refused:
            identity_confirm(user=investor, password="wrong")
        assert refused.value.code == "data_rights.wrong_password"
    with pytest.raises(AccountError) as refused:
        identity_confirm(user=investor, password=PASSWORD)
    assert refused.value.code == "data_rights.too_many_tries"


def test_the_export_lists_audit_entries_about_me_not_about_others(investor, other_investor):
    audit_record(actor=other_investor, action="secret.other", obj=other_investor)
    files = unzip(data_export_build(user=investor))
    assert "identity.submit" in files["audit.csv"] and "secret.other" not in files["audit.csv"]


def test_every_export_is_audited(investor):
    data_export_build(user=investor, ip_address="10.0.0.8")
    entry = AuditLog.objects.filter(action="data_rights.export", object_id=str(investor.pk)).get()
    assert entry.actor == investor and entry.ip_address == "10.0.0.8" and "ledger.csv" in entry.data["files"]


def test_messages_are_in_the_export(investor):
    notify(user=investor, event="risk.assessed", context={"level": "C3", "expires": "2027-01-01"})
    assert "risk.assessed" in unzip(data_export_build(user=investor))["messages.csv"]


def test_the_download_page_asks_for_the_password_and_returns_a_zip(investor, client):
    client.force_login(investor)
    page = client.get("/me/personal/download/")
    assert page.status_code == 200 and 'data-testid="download-form"' in page.content.decode()
    wrong = client.post("/me/personal/download/", {"password": "nope"})
    assert wrong.status_code == 200 and "password-error" in wrong.content.decode()
    response = client.post("/me/personal/download/", {"password": PASSWORD})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert json.loads(unzip(response.content)["identity.json"])["unmasked"] is True


def test_the_api_export_is_a_zip_of_my_data(investor, other_investor, api_client_for):
    client = api_client_for(investor)
    response = client.get("/api/v1/me/data-export")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    assert json.loads(files["profile.json"])["username"] == investor.username
    assert json.loads(files["identity.json"])["unmasked"] is False
    assert client.post("/api/v1/me/data-export/confirm", {"password": "nope"}, content_type="application/json").json()["code"] == "data_rights.wrong_password"
    assert client.post("/api/v1/me/data-export/confirm", {"password": PASSWORD}, content_type="application/json").status_code == 204
    assert json.loads(unzip(client.get("/api/v1/me/data-export").content)["identity.json"])["unmasked"] is True


def test_the_api_needs_a_login(db, client):
    assert client.get("/api/v1/me/data-export").status_code == 401


# --- correction ---------------------------------------------------------------------------


def test_the_nickname_can_be_corrected_and_is_checked(investor):
    profile_update(user=investor, display_name="  小李  ")
    investor.refresh_from_db()
    assert investor.display_name == "小李"
    with pytest.raises(AccountError) as refused:
        profile_update(user=investor, display_name="x")
    assert refused.value.code == "profile.display_name"


def test_the_personal_page_shows_the_verified_identity_read_only_with_the_reason(investor, client):
    client.force_login(investor)
    html = client.get("/me/personal/").content.decode()
    assert 'data-testid="identity-readonly"' in html and 'data-testid="identity-reason"' in html
    assert IDENTITIES[0][0] not in html  # masked
    assert "/accounts/phone/change/" in html and "/me/addresses/" in html
    response = client.post("/me/personal/", {"display_name": "新昵称"})
    assert response.status_code == 302
    investor.refresh_from_db()
    assert investor.display_name == "新昵称"


def test_the_api_corrects_the_nickname(investor, api_client_for):
    client = api_client_for(investor)
    response = client.patch("/api/v1/me/profile", {"display_name": "阿李"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["display_name"] == "阿李"
    assert client.patch("/api/v1/me/profile", {"display_name": ""}, content_type="application/json").json()["code"] == "profile.display_name"
