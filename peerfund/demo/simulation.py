"""The simulated platform behind `make run`: demo users and a few weeks of money
history, made through the same services real users go through (custody deposits,
freezes, claim transfers, withdrawals), with the platform clock moved day by day and
the custodian reconciled every evening. Later capabilities add their own history here.
"""

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from huey.contrib.djhuey import HUEY

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.custody.reconciliation import reconcile
from peerfund.custody.services import custody_account_open, custody_deposit, custody_move, platform_accounts_open
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind

DEMO_PASSWORD = "peerfund-demo"
HISTORY_DAYS = 45


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    phone: str
    role: str


PEOPLE = [
    DemoPerson("admin", "平台管理员", "13900000000", "staff"),
    DemoPerson("lina", "李娜", "13800000001", "investor"),
    DemoPerson("wangwei", "王伟", "13800000002", "investor"),
    DemoPerson("zhangmin", "张敏", "13800000003", "investor"),
    DemoPerson("liuyang", "刘洋", "13800000004", "borrower"),
    DemoPerson("chenjing", "陈静", "13800000005", "project owner"),
]


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


def _create_people() -> dict[str, User]:
    users = {}
    for person in PEOPLE:
        user = User.objects.create_user(
            username=person.username,
            password=DEMO_PASSWORD,
            display_name=person.display_name,
            phone=person.phone,
            is_staff=person.role == "staff",
            is_superuser=person.role == "staff",
        )
        if person.role != "staff":
            custody_account_open(user=user)
        users[person.username] = user
    return users


def _book(kind: str, legs: list, key: str, memo: str) -> None:
    """One money action, as its own transaction, mirrored at the bank."""
    with transaction.atomic():
        custody_move(kind=kind, legs=legs, key=key, memo=memo)


def _available(user: User) -> int:
    return ledger.user_accounts(user)[AccountKind.USER_AVAILABLE].balance_fen


def _simulate_day(day: dt.date, users: dict[str, User], rng: random.Random) -> None:
    investors = [users[name] for name in ("lina", "wangwei", "zhangmin")]
    tag = day.isoformat()
    for user in investors:
        if rng.random() < 0.35:
            amount = rng.choice([50_000, 100_000, 200_000, 500_000, 1_000_000])
            with transaction.atomic():
                custody_deposit(user=user, amount_fen=amount, key=f"demo-deposit-{tag}")
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
        frozen = ledger.user_accounts(user)[AccountKind.USER_FROZEN].balance_fen
        if frozen and rng.random() < 0.2:
            _book(
                EntryKind.UNFREEZE,
                [(accounts[AccountKind.USER_FROZEN], -frozen), (accounts[AccountKind.USER_AVAILABLE], frozen)],
                f"demo-unfreeze-{user.pk}-{tag}",
                "demo: listing failed, bid released",
            )
    seller, buyer = rng.sample(investors, 2)
    price = 30_000
    if _available(buyer) >= price and rng.random() < 0.15:
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
    user = rng.choice(investors)
    if _available(user) >= 100_000 and rng.random() < 0.15:
        _book(
            EntryKind.WITHDRAWAL,
            [
                (ledger.user_accounts(user)[AccountKind.USER_AVAILABLE], -50_000),
                (ledger.platform_account(AccountKind.CUSTODY_CLEARING), 50_000),
            ],
            f"demo-withdraw-{user.pk}-{tag}",
            "demo: withdrawal to bank card",
        )


def demo_load(*, days: int = HISTORY_DAYS, seed: int = 20261124, progress=print) -> dict[str, User]:
    """Create the demo platform; the caller checks `demo_is_loaded()` first."""
    rng = random.Random(seed)
    today = clock.business_date()
    with tasks_inline():
        platform_accounts_open()
        users = _create_people()
        for offset in range(days, -1, -1):
            day = today - dt.timedelta(days=offset)
            clock.travel_to(day)
            _simulate_day(day, users, rng)
            if offset:
                reconcile(business_date=day)
            if offset % 15 == 0:
                progress(f"  simulated up to {day}")
    clock.reset()
    return users
