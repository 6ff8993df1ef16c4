"""The invariant checker: proves the books are sound, or lists what is wrong.

Checks here need only the ledger. Other apps register checks that compare the
ledger with something outside it (custody registers "ledger equals the bank"), so
the ledger keeps knowing nothing of them.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from peerfund.ledger.chart import ACCOUNT_RULES, EntryKind
from peerfund.ledger.errors import PostingRuleViolation
from peerfund.ledger.models import Account, Entry, Posting


@dataclass(frozen=True)
class Violation:
    check: str
    detail: str


Check = Callable[[], list[Violation]]  # a check against something outside the ledger
_extra_checks: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    _extra_checks[name] = check


def _entries_balance(after: int) -> list[Violation]:
    rows = Posting.objects.filter(entry_id__gt=after).values("entry_id").annotate(total=Sum("amount_fen"), legs=Count("id"))
    bad = rows.filter(~Q(total=0) | Q(legs__lt=2))
    found = [Violation("entry_balanced", f"entry {r['entry_id']} sums to {r['total']} over {r['legs']} legs") for r in bad]
    empty = Entry.objects.filter(pk__gt=after, postings__isnull=True).values_list("id", flat=True)
    found += [Violation("entry_balanced", f"entry {pk} has no postings") for pk in empty]
    orphans = Posting.objects.filter(entry_id__gt=after).exclude(entry_id__in=Entry.objects.filter(pk__gt=after).values("id"))
    found += [Violation("posting_entry", f"posting {pk} refers to entry {entry_id}, which does not exist") for pk, entry_id in orphans.values_list("id", "entry_id")]
    return found


def _touched(after: int):
    """The accounts with postings in entries after `after` (all accounts for a full check)."""
    accounts = Account.objects.all()
    return accounts if not after else accounts.filter(pk__in=Posting.objects.filter(entry_id__gt=after).values("account_id"))


def _balances_match_postings(after: int) -> list[Violation]:
    found = []
    if not after:  # a full check sums every account's history; a partial one relies on the running balances below
        accounts = Account.objects.annotate(posted=Coalesce(Sum("postings__amount_fen"), 0)).filter(~Q(balance_fen=F("posted")))
        found += [
            Violation("balance_equals_postings", f"account {a.pk} ({a}) balance {a.balance_fen} != postings {a.posted}")
            for a in accounts
        ]
    last_balance = Posting.objects.filter(account=OuterRef("pk")).order_by("-id").values("balance_after_fen")[:1]
    stale = _touched(after).annotate(last=Subquery(last_balance)).filter(last__isnull=False).exclude(balance_fen=F("last"))
    found += [
        Violation("balance_after", f"account {a.pk} ({a}) balance {a.balance_fen} != last balance_after {a.last}")
        for a in stale
    ]
    return found


def _running_balances(after: int) -> list[Violation]:
    """balance_after of each posting equals the previous one plus its amount; a
    partial check starts each account from its last posting before the scope."""
    found = []
    running: dict[int, int] = defaultdict(int)
    postings = Posting.objects.filter(entry_id__gt=after)
    if after:
        first = postings.order_by("id").values_list("id", flat=True).first()
        if first is None:
            return []
        before = Posting.objects.filter(account=OuterRef("pk"), id__lt=first).order_by("-id").values("balance_after_fen")[:1]
        running.update(_touched(after).annotate(start=Coalesce(Subquery(before), 0)).values_list("pk", "start"))
    rows = postings.order_by("id").values_list("id", "account_id", "amount_fen", "balance_after_fen")
    for pk, account_id, amount, after_fen in rows.iterator(chunk_size=5000):
        running[account_id] += amount
        if running[account_id] != after_fen:
            found.append(Violation("running_balances", f"posting {pk}: balance_after {after_fen} != running {running[account_id]}"))
            running[account_id] = after_fen
    return found


def _sign_rules(after: int) -> list[Violation]:
    found = []
    for account in _touched(after).iterator():
        rule = ACCOUNT_RULES.get(account.kind)
        if rule is None:
            found.append(Violation("account_kind", f"account {account.pk} has unknown kind {account.kind}"))
            continue
        if account.may_go_negative != rule.may_go_negative:
            found.append(Violation("account_kind", f"account {account.pk} may_go_negative disagrees with its kind"))
        if account.balance_fen < 0 and not rule.may_go_negative:
            found.append(Violation("non_negative", f"account {account.pk} ({account}) is negative: {account.balance_fen}"))
    return found


def _books_sum_to_zero(after: int) -> list[Violation]:
    total = Account.objects.aggregate(total=Coalesce(Sum("balance_fen"), 0))["total"]
    return [] if total == 0 else [Violation("books_sum_to_zero", f"all balances sum to {total}")]


def _entry_kind_rules(after: int) -> list[Violation]:
    """Re-check stored entries against the posting rules (someone may have written
    rows behind post()'s back)."""
    from peerfund.ledger.services import check_entry_rules

    found = []
    accounts = {a.pk: a for a in _touched(after)}
    legs_by_entry: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entry_id, account_id, amount in Posting.objects.filter(entry_id__gt=after).values_list("entry_id", "account_id", "amount_fen").iterator(chunk_size=5000):
        legs_by_entry[entry_id].append((account_id, amount))
    entries = Entry.objects.filter(pk__gt=after).values_list("id", "kind", "reverses_id")
    for entry_id, kind, reverses_id in entries.iterator(chunk_size=5000):
        legs = legs_by_entry.get(entry_id, [])
        if kind == EntryKind.REVERSAL:
            reversed_legs = legs_by_entry[reverses_id] if reverses_id is None or reverses_id > after else list(
                Posting.objects.filter(entry_id=reverses_id).values_list("account_id", "amount_fen")
            )
            if reverses_id is None or sorted((a, -amt) for a, amt in reversed_legs) != sorted(legs):
                found.append(Violation("entry_rules", f"reversal {entry_id} does not mirror entry {reverses_id}"))
            continue
        try:
            check_entry_rules(kind, [(accounts[a], amt) for a, amt in legs])
        except PostingRuleViolation as exc:
            found.append(Violation("entry_rules", f"entry {entry_id} ({kind}) breaks its rules: {exc.extra}"))
    return found


CORE_CHECKS: dict[str, Check] = {
    "entry_balanced": _entries_balance,
    "balance_equals_postings": _balances_match_postings,
    "running_balances": _running_balances,
    "account_signs": _sign_rules,
    "books_sum_to_zero": _books_sum_to_zero,
    "entry_rules": _entry_kind_rules,
}


def ledger_check(*, include_external: bool = True, after_entry: int = 0) -> list[Violation]:
    """Every invariant over the whole ledger, or — with `after_entry` — over the
    entries after that id and the accounts they touched (the daily close's check:
    its cost follows the day's business, not the size of the books; earlier
    entries were proven by earlier checks, and running balances carry on from them).
    The checks against outside systems look at today either way."""
    violations: list[Violation] = []
    for check in CORE_CHECKS.values():
        violations.extend(check(after_entry))
    if include_external:
        for check in _extra_checks.values():
            violations.extend(check())
    return violations
