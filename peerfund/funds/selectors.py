"""Reads on funds: history with filters, CSV rows, the asset overview."""
import datetime as dt
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from peerfund.accounts.models import BankCard
from peerfund.core.errors import NotFound
from peerfund.core.money import format_fen
from peerfund.funds.models import DepositOrder, Withdrawal
from peerfund.funds.rules import cooling_off_fen
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Posting
from peerfund.ledger.selectors import user_balances


def withdrawals_pending_to_card(card: BankCard) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(card=card, status__in=Withdrawal.IN_PROGRESS)


def deposit_order_get_for_user(user, order_no: str) -> DepositOrder:
    order = DepositOrder.objects.filter(user=user, order_no=order_no).first()
    if order is None:
        raise NotFound("Not found.", "not_found")
    return order


def withdrawal_get_for_user(user, withdrawal_id: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.filter(user=user, pk=withdrawal_id).select_related("card").first()
    if withdrawal is None:
        raise NotFound("Not found.", "not_found")
    return withdrawal


def history(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None, kind: str = "") -> QuerySet[Posting]:
    """The user's movements on their own balances, newest first."""
    postings = Posting.objects.filter(
        account__owner=user, account__kind__in=[AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN]
    ).select_related("entry", "account")
    if date_from:
        postings = postings.filter(entry__business_date__gte=date_from)
    if date_to:
        postings = postings.filter(entry__business_date__lte=date_to)
    if kind:
        postings = postings.filter(entry__kind=kind)
    return postings.order_by("-id")


def history_csv_rows(postings: QuerySet[Posting]) -> Iterator[list[str]]:
    yield ["date", "type", "account", "amount_yuan", "balance_after_yuan", "reference"]
    for posting in postings.iterator(chunk_size=1000):
        yield [
            posting.entry.business_date.isoformat(),
            posting.entry.get_kind_display(),
            posting.account.get_kind_display(),
            format_fen(posting.amount_fen, symbol=False).replace(",", ""),
            format_fen(posting.balance_after_fen, symbol=False).replace(",", ""),
            posting.entry.ref,
        ]


# Later capabilities add the figures they own (outstanding principal, interest to
# collect, received, XIRR) by registering a function user -> dict of fen / ratios.
AssetSource = Callable[[object], dict]
_asset_sources: list[AssetSource] = []


def register_asset_source(source: AssetSource) -> None:
    _asset_sources.append(source)


def asset_overview(user) -> dict:
    balances = user_balances(user)
    cooling = cooling_off_fen(user)
    overview = {
        "available_fen": balances[AccountKind.USER_AVAILABLE],
        "frozen_fen": balances[AccountKind.USER_FROZEN],
        "withdrawable_fen": max(0, balances[AccountKind.USER_AVAILABLE] - cooling),
        "cooling_off_fen": cooling,
        "principal_to_collect_fen": 0,
        "interest_to_collect_fen": 0,
        "received_fen": 0,
        "net_return": None,
        "xirr_realised": None,
        "xirr_expected": None,
    }
    for source in _asset_sources:
        overview.update(source(user))
    overview["total_fen"] = overview["available_fen"] + overview["frozen_fen"] + overview["principal_to_collect_fen"]
    return overview
