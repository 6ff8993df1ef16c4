"""Withdrawal rules (提现规则), each a setting: minimum, fee (waived by tier), per-day
count and amount, manual review above a threshold, and the cooling-off period for
money deposited and not yet invested (anti money-laundering)."""
import datetime as dt

from django.conf import settings
from django.db.models import Q, Sum

from peerfund.core import clock
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.models import Posting


def cooling_off_fen(user) -> int:
    """Money deposited in the cooling-off window that has not gone into anything
    since (bids, claims, repayments): it cannot be withdrawn yet."""
    days = settings.PEERFUND_COOLING_OFF_DAYS
    if days <= 0:
        return 0
    since = clock.business_date() - dt.timedelta(days=days - 1)
    postings = Posting.objects.filter(account__owner=user, account__kind=AccountKind.USER_AVAILABLE, entry__business_date__gte=since)
    deposited = postings.filter(entry__kind=EntryKind.DEPOSIT).aggregate(t=Sum("amount_fen"))["t"] or 0
    used = -(
        postings.filter(amount_fen__lt=0)
        .exclude(entry__kind=EntryKind.WITHDRAWAL)
        .exclude(Q(entry__kind=EntryKind.FREEZE) & Q(entry__ref__startswith="withdrawal"))
        .aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    return max(0, deposited - used)


def withdrawal_fee_fen(user) -> int:
    from peerfund.accounts.services.tiers import user_tier

    return 0 if user_tier(user).fee_free_withdrawals else settings.PEERFUND_WITHDRAW_FEE_FEN
