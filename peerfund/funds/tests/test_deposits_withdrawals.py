"""Deposits through the payment page and the custodian; withdrawals with every rule,
review, bank refusal; history and its CSV. Books stay balanced and reconciled."""
import datetime as dt

import pytest

from peerfund.accounts.errors import AccountError, MoneyActionsLocked
from peerfund.core import clock
from peerfund.core.errors import Conflict
from peerfund.custody.reconciliation import compare
from peerfund.funds.models import DepositOrder, Withdrawal
from peerfund.funds.services.deposits import deposit_order_cancel, deposit_order_create, deposit_order_paid
from peerfund.funds.services.withdrawals import withdrawal_request, withdrawal_review
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.notify.models import Message
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD

DAY = dt.date(2026, 6, 1)


def books_agree():
    assert ledger_check() == []
    assert [d for d in compare(business_date=clock.business_date()).differences if d.kind != "timing"] == []


@pytest.fixture
def rich(investor, django_capture_on_commit_callbacks):
    """The investor with ¥100,000 deposited four days ago (out of cooling-off)."""
    clock.travel_to(DAY - dt.timedelta(days=4))
    pay_deposit(investor, 10_000_000, django_capture_on_commit_callbacks)
    clock.travel_to(DAY)
    return investor


def withdraw(user, amount, capture, key="w", password=TRADE_PASSWORD):
    with capture(execute=True):
        withdrawal = withdrawal_request(user=user, amount_fen=amount, card_id=user.card.pk, trade_password=password, key=key)
    withdrawal.refresh_from_db()
    return withdrawal


def test_deposit_order_paid_then_confirmed_by_the_bank(investor, django_capture_on_commit_callbacks):
    order = deposit_order_create(user=investor, amount_fen=1_000_000, key="d1")
    assert order.status == DepositOrder.Status.AWAITING_PAYMENT
    assert user_balances(investor)["user_available"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        deposit_order_paid(order_no=order.order_no)
        deposit_order_paid(order_no=order.order_no)  # a repeated notice
    order.refresh_from_db()
    assert order.status == DepositOrder.Status.SUCCEEDED
    assert user_balances(investor)["user_available"] == 1_000_000
    assert Message.objects.filter(user=investor, event="deposit.succeeded").count() == 1
    books_agree()


def test_deposit_needs_verification_and_a_sane_amount(owner, investor):
    with pytest.raises(AccountError) as excinfo:
        deposit_order_create(user=owner, amount_fen=10_000, key="x")
    assert excinfo.value.code == "deposit.not_verified"
    for bad in (0, 99, -5, 10**16):
        with pytest.raises(AccountError):
            deposit_order_create(user=investor, amount_fen=bad, key=f"b{bad}")
    deposit_order_create(user=investor, amount_fen=500, key="same")
    with pytest.raises(Conflict):
        deposit_order_create(user=investor, amount_fen=600, key="same")


def test_an_unpaid_deposit_can_be_cancelled_once(investor):
    order = deposit_order_create(user=investor, amount_fen=500, key="c")
    deposit_order_cancel(user=investor, order=order)
    with pytest.raises(Conflict):
        deposit_order_cancel(user=investor, order=order)


def test_a_deposit_the_bank_refuses_fails_with_its_reason(investor, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(reject_next_requests=1)
    order = pay_deposit(investor, 50_000, django_capture_on_commit_callbacks)
    assert order.status == DepositOrder.Status.FAILED and order.reason.startswith("BANK_REJECTED")
    assert user_balances(investor)["user_available"] == 0
    assert Message.objects.filter(user=investor, event="deposit.failed").exists()


def test_a_small_withdrawal_leaves_at_once_with_its_fee(rich, django_capture_on_commit_callbacks, settings):
    fee_before = platform_account("platform_fee").balance_fen
    w = withdraw(rich, 100_000, django_capture_on_commit_callbacks)
    assert (w.status, w.fee_fen, w.payout_fen) == (Withdrawal.Status.SUCCEEDED, settings.PEERFUND_WITHDRAW_FEE_FEN, 100_000 - settings.PEERFUND_WITHDRAW_FEE_FEN)
    assert user_balances(rich)["user_available"] == 10_000_000 - 100_000
    assert platform_account("platform_fee").balance_fen == fee_before + settings.PEERFUND_WITHDRAW_FEE_FEN
    assert Message.objects.filter(user=rich, event="withdrawal.succeeded").exists()
    books_agree()


def test_a_repeated_request_key_returns_the_same_withdrawal(rich, django_capture_on_commit_callbacks):
    first = withdraw(rich, 100_000, django_capture_on_commit_callbacks, key="same")
    assert withdraw(rich, 100_000, django_capture_on_commit_callbacks, key="same").pk == first.pk
    with pytest.raises(Conflict):
        withdraw(rich, 200_000, django_capture_on_commit_callbacks, key="same")
    assert user_balances(rich)["user_available"] == 10_000_000 - 100_000


@pytest.mark.parametrize(
    ("amount", "code", "figure"),
    [
        (9_999, "withdraw.below_minimum", "min_fen"),
        (10_000_100, "withdraw.insufficient", "available_fen"),
    ],
)
def test_each_withdrawal_rule_names_itself_and_its_figure(rich, django_capture_on_commit_callbacks, settings, amount, code, figure):
    settings.PEERFUND_WITHDRAW_DAILY_MAX_FEN = 10**12
    with pytest.raises(AccountError) as excinfo:
        withdraw(rich, amount, django_capture_on_commit_callbacks)
    assert excinfo.value.code == code and figure in excinfo.value.extra
    assert excinfo.value.extra["field"] == "amount"
    assert not Withdrawal.objects.exists()


def test_daily_count_and_amount_limits(rich, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_WITHDRAW_DAILY_COUNT = 2
    settings.PEERFUND_WITHDRAW_DAILY_MAX_FEN = 500_000
    withdraw(rich, 200_000, django_capture_on_commit_callbacks, key="a")
    with pytest.raises(AccountError) as excinfo:
        withdraw(rich, 400_000, django_capture_on_commit_callbacks, key="b")
    assert excinfo.value.code == "withdraw.daily_amount" and excinfo.value.extra["left_fen"] == 300_000
    withdraw(rich, 300_000, django_capture_on_commit_callbacks, key="c")
    with pytest.raises(AccountError) as excinfo:
        withdraw(rich, 10_000, django_capture_on_commit_callbacks, key="d")
    assert excinfo.value.code == "withdraw.daily_count"
    clock.travel_to(DAY + dt.timedelta(days=1))  # a new day
    withdraw(rich, 10_000, django_capture_on_commit_callbacks, key="e")


def test_fresh_deposits_cool_off_until_invested_or_old(investor, django_capture_on_commit_callbacks, settings):
    clock.travel_to(DAY)
    pay_deposit(investor, 1_000_000, django_capture_on_commit_callbacks)
    with pytest.raises(AccountError) as excinfo:
        withdraw(investor, 100_000, django_capture_on_commit_callbacks)
    assert excinfo.value.code == "withdraw.cooling_off"
    assert excinfo.value.extra["cooling_fen"] == 1_000_000 and excinfo.value.extra["withdrawable_fen"] == 0
    clock.travel_to(DAY + dt.timedelta(days=settings.PEERFUND_COOLING_OFF_DAYS))
    assert withdraw(investor, 100_000, django_capture_on_commit_callbacks).status == Withdrawal.Status.SUCCEEDED


def test_a_wrong_trade_password_stops_the_withdrawal_and_counts(rich, django_capture_on_commit_callbacks):
    for _ in range(4):
        with pytest.raises(AccountError):
            withdraw(rich, 100_000, django_capture_on_commit_callbacks, password="000000")
    with pytest.raises(MoneyActionsLocked):
        withdraw(rich, 100_000, django_capture_on_commit_callbacks, password="000000")
    with pytest.raises(MoneyActionsLocked):
        withdraw(rich, 100_000, django_capture_on_commit_callbacks)
    assert not Withdrawal.objects.exists()
    assert user_balances(rich)["user_available"] == 10_000_000


def test_a_large_withdrawal_waits_frozen_for_review(rich, staff, django_capture_on_commit_callbacks, settings):
    amount = settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN + 100
    w = withdraw(rich, amount, django_capture_on_commit_callbacks, key="big")
    assert w.status == Withdrawal.Status.REVIEWING
    assert user_balances(rich)["user_frozen"] == amount
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal_review(staff=staff, withdrawal=w, approve=True)
    w.refresh_from_db()
    assert w.status == Withdrawal.Status.SUCCEEDED and w.reviewed_by == staff
    assert user_balances(rich) == {"user_available": 10_000_000 - amount, "user_frozen": 0}
    books_agree()


def test_a_rejected_withdrawal_returns_the_money(rich, staff, django_capture_on_commit_callbacks, settings):
    w = withdraw(rich, settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN + 1, django_capture_on_commit_callbacks, key="big")
    with pytest.raises(AccountError):
        withdrawal_review(staff=staff, withdrawal=w, approve=False)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal_review(staff=staff, withdrawal=w, approve=False, reason="card under investigation")
    w.refresh_from_db()
    assert (w.status, w.reason) == (Withdrawal.Status.REJECTED, "card under investigation")
    assert user_balances(rich) == {"user_available": 10_000_000, "user_frozen": 0}
    with pytest.raises(Conflict):
        withdrawal_review(staff=staff, withdrawal=w, approve=True)
    books_agree()


def test_a_bank_refusal_after_review_releases_the_frozen_money(rich, staff, bank_faults, django_capture_on_commit_callbacks, settings):
    w = withdraw(rich, settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN + 1, django_capture_on_commit_callbacks)
    bank_faults(reject_next_requests=1)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal_review(staff=staff, withdrawal=w, approve=True)
    w.refresh_from_db()
    assert w.status == Withdrawal.Status.FAILED
    assert user_balances(rich) == {"user_available": 10_000_000, "user_frozen": 0}
    assert Message.objects.filter(user=rich, event="withdrawal.failed").exists()
    books_agree()


def test_an_immediate_withdrawal_the_bank_refuses(rich, bank_faults, django_capture_on_commit_callbacks):
    bank_faults(reject_next_requests=1)
    w = withdraw(rich, 100_000, django_capture_on_commit_callbacks)
    assert w.status == Withdrawal.Status.FAILED
    assert user_balances(rich)["user_available"] == 10_000_000
    books_agree()


def test_a_card_with_a_withdrawal_in_progress_cannot_be_removed(rich, django_capture_on_commit_callbacks, settings):
    from peerfund.accounts.services.cards import card_remove

    withdraw(rich, settings.PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN + 1, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict) as excinfo:
        card_remove(user=rich, card=rich.card)
    assert excinfo.value.code == "card.withdrawal_pending"


def test_gold_members_withdraw_free(rich, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_TIERS = "regular:0,gold:0"
    settings.PEERFUND_FEE_FREE_TIERS = ["gold"]
    assert withdraw(rich, 100_000, django_capture_on_commit_callbacks).fee_fen == 0


def test_history_filters_and_csv(rich, django_capture_on_commit_callbacks, client):
    withdraw(rich, 100_000, django_capture_on_commit_callbacks)
    client.force_login(rich)
    page = client.get("/funds/history/", {"kind": "withdrawal"}).content.decode()
    assert "-¥1,000.00" in page and "¥100,000.00" not in page.split('data-testid="history"')[1].split("</table>")[0].replace("¥99,000.00", "")
    csv_text = b"".join(client.get("/funds/history/", {"format": "csv"}).streaming_content).decode()
    lines = csv_text.strip().splitlines()
    assert lines[0] == "date,type,account,amount_yuan,balance_after_yuan,reference"
    assert any(",-1000.00," in line for line in lines) and any(",100000.00," in line for line in lines)
    early = client.get("/funds/history/", {"date_to": "2026-05-01", "format": "csv"})
    assert len(b"".join(early.streaming_content).decode().strip().splitlines()) == 1
