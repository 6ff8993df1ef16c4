"""Member tiers (会员等级) by cumulative amount invested. Perks are non-financial:
withdrawal-fee waivers and service priority; tiers never change returns or
auto-invest order."""
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum

from peerfund.accounts.models import User
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.models import Posting

# Money leaving a user's own balance into an investment: bids disbursed to a
# borrower, claims bought from another investor.
INVESTING_ENTRIES = (EntryKind.LOAN_DISBURSE, EntryKind.CLAIM_TRANSFER)


@dataclass(frozen=True)
class Tier:
    name: str
    threshold_fen: int
    fee_free_withdrawals: bool
    priority_service: bool


def tiers() -> list[Tier]:
    parsed = []
    for item in settings.PEERFUND_TIERS.split(","):
        name, _sep, threshold = item.strip().partition(":")
        parsed.append((name, int(threshold)))
    parsed.sort(key=lambda pair: pair[1])
    return [
        Tier(name, threshold, name in settings.PEERFUND_FEE_FREE_TIERS, index > 0)
        for index, (name, threshold) in enumerate(parsed)
    ]


def cumulative_invested_fen(user: User) -> int:
    total = Posting.objects.filter(
        account__owner=user,
        account__kind__in=[AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN],
        entry__kind__in=INVESTING_ENTRIES,
        amount_fen__lt=0,
    ).aggregate(total=Sum("amount_fen"))["total"]
    return -(total or 0)


def user_tier(user: User) -> Tier:
    invested = cumulative_invested_fen(user)
    return [tier for tier in tiers() if invested >= tier.threshold_fen][-1]
