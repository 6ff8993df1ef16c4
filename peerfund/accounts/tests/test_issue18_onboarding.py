"""Issue 18 (a slice): where staff land after login, a blacklisted identity refused at
verification, the clean sandbox identities a newcomer can use, Chinese slips."""
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import Verification
from peerfund.accounts.questionnaire import QUESTIONS
from peerfund.accounts.services.cards import card_bind
from peerfund.accounts.services.identity import verification_submit_person
from peerfund.accounts.services.risk import assessment_submit
from peerfund.accounts.services.security import trade_password_set
from peerfund.core.models import Alert, AuditLog
from peerfund.custody.models import CustodyAccount
from peerfund.funds.models import DepositOrder
from peerfund.ledger.selectors import user_balances
from peerfund.risk.blacklist import blacklist_add
from peerfund.risk.models import BlacklistEntry
from peerfund.sandbox.blacklist import LISTED
from peerfund.sandbox.identity import TEST_PERSONS
from peerfund.tests_support.consent import accept_all
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, card_number

PASSWORD = "correct-horse-9"
# The identities docs/user-centre.md offers a newcomer: on no list, held by no demo user.
CLEAN = [("110108199605121036", "吴晓明"), ("440106199308192026", "郑雨桐"), ("320106198711021612", "黄子豪")]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _log_in(user, next_url: str = "") -> str:
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = Client().post(url, {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:1500]
    return response["Location"]


# --- where people land after login --------------------------------------------------


def test_staff_land_on_the_back_office_and_users_on_their_account(staff, staff_with, make_user):
    assert _log_in(staff) == "/backoffice/"
    assert _log_in(staff_with("customer_service")) == "/backoffice/"
    assert _log_in(make_user(username="plain")) == "/account/"


def test_a_next_page_wins_for_staff_and_users(staff, make_user):
    assert _log_in(staff, next_url="/loans/") == "/loans/"
    assert _log_in(make_user(username="plain"), next_url="/funds/history/") == "/funds/history/"
    assert _log_in(staff, next_url="https://evil.example/") == "/backoffice/"  # an unsafe next is ignored


# --- a blacklisted identity is refused at verification -------------------------------


def test_an_identity_on_the_external_list_is_refused_at_verification(make_user, platform):
    number = next(value for kind, value in LISTED if kind == "id_number")
    user = make_user(username="listed")
    with pytest.raises(AccountError) as refusal:
        verification_submit_person(user=user, real_name=TEST_PERSONS[number], id_number=number)
    assert refusal.value.code == "identity.blacklisted" and refusal.value.extra == {"field": "id_number"}
    assert "court" not in refusal.value.message  # the person is not told which list
    assert not Verification.objects.filter(user=user).exists()
    assert not CustodyAccount.objects.filter(owner=user).exists()
    assert AuditLog.objects.filter(action="identity.blacklisted", object_id=str(user.pk), reason__contains="court enforcement").exists()
    assert Alert.objects.filter(kind="risk.verification", ref=f"user:{user.pk}").exists()


def test_an_identity_staff_listed_is_refused_and_verifies_once_removed(make_user, platform, staff):
    number, name = CLEAN[0]
    entry = blacklist_add(staff=staff, kind=BlacklistEntry.Kind.ID_NUMBER, value=number, reason="fraud report")
    user = make_user(username="listed-internally")
    with pytest.raises(AccountError) as refusal:
        verification_submit_person(user=user, real_name=name, id_number=number)
    assert refusal.value.code == "identity.blacklisted"
    from peerfund.risk.blacklist import blacklist_remove

    blacklist_remove(staff=staff, entry=entry, reason="cleared")
    assert verification_submit_person(user=user, real_name=name, id_number=number).status == Verification.Status.VERIFIED


def test_the_verification_page_shows_the_refusal_at_the_id_number(make_user, platform):
    number = next(value for kind, value in LISTED if kind == "id_number")
    user = make_user(username="listed-page")
    client = Client()
    client.force_login(user)
    response = client.post("/me/verify/", {"real_name": TEST_PERSONS[number], "id_number": number})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = gettext("We cannot verify this identity on the platform. If you think this is a mistake, contact customer service.")
    assert message in response.content.decode()
    assert not Verification.objects.filter(user=user).exists()


# --- the clean sandbox identities ----------------------------------------------------


@pytest.mark.parametrize(("number", "name"), CLEAN)
def test_each_clean_sandbox_identity_signs_up_to_a_first_deposit(number, name, make_user, platform, django_capture_on_commit_callbacks):
    assert TEST_PERSONS[number] == name and ("id_number", number) not in LISTED
    user = make_user(username=f"new-{number[-4:]}")
    assert verification_submit_person(user=user, real_name=name, id_number=number).status == Verification.Status.VERIFIED
    card_bind(user=user, card_number=card_number(serial=int(number[-6:])), holder_name=name)
    trade_password_set(user=user, new=TRADE_PASSWORD)
    assessment_submit(user=user, answers={q.key: 2 for q in QUESTIONS})
    accept_all(user)
    order = pay_deposit(user, 100_000, django_capture_on_commit_callbacks)
    assert order.status == DepositOrder.Status.SUCCEEDED
    assert user_balances(user)["user_available"] == 100_000


def test_the_demo_holds_none_of_the_clean_identities():
    from peerfund.demo.simulation import _IDS, PEOPLE

    held = {_IDS[person.identity][0] for person in PEOPLE if person.identity is not None}
    assert held.isdisjoint(number for number, _name in CLEAN)


# --- Chinese slips ---------------------------------------------------------------------


def test_date_filters_read_from_and_to_not_recipient(make_user, platform):
    client = Client()
    client.force_login(make_user(username="history"))
    with translation.override("zh-hans"):
        page = client.get("/funds/history/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">至<" in page.replace(" ", "") and "收件人" not in page


def test_remove_is_unbind_only_for_a_card(make_user, platform):
    with translation.override("zh-hans"):
        assert gettext("Remove") == "删除"
        assert translation.pgettext("bank card", "Remove") == "解绑"
        assert gettext("Message") == "留言"
        assert translation.pgettext("date range", "To") == "至"


def test_one_time_codes_are_called_yanzhengma(db):
    with translation.override("zh-hans"):
        assert gettext("Incorrect code.") == "验证码错误。"
        assert gettext("Code") == "验证码"
        assert "验证码" in gettext("Enter Phone Verification Code")
    client = Client()
    client.post("/accounts/signup/", {"phone": "13912349999", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    page = client.get("/accounts/phone/verify/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "验证码" in page and "代码" not in page
    wrong = client.post("/accounts/phone/verify/", {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "验证码错误" in wrong
