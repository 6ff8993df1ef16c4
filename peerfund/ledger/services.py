"""The one way money moves: `post()` (and `post_many()` for a batch). Also account
opening and reversals.

Posting checks the legs sum to zero and obey the entry kind's rules (chart.py), then,
inside the caller's transaction, locks the accounts in ascending id order (so
concurrent posts cannot deadlock on each other), refuses any leg that would take a
non-negative account below zero, and writes entries, postings (with the balance after
each) and balances in bulk — a fixed number of statements for any batch size.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.bulk import insert_objects, insert_rows, update_rows
from peerfund.core.money import MAX_FEN, format_fen
from peerfund.ledger.chart import ACCOUNT_RULES, ENTRY_RULES, AccountKind, EntryKind
from peerfund.ledger.errors import (
    EntryKeyConflict,
    InsufficientBalance,
    PostingRuleViolation,
    UnbalancedEntry,
)
from peerfund.ledger.models import Account, Entry, Posting

Legs = Sequence[tuple[Account, int]]


@dataclass(frozen=True)
class _Leg:
    account: Account
    amount_fen: int


def account_get_or_open(*, kind: str, owner=None, scope: str = "", owner_id: int | None = None) -> Account:
    """The account of `kind` for `owner` (or `owner_id`; neither for the platform) and
    `scope`, opened on first use."""
    owner_id = owner.pk if owner is not None else owner_id
    return accounts_open_many(kind, [(owner_id, scope)])[(owner_id, scope)]


def platform_account(kind: str, scope: str = "") -> Account:
    return account_get_or_open(kind=kind, scope=scope)


def _normalise(legs: Legs) -> list[_Leg]:
    merged: dict[int, int] = defaultdict(int)
    accounts: dict[int, Account] = {}
    for account, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError("leg amounts are integer fen")
        if account.pk is None:
            raise ValueError("leg account is not saved")
        merged[account.pk] += amount
        accounts[account.pk] = account
    return [_Leg(accounts[pk], amount) for pk, amount in sorted(merged.items()) if amount != 0]


_ENTRY_KINDS = frozenset(EntryKind.values)


def _check_shape(kind: str, legs: list[_Leg]) -> None:
    if kind not in _ENTRY_KINDS:
        raise PostingRuleViolation(_("Unknown entry kind."), "ledger.unknown_kind", {"kind": kind})
    if len(legs) < 2:
        raise UnbalancedEntry(_("An entry needs at least two legs."), "ledger.too_few_legs")
    total = sum(leg.amount_fen for leg in legs)
    if total != 0:
        raise UnbalancedEntry(_("The entry does not balance."), "ledger.unbalanced", {"difference_fen": total})
    if any(abs(leg.amount_fen) > MAX_FEN for leg in legs):
        raise UnbalancedEntry(_("An amount is too large."), "ledger.overflow")


def check_entry_rules(kind: str, legs: Iterable[tuple[Account, int]]) -> None:
    """Raise PostingRuleViolation unless `legs` are allowed for `kind` (see chart.py)."""
    rule = ENTRY_RULES.get(kind)
    if rule is None:
        raise PostingRuleViolation(_("This entry kind is not posted directly."), "ledger.unknown_kind", {"kind": kind})
    sources = [(a, amt) for a, amt in legs if amt < 0]
    destinations = [(a, amt) for a, amt in legs if amt > 0]

    def refuse(reason: str, **extra):
        raise PostingRuleViolation(
            _("This money movement is not allowed."), "ledger.forbidden", {"kind": kind, "reason": reason, **extra}
        )

    for account, _amt in sources:
        if account.kind not in rule.sources:
            refuse("source_kind", account_kind=account.kind)
    for account, _amt in destinations:
        if account.kind not in rule.destinations:
            refuse("destination_kind", account_kind=account.kind)
    if rule.single_source and len(sources) != 1:
        refuse("single_source")
    if rule.same_owner and len({a.owner_id for a, _amt in [*sources, *destinations] if a.owner_id}) > 1:
        refuse("same_owner")
    if rule.single_source_scope and len({a.scope for a, _amt in sources}) > 1:
        refuse("single_source_scope")
    if rule.single_destination_scope and len({a.scope for a, _amt in destinations if a.scope}) > 1:
        refuse("single_destination_scope")


@dataclass(frozen=True)
class EntrySpec:
    """One journal entry to post: what `post()` takes, for `post_many()`."""

    kind: str
    legs: Legs
    key: str
    ref: str = ""
    memo: str = ""
    actor: object = None
    reverses: Entry | None = None


class LockedAccount(NamedTuple):
    kind: str
    balance_fen: int
    may_go_negative: bool


def accounts_lock(account_ids) -> dict[int, LockedAccount]:
    """Lock these accounts (ascending id, so concurrent posts cannot deadlock) and
    return their current balances. Call inside a transaction, with every account the
    use case will post to: `post_many` then re-locks rows already held, which waits
    for nobody, whereas an account first locked there with a lower id than one held
    breaks the lock order (docs/money-core.md, "Lock order")."""
    locked = Account.objects.select_for_update().filter(pk__in=set(account_ids)).order_by("pk")
    return {pk: LockedAccount(*row) for pk, *row in locked.values_list("pk", "kind", "balance_fen", "may_go_negative")}


def _same_entry(entry: Entry, kind: str, legs: list[_Leg]) -> bool:
    stored = sorted(entry.postings.values_list("account_id", "amount_fen"))
    return entry.kind == kind and stored == sorted((leg.account.pk, leg.amount_fen) for leg in legs)


def _insufficient(account: LockedAccount, balance: int, amount: int) -> InsufficientBalance:
    return InsufficientBalance(
        _("Not enough money: the balance is %(balance)s, %(needed)s is needed.")
        % {"balance": format_fen(balance), "needed": format_fen(-amount)},
        "ledger.insufficient_balance",
        {"account_kind": account.kind, "balance_fen": balance, "needed_fen": -amount},
    )


def _apply_deltas(deltas: dict[int, int]) -> None:
    """Move every touched balance in one statement (the rows are locked already)."""
    update_rows(Account._meta.db_table, (("id", "bigint"), ("delta", "bigint")), deltas.items(), "balance_fen = balance_fen + v.delta")


def post_many(specs: Sequence[EntrySpec], *, business_date: dt.date | None = None) -> list[Entry]:
    """Post several balanced entries with a fixed number of statements, whatever their
    number: the accounts are locked once, then entries, postings and balances are
    written in bulk. Idempotent per key like `post()`; all or nothing.

    Call inside the use case's transaction. Entries are applied in the given order, so
    each posting's balance-after is exact, and one that would take an account below
    zero refuses the whole batch.
    """
    prepared = []
    for spec in specs:
        legs = _normalise(spec.legs)
        _check_shape(spec.kind, legs)
        if spec.kind == EntryKind.REVERSAL:
            _check_reversal(spec, legs)
        else:
            check_entry_rules(spec.kind, [(leg.account, leg.amount_fen) for leg in legs])
        prepared.append((spec, legs))
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("post_many takes each key once")
    with transaction.atomic():
        # Locked first: a concurrent post of the same key (which must touch the same
        # accounts) has then committed, and the look-up below sees its entry.
        locked = accounts_lock(leg.account.pk for _spec, legs in prepared for leg in legs)
        existing = {entry.key: entry for entry in Entry.objects.filter(key__in=keys)}
        for spec, legs in prepared:
            if spec.key in existing and not _same_entry(existing[spec.key], spec.kind, legs):
                raise EntryKeyConflict(_("This operation key was already used for a different movement."), "ledger.key_conflict", {"key": spec.key})
        fresh = [(spec, legs) for spec, legs in prepared if spec.key not in existing]
        if not fresh:
            return [existing[key] for key in keys]
        running = {pk: account.balance_fen for pk, account in locked.items()}
        after: list[list[int]] = []
        for _spec, legs in fresh:
            balances = []
            for leg in legs:
                account = locked[leg.account.pk]
                pk = leg.account.pk
                if not account.may_go_negative and running[pk] + leg.amount_fen < 0:
                    raise _insufficient(account, running[pk], leg.amount_fen)
                running[pk] += leg.amount_fen
                balances.append(running[pk])
            after.append(balances)
        day = business_date or clock.business_date()
        created = [
            Entry(kind=spec.kind, key=spec.key, ref=spec.ref, memo=spec.memo[:255], business_date=day, reverses=spec.reverses, actor=spec.actor)
            for spec, _legs in fresh
        ]
        insert_objects(created)  # by COPY, which returns no ids: read them back by their unique keys
        ids = dict(Entry.objects.filter(key__in=[entry.key for entry in created]).values_list("key", "pk"))
        for entry in created:
            entry.pk, entry._state.adding, entry._state.db = ids[entry.key], False, "default"
        insert_rows(
            Posting._meta.db_table, ("entry_id", "account_id", "amount_fen", "balance_after_fen"),
            ((entry.pk, leg.account.pk, leg.amount_fen, balance)
             for entry, (_spec, legs), balances in zip(created, fresh, after, strict=True)
             for leg, balance in zip(legs, balances, strict=True)),
        )
        _apply_deltas({pk: running[pk] - account.balance_fen for pk, account in locked.items() if running[pk] != account.balance_fen})
        for _spec, legs in fresh:
            for leg in legs:
                leg.account.balance_fen = running[leg.account.pk]
        existing.update((entry.key, entry) for entry in created)
    return [existing[key] for key in keys]


def post(
    *,
    kind: str,
    legs: Legs,
    key: str,
    ref: str = "",
    memo: str = "",
    business_date: dt.date | None = None,
    actor=None,
) -> Entry:
    """Post one balanced journal entry; idempotent on `key`.

    Call inside the use case's transaction. Posting the same key again with the same
    legs returns the first entry; with different legs it raises EntryKeyConflict.
    """
    spec = EntrySpec(kind=kind, legs=legs, key=key, ref=ref, memo=memo, actor=actor)
    return post_many([spec], business_date=business_date)[0]


def _check_reversal(spec: EntrySpec, legs: list[_Leg]) -> None:
    """A reversal names the entry it reverses and is its exact negation."""
    if spec.reverses is None:
        raise PostingRuleViolation(_("A reversal must name the entry it reverses."), "ledger.reversal_target")
    expected = sorted((account_id, -amount) for account_id, amount in spec.reverses.postings.values_list("account_id", "amount_fen"))
    if sorted((leg.account.pk, leg.amount_fen) for leg in legs) != expected:
        raise PostingRuleViolation(_("A reversal must be the exact negation of the entry it reverses."), "ledger.reversal_mismatch")


def reversal_spec(*, entry: Entry, key: str, reason: str, actor=None) -> EntrySpec:
    """The exact negation of `entry`, to post (here, or mirrored at the bank by
    custody). An entry is reversed at most once; the same key again is a replay."""
    if entry.kind == EntryKind.REVERSAL:
        raise PostingRuleViolation(_("A reversal cannot itself be reversed; post a new entry."), "ledger.reverse_reversal")
    if Entry.objects.filter(reverses=entry).exclude(key=key).exists():
        raise PostingRuleViolation(_("This entry was already reversed."), "ledger.already_reversed", {"entry": entry.pk})
    legs = [(p.account, -p.amount_fen) for p in entry.postings.select_related("account")]
    return EntrySpec(kind=EntryKind.REVERSAL, legs=legs, key=key, ref=entry.ref, memo=reason, actor=actor, reverses=entry)


def reverse(*, entry: Entry, key: str, reason: str, actor=None) -> Entry:
    """Post the exact negation of `entry` in the ledger only (see reversal_spec)."""
    return post_many([reversal_spec(entry=entry, key=key, reason=reason, actor=actor)])[0]


def user_accounts(user) -> dict[str, Account]:
    """The user's available and frozen accounts, opened on first use."""
    return user_accounts_many([user.pk])[user.pk]


def user_accounts_many(user_ids) -> dict[int, dict[str, Account]]:
    """`user_accounts` for many users: one query per kind when they are all open."""
    user_ids = list(user_ids)
    available, frozen = available_accounts_many(user_ids), _user_accounts_of_kind(AccountKind.USER_FROZEN, user_ids)
    return {pk: {AccountKind.USER_AVAILABLE: available[pk], AccountKind.USER_FROZEN: frozen[pk]} for pk in user_ids}


def available_accounts_many(user_ids) -> dict[int, Account]:
    """Each user's available-balance account, opened on first use: one query when all are."""
    return _user_accounts_of_kind(AccountKind.USER_AVAILABLE, user_ids)


def _user_accounts_of_kind(kind: str, user_ids) -> dict[int, Account]:
    opened = accounts_open_many(kind, [(pk, "") for pk in set(user_ids)])
    return {owner: account for (owner, _scope), account in opened.items()}


def accounts_open_many(kind: str, holders: Sequence[tuple[int | None, str]]) -> dict[tuple[int | None, str], Account]:
    """The accounts of `kind` for these (owner id, scope) pairs, the missing ones
    opened: one query when all are open, three when some are not."""
    wanted = set(holders)
    if not wanted:
        return {}
    rule = ACCOUNT_RULES[kind]
    for owner_id, scope in wanted:
        if rule.owned_by_user != (owner_id is not None) or rule.scoped != bool(scope):
            raise ValueError(f"{kind} account for owner {owner_id} and scope {scope!r} does not fit the account's rules")

    def look_up() -> dict[tuple[int | None, str], Account]:
        owners = {owner for owner, _scope in wanted}
        scopes = {scope for _owner, scope in wanted}
        query = Account.objects.filter(kind=kind, scope__in=scopes)
        query = query.filter(owner_id__in=owners) if rule.owned_by_user else query.filter(owner__isnull=True)
        return {(a.owner_id, a.scope): a for a in query if (a.owner_id, a.scope) in wanted}

    found = look_up()
    if len(found) < len(wanted):
        Account.objects.bulk_create(
            [Account(kind=kind, owner_id=owner, scope=scope, may_go_negative=rule.may_go_negative) for owner, scope in wanted - set(found)],
            ignore_conflicts=True,  # opened concurrently
        )
        found = look_up()
    return found
