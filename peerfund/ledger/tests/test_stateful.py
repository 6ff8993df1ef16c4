"""A hypothesis state machine posts random entries (allowed and forbidden, within and
beyond balances, reversals) and checks after every step that the books stay sound and
match a model kept beside them."""
import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from peerfund.accounts.models import User
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind as K
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.errors import InsufficientBalance, PostingRuleViolation
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Account, Entry

_run = itertools.count()
amounts = st.integers(min_value=1, max_value=5_000_000)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def open_books(self):
        run = next(_run)
        self.users = [User.objects.create(username=f"sm{run}-{i}") for i in range(3)]
        self.available = [ledger.account_get_or_open(kind=K.USER_AVAILABLE, owner=u) for u in self.users]
        self.frozen = [ledger.account_get_or_open(kind=K.USER_FROZEN, owner=u) for u in self.users]
        self.repayment = ledger.account_get_or_open(kind=K.BORROWER_REPAYMENT, owner=self.users[0], scope=f"loan:sm{run}")
        self.fee = ledger.platform_account(K.PLATFORM_FEE)
        self.clearing = ledger.platform_account(K.CUSTODY_CLEARING)
        self.model = {a.pk: a.balance_fen for a in [*self.available, *self.frozen, self.repayment, self.fee, self.clearing]}
        self.entries: list[Entry] = []
        self.keys = itertools.count()

    def _post(self, kind, legs):
        try:
            entry = ledger.post(kind=kind, legs=legs, key=f"{self.users[0].username}-{next(self.keys)}")
        except InsufficientBalance:
            assert any(self.model[a.pk] + amt < 0 for a, amt in legs if a.kind != K.CUSTODY_CLEARING)
            return
        for account, amount in legs:
            self.model[account.pk] += amount
        self.entries.append(entry)

    @rule(user=st.integers(0, 2), amount=amounts)
    def deposit(self, user, amount):
        self._post(E.DEPOSIT, [(self.clearing, -amount), (self.available[user], amount)])

    @rule(user=st.integers(0, 2), amount=amounts)
    def freeze(self, user, amount):
        self._post(E.FREEZE, [(self.available[user], -amount), (self.frozen[user], amount)])

    @rule(user=st.integers(0, 2), amount=amounts)
    def unfreeze(self, user, amount):
        self._post(E.UNFREEZE, [(self.frozen[user], -amount), (self.available[user], amount)])

    @rule(buyer=st.integers(0, 2), seller=st.integers(0, 2), amount=amounts, fee=st.integers(0, 1000))
    def claim_sale(self, buyer, seller, amount, fee):
        if buyer == seller:
            return
        fee = min(fee, amount - 1) if amount > 1 else 0
        legs = [(self.available[buyer], -amount), (self.available[seller], amount - fee)]
        if fee:
            legs.append((self.fee, fee))
        self._post(E.CLAIM_TRANSFER, legs)

    @rule(amount=amounts)
    def collect(self, amount):
        self._post(E.REPAYMENT_COLLECT, [(self.available[0], -amount), (self.repayment, amount)])

    @rule(investor=st.integers(1, 2), amount=amounts)
    def distribute(self, investor, amount):
        self._post(E.REPAYMENT_DISTRIBUTE, [(self.repayment, -amount), (self.available[investor], amount)])

    @rule(payer=st.integers(0, 2), payee=st.integers(0, 2), amount=amounts)
    def forbidden_payout_from_deposits(self, payer, payee, amount):
        if payer == payee:
            return
        before = Entry.objects.count()
        try:
            ledger.post(kind=E.REPAYMENT_DISTRIBUTE, legs=[(self.available[payer], -amount), (self.available[payee], amount)], key=f"x-{next(self.keys)}")
        except PostingRuleViolation:
            pass
        else:
            raise AssertionError("a distribution out of a user's own balance was accepted")
        assert Entry.objects.count() == before

    @rule(data=st.data())
    def reverse_one(self, data):
        candidates = [e for e in self.entries if not Entry.objects.filter(reverses=e).exists()]
        if not candidates:
            return
        entry = data.draw(st.sampled_from(candidates))
        legs = [(p.account, -p.amount_fen) for p in entry.postings.select_related("account")]
        try:
            ledger.reverse(entry=entry, key=f"rev-{entry.key}", reason="test")
        except InsufficientBalance:
            return
        for account, amount in legs:
            self.model[account.pk] += amount

    @invariant()
    def books_are_sound(self):
        if not hasattr(self, "model"):
            return
        stored = dict(Account.objects.filter(pk__in=self.model).values_list("pk", "balance_fen"))
        assert stored == self.model
        assert all(balance >= 0 for pk, balance in stored.items() if pk != self.clearing.pk)

    def teardown(self):
        # The whole-ledger proof once per run: per step it would grow quadratically.
        if hasattr(self, "model"):
            assert ledger_check(include_external=False) == []


def test_random_postings_keep_every_invariant(db):
    state_machine = LedgerMachine
    state_machine.TestCase.settings = settings(
        max_examples=20, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
    )
    state_machine.TestCase().runTest()
