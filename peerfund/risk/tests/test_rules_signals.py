"""Rules in a safe expression language, evaluated by priority and logged; each fraud
signal computed from what the platform records; blacklists internal and external."""
import datetime as dt

import pytest
from django.test import RequestFactory

from peerfund.accounts.models import LoginRecord
from peerfund.core import clock
from peerfund.core.devices import DEVICE_COOKIE, device_of
from peerfund.core.models import Alert
from peerfund.risk.blacklist import blacklist_add, blacklist_hits, blacklist_remove
from peerfund.risk.models import Evaluation, Rule
from peerfund.risk.rules import RuleSyntaxError, evaluate, rule_save, rule_try
from peerfund.risk.signals import Origin, collect
from peerfund.tests_support.people import card_number


def _rule(event, condition, action, priority=100, name="t"):
    return Rule.objects.create(event=event, name=name, condition=condition, action=action, priority=priority)


def test_default_rules_are_shipped(db):
    events = set(Rule.objects.filter(name="Blacklisted", action="reject").values_list("event", flat=True))
    assert events == {"registration", "login", "application", "bid", "pledge", "project", "deposit", "withdrawal"}
    assert Rule.objects.filter(event="application", condition="grade == 'HR'", action="reject").exists()


def test_the_most_severe_hit_decides_and_everything_is_logged(db, make_user):
    Rule.objects.all().delete()
    _rule("deposit", "amount_fen >= 100", "alert", name="big")
    _rule("deposit", "amount_fen >= 1000", "review", name="bigger")
    _rule("deposit", "amount_fen >= 10000", "reject", name="biggest")
    user = make_user(username="r")
    assert evaluate(event="deposit", signals={"amount_fen": 50}, user=user).outcome == "pass"
    assert evaluate(event="deposit", signals={"amount_fen": 500}, user=user).outcome == "alert"
    outcome = evaluate(event="deposit", signals={"amount_fen": 5000}, user=user)
    assert outcome.needs_review and [h["name"] for h in outcome.hits] == ["big", "bigger"]
    assert evaluate(event="deposit", signals={"amount_fen": 50_000}, user=user).rejected
    logged = Evaluation.objects.filter(user=user).first()
    assert logged.outcome == "reject" and logged.signals == {"amount_fen": 50_000} and len(logged.hits) == 3


def test_conditions_are_checked_and_never_evaluated_as_python(db, staff):
    for bad in ("amount_fen >=", "amount_fen ==== 1"):
        with pytest.raises(RuleSyntaxError):
            rule_save(staff=staff, rule=None, name="x", event="login", condition=bad, action="alert", priority=1, enabled=True, description="")
    with pytest.raises(RuleSyntaxError):  # parsed by rule-engine, not Python: there is no __import__ to call
        rule_try(condition="__import__('os').system('touch /tmp/pwned')", signals={})
    assert rule_try(condition="age != null and age < 18", signals={"age": 17}) is True
    assert rule_try(condition="age != null and age < 18", signals={}) is False
    assert rule_try(condition="'phone' in blacklist_kinds", signals={"blacklist_kinds": ["phone"]}) is True


def test_a_rule_that_fails_at_run_time_is_skipped_with_an_alert(db, make_user, django_capture_on_commit_callbacks):
    Rule.objects.all().delete()
    broken = _rule("login", "age < 18", "reject")  # age is null for an unverified user
    assert evaluate(event="login", signals={"age": None}, user=make_user(username="x")).outcome == "pass"
    assert Alert.objects.filter(kind="risk.rule_broken", ref=f"rule:{broken.pk}").exists()


def test_the_device_fingerprint_comes_from_the_page_or_the_user_agent():
    factory = RequestFactory()
    fingerprint = "a" * 64
    with_cookie = factory.get("/", HTTP_USER_AGENT="UA")
    with_cookie.COOKIES[DEVICE_COOKIE] = fingerprint
    assert device_of(with_cookie) == fingerprint
    forged = factory.get("/", HTTP_USER_AGENT="UA")
    forged.COOKIES[DEVICE_COOKIE] = "not-a-hash"
    assert device_of(forged) == device_of(factory.get("/", HTTP_USER_AGENT="UA")) != fingerprint


def test_accounts_per_device_and_ip_in_24_hours(db, make_user):
    for i in range(3):
        user = make_user(username=f"farm{i}")
        LoginRecord.objects.create(user=user, ip_address="101.0.0.1", city="北京", device="d" * 64)
    old = make_user(username="old")
    LoginRecord.objects.filter(pk=LoginRecord.objects.create(user=old, ip_address="101.0.0.1", device="d" * 64).pk).update(
        created_at=clock.now() - dt.timedelta(days=2)
    )
    signals = collect(event="registration", origin=Origin(ip="101.0.0.1", device="d" * 64))
    assert (signals["accounts_per_device_24h"], signals["accounts_per_ip_24h"]) == (3, 3)


def test_velocity_counts_the_users_recent_attempts(db, make_user):
    user = make_user(username="fast")
    for _ in range(4):
        evaluate(event="withdrawal", signals={}, user=user)
    Evaluation.objects.filter(pk=Evaluation.objects.filter(user=user).last().pk).update(created_at=clock.now() - dt.timedelta(hours=3))
    signals = collect(event="withdrawal", user=user)
    assert (signals["velocity_1h"], signals["velocity_24h"]) == (3, 4)


def test_linked_accounts_share_a_phone_a_card_or_a_device(investor, other_investor, make_user):
    from peerfund.accounts.models import BankCard

    assert collect(event="application", user=investor)["linked_accounts"] == 0
    twin = make_user(username="twin", phone=investor.phone)
    LoginRecord.objects.create(user=other_investor, device="e" * 64)
    LoginRecord.objects.create(user=investor, device="e" * 64)
    BankCard.objects.create(user=make_user(username="cardsharer"), card_number=investor.card.card_number, last4="0000", bank_code="ICBC", bank_name="工商银行", removed_at=clock.now())
    assert collect(event="application", user=investor)["linked_accounts"] == 3
    assert twin.pk


def test_age_verification_and_cities(investor):
    investor.phone = "+8613800001234"  # a 北京 number
    signals = collect(event="application", user=investor, origin=Origin(ip="116.1.2.3"))
    assert signals["age"] == clock.business_date().year - 1990 - (clock.business_date() < dt.date(clock.business_date().year, 3, 7))
    assert signals["verified"] is True
    assert (signals["phone_city"], signals["ip_city"], signals["city_mismatch"]) == ("北京", "上海", True)
    assert collect(event="application", user=investor, origin=Origin(ip="101.1.2.3"))["city_mismatch"] is False
    assert collect(event="application", user=investor, origin=Origin(ip="127.0.0.1"))["city_mismatch"] is False


def test_internal_blacklist_with_expiry_and_removal(staff, db):
    entry = blacklist_add(staff=staff, kind="phone", value="139 1234 0000", reason="fraud ring")
    assert blacklist_hits(phone="+8613912340000")[0]["reason"] == "fraud ring"
    blacklist_add(staff=staff, kind="id_number", value="110101199003071233", reason="old case", expires_at=clock.now() - dt.timedelta(days=1))
    assert blacklist_hits(id_number="110101199003071233") == []
    blacklist_remove(staff=staff, entry=entry, reason="cleared")
    assert blacklist_hits(phone="+8613912340000") == []
    card = card_number(serial=5)
    blacklist_add(staff=staff, kind="card", value=card, reason="stolen card")
    assert blacklist_hits(card=card)[0]["kind"] == "card"


def test_external_blacklist_provider(db):
    hits = blacklist_hits(id_number="420106199506304427", phone="13700000666")
    assert {(h["kind"], h["source"]) for h in hits} == {("id_number", "external"), ("phone", "external")}
