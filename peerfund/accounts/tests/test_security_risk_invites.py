"""Trade password and its lock, the risk questionnaire, member tiers, invitations."""
import datetime as dt

import pytest
from django.db import transaction

from peerfund.accounts.errors import AccountError, MoneyActionsLocked
from peerfund.accounts.models import InvitationReward
from peerfund.accounts.questionnaire import QUESTIONS, level_for
from peerfund.accounts.services.invitations import invitation_accept, invitation_reward_if_due, invite_code_of
from peerfund.accounts.services.risk import assessment_submit, user_risk_level
from peerfund.accounts.services.security import trade_password_check, trade_password_set, user_assert_can_move_money
from peerfund.accounts.services.tiers import tiers, user_tier
from peerfund.core import clock
from peerfund.custody.services import custody_move, custody_platform_fund
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account, user_accounts
from peerfund.notify.models import Message
from peerfund.tests_support.money import deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard


def test_trade_password_rules(owner):
    for weak, code in (("12345", "trade_password.format"), ("abcdef", "trade_password.format"), ("111111", "trade_password.weak"), ("123456", "trade_password.weak")):
        with pytest.raises(AccountError) as excinfo:
            trade_password_set(user=owner, new=weak)
        assert excinfo.value.code == code
    trade_password_set(user=owner, new="246810")
    assert owner.trade_password.startswith("md5$") or owner.trade_password.startswith("argon2")
    assert "246810" not in owner.trade_password
    with pytest.raises(AccountError):  # changing needs the current one
        trade_password_set(user=owner, new="135790", current="000000")
    trade_password_set(user=owner, new="135790", current="246810")


def test_five_wrong_trade_passwords_lock_money_actions_for_three_hours(owner):
    trade_password_set(user=owner, new=TRADE_PASSWORD)
    for attempt in range(1, 5):
        with pytest.raises(AccountError) as excinfo:
            trade_password_check(user=owner, password="000000")
        assert excinfo.value.extra["tries_left"] == 5 - attempt
    with pytest.raises(MoneyActionsLocked) as excinfo:
        trade_password_check(user=owner, password="000000")
    assert excinfo.value.status == 403 and excinfo.value.code == "trade_password.locked"
    with pytest.raises(MoneyActionsLocked):  # even the right one, while locked
        trade_password_check(user=owner, password=TRADE_PASSWORD)
    assert Message.objects.filter(user=owner, event="trade_password.locked").exists()
    clock.travel_to(clock.business_date() + dt.timedelta(days=1))
    trade_password_check(user=owner, password=TRADE_PASSWORD)


def test_a_wrong_try_is_counted_even_when_the_caller_rolls_back(owner):
    trade_password_set(user=owner, new=TRADE_PASSWORD)
    with pytest.raises(AccountError):
        trade_password_check(user=owner, password="000000")
    owner.refresh_from_db()
    assert owner.trade_password_failures == 1


def test_a_frozen_account_moves_no_money(owner):
    trade_password_set(user=owner, new=TRADE_PASSWORD)
    owner.frozen_at = clock.now()
    with pytest.raises(MoneyActionsLocked) as excinfo:
        user_assert_can_move_money(user=owner, trade_password=TRADE_PASSWORD)
    assert excinfo.value.code == "account.frozen"


def test_questionnaire_scores_to_levels_and_expires(owner):
    assert [level_for(s) for s in (10, 17, 23, 29, 35, 40)] == ["C1", "C2", "C3", "C4", "C5", "C5"]
    assert len(QUESTIONS) >= 10
    assert user_risk_level(owner) is None
    cautious = assessment_submit(user=owner, answers={q.key: 0 for q in QUESTIONS})
    assert (cautious.score, cautious.level) == (10, "C1")
    bold = assessment_submit(user=owner, answers={q.key: 3 for q in QUESTIONS})  # re-take allowed
    assert user_risk_level(owner) == bold.level == "C5"
    clock.travel_to(bold.expires_on + dt.timedelta(days=1))
    assert user_risk_level(owner) is None


@pytest.mark.parametrize(("answers", "code"), [({}, "risk.incomplete"), ({q.key: 9 for q in QUESTIONS}, "risk.invalid_answer")])
def test_bad_questionnaire_answers(owner, answers, code):
    with pytest.raises(AccountError) as excinfo:
        assessment_submit(user=owner, answers=answers)
    assert excinfo.value.code == code


def test_tiers_follow_the_amount_invested(investor, other_investor, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_TIERS = "regular:0,silver:10000,gold:50000"
    settings.PEERFUND_FEE_FREE_TIERS = ["gold"]
    assert [t.name for t in tiers()] == ["regular", "silver", "gold"]
    assert user_tier(investor).name == "regular"
    deposit(investor, 100_000, django_capture_on_commit_callbacks)
    buyer, seller = user_accounts(investor), user_accounts(other_investor)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():  # buying a claim is investing
        custody_move(kind=EntryKind.CLAIM_TRANSFER, legs=[(buyer["user_available"], -60_000), (seller["user_available"], 60_000)], key="claim")
    tier = user_tier(investor)
    assert (tier.name, tier.fee_free_withdrawals, tier.priority_service) == ("gold", True, True)


def test_invitation_pays_one_capped_reward_through_the_ledger(make_user, platform, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_INVITE_REWARD_CAP = 1
    with django_capture_on_commit_callbacks(execute=True):
        custody_platform_fund(amount_fen=100_000, key="marketing-budget")
    inviter = make_user(username="inviter")
    onboard(inviter, identity=0)
    friends = [make_user(username=f"friend{i}") for i in range(2)]
    for i, friend in enumerate(friends):
        invitation_accept(invitee=friend, code=invite_code_of(inviter))
        onboard(friend, identity=i + 1)
        assert invitation_reward_if_due(invitee=friend) is None  # verified, not yet invested
        deposit(friend, 50_000, django_capture_on_commit_callbacks, key=f"f{i}")
        seller = user_accounts(inviter)["user_available"]
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            custody_move(kind=EntryKind.CLAIM_TRANSFER, legs=[(user_accounts(friend)["user_available"], -10_000), (seller, 10_000)], key=f"inv{i}")
        with django_capture_on_commit_callbacks(execute=True):
            invitation_reward_if_due(invitee=friend)
    assert InvitationReward.objects.filter(inviter=inviter).count() == 1  # the cap
    assert user_balances(inviter)["user_available"] == 2 * 10_000 + settings.PEERFUND_INVITE_REWARD_FEN
    assert platform_account(AccountKind.PLATFORM_MARKETING).balance_fen == 100_000 - settings.PEERFUND_INVITE_REWARD_FEN
    assert invitation_reward_if_due(invitee=friends[0]) is None  # once per invitee
    assert ledger_check() == []


def test_self_invites_loops_and_second_inviters_are_refused(make_user):
    alice, bob, carol = make_user(username="alice"), make_user(username="bob"), make_user(username="carol")
    for invitee, code, expected in (
        (alice, invite_code_of(alice), "invite.self"),
        (alice, "NOPE1234", "invite.unknown"),
    ):
        with pytest.raises(AccountError) as excinfo:
            invitation_accept(invitee=invitee, code=code)
        assert excinfo.value.code == expected
    invitation_accept(invitee=bob, code=invite_code_of(alice))
    with pytest.raises(AccountError) as excinfo:
        invitation_accept(invitee=alice, code=invite_code_of(bob))
    assert excinfo.value.code == "invite.loop"
    with pytest.raises(AccountError) as excinfo:
        invitation_accept(invitee=bob, code=invite_code_of(carol))
    assert excinfo.value.code == "invite.already"
