"""Auto-invest: a fair, deterministic queue that fills the product's share of a new
loan, respects each rule's limits, and tells each investor what it did and why."""
from decimal import Decimal

import pytest

from peerfund.accounts.errors import AccountError
from peerfund.lending.models import AutoInvestLog, AutoInvestRule, Bid
from peerfund.lending.services.auto_invest import auto_invest_on_listing, auto_invest_rule_save
from peerfund.lending.services.listing import loan_list
from peerfund.notify.models import Message
from peerfund.sandbox.models import BankRequest
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import onboard


@pytest.fixture
def savers(make_user, platform, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    people = []
    for i in range(3):
        user = make_user(username=f"saver{i}")
        onboard(user, identity=i)
        pay_deposit(user, 1_000_000, django_capture_on_commit_callbacks, key=f"s{i}")
        people.append(user)
    return people


def _rule(user, **overrides):
    values = {"rate_min": Decimal("0.08"), "rate_max": Decimal("0.12"), "months_min": 1, "months_max": 12, "grades": ["A", "B"],
              "amount_per_loan_fen": 200_000, "keep_balance_fen": 0}
    return auto_invest_rule_save(investor=user, **{**values, **overrides})


@pytest.fixture
def product(product):
    """The shared product at terms `loan_list` accepts under the legal ceiling (12 %):
    8 % plus 3.65 % a year of penalty, a 0.5 % fee (all-in 9.69 % over 6 months)."""
    product.rate_max, product.service_fee_rate, product.penalty_rate_daily = Decimal("0.08"), Decimal("0.005"), Decimal("0.00010")
    product.save()
    return product


def _list(product, borrower, capture, **overrides):
    values = {"title": "自动测试", "purpose": "", "amount_fen": 1_000_000, "months": 6, "annual_rate": Decimal("0.08"), "grade": "B"}
    with capture(execute=True):
        return loan_list(borrower=borrower, product=product, **{**values, **overrides})


def test_turning_a_rule_on_asks_the_bank_for_authorisation(savers):
    rule = _rule(savers[0])
    assert rule.bank_authorisation and BankRequest.objects.filter(request_no=rule.bank_authorisation, op="authorise", status="succeeded").exists()
    with pytest.raises(AccountError):
        _rule(savers[0], rate_min=Decimal("0.2"))
    with pytest.raises(AccountError):
        _rule(savers[0], grades=[])


def test_the_queue_is_fair_and_a_rule_that_invests_goes_to_the_back(savers, product, make_user, django_capture_on_commit_callbacks):
    product.auto_invest_share = Decimal("0.40")  # 400,000 of a 1,000,000 loan
    product.save()
    rules = [_rule(user) for user in savers]
    borrower = make_user(username="b")
    first = _list(product, borrower, django_capture_on_commit_callbacks)
    assert [b.investor_id for b in Bid.objects.filter(loan=first, auto=True)] == [savers[0].pk, savers[1].pk]
    second = _list(product, borrower, django_capture_on_commit_callbacks)
    # The third rule never invested, so it goes first now; then the oldest investor.
    assert [b.investor_id for b in Bid.objects.filter(loan=second, auto=True)] == [savers[2].pk, savers[0].pk]
    assert all(r.pk for r in rules)


def test_the_share_limits_and_balance_kept_are_respected(savers, product, make_user, django_capture_on_commit_callbacks):
    _rule(savers[0], amount_per_loan_fen=900_000)  # above the per-investor cap of 500,000
    _rule(savers[1], keep_balance_fen=950_000)  # only 50,000 above what it keeps: below the minimum bid? no: 50,000 ≥ 10,000
    _rule(savers[2], grades=["A"])  # the loan is grade B: not matched
    loan = _list(product, make_user(username="b"), django_capture_on_commit_callbacks)
    bids = {b.investor_id: b.amount_fen for b in Bid.objects.filter(loan=loan, auto=True)}
    assert bids == {savers[0].pk: 500_000, savers[1].pk: 50_000}
    assert sum(bids.values()) <= 800_000  # the product's 80 % share
    assert not AutoInvestLog.objects.filter(rule__investor=savers[2]).exists()


def test_each_investor_is_told_why(savers, product, make_user, django_capture_on_commit_callbacks):
    _rule(savers[0])
    loan = _list(product, make_user(username="b"), django_capture_on_commit_callbacks)
    entry = AutoInvestLog.objects.get(rule__investor=savers[0], loan=loan)
    assert entry.invested and entry.amount_fen == 200_000
    assert "自动测试" in entry.explanation and "B" in entry.explanation
    assert Message.objects.filter(user=savers[0], event="auto_invest.invested").exists()


def test_running_the_queue_again_changes_nothing_and_nobody_funds_their_own_loan(savers, product, django_capture_on_commit_callbacks):
    _rule(savers[0])
    _rule(savers[1])
    loan = _list(product, savers[1], django_capture_on_commit_callbacks)  # savers[1] borrows
    with django_capture_on_commit_callbacks(execute=True):
        auto_invest_on_listing(loan=loan)
    assert list(Bid.objects.filter(loan=loan).values_list("investor_id", flat=True)) == [savers[0].pk]


def test_the_auto_invest_page(client, savers):
    client.force_login(savers[0])
    response = client.post("/loans/auto-invest/", {"enabled": "on", "rate_min": "8", "rate_max": "12", "months_min": 1, "months_max": 12, "grades": ["A", "B"], "amount_per_loan": "1,000", "keep_balance": "0"})
    assert response.status_code == 302
    rule = AutoInvestRule.objects.get(investor=savers[0])
    assert (rule.rate_min, rule.amount_per_loan_fen, rule.grades) == (Decimal("0.08"), 100_000, ["A", "B"])
    page = client.post("/loans/auto-invest/", {"rate_min": "12", "rate_max": "8", "months_min": 1, "months_max": 12, "grades": ["A"], "amount_per_loan": "1,000"})
    assert 'data-testid="rate_max-error"' in page.content.decode()
