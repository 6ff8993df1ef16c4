"""Reads on the ledger: balances and statements."""
import datetime as dt

from django.db.models import QuerySet

from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account, Posting


def user_balances(user) -> dict[str, int]:
    """Fen per account kind for a user's unscoped accounts (0 where none is open)."""
    balances = {AccountKind.USER_AVAILABLE.value: 0, AccountKind.USER_FROZEN.value: 0}
    rows = Account.objects.filter(owner=user, scope="").values_list("kind", "balance_fen")
    balances.update(dict(rows))
    return balances


def account_postings(account: Account, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[Posting]:
    postings = Posting.objects.filter(account=account).select_related("entry").order_by("-id")
    if date_from:
        postings = postings.filter(entry__business_date__gte=date_from)
    if date_to:
        postings = postings.filter(entry__business_date__lte=date_to)
    return postings


def user_postings(user) -> QuerySet[Posting]:
    return (
        Posting.objects.filter(account__owner=user, account__scope="")
        .select_related("entry", "account")
        .order_by("-id")
    )
