"""Real-name and enterprise verification, bank cards: every refusal is a clear error
at its field; personal data is encrypted at rest and masked when shown."""
import datetime as dt

import pytest
from django.db import connection

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import BankCard, Verification
from peerfund.accounts.services.cards import card_bind, card_remove, card_set_default
from peerfund.accounts.services.identity import verification_review, verification_submit_enterprise, verification_submit_person
from peerfund.core import clock
from peerfund.core.errors import ApplicationError, Conflict
from peerfund.custody.models import CustodyAccount
from peerfund.notify.models import Message
from peerfund.tests_support.people import card_number

LI_NA = ("李娜", "110101199003071233")
WANG_WEI = ("王伟", "310104198805126541")


def _verify(user, person=LI_NA):
    return verification_submit_person(user=user, real_name=person[0], id_number=person[1])


def test_a_listed_identity_verifies_and_opens_a_custody_account(make_user, platform):
    user = make_user(username="v1", display_name="")
    verification = _verify(user)
    assert verification.status == Verification.Status.VERIFIED
    assert verification.birth_date == dt.date(1990, 3, 7)
    assert CustodyAccount.objects.filter(owner=user).exists()
    assert Message.objects.filter(user=user, event="verification.verified").exists()
    user.refresh_from_db()
    assert user.display_name == "李娜"


@pytest.mark.parametrize(
    ("name", "number", "code"),
    [
        ("李娜", "110101199003071234", "identity.id_invalid"),  # bad checksum
        ("李娜", "11010119900307123", "identity.id_invalid"),  # too short
        ("钱小宝", "110105201001010010", "identity.under_age"),
        ("张三", "110101199003071233", "identity.name_mismatch"),
        ("李四", "110101198001010015", "identity.no_record"),
        ("李", "110101199003071233", "identity.name_invalid"),
    ],
)
def test_bad_identities_are_refused_with_reasons(make_user, platform, name, number, code):
    from stdnum.cn import ric

    if code == "identity.no_record":
        number = number[:17] + ric.calc_check_digit(number[:17] + "0")
    user = make_user(username="v2")
    with pytest.raises(AccountError) as excinfo:
        verification_submit_person(user=user, real_name=name, id_number=number)
    assert excinfo.value.code == code
    assert excinfo.value.message
    assert not Verification.objects.filter(user=user, status="verified").exists()


def test_the_age_rule_uses_the_platform_date(make_user, platform):
    # 赵磊 was born on 2000-01-01: 17 on the eve of 2018, 18 the next day.
    user = make_user(username="young")
    clock.travel_to(dt.date(2017, 12, 31))
    with pytest.raises(AccountError) as excinfo:
        verification_submit_person(user=user, real_name="赵磊", id_number="320102200001011115")
    assert excinfo.value.code == "identity.under_age"
    clock.travel_to(dt.date(2018, 1, 1))
    assert verification_submit_person(user=user, real_name="赵磊", id_number="320102200001011115").status == "verified"


def test_one_identity_verifies_one_account(make_user, platform):
    _verify(make_user(username="first"))
    with pytest.raises(Conflict) as excinfo:
        _verify(make_user(username="second"))
    assert excinfo.value.code == "identity.taken"


def test_a_verified_account_cannot_verify_again(make_user, platform):
    user = make_user(username="twice")
    _verify(user)
    with pytest.raises(Conflict):
        _verify(user, WANG_WEI)


def test_id_number_is_encrypted_at_rest(make_user, platform):
    verification = _verify(make_user(username="enc"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, real_name FROM accounts_verification WHERE id = %s", [verification.pk])
        raw_id, raw_name = cursor.fetchone()
    assert LI_NA[1] not in raw_id and "李娜" not in raw_name


def test_enterprise_verification_waits_for_a_second_look(make_user, platform, staff):
    user = make_user(username="firm")
    verification = verification_submit_enterprise(
        user=user, company_name="北京示范科技有限公司", credit_code="91110000MA01ABCD1M", legal_rep_name="刘洋", legal_rep_id="330106198507153337"
    )
    assert verification.status == Verification.Status.REVIEWING
    with pytest.raises(AccountError) as excinfo:
        verification_review(staff=staff, verification=verification, approve=False)
    assert excinfo.value.code == "identity.reason_required"
    verification_review(staff=staff, verification=verification, approve=True)
    verification.refresh_from_db()
    assert verification.status == Verification.Status.VERIFIED and verification.reviewed_by == staff
    assert CustodyAccount.objects.filter(owner=user).exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"credit_code": "91110000MA01ABCD1X"}, "identity.uscc_invalid"),
        ({"company_name": "别家公司有限公司"}, "identity.name_mismatch"),
        ({"legal_rep_id": "510107199108087744", "legal_rep_name": "陈静"}, "identity.legal_rep_mismatch"),
    ],
)
def test_bad_enterprise_details_are_refused(make_user, platform, fields, code):
    data = {"company_name": "北京示范科技有限公司", "credit_code": "91110000MA01ABCD1M", "legal_rep_name": "刘洋", "legal_rep_id": "330106198507153337"}
    with pytest.raises(AccountError) as excinfo:
        verification_submit_enterprise(user=make_user(username="firm2"), **{**data, **fields})
    assert excinfo.value.code == code


def test_bind_cards_default_and_remove(make_user, platform):
    user = make_user(username="cards")
    _verify(user)
    first = card_bind(user=user, card_number=card_number(serial=11), holder_name="李娜")
    second = card_bind(user=user, card_number=card_number("622588", 12), holder_name="李娜")
    assert (first.is_default, second.is_default, first.bank_name, second.bank_name) == (True, False, "工商银行", "招商银行")
    card_set_default(user=user, card=second)
    assert list(BankCard.objects.filter(user=user, is_default=True)) == [second]
    card_remove(user=user, card=second)
    first.refresh_from_db()
    assert first.is_default  # the remaining card takes over


@pytest.mark.parametrize(
    ("number", "holder", "code"),
    [
        ("6222020000000000011", "李娜", "card.checksum"),
        ("62220200", "李娜", "card.format"),
        (None, "张三", "card.name_mismatch"),
        ("unknown-bin", "李娜", "card.unknown_bank"),
        ("not-active", "李娜", "card.card_not_active"),
    ],
)
def test_bad_cards_are_refused(make_user, platform, number, holder, code):
    from stdnum import luhn

    user = make_user(username="badcard")
    _verify(user)
    if number is None:
        number = card_number(serial=21)
    elif number == "unknown-bin":
        number = "411111" + "000000001" + "00"
        number = number[:-1] + luhn.calc_check_digit(number[:-1])
    elif number == "not-active":
        body = "622202" + "00000000000"
        body = body[:-3] + "000"
        for serial in range(10):
            candidate = body[:-4] + f"{serial}000"
            full = candidate + luhn.calc_check_digit(candidate)
            if full.endswith("0000"):
                number = full
                break
    with pytest.raises(ApplicationError) as excinfo:
        card_bind(user=user, card_number=number, holder_name=holder)
    assert excinfo.value.code == code


def test_a_card_binds_to_one_account_only(make_user, platform):
    first, second = make_user(username="c1"), make_user(username="c2")
    _verify(first)
    _verify(second, WANG_WEI)
    card_bind(user=first, card_number=card_number(serial=31), holder_name="李娜")
    with pytest.raises(Conflict):
        card_bind(user=second, card_number=card_number(serial=31), holder_name="王伟")


def test_binding_needs_a_verified_identity(make_user, platform):
    with pytest.raises(AccountError) as excinfo:
        card_bind(user=make_user(username="nv"), card_number=card_number(serial=41), holder_name="李娜")
    assert excinfo.value.code == "card.not_verified"
