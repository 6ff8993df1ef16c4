"""Reads on the ledger: a user's balances, balances at the end of a day, the nightly
checks."""
import datetime as dt

from django.db.models import Sum

from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account, CheckRun, Posting


def user_balances(user) -> dict[str, int]:
    """Fen per account kind for a user's unscoped accounts (0 where none is open)."""
    balances = {AccountKind.USER_AVAILABLE.value: 0, AccountKind.USER_FROZEN.value: 0}
    rows = Account.objects.filter(owner=user, scope="").values_list("kind", "balance_fen")
    balances.update(dict(rows))
    return balances


def check_runs(*, limit: int = 10):
    """The latest nightly ledger checks, newest first."""
    return list(CheckRun.objects.order_by("-id")[:limit])


def accounts_at(business_date: dt.date, *, kinds=None) -> list[Account]:
    """Every account (of `kinds`, if given) with `balance_fen` as it stood at the end
    of `business_date`: its balance less what was posted after that date, so the cost
    follows the days since, not the size of the books. The objects are for reading."""
    later = Posting.objects.filter(entry__business_date__gt=business_date)
    accounts = Account.objects.only("id", "kind", "owner_id", "scope", "balance_fen")
    if kinds is not None:
        later, accounts = later.filter(account__kind__in=kinds), accounts.filter(kind__in=kinds)
    moved = dict(later.values("account_id").annotate(total=Sum("amount_fen")).values_list("account_id", "total"))
    accounts = list(accounts)
    for account in accounts:
        account.balance_fen -= moved.get(account.pk, 0)
    return accounts
