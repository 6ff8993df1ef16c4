"""User-centre pages: forms show domain errors at their fields; personal data shows
masked; another user's card is a 404."""
import pytest

from peerfund.notify.models import Message
from peerfund.tests_support.people import TRADE_PASSWORD, card_number


def test_verify_page_shows_errors_at_the_field_then_the_masked_identity(client, owner):
    client.force_login(owner)
    page = client.post("/me/verify/", {"real_name": "李娜", "id_number": "110101199003071234"}).content.decode()
    assert 'data-testid="id_number-error"' in page
    response = client.post("/me/verify/", {"real_name": "李娜", "id_number": "110101199003071233"})
    assert response.status_code == 302 and response["Location"] == "/me/cards/"
    page = client.get("/me/verify/").content.decode()
    assert "李*" in page and "110101********1233" in page and "110101199003071233" not in page


def test_cards_page_binds_and_rejects_a_mismatched_name(client, owner):
    client.force_login(owner)
    client.post("/me/verify/", {"real_name": "李娜", "id_number": "110101199003071233"})
    page = client.post("/me/cards/", {"card_number": card_number(serial=5), "holder_name": "张三"}).content.decode()
    assert 'data-testid="holder_name-error"' in page
    assert client.post("/me/cards/", {"card_number": card_number(serial=5), "holder_name": "李娜"}).status_code == 302
    page = client.get("/me/cards/").content.decode()
    assert "工商银行" in page and card_number(serial=5) not in page


def test_another_users_card_is_not_found(client, investor, other_investor):
    client.force_login(other_investor)
    assert client.post(f"/me/cards/{investor.card.pk}/remove/").status_code == 404
    assert client.post(f"/me/cards/{other_investor.card.pk}/explode/").status_code == 404


def test_security_page_sets_the_trade_password(client, owner):
    client.force_login(owner)
    page = client.post("/me/security/", {"new": "111111", "confirm": "111111"}).content.decode()
    assert 'data-testid="new-error"' in page
    assert client.post("/me/security/", {"new": TRADE_PASSWORD, "confirm": TRADE_PASSWORD}).status_code == 302
    owner.refresh_from_db()
    assert owner.trade_password
    page = client.post("/me/security/", {"current": "000000", "new": "135790", "confirm": "135790"}).content.decode()
    assert 'data-testid="trade_password-error"' in page or 'data-testid="form-error"' in page


def test_risk_page_gives_a_level(client, owner):
    client.force_login(owner)
    from peerfund.accounts.questionnaire import QUESTIONS

    incomplete = client.post("/me/risk/", {QUESTIONS[0].key: "1"}).content.decode()
    assert f'data-testid="{QUESTIONS[1].key}-error"' in incomplete
    assert client.post("/me/risk/", {q.key: "3" for q in QUESTIONS}).status_code == 302
    assert 'data-testid="risk-level"' in client.get("/me/risk/").content.decode()


def test_invite_page_has_a_link_and_qr_code_and_the_link_leads_to_sign_up(client, owner):
    client.force_login(owner)
    page = client.get("/me/invite/").content.decode()
    assert 'data-testid="invite-qr"' in page and "<svg" in page
    owner.refresh_from_db()
    landing = client.get(f"/invite/{owner.invite_code}/")
    assert landing.status_code == 302 and landing["Location"] == "/accounts/signup/"


def test_messages_unread_count_and_preferences(client, owner):
    from peerfund.notify.services import notify

    notify(user=owner, event="deposit.succeeded", context={"amount": "¥1.00"})
    client.force_login(owner)
    page = client.get("/me/messages/").content.decode()
    assert 'data-testid="unread-count">1<' in page and "¥1.00" in page
    client.post("/me/messages/")
    assert not Message.objects.filter(user=owner, read_at__isnull=True).exists()
    client.post("/me/messages/preferences/", {"deposit.succeeded:email": "on"})
    from peerfund.notify.services import channels_for

    assert channels_for(owner, "deposit.succeeded") == {"site": False, "sms": False, "email": True}
    assert channels_for(owner, "login.new_device")["sms"] is True  # security notices cannot be switched off


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_messages_render_in_the_readers_language(client, owner, language):
    from peerfund.notify.services import notify

    notify(user=owner, event="deposit.succeeded", context={"amount": "¥5.00"})
    client.force_login(owner)
    page = client.get("/me/messages/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("充值到账" if language == "zh-hans" else "Deposit received") in page
