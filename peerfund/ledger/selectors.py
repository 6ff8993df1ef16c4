"""Reads on the ledger: a user's balances, the nightly checks."""
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account, CheckRun


def user_balances(user) -> dict[str, int]:
    """Fen per account kind for a user's unscoped accounts (0 where none is open)."""
    balances = {AccountKind.USER_AVAILABLE.value: 0, AccountKind.USER_FROZEN.value: 0}
    rows = Account.objects.filter(owner=user, scope="").values_list("kind", "balance_fen")
    balances.update(dict(rows))
    return balances


def check_runs(*, limit: int = 10):
    """The latest nightly ledger checks, newest first."""
    return list(CheckRun.objects.order_by("-id")[:limit])
