"""The one way money moves: `post()`. Also account opening and reversals.

post() checks the legs sum to zero and obey the entry kind's rules (chart.py), then,
inside the caller's transaction, updates each account with a guarded statement in
ascending id order (so concurrent posts cannot deadlock on each other or drive a
balance below zero) and writes the postings with the balance after each.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
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


def account_get_or_open(*, kind: str, owner=None, scope: str = "") -> Account:
    """The account of `kind` for `owner` (None for the platform) and `scope`, opened
    on first use."""
    rule = ACCOUNT_RULES[kind]
    if rule.owned_by_user != (owner is not None):
        raise ValueError(f"{kind} accounts are {'user' if rule.owned_by_user else 'platform'} accounts")
    if rule.scoped != bool(scope):
        raise ValueError(f"{kind} accounts {'need' if rule.scoped else 'take no'} scope")
    lookup = {"kind": kind, "owner": owner, "scope": scope}
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, may_go_negative=rule.may_go_negative)
    except IntegrityError:  # opened concurrently
        return Account.objects.get(**lookup)


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


def _check_shape(kind: str, legs: list[_Leg]) -> None:
    if kind not in EntryKind.values:
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


_APPLY_SQL = (
    "UPDATE ledger_account SET balance_fen = balance_fen + %s "
    "WHERE id = %s AND (may_go_negative OR balance_fen + %s >= 0) RETURNING balance_fen"
)


def _apply(leg: _Leg) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_APPLY_SQL, [leg.amount_fen, leg.account.pk, leg.amount_fen])
        row = cursor.fetchone()
    if row is None:
        balance = Account.objects.filter(pk=leg.account.pk).values_list("balance_fen", flat=True).first()
        raise InsufficientBalance(
            _("Not enough money: the balance is %(balance)s, %(needed)s is needed.")
            % {"balance": format_fen(balance or 0), "needed": format_fen(-leg.amount_fen)},
            "ledger.insufficient_balance",
            {"account_kind": leg.account.kind, "balance_fen": balance, "needed_fen": -leg.amount_fen},
        )
    leg.account.balance_fen = row[0]
    return row[0]


def _same_entry(entry: Entry, kind: str, legs: list[_Leg]) -> bool:
    stored = sorted(entry.postings.values_list("account_id", "amount_fen"))
    return entry.kind == kind and stored == sorted((leg.account.pk, leg.amount_fen) for leg in legs)


def post(
    *,
    kind: str,
    legs: Legs,
    key: str,
    ref: str = "",
    memo: str = "",
    business_date: dt.date | None = None,
    actor=None,
    _reverses: Entry | None = None,
) -> Entry:
    """Post one balanced journal entry; idempotent on `key`.

    Call inside the use case's transaction. Posting the same key again with the same
    legs returns the first entry; with different legs it raises EntryKeyConflict.
    """
    normalised = _normalise(legs)
    _check_shape(kind, normalised)
    if kind != EntryKind.REVERSAL:
        check_entry_rules(kind, [(leg.account, leg.amount_fen) for leg in normalised])
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = Entry.objects.create(
                    kind=kind,
                    key=key,
                    ref=ref,
                    memo=memo[:255],
                    business_date=business_date or clock.business_date(),
                    reverses=_reverses,
                    actor=actor,
                )
        except IntegrityError:
            existing = Entry.objects.filter(key=key).first()
            if existing is None:
                raise
            if not _same_entry(existing, kind, normalised):
                raise EntryKeyConflict(
                    _("This operation key was already used for a different movement."),
                    "ledger.key_conflict",
                    {"key": key},
                ) from None
            return existing
        postings = [Posting(entry=entry, account=leg.account, amount_fen=leg.amount_fen, balance_after_fen=_apply(leg)) for leg in normalised]
        Posting.objects.bulk_create(postings)
    return entry


def reverse(*, entry: Entry, key: str, reason: str, actor=None) -> Entry:
    """Post the exact negation of `entry`. An entry is reversed at most once."""
    if entry.kind == EntryKind.REVERSAL:
        raise PostingRuleViolation(_("A reversal cannot itself be reversed; post a new entry."), "ledger.reverse_reversal")
    postings = list(entry.postings.select_related("account"))
    existing = Entry.objects.filter(key=key).first()
    if existing is None and Entry.objects.filter(reverses=entry).exists():
        raise PostingRuleViolation(_("This entry was already reversed."), "ledger.already_reversed", {"entry": entry.pk})
    return post(
        kind=EntryKind.REVERSAL,
        legs=[(p.account, -p.amount_fen) for p in postings],
        key=key,
        ref=entry.ref,
        memo=reason,
        actor=actor,
        _reverses=entry,
    )


def user_accounts(user) -> dict[str, Account]:
    """The user's available and frozen accounts, opened on first use."""
    return {
        kind: account_get_or_open(kind=kind, owner=user)
        for kind in (AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN)
    }
