"""Where each ledger account lives at the bank, and which bank instruction mirrors a
ledger entry.

User accounts map to the two buckets of the user's sub-account; the platform's
accounts and the per-loan / per-project escrow accounts map to the platform's own
sub-accounts (the bank sees one repayment escrow, the ledger one per loan). The
clearing account is the outside world and has no place at the bank.
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from peerfund.custody.gateway import AVAILABLE, FROZEN
from peerfund.custody.models import CustodyAccount
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account

Location = tuple[str, str]  # (bank account number, bucket)

_PLATFORM_ACCOUNT_OF_KIND = {
    AccountKind.PLATFORM_FEE: CustodyAccount.PlatformCode.FEE,
    AccountKind.PLATFORM_MARKETING: CustodyAccount.PlatformCode.MARKETING,
    AccountKind.BORROWER_REPAYMENT: CustodyAccount.PlatformCode.REPAYMENT_ESCROW,
    AccountKind.PLEDGE_ESCROW: CustodyAccount.PlatformCode.PLEDGE_ESCROW,
}


class NoCustodyAccount(Exception):
    pass


class Locator:
    """Resolves ledger accounts to bank locations, caching account numbers."""

    def __init__(self):
        self._users: dict[int, str] = {}
        self._platform: dict[str, str] = {}

    def prefetch(self, user_ids) -> None:
        """Read the account numbers of these users in one query."""
        wanted = set(user_ids) - set(self._users)
        if wanted:
            self._users.update(CustodyAccount.objects.filter(owner_id__in=wanted).values_list("owner_id", "account_no"))

    def user_account_no(self, user_id: int) -> str:
        if user_id not in self._users:
            account_no = CustodyAccount.objects.filter(owner_id=user_id).values_list("account_no", flat=True).first()
            if account_no is None:
                raise NoCustodyAccount(f"user {user_id} has no custody account")
            self._users[user_id] = account_no
        return self._users[user_id]

    def platform_account_no(self, code: str) -> str:
        if code not in self._platform:
            account_no = CustodyAccount.objects.filter(platform_code=code).values_list("account_no", flat=True).first()
            if account_no is None:
                raise NoCustodyAccount(f"platform custody account {code} is not open")
            self._platform[code] = account_no
        return self._platform[code]

    def location(self, account: Account) -> Location | None:
        if account.kind == AccountKind.CUSTODY_CLEARING:
            return None
        if account.kind == AccountKind.USER_AVAILABLE:
            return self.user_account_no(account.owner_id), AVAILABLE
        if account.kind == AccountKind.USER_FROZEN:
            return self.user_account_no(account.owner_id), FROZEN
        return self.platform_account_no(_PLATFORM_ACCOUNT_OF_KIND[account.kind]), AVAILABLE


@dataclass(frozen=True)
class BankInstruction:
    op: str
    payload: dict[str, Any]


def _item(source: Location | None, target: Location | None, amount: int) -> dict[str, Any]:
    if source is None:
        return {"type": "deposit", "account_no": target[0], "amount_fen": amount}
    if target is None:
        return {"type": "withdraw", "account_no": source[0], "bucket": source[1], "amount_fen": amount}
    if source[0] == target[0]:
        kind = "freeze" if (source[1], target[1]) == (AVAILABLE, FROZEN) else "unfreeze"
        return {"type": kind, "account_no": source[0], "amount_fen": amount}
    return {
        "type": "transfer",
        "from_account": source[0],
        "from_bucket": source[1],
        "to_account": target[0],
        "to_bucket": target[1],
        "amount_fen": amount,
    }


def instruction_for_legs(legs: list[tuple[Account, int]], locator: Locator) -> BankInstruction | None:
    """The bank instruction that mirrors these ledger legs, or None when the entry
    moves money only between ledger accounts the bank sees as one place.

    Money leaving the sources is matched to the destinations in ledger order; pieces
    between the same two places are merged. One piece becomes its own operation,
    several a batch, which the bank applies all or nothing.
    """
    sources = [[locator.location(a), -amt] for a, amt in sorted(legs, key=lambda leg: leg[0].pk) if amt < 0]
    targets = [[locator.location(a), amt] for a, amt in sorted(legs, key=lambda leg: leg[0].pk) if amt > 0]
    pieces: dict[tuple, int] = defaultdict(int)
    s = t = 0
    while s < len(sources) and t < len(targets):
        amount = min(sources[s][1], targets[t][1])
        if sources[s][0] != targets[t][0]:
            pieces[(sources[s][0], targets[t][0])] += amount
        sources[s][1] -= amount
        targets[t][1] -= amount
        s += sources[s][1] == 0
        t += targets[t][1] == 0
    items = [_item(source, target, amount) for (source, target), amount in pieces.items()]
    if not items:
        return None
    if len(items) == 1:
        item = dict(items[0])
        return BankInstruction(op=item.pop("type"), payload=item)
    return BankInstruction(op="batch_transfer", payload={"items": items})

