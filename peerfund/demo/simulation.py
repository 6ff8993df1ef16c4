"""The simulated platform behind `make run`: staff in every role, onboarded users and a
few weeks of money history, all made through the same services real users go through
(identity checks, card binding, deposit orders paid on the sandbox payment page,
withdrawals under the rules, claim sales, invitations), with the platform clock moved
day by day and the daily close run every evening (debits, overdue, collection,
reconciliation, ledger check). Loans are serviced through it: one repaid on time, one
overdue with a collection task, a claim sold on, and one made before the history
(`BAD_DEBT_LEAD_DAYS`) written off and partly recovered. Crowdfunding projects are
funded, fail, ship rewards and take questions (demo/crowdfunding.py). Later
capabilities add their own history here.

Issue 17 (lawful and truthful lending) shows in it: borrowers receive the whole
principal and pay the service fee with their instalments; everyone who bid, applied or
pledged accepted the legal documents in force, except 周晓新, whose first bid goes
through the consent page; 陈静 and 赵磊 apply again and are declined for their history
here; the risk team records post-loan information; 刘洋 is a disclosed related party;
the 公益 category belongs to a verified charity organisation.
"""

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from huey.contrib.djhuey import HUEY

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import User
from peerfund.accounts.questionnaire import QUESTIONS
from peerfund.accounts.services.cards import card_bind
from peerfund.accounts.services.identity import verification_submit_enterprise, verification_submit_person
from peerfund.accounts.services.invitations import invitation_accept, invitation_reward_if_due, invite_code_of
from peerfund.accounts.services.risk import assessment_submit
from peerfund.accounts.services.security import trade_password_set
from peerfund.backoffice.roles import staff_with_role
from peerfund.cob.services import close_run
from peerfund.core import clock
from peerfund.custody.services import custody_move, custody_platform_fund, platform_accounts_open
from peerfund.demo.content import content_publish
from peerfund.demo.crowdfunding import CrowdfundingDemo
from peerfund.funds.selectors import asset_overview
from peerfund.funds.services.deposits import deposit_order_create, deposit_order_paid
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.sandbox.identity import TEST_PERSONS

DEMO_PASSWORD = "peerfund-demo"
DEMO_TRADE_PASSWORD = "246810"
HISTORY_DAYS = 45
# A write-off needs a loan 90 days past due: the platform opens this many days before
# the simulated history, with only that loan for the nightly close to service.
BAD_DEBT_LEAD_DAYS = 100
MARKETING_BUDGET_FEN = 5_000_000


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    phone: str
    role: str
    # Index into the sandbox's test identities, for people who verify.
    identity: int | None = None
    # The risk questionnaire's answer to every question (default: by serial).
    risk_answer: int | None = None
    # Accepted only the sign-up documents, so the first bid goes through the consent page.
    signup_only: bool = False


_IDS = list(TEST_PERSONS.items())
PEOPLE = [
    DemoPerson("admin", "平台管理员", "13900000000", "admin"),
    DemoPerson("ops", "运营小周", "13900000001", "operations"),
    DemoPerson("risk", "风控老吴", "13900000002", "risk"),
    DemoPerson("finance", "财务小郑", "13900000003", "finance"),
    DemoPerson("service", "客服小王", "13900000004", "customer_service"),
    DemoPerson("compliance", "合规老冯", "13900000005", "compliance"),
    DemoPerson("auditor", "审计老陈", "13900000006", "auditor"),
    DemoPerson("collector", "催收小孙", "13900000007", "collection"),
    DemoPerson("lina", "李娜", "13800000001", "investor", identity=0),
    DemoPerson("wangwei", "王伟", "13800000002", "investor", identity=1),
    DemoPerson("zhangmin", "张敏", "13800000003", "investor", identity=2),
    DemoPerson("liuyang", "刘洋", "13800000004", "borrower", identity=3),
    DemoPerson("chenjing", "陈静", "13800000005", "project owner", identity=4),
    DemoPerson("shifan", "北京示范科技", "13800000006", "enterprise, under review"),
    DemoPerson("zhaolei", "赵磊", "13800000007", "borrower, written off", identity=5),
    DemoPerson("xinshou", "周晓新", "13800000008", "new investor, first bid asks for consent", identity=8, risk_answer=3, signup_only=True),
    DemoPerson("gongyi", "示范公益基金会", "13800000009", "charity organisation (公益 projects)"),
]
STAFF_ROLES = {"admin", "operations", "risk", "finance", "customer_service", "compliance", "auditor", "collection"}
INVESTORS = ("lina", "wangwei", "zhangmin")


def demo_is_loaded() -> bool:
    return User.objects.filter(username="admin").exists()


@contextmanager
def tasks_inline():
    """Run queued tasks (outbox dispatch) at once while the history is written, as a
    consumer would a moment later."""
    previous = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = previous


def _onboard(user: User, person: DemoPerson, serial: int) -> None:
    from stdnum import luhn

    id_number, name = _IDS[person.identity]
    verification_submit_person(user=user, real_name=name, id_number=id_number)
    body = f"622202{880000 + serial:012d}"
    card_bind(user=user, card_number=body + luhn.calc_check_digit(body), holder_name=name)
    trade_password_set(user=user, new=DEMO_TRADE_PASSWORD)
    assessment_submit(user=user, answers={q.key: person.risk_answer or (serial % 3) + 1 for q in QUESTIONS})


def _accept_documents(user: User, person: DemoPerson) -> None:
    """What the person accepted on the pages: the sign-up documents, and (for everyone
    who has since bid, applied or pledged) the rest, when first asked."""
    from peerfund.legal.models import DocumentKind
    from peerfund.legal.services import consent_record, published

    kinds = (DocumentKind.USER_AGREEMENT, DocumentKind.PRIVACY_POLICY) if person.signup_only else None
    consent_record(user=user, versions=list(published(kinds)), ip="127.0.0.1", user_agent="PeerFund demo", action="demo")


def _legal_documents_in_force() -> None:
    """Version 1 of every legal document, in force since the platform opened (the
    history's first day): published by the migration, again if a test flushed it."""
    import importlib

    from django.apps import apps

    from peerfund.legal.models import DocumentVersion

    migration = importlib.import_module("peerfund.legal.migrations.0002_publish_version_1")
    migration.publish(apps, None)
    opened = clock.now()
    DocumentVersion.objects.filter(number=1, status=DocumentVersion.Status.PUBLISHED, acceptances__isnull=True).update(
        submitted_at=opened, published_at=opened)


def _create_people() -> dict[str, User]:
    users = {}
    for serial, person in enumerate(PEOPLE):
        user = User.objects.create_user(
            username=person.username,
            password=DEMO_PASSWORD,
            display_name=person.display_name,
            phone=f"+86{person.phone}",
            phone_verified=True,
            is_superuser=person.role == "admin",
        )
        if person.role in STAFF_ROLES:
            staff_with_role(user, person.role)
        else:
            _accept_documents(user, person)
        if person.identity is not None:
            _onboard(user, person, serial)
        users[person.username] = user
    invitation_accept(invitee=users["wangwei"], code=invite_code_of(users["lina"]))
    invitation_accept(invitee=users["zhangmin"], code=invite_code_of(users["lina"]))
    verification_submit_enterprise(
        user=users["shifan"],
        company_name="北京示范科技有限公司",
        credit_code="91110000MA01ABCD1M",
        legal_rep_name="刘洋",
        legal_rep_id=_IDS[3][0],
    )
    _charity_organisation(users)
    return users


CHARITY_CODE = "531100005000012347"


def _charity_organisation(users: dict[str, User]) -> None:
    """示范公益基金会: an enterprise verified as a charity organisation (its charity
    registration number checked with the business licence), the only kind of owner a
    公益 project may have."""
    from peerfund.accounts.services.identity import verification_review

    verification = verification_submit_enterprise(
        user=users["gongyi"], company_name="北京示范公益基金会", credit_code=CHARITY_CODE, legal_rep_name="李娜",
        legal_rep_id=_IDS[0][0], charity_registration_no=CHARITY_CODE,
    )
    verification_review(staff=users["risk"], verification=verification, approve=True, reason="营业执照与慈善组织登记证书已核验")



def _book(kind: str, legs: list, key: str, memo: str) -> None:
    """One money action, as its own transaction, mirrored at the bank."""
    with transaction.atomic():
        custody_move(kind=kind, legs=legs, key=key, memo=memo)


def _deposit(user: User, amount: int, key: str) -> None:
    order = deposit_order_create(user=user, amount_fen=amount, key=key)
    deposit_order_paid(order_no=order.order_no)


def _simulate_day(day: dt.date, users: dict[str, User], rng: random.Random, held: dict[int, int]) -> None:
    """A day of deposits, amounts reserved and released, a claim sale, a withdrawal.
    `held` is what the simulation itself froze per user (pledges freeze money too,
    and only the daily close may release those)."""
    investors = [users[name] for name in INVESTORS]
    tag = day.isoformat()
    for user in investors:
        if rng.random() < 0.35:
            _deposit(user, rng.choice([50_000, 100_000, 200_000, 500_000, 1_000_000]), f"demo-deposit-{tag}")
    for user in investors:
        accounts = ledger.user_accounts(user)
        available = accounts[AccountKind.USER_AVAILABLE].balance_fen
        if available >= 20_000 and rng.random() < 0.3:
            amount = rng.randrange(100, available // 100 // 2 + 1) * 100
            _book(
                EntryKind.FREEZE,
                [(accounts[AccountKind.USER_AVAILABLE], -amount), (accounts[AccountKind.USER_FROZEN], amount)],
                f"demo-freeze-{user.pk}-{tag}",
                "demo: amount reserved for a bid",
            )
            held[user.pk] = held.get(user.pk, 0) + amount
        frozen = held.get(user.pk, 0)
        if frozen and rng.random() < 0.25:
            _book(
                EntryKind.UNFREEZE,
                [(accounts[AccountKind.USER_FROZEN], -frozen), (accounts[AccountKind.USER_AVAILABLE], frozen)],
                f"demo-unfreeze-{user.pk}-{tag}",
                "demo: listing failed, bid released",
            )
            held[user.pk] = 0
    seller, buyer = rng.sample(investors, 2)
    price = 30_000
    if ledger.user_accounts(buyer)[AccountKind.USER_AVAILABLE].balance_fen >= price and rng.random() < 0.15:
        fee = price // 200
        _book(
            EntryKind.CLAIM_TRANSFER,
            [
                (ledger.user_accounts(buyer)[AccountKind.USER_AVAILABLE], -price),
                (ledger.user_accounts(seller)[AccountKind.USER_AVAILABLE], price - fee),
                (ledger.platform_account(AccountKind.PLATFORM_FEE), fee),
            ],
            f"demo-claim-{tag}",
            "demo: claim sold",
        )
        invitation_reward_if_due(invitee=buyer)
    user = rng.choice(investors)
    if asset_overview(user)["withdrawable_fen"] >= 100_000 and rng.random() < 0.2:
        try:
            withdrawal_request(user=user, amount_fen=50_000, card_id=user.bank_cards.get().pk, trade_password=DEMO_TRADE_PASSWORD, key=f"demo-withdraw-{tag}")
        except AccountError:
            pass  # a daily limit: the simulated person tries another day


def _risk_history(users: dict[str, User]) -> None:
    """A trained and active scorecard, decided applications, a blacklist and an AML case."""
    from peerfund.risk.blacklist import blacklist_add
    from peerfund.risk.services import credit_assess, score_model_train

    score_model_train(cross_validate=True, activate=True)
    base = {
        "status_of_existing_checking_account": "0 <= ... < 200 DM", "duration_in_month": 24, "credit_history": "existing credits paid back duly till now",
        "purpose": "furniture/equipment", "credit_amount": 50_000, "savings_account_and_bonds": "... < 100 DM",
        "present_employment_since": "1 <= ... < 4 years", "installment_rate_in_percentage_of_disposable_income": 3,
        "other_debtors_or_guarantors": "none", "present_residence_since": 2, "property": "car or other, not in attribute Savings account/bonds",
        "age_in_years": 41, "other_installment_plans": "none", "housing": "own", "number_of_existing_credits_at_this_bank": 1,
        "job": "skilled employee / official", "number_of_people_being_liable_to_provide_maintenance_for": 1, "telephone": "none",
    }
    credit_assess(user=users["liuyang"], application=base)
    credit_assess(user=users["chenjing"], application={**base, "status_of_existing_checking_account": "no checking account", "credit_amount": 20_000, "duration_in_month": 12})
    credit_assess(user=users["liuyang"], application={**base, "status_of_existing_checking_account": "... < 0 DM", "credit_history": "delay in paying off in the past", "duration_in_month": 48, "credit_amount": 150_000})
    blacklist_add(staff=users["risk"], kind="phone", value="13912349999", reason="demo: known fraud ring number")
    blacklist_add(staff=users["risk"], kind="device", value="d" * 64, reason="demo: emulator farm device")
    _deposit(users["zhangmin"], 6_000_000, "demo-large-deposit")  # above the AML report threshold


def _products():
    """The two loan products (made at the start of the history)."""
    from decimal import Decimal

    from peerfund.lending.models import LoanProduct
    from peerfund.lending.schedules import Method

    salary = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[3, 6, 12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.06"), rate_max=Decimal("0.08"), service_fee_rate=Decimal("0.0050"), penalty_rate_daily=Decimal("0.00010"),
        max_per_investor_fen=1_000_000,
        required_documents=["id", "income"], required_risk_level="C2",
    )
    business = LoanProduct.objects.create(
        name="经营贷", min_amount_fen=1_000_000, max_amount_fen=100_000_000, terms_months=[6, 12, 24], method=Method.INTEREST_FIRST,
        rate_min=Decimal("0.07"), rate_max=Decimal("0.085"), service_fee_rate=Decimal("0.0100"), penalty_rate_daily=Decimal("0.00008"),
        max_per_investor_fen=2_000_000,
        required_documents=["id", "licence"], required_risk_level="C3",
    )
    return salary, business


def _disbursed_loan(users: dict[str, User], salary, borrower: str, title: str, purpose: str, amount: int, rate: str, grade: str, each: int):
    """A six-month loan listed, filled by 李娜 and 张敏 (`each` from both) and
    disbursed, as the hall, the bids and the full review would have it."""
    from decimal import Decimal

    from peerfund.lending.services.bidding import bid_place
    from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
    from peerfund.lending.services.listing import loan_list

    loan = loan_list(borrower=users[borrower], product=salary, title=title, purpose=purpose, amount_fen=amount, months=6, annual_rate=Decimal(rate), grade=grade)
    for name in ("lina", "zhangmin"):
        bid_place(investor=users[name], loan_id=loan.pk, amount_fen=each, trade_password=DEMO_TRADE_PASSWORD, key=f"demo-seasoned-{loan.pk}")
    loan.refresh_from_db()
    request = disbursement_request(staff=users["risk"], loan=loan)
    disbursement_decide(staff=users["admin"], request=request, approve=True)
    return loan


def _spend(user: User, amount: int, key: str) -> None:
    """The borrower takes the loan out to their card."""
    withdrawal_request(user=user, amount_fen=amount, card_id=user.bank_cards.get().pk, trade_password=DEMO_TRADE_PASSWORD, key=key)


def _seasoned_loans(users: dict[str, User], salary) -> list:
    """At the start of the history: two loans listed, filled and disbursed, which the
    daily close then services — one repaid on time by automatic debit, one whose
    borrower spends the money and falls overdue (penalty interest, a collection task)."""
    for name in ("lina", "zhangmin"):
        _deposit(users[name], 2_500_000, f"demo-seasoned-{name}")
    loans = [
        _disbursed_loan(users, salary, "liuyang", "家装分期(还款中)", "home repairs, repaid by instalments", 2_000_000, "0.0650", "A", 1_000_000),
        _disbursed_loan(users, salary, "chenjing", "门店周转(逾期)", "working capital for a shop", 1_000_000, "0.0780", "C", 500_000),
    ]
    _deposit(users["liuyang"], 500_000, "demo-liuyang-repayment-funds")  # keeps enough for the debits
    _spend(users["chenjing"], 900_000, "demo-spend-loan")
    return loans


def _bad_debt_loan(users: dict[str, User], salary):
    """Before the history: 赵磊 borrows ¥3,000 from 李娜 and 张敏 and spends it; the
    first debit takes the few yuan he left, then nothing. The nightly close marks the loan
    overdue, charges penalty interest, opens a collection task and, 90 days after the
    first missed instalment, writes it off."""
    for name in ("lina", "zhangmin"):
        _deposit(users[name], 150_000, f"demo-bad-debt-{name}")
    loan = _disbursed_loan(users, salary, "zhaolei", "车辆维修(坏账)", "car repairs, never repaid", 300_000, "0.0800", "D", 150_000)
    _spend(users["zhaolei"], 290_000, "demo-spend-bad-debt")
    return loan


def _bad_debt_recovery(users: dict[str, User], loan) -> None:
    """坏账回收: the collector reaches 赵磊, who pays back ¥800 of what was written off;
    it goes to 李娜 and 张敏, and collection goes on for the rest."""
    from peerfund.lending.services.repayment import loan_repay

    _deposit(users["zhaolei"], 80_000, "demo-recovery-funds")
    loan_repay(borrower=users["zhaolei"], loan_id=loan.pk, amount_fen=80_000, trade_password=DEMO_TRADE_PASSWORD, key="demo-recovery")


def _claim_sale(users: dict[str, User], loan) -> None:
    """债权转让: 张敏 sells half of her claim in the performing loan; 李娜 buys ¥2,000."""
    from decimal import Decimal

    from peerfund.lending.models import Investment
    from peerfund.lending.services.transfer import claim_buy, claim_list

    investment = Investment.objects.get(loan=loan, investor=users["zhangmin"])
    listing = claim_list(seller=users["zhangmin"], investment_id=investment.pk, principal_fen=400_000, discount_rate=Decimal("0.01"))
    claim_buy(buyer=users["lina"], listing_id=listing.pk, principal_fen=200_000, trade_password=DEMO_TRADE_PASSWORD, key="demo-claim")


def _claim_on_sale(users: dict[str, User], loan) -> None:
    """张敏 lists ¥1,500 more of her claim today, so the claims market has one for sale
    (the first listing expired after its days)."""
    from decimal import Decimal

    from peerfund.lending.models import Investment
    from peerfund.lending.services.transfer import claim_list

    investment = Investment.objects.get(loan=loan, investor=users["zhangmin"])
    claim_list(seller=users["zhangmin"], investment_id=investment.pk, principal_fen=150_000, discount_rate=Decimal("0.02"))


def _lending_market(users: dict[str, User], salary, business) -> None:
    """Loans in the investment hall, with real bids (one loan full)."""
    from decimal import Decimal

    from peerfund.lending.services.auto_invest import auto_invest_rule_save
    from peerfund.lending.services.bidding import bid_place
    from peerfund.lending.services.listing import loan_list

    auto_invest_rule_save(
        investor=users["wangwei"], rate_min=Decimal("0.06"), rate_max=Decimal("0.09"), months_min=1, months_max=12,
        grades=["A", "B"], amount_per_loan_fen=50_000, keep_balance_fen=100_000,
    )
    listings = [
        (users["liuyang"], salary, "装修周转", "home repairs", 300_000, 6, "0.0720", "B"),
        (users["chenjing"], business, "小店进货", "stock for a shop", 2_000_000, 12, "0.0820", "C"),
        (users["liuyang"], salary, "教育培训", "a training course", 150_000, 3, "0.0680", "A"),
    ]
    loans = [
        loan_list(borrower=borrower, product=product, title=title, purpose=purpose, amount_fen=amount, months=months, annual_rate=Decimal(rate), grade=grade)
        for borrower, product, title, purpose, amount, months, rate, grade in listings
    ]
    _applications_in_review(users, salary, business)
    for user, loan, amount in ((users["lina"], loans[2], 100_000), (users["zhangmin"], loans[0], 100_000)):
        try:
            bid_place(investor=user, loan_id=loan.pk, amount_fen=amount, trade_password=DEMO_TRADE_PASSWORD, key=f"demo-bid-{loan.pk}")
        except AccountError:
            pass  # not enough balance in this run of the simulation
    loans[2].refresh_from_db()
    if loans[2].status == loans[2].Status.FULL:  # full review by two people, then disbursed with signed contracts
        from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request

        request = disbursement_request(staff=users["risk"], loan=loans[2])
        disbursement_decide(staff=users["admin"], request=request, approve=True)


def _applications_in_review(users: dict[str, User], salary, business) -> None:
    """The back office's applications: 王伟's waiting for its first review, 刘洋's passed
    by `risk` and waiting for a second person's final review, and two the pre-screen
    declined for the borrower's history here — 陈静 (a loan overdue past its grace
    days) and 赵磊 (a written-off loan not yet recovered)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peerfund.lending.services.origination import application_review, application_submit

    def pdf(name: str):
        return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4\n% PeerFund demo document\n")

    # The form's questions (risk.features.QUESTIONS); amount, term, age and loans here
    # are filled in by the platform.
    answers = {
        "status_of_existing_checking_account": "... >= 200 DM / salary assignments for at least 1 year", "credit_history": "existing credits paid back duly till now",
        "purpose": "business", "savings_account_and_bonds": "100 <= ... < 500 DM", "present_employment_since": "4 <= ... < 7 years",
        "installment_rate_in_percentage_of_disposable_income": 2, "other_debtors_or_guarantors": "none", "present_residence_since": 3,
        "property": "real estate", "other_installment_plans": "none", "housing": "own",
        "job": "management/ self-employed/ highly qualified employee/ officer",
        "number_of_people_being_liable_to_provide_maintenance_for": 1, "telephone": "yes, registered under the customers name", "student": "no",
    }
    application_submit(borrower=users["wangwei"], product=salary, amount_fen=500_000, months=12, purpose="在职进修学费",
                       attributes={**answers, "purpose": "education"}, documents={"id": pdf("id"), "income": pdf("income")})
    passed = application_submit(borrower=users["liuyang"], product=salary, amount_fen=200_000, months=6, purpose="购买家电",
                                attributes={**answers, "purpose": "domestic appliances"}, documents={"id": pdf("id"), "income": pdf("income")})
    application_review(staff=users["risk"], application=passed, approve=True, reason="income checked")
    application_submit(borrower=users["chenjing"], product=business, amount_fen=3_000_000, months=12, purpose="新店装修", attributes=answers,
                       documents={"id": pdf("id"), "licence": pdf("licence")})
    application_submit(borrower=users["zhaolei"], product=salary, amount_fen=200_000, months=6, purpose="再买一辆二手车",
                       attributes={**answers, "purpose": "car (used)", "job": "skilled employee / official"},
                       documents={"id": pdf("id"), "income": pdf("income")})


def _post_loan_checks(users: dict[str, User], performing, bad_debt) -> None:
    """贷后信息 the risk team recorded, shown to each loan's investors: 刘洋's loan
    went to the declared repairs and nothing changed; 赵磊 spent his on something else
    and can no longer repay."""
    from peerfund.disclosure.services.post_loan import post_loan_record

    today = clock.business_date()
    performing.refresh_from_db()
    bad_debt.refresh_from_db()
    post_loan_record(staff=users["risk"], loan=performing, checked_on=today - dt.timedelta(days=20), funds_used_as_declared=True,
                     funds_note="装修合同与付款凭证已核对。", ability="unchanged", ability_note="工作与收入未变，按期还款。")
    post_loan_record(staff=users["risk"], loan=bad_debt, checked_on=today - dt.timedelta(days=3), funds_used_as_declared=False,
                     funds_note="借款未用于车辆维修，已用于个人消费。", ability="worsened", ability_note="借款人失业，无稳定收入。",
                     overdue_note="已核销，催收中；已回收 ¥800.00。")


def _related_party(users: dict[str, User]) -> None:
    """刘洋 is disclosed as a related party of the platform from the start, so his loans
    are counted apart in the daily figures (what a superuser records in the admin,
    audited)."""
    from peerfund.core.audit import audit_record
    from peerfund.disclosure.models import RelatedParty

    party = RelatedParty.objects.create(user=users["liuyang"], relation="平台股东的亲属", added_by=users["admin"])
    audit_record(actor=users["admin"], action="admin.add", obj=party, reason=party.relation)


def demo_load(*, days: int = HISTORY_DAYS, seed: int = 20261124, progress=print) -> dict[str, User]:
    """Create the demo platform; the caller checks `demo_is_loaded()` first."""
    rng = random.Random(seed)
    today = clock.business_date()
    with tasks_inline():
        clock.travel_to(today - dt.timedelta(days=days + BAD_DEBT_LEAD_DAYS))
        platform_accounts_open()
        custody_platform_fund(amount_fen=MARKETING_BUDGET_FEN, key="demo-marketing-budget")
        _legal_documents_in_force()
        users = _create_people()
        _related_party(users)
        content_publish(users)
        products = _products()
        bad_debt = _bad_debt_loan(users, products[0])
        for offset in range(days + BAD_DEBT_LEAD_DAYS, days, -1):
            clock.travel_to(today - dt.timedelta(days=offset))
            close_run(on=today - dt.timedelta(days=offset))
        progress(f"  the bad-debt loan serviced up to {today - dt.timedelta(days=days + 1)}")
        seasoned = []
        crowdfunding = CrowdfundingDemo(users, days, rng)
        held: dict[int, int] = {}
        for offset in range(days, -1, -1):
            day = today - dt.timedelta(days=offset)
            clock.travel_to(day)
            if offset == days:
                seasoned = _seasoned_loans(users, products[0])
            if offset == 10 and seasoned:
                _claim_sale(users, seasoned[0])
            if offset == 5:
                _bad_debt_recovery(users, bad_debt)
            _simulate_day(day, users, rng, held)
            crowdfunding.day(offset)
            if offset:
                close_run(on=day)  # the daily close: debits, overdue, collection, reconciliation, ledger check
            if offset % 15 == 0:
                progress(f"  simulated up to {day}")
        _risk_history(users)
        _lending_market(users, *products)
        _claim_on_sale(users, seasoned[0])
        _post_loan_checks(users, seasoned[0], bad_debt)
        # 周晓新 has topped up but not yet bid: her first bid asks her to accept the
        # risk disclosure and the lending service agreement.
        _deposit(users["xinshou"], 1_000_000, "demo-xinshou-first-deposit")
        crowdfunding.finish()
        # One large withdrawal waits in the finance review queue.
        lina = users["lina"]
        if asset_overview(lina)["withdrawable_fen"] >= 2_100_000:
            withdrawal_request(user=lina, amount_fen=2_100_000, card_id=lina.bank_cards.get().pk, trade_password=DEMO_TRADE_PASSWORD, key="demo-big")
    clock.reset()
    return users
