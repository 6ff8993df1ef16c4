"""A small platform run through twelve months of daily closes: a loan repaid on time
(part of it sold on as a claim), one prepaid, one late then cured, one written off and
recovered at the end.
Every borrower's payments and every investor's balance are checked to the fen against
figures worked out here from the contracts (schedules, holdings, the prepayment and
transfer formulas), and the ledger and the custodian agree at the end."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from peerfund.accounts.services.cards import card_bind
from peerfund.cob.services import close_until
from peerfund.core import clock
from peerfund.core.money import split_largest_remainder
from peerfund.custody.reconciliation import ledger_matches_custodian
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.lending.models import Loan, RepaymentInstalment
from peerfund.lending.schedules import Terms, build_schedule, split_among_investors
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.lending.services.transfer import claim_buy, claim_list
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, card_number, verify_directly

HOLDINGS = {"ann": 300_000, "bob": 200_000}  # each loan is ¥5,000: ¥3,000 from ann, ¥2,000 from bob


def fen(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_twelve_months_of_a_small_platform(platform, make_user, list_loan, product, staff_with, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    settings.PEERFUND_COB_CHUNK = 2
    capture = django_capture_on_commit_callbacks
    product.max_per_investor_fen = 10**9
    product.save()
    people = {name: verify_directly(make_user(username=name), n) for n, name in enumerate(["ann", "bob", "cat", "ontime", "prepay", "late", "gone"])}
    for name in ("ann", "bob", "cat"):
        pay_deposit(people[name], 2_000_000, capture, key=f"seed-{name}")
    start = clock.business_date()
    loans = {}
    for name in ("ontime", "prepay", "late", "gone"):
        loan = list_loan(people[name], amount_fen=500_000, months=12)
        for investor, amount in HOLDINGS.items():
            with capture(execute=True):
                bid_place(investor=people[investor], loan_id=loan.pk, amount_fen=amount, trade_password=TRADE_PASSWORD, key=f"bid-{name}")
        loan.refresh_from_db()
        with capture(execute=True):
            disbursement_decide(staff=staff_with("risk", "checker"), request=disbursement_request(staff=staff_with("risk", "maker"), loan=loan), approve=True)
        loans[name] = loan
    # The contracts, worked out independently of the services: the schedule and each
    # investor's share of every instalment (what the contract PDFs list).
    # The service fee comes with the instalments (分期服务费), never out of the loan.
    terms = Terms(principal_fen=500_000, annual_rate=Decimal("0.10"), months=12, method=product.method, start_date=start,
                  day_count=product.day_count, rounding=product.rounding, service_fee_rate=product.service_fee_rate)
    schedule = build_schedule(terms)
    shares = dict(zip(HOLDINGS, split_among_investors(schedule, list(HOLDINGS.values())), strict=True))
    total_due = sum(i.total_fen for i in schedule)
    total_fee = fen(Decimal(500_000) * product.service_fee_rate)
    assert sum(i.fee_fen for i in schedule) == total_fee > 0
    # Borrowers keep the whole loan and top up what interest and fee need; "late" and "gone" hold nothing.
    pay_deposit(people["ontime"], total_due - 500_000, capture, key="ontime-top-up")
    pay_deposit(people["prepay"], 100_000, capture, key="prepay-top-up")
    for n, name in enumerate(("late", "gone")):  # they spend the loan: it leaves through their card
        user = people[name]
        card = card_bind(user=user, card_number=card_number(serial=2000 + n), holder_name=user.verifications.get().real_name)
        with capture(execute=True):
            withdrawal_request(user=user, amount_fen=500_000, card_id=card.pk, trade_password=TRADE_PASSWORD, key="spend")
        assert user_balances(user)["user_available"] == 0
    fee_income_before = platform_account("platform_fee").balance_fen  # after the withdrawals' own fees
    pay_deposit(people["late"], schedule[0].total_fen, capture, key="late-month-1")  # "late" pays month 1 on time
    expected = {name: user_balances(people[name])["user_available"] for name in ("ann", "bob", "cat")}

    with capture(execute=True):
        # Month 1 closes by automatic debit. Then "late" misses month 2 for ten days.
        close_until(start=start, until=schedule[1].due_date + dt.timedelta(days=10))
        late = RepaymentInstalment.objects.get(loan=loans["late"], number=2)
        assert late.status == "overdue" and late.penalty_fen > 0
        days_late = 10
        penalty = days_late * fen(Decimal(schedule[1].principal_fen) * product.penalty_rate_daily)  # a day's penalty, to the fen, per day
        assert late.penalty_fen == penalty
        pay_deposit(people["late"], total_due + penalty, capture, key="late-cure")
        loan_repay(borrower=people["late"], loan_id=loans["late"].pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="cure")
        # ann sells ¥1,000 of her "ontime" claim to cat at a 2 % discount, 11 days into
        # month 3 (the close of day 10 has run: the clock is on the morning after).
        sale_day = clock.business_date()
        assert sale_day == schedule[1].due_date + dt.timedelta(days=11)
        listing = claim_list(seller=people["ann"], investment_id=loans["ontime"].investments.get(investor=people["ann"]).pk,
                             principal_fen=100_000, discount_rate=Decimal("0.02"))
        purchase = claim_buy(buyer=people["cat"], listing_id=listing.pk, principal_fen=100_000, trade_password=TRADE_PASSWORD, key="c")
        # "prepay" repays everything 15 days into month 5.
        close_until(start=clock.business_date(), until=schedule[3].due_date + dt.timedelta(days=14))
        assert clock.business_date() == schedule[3].due_date + dt.timedelta(days=15)
        prepaid = loan_prepay(borrower=people["prepay"], loan_id=loans["prepay"].pk, principal_fen=None, mode="reduce_term",
                              trade_password=TRADE_PASSWORD, key="all")
        close_until(start=clock.business_date(), until=schedule[-1].due_date + dt.timedelta(days=5))

    for name, status in (("ontime", "settled"), ("prepay", "settled"), ("late", "settled"), ("gone", "written_off")):
        assert Loan.objects.get(pk=loans[name].pk).status == status
    # "gone" was written off 90 days after missing month 1, with penalty interest on every
    # instalment past its grace days by then (every day since its due date); at the end
    # he repays all of it (坏账回收).
    written_off_on = schedule[0].due_date + dt.timedelta(days=product.write_off_days)
    gone_penalties = [
        (written_off_on - i.due_date).days * fen(Decimal(i.principal_fen) * product.penalty_rate_daily)
        if written_off_on > i.due_date + dt.timedelta(days=product.grace_days) else 0
        for i in schedule
    ]
    # The write-off waived the fee of every instalment of "gone" (none was paid): the recovery is the investors' alone.
    pay_deposit(people["gone"], total_due - total_fee + sum(gone_penalties), capture, key="gone-found-money")
    with capture(execute=True):
        recovered = loan_repay(borrower=people["gone"], loan_id=loans["gone"].pk, amount_fen=None, trade_password=TRADE_PASSWORD, key="recovery")
    assert recovered.amount_fen == total_due - total_fee + sum(gone_penalties) and recovered.penalty_fen == sum(gone_penalties)
    assert recovered.service_fee_fen == 0
    assert Loan.objects.get(pk=loans["gone"].pk).status == "settled"
    # The prepayment, by the formula: principal outstanding after four instalments, the
    # fifth period's interest for the 15 days run, and the 1 % fee.
    outstanding = 500_000 - sum(i.principal_fen for i in schedule[:4])
    period = (schedule[4].due_date - schedule[3].due_date).days
    accrued = fen(Decimal(schedule[4].interest_fen) * 15 / period)
    assert (prepaid.principal_fen, prepaid.interest_fen, prepaid.fee_fen) == (outstanding, accrued, fen(Decimal(outstanding) / 100))
    # The transfer, by the formula: ¥1,000 at 98 % plus its share of the interest ann's
    # month-3 receivable has run up in the 11 days.
    ann_open = 300_000 - sum(s.principal_fen for s in shares["ann"][:2])
    period3 = (schedule[2].due_date - schedule[1].due_date).days
    ann_interest_3 = shares["ann"][2].interest_fen
    price = fen(Decimal(100_000) * Decimal("0.98")) + fen(Decimal(fen(Decimal(ann_interest_3) * 11 / period3)) * 100_000 / ann_open)
    assert purchase.price_fen == price

    # Investors' money, to the fen: every instalment of "ontime" and "late" (and its
    # penalty by holdings), "prepay" up to month 4 and its prepayment by holdings,
    # every instalment of "gone" and its penalties (each split by the investors'
    # principal in that instalment); ann and cat settle the claim between them.
    penalty_parts = dict(zip(HOLDINGS, split_largest_remainder(penalty, list(HOLDINGS.values())), strict=True))
    prepay_parts = {k: dict(zip(HOLDINGS, split_largest_remainder(v, [h - sum(s.principal_fen for s in shares[n][:4]) for n, h in HOLDINGS.items()]), strict=True))
                    for k, v in (("principal", prepaid.principal_fen), ("interest", prepaid.interest_fen), ("fee", prepaid.fee_fen))}
    for investor in HOLDINGS:
        full = sum(s.total_fen for s in shares[investor])
        expected[investor] += 2 * full + penalty_parts[investor]  # ontime and late, whole
        expected[investor] += sum(s.total_fen for s in shares[investor][:4]) + sum(prepay_parts[k][investor] for k in prepay_parts)
    for number, penalty_of_gone in enumerate(gone_penalties):
        parts = split_largest_remainder(penalty_of_gone, [shares[investor][number].principal_fen for investor in HOLDINGS])
        for investor, part in zip(HOLDINGS, parts, strict=True):
            expected[investor] += shares[investor][number].total_fen + part
    # The claim: from month 3 on, cat receives what ann would have on ¥1,000 of principal.
    transferred = sum(r.principal_fen + r.interest_fen for r in purchase.investment.receivables.all())
    expected["ann"] += purchase.price_fen - purchase.fee_fen - transferred
    expected["cat"] += transferred - purchase.price_fen
    assert sum(r.principal_fen for r in purchase.investment.receivables.all()) == 100_000
    assert {name: user_balances(people[name])["user_available"] for name in expected} == expected
    assert all(user_balances(people[name])["user_frozen"] == 0 for name in expected)
    # The platform's fee income: every instalment's fee of "ontime" and "late", the first
    # four of "prepay" (the rest waived by the prepayment), none of "gone" (written off),
    # and the claim sale's transfer fee. Nothing at disbursement.
    fee_income = 2 * total_fee + sum(i.fee_fen for i in schedule[:4]) + purchase.fee_fen
    assert platform_account("platform_fee").balance_fen - fee_income_before == fee_income
    assert ledger_check() == [] and ledger_matches_custodian() == []
