"""Sign-up by mobile number with an SMS code (read from the sandbox outbox), login
by password or code, throttling, the new-device notice."""
import re

import pytest
from django.core.cache import cache
from django.test import Client

from peerfund.accounts.models import LoginRecord, User
from peerfund.notify.models import Message
from peerfund.sandbox.models import OutboundMessage


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _last_code(phone: str) -> str:
    sms = OutboundMessage.objects.filter(channel="sms", recipient=phone).first()
    assert sms is not None, f"no SMS to {phone}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sms.body).group(1)


def sign_up(client: Client, phone: str = "13912345678", password: str = "Sup3r-secret-pw") -> User:
    response = client.post("/accounts/signup/", {"phone": phone, "password1": password, "password2": password, "agree": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/accounts/phone/verify/"
    confirm = client.post("/accounts/phone/verify/", {"code": _last_code("+86" + phone)})
    assert confirm.status_code == 302
    return User.objects.get(phone_index=User._meta.get_field("phone_index").index_of("+86" + phone))


def test_sign_up_with_a_mobile_number_and_sms_code(client, db):
    user = sign_up(client)
    assert user.phone == "+8613912345678" and user.phone_verified
    assert client.get("/account/").status_code == 200  # logged in


def test_an_invalid_mobile_number_is_a_field_error(client, db):
    response = client.post("/accounts/signup/", {"phone": "12345", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    assert response.status_code == 200
    assert 'data-testid="phone-error"' in response.content.decode()
    assert not User.objects.exists()


def test_a_wrong_sms_code_does_not_verify(client, db):
    client.post("/accounts/signup/", {"phone": "13912345000", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    response = client.post("/accounts/phone/verify/", {"code": "000000"})
    assert response.status_code == 200
    assert not User.objects.filter(phone_verified=True).exists()


def test_log_in_by_phone_and_password(client, db):
    sign_up(client, phone="13912340001")
    client.logout()
    response = Client().post("/accounts/login/", {"login": "13912340001", "password": "Sup3r-secret-pw"})
    assert response.status_code == 302


def test_log_in_by_sms_code(db):
    sign_up(Client(), phone="13912340002")
    client = Client()
    assert client.post("/accounts/login/code/", {"phone": "13912340002"}).status_code == 302
    response = client.post("/accounts/login/code/confirm/", {"code": _last_code("+8613912340002")})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account_for_a_while(db, make_user):
    make_user(username="target")
    client = Client()
    for _ in range(5):
        assert client.post("/accounts/login/", {"login": "target", "password": "wrong"}).status_code == 200
    locked = client.post("/accounts/login/", {"login": "target", "password": "correct-horse-9"})
    assert locked.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_a_login_from_a_new_device_is_notified(db, make_user, django_capture_on_commit_callbacks):
    user = make_user(username="roamer")
    for _ in range(2):  # the first login ever, then the same phone again: no notice
        Client(HTTP_USER_AGENT="Phone A", REMOTE_ADDR="101.1.1.1").post("/accounts/login/", {"login": "roamer", "password": "correct-horse-9"})
    assert not Message.objects.filter(user=user, event="login.new_device").exists()
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_USER_AGENT="Laptop B", REMOTE_ADDR="116.2.2.2").post("/accounts/login/", {"login": "roamer", "password": "correct-horse-9"})
    notice = Message.objects.get(user=user, event="login.new_device")
    assert "上海" in notice.body
    assert LoginRecord.objects.filter(user=user).count() == 3
    assert OutboundMessage.objects.filter(channel="sms").exists()  # security notices also go by SMS


def test_sessions_page_lists_sessions_and_two_factor_is_offered(client, owner):
    client.force_login(owner)
    assert client.get("/accounts/sessions/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/2fa/totp/activate/").status_code in (200, 302)


def test_guessing_the_sms_code_is_cut_off(client, db, settings):
    """Three wrong codes end the verification: a guesser cannot try the 10^6 codes."""
    client.post("/accounts/signup/", {"phone": "13912347777", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    code = _last_code("+8613912347777")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS):
        client.post("/accounts/phone/verify/", {"code": wrong})
    client.post("/accounts/phone/verify/", {"code": code})  # even the right code no longer works
    assert not User.objects.filter(phone_verified=True).exists()


def test_login_code_requests_are_rate_limited(db, make_user):
    make_user(username="codes", phone="+8613912348888")
    client = Client()
    for _ in range(6):
        client.post("/accounts/login/code/", {"phone": "13912348888"})
    # Six asks in a row send at most the three codes a minute a number may get.
    assert 1 <= OutboundMessage.objects.filter(recipient="+8613912348888").count() <= 3
