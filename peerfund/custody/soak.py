"""A seeded soak of money under faults (`manage.py custody_soak --ops N --seed S`).

People deposit, bid (a freeze, as bids are booked), cancel bids (the unfreeze),
pledge to a project, cancel pledges and withdraw, through the real services, while
the sandbox bank loses requests and replies, rejects some, answers late by callbacks
that are lost, repeated, delayed and reordered (BankFaults' chaos switches), and the
task queue runs the dispatch tasks late, twice or out of order. Then it drains:
tasks, retries and callbacks until nothing is in flight. Then it checks:

- the ledger equals the bank: reconciliation has no difference and
  `ledger_check(include_external=True)` finds nothing;
- every person's balances equal an independent model of what the business decided:
  frozen = the bids and pledges that are held (their freeze confirmed, never
  released), total = confirmed deposits less confirmed withdrawals;
- nothing the business released stays frozen.

Everything random comes from the seed: the same seed replays the same run. It needs
an empty database (it checks the whole ledger against the bank and onboards sandbox
test identities); run it on a scratch one, e.g.
`DATABASE_URL=sqlite:///var/soak.sqlite3 manage.py migrate && … custody_soak`.

Bank rejections are injected only where the business has an answer for them
(deposits, withdrawals): a freeze that the bank rejects after its release was booked
cannot be compensated in the ledger (see docs/custody.md, "Known gap").
"""
import datetime as dt
import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.custody import tasks
from peerfund.custody.models import Instruction
from peerfund.custody.outbox import outbox_retry
from peerfund.custody.services import _request_no, custody_move, platform_accounts_open
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.errors import LedgerError
from peerfund.sandbox.bank import deliver_callbacks, faults
from peerfund.sandbox.models import BankCallback, BankFaults

FAULTS = {
    "chaos_lose_request_pct": 12,
    "chaos_lose_reply_pct": 6,
    "chaos_reject_pct": 8,
    "chaos_reject_ops": "deposit,withdraw",
    "chaos_async_pct": 30,
    "chaos_lose_callback_pct": 10,
    "chaos_duplicate_callback_pct": 15,
    "chaos_callback_delay_max_seconds": 600,
    "chaos_reorder_callbacks": True,
}
# Cancellations are frequent and usually of the newest holding, as people change
# their minds soon: that keeps frozen buckets small, where a release that overtakes
# its freeze is refused by the bank.
OPERATIONS = (("deposit", 16), ("bid", 16), ("bid_cancel", 14), ("pledge", 14), ("pledge_cancel", 12), ("withdraw", 8), ("time", 20))
FAULTS_OFF = {name: (False if isinstance(v, bool) else "" if isinstance(v, str) else 0) for name, v in FAULTS.items()}
BACKERS = 6  # the sandbox's test identities less the project owner's


class SoakNeedsEmptyDatabase(Exception):
    pass


@dataclass
class Holding:
    """Money the business froze for a bid or a pledge, and whether it released it."""

    user_id: int
    amount_fen: int
    freeze_no: str
    release_no: str = ""
    pledge_id: int | None = None


@dataclass
class Model:
    deposits: list[tuple[int, int, str]] = field(default_factory=list)  # user, amount, request no
    withdrawals: list[tuple[int, int, str]] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class TaskQueue:
    """Stands in for huey during the soak: dispatch tasks are queued, then run late,
    in a random order, sometimes twice, as several consumers and a redelivering
    broker would."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.queued: list[tuple[int, ...]] = []
        self.task = tasks.custody_dispatch  # the real task, run in this process

    def __call__(self, *ids: int) -> None:
        self.queued.append(ids)

    def run_some(self) -> None:
        for _ in range(self.rng.randint(0, len(self.queued))):
            ids = self.queued.pop(self.rng.randrange(len(self.queued)))
            self.task.call_local(*ids)
            if self.rng.random() < 0.1:  # delivered again
                self.queued.append(ids)

    def run_all(self) -> None:
        while self.queued:
            self.task.call_local(*self.queued.pop(self.rng.randrange(len(self.queued))))


@contextmanager
def queued_dispatch(queue: TaskQueue):
    original = tasks.custody_dispatch
    tasks.custody_dispatch = queue
    try:
        yield
    finally:
        tasks.custody_dispatch = original


def _setup(seed: int):
    from peerfund.accounts.models import User
    from peerfund.backoffice.roles import staff_with_role
    from peerfund.tests_support.crowdfunding import published_project
    from peerfund.tests_support.people import onboard

    platform_accounts_open()
    staff = User.objects.create_user(username=f"soak-{seed}-staff", email=f"soak-{seed}-staff@example.com")
    staff_with_role(staff, "admin")
    owner = User.objects.create_user(username=f"soak-{seed}-owner", email=f"soak-{seed}-owner@example.com")
    onboard(owner, identity=0)
    project = published_project(owner, staff, goal_fen=100_000_000, days=30, tiers=((99_00, None),))
    people = []
    for n in range(1, BACKERS + 1):
        user = User.objects.create_user(username=f"soak-{seed}-{n}", email=f"soak-{seed}-{n}@example.com")
        user.card = onboard(user, identity=n)
        people.append(user)
    return people, project


def _op_deposit(rng, model, user, step, **_):
    from peerfund.funds.services.deposits import deposit_order_create, deposit_order_paid

    order = deposit_order_create(user=user, amount_fen=rng.randint(1_000, 200_000), key=f"soak-{step}")
    order = deposit_order_paid(order_no=order.order_no)
    model.deposits.append((user.pk, order.amount_fen, order.instruction.request_no))


def _op_bid(rng, model, user, step, **_):
    accounts = ledger.user_accounts(user)
    amount = rng.randint(100, 60_000)
    key = f"soak-bid:{step}"
    with transaction.atomic():
        custody_move(kind=EntryKind.FREEZE, legs=[(accounts[AccountKind.USER_AVAILABLE], -amount), (accounts[AccountKind.USER_FROZEN], amount)], key=key, ref="soak-bid")
    model.holdings.append(Holding(user.pk, amount, _request_no("MV", key)))


def _cancellable(model, user, pledges: bool) -> list[Holding]:
    failed = set(Instruction.objects.filter(status=Instruction.Status.FAILED).values_list("request_no", flat=True))
    return [h for h in model.holdings if h.user_id == user.pk and not h.release_no and (h.pledge_id is not None) == pledges and h.freeze_no not in failed]


def _op_bid_cancel(rng, model, user, step, **_):
    open_ = _cancellable(model, user, pledges=False)
    if not open_:
        raise LookupError
    holding = open_[-1] if rng.random() < 0.7 else rng.choice(open_)
    accounts = ledger.user_accounts(user)
    key = f"soak-bid-cancel:{step}"
    with transaction.atomic():
        custody_move(kind=EntryKind.UNFREEZE, legs=[(accounts[AccountKind.USER_FROZEN], -holding.amount_fen), (accounts[AccountKind.USER_AVAILABLE], holding.amount_fen)], key=key, ref="soak-bid")
    holding.release_no = _request_no("MV", key)


def _op_pledge(rng, model, user, step, project, **_):
    from peerfund.crowdfunding.services.pledges import pledge_place
    from peerfund.tests_support.people import TRADE_PASSWORD

    pledge = pledge_place(backer=user, project_id=project.pk, tier_id=None, amount_fen=rng.randint(100, 60_000), address_id=None,
                          trade_password=TRADE_PASSWORD, key=f"soak-{step}")
    model.holdings.append(Holding(user.pk, pledge.amount_fen, _request_no("MV", f"pledge:{pledge.pk}"), pledge_id=pledge.pk))


def _op_pledge_cancel(rng, model, user, step, **_):
    from peerfund.crowdfunding.models import Pledge
    from peerfund.crowdfunding.services.pledges import pledge_cancel

    open_ = _cancellable(model, user, pledges=True)
    if not open_:
        raise LookupError
    holding = open_[-1] if rng.random() < 0.7 else rng.choice(open_)
    pledge_cancel(backer=user, pledge=Pledge.objects.get(pk=holding.pledge_id))
    holding.release_no = _request_no("MV", f"pledge-release:{holding.pledge_id}")


def _op_withdraw(rng, model, user, step, **_):
    from peerfund.funds.models import Withdrawal
    from peerfund.funds.services.withdrawals import withdrawal_request
    from peerfund.tests_support.people import TRADE_PASSWORD

    withdrawal = withdrawal_request(user=user, amount_fen=rng.randint(10_000, 80_000), card_id=user.card.pk, trade_password=TRADE_PASSWORD, key=f"soak-{step}")
    if withdrawal.status == Withdrawal.Status.REVIEWING:  # frozen for staff review, held to the end
        model.holdings.append(Holding(user.pk, withdrawal.amount_fen, _request_no("MV", f"withdrawal-freeze:{withdrawal.pk}")))
    else:
        model.withdrawals.append((user.pk, withdrawal.amount_fen, _request_no("MV", f"withdrawal:{withdrawal.pk}")))


def _time_passes(rng, queue: TaskQueue) -> None:
    """Some of what was waiting happens: queued tasks run, due callbacks arrive, the
    retry job runs; the clock of the outbox and the bank's notifier moves on."""
    queue.run_some()
    if rng.random() < 0.5:
        _make_due(callbacks_within=rng.randint(0, 600))
        deliver_callbacks()
    if rng.random() < 0.5:
        _make_due()
        outbox_retry()


def _make_due(*, callbacks_within: int | None = None) -> None:
    now = clock.now()
    Instruction.objects.filter(status__in=[Instruction.Status.PENDING, Instruction.Status.PROCESSING]).update(next_attempt_at=now)
    if callbacks_within is not None:
        BankCallback.objects.filter(status=BankCallback.Status.PENDING, deliver_after__lte=now + dt.timedelta(seconds=callbacks_within)).update(deliver_after=now)


def _drain(queue: TaskQueue, rounds: int = 60) -> bool:
    """Faults stay on for a few rounds, then the network heals; True when quiet."""
    for round_ in range(rounds):
        if round_ == 5:
            BankFaults.objects.filter(id=1).update(**FAULTS_OFF)
        queue.run_all()
        _make_due(callbacks_within=10**6)
        deliver_callbacks(limit=10_000)
        outbox_retry(limit=10_000)
        queue.run_all()
        in_flight = Instruction.objects.filter(status__in=[Instruction.Status.PENDING, Instruction.Status.PROCESSING]).exists()
        if not in_flight and not queue.queued and not BankCallback.objects.filter(status=BankCallback.Status.PENDING).exists():
            return True
    return False


def _order_at_bank() -> list[str]:
    """Each sub-account received its instructions in the order of their entries
    (instruction ids), whatever the faults did to the requests."""
    from peerfund.custody.ordering import accounts_touched
    from peerfund.sandbox.models import BankRequest

    ids = dict(Instruction.objects.exclude(op="deposit").values_list("request_no", "pk"))
    last: dict[str, int] = {}
    found = []
    for request_no, op, payload in BankRequest.objects.filter(request_no__in=list(ids)).order_by("id").values_list("request_no", "op", "payload"):
        items = payload["items"]
        for account_no in accounts_touched(op, {"items": items} if op == "batch_transfer" else items[0]):
            if last.get(account_no, 0) > ids[request_no]:
                found.append(f"out of order at the bank: {account_no} got instruction {ids[request_no]} after {last[account_no]}")
            last[account_no] = max(last.get(account_no, 0), ids[request_no])
    return found


def _check(model: Model, people) -> list[str]:
    from peerfund.custody.reconciliation import compare
    from peerfund.ledger.invariants import ledger_check
    from peerfund.ledger.selectors import user_balances

    problems = [f"reconciliation: {d.kind} {d.request_no or d.location} ours={d.ours_fen} bank={d.bank_fen} {d.detail}" for d in compare(business_date=clock.business_date()).differences]
    problems += [f"ledger_check: {v}" for v in ledger_check(include_external=True)]
    problems += _order_at_bank()
    status = dict(Instruction.objects.values_list("request_no", "status"))
    succeeded = {no for no, s in status.items() if s == Instruction.Status.SUCCEEDED}
    total, frozen = defaultdict(int), defaultdict(int)
    for user_id, amount, request_no in model.deposits:
        total[user_id] += amount if request_no in succeeded else 0
    for user_id, amount, request_no in model.withdrawals:
        total[user_id] -= amount if request_no in succeeded else 0
    for h in model.holdings:
        if h.freeze_no in succeeded and not h.release_no:
            frozen[h.user_id] += h.amount_fen
        if h.release_no and h.freeze_no in succeeded and h.release_no not in succeeded:
            problems.append(f"stuck freeze: user {h.user_id} {h.amount_fen} fen released by the business ({h.release_no}: {status.get(h.release_no)}) is still frozen")
    for user in people:
        books = user_balances(user)
        ours = (books["user_available"] + books["user_frozen"], books["user_frozen"])
        if ours != (total[user.pk], frozen[user.pk]):
            problems.append(f"user {user.pk}: books hold total {ours[0]} frozen {ours[1]}, the business decided total {total[user.pk]} frozen {frozen[user.pk]}")
    return problems


@dataclass
class Result:
    seed: int
    ops: int
    done: dict[str, int]
    refused: dict[str, int]
    drained: bool
    problems: list[str]


def soak_run(*, ops: int, seed: int) -> Result:
    """Run the soak (see the module docstring) and return what it found."""
    if Instruction.objects.exists():
        raise SoakNeedsEmptyDatabase("The soak needs an empty database: it checks the whole ledger against the bank (migrate a scratch one).")
    rng = random.Random(seed)
    queue = TaskQueue(random.Random(f"{seed}:tasks"))
    actions = {"deposit": _op_deposit, "bid": _op_bid, "bid_cancel": _op_bid_cancel, "pledge": _op_pledge, "pledge_cancel": _op_pledge_cancel, "withdraw": _op_withdraw}
    names, weights = zip(*OPERATIONS, strict=True)
    model = Model()
    with queued_dispatch(queue):
        people, project = _setup(seed)
        queue.run_all()
        faults()
        BankFaults.objects.filter(id=1).update(chaos_seed=seed, chaos_draws=0, **FAULTS)
        try:
            for step in range(ops):
                name = rng.choices(names, weights)[0]
                if name == "time":
                    _time_passes(rng, queue)
                    continue
                user = rng.choice(people)
                try:
                    actions[name](rng, model, user, step, project=project)
                    model.done[name] += 1
                except (ApplicationError, LedgerError, LookupError) as exc:
                    model.refused[f"{name}:{getattr(exc, 'code', 'nothing to cancel')}"] += 1
            drained = _drain(queue)
        finally:
            BankFaults.objects.filter(id=1).update(chaos_seed=None, **FAULTS_OFF)
    problems = _check(model, people)
    if not drained:
        problems.insert(0, "instructions or callbacks still in flight after draining")
    return Result(seed=seed, ops=ops, done=dict(model.done), refused=dict(model.refused), drained=drained, problems=problems)
