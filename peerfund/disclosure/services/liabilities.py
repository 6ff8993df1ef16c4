"""Proof of liabilities (no other platform offers it): after each daily close, a
Merkle sum tree over every user's money — their balance at the custodian (available
and frozen, at the end of the day) and their outstanding claims on borrowers — with
the root and the total published on the disclosure page. Each user can download
the path from their leaf to the root and check it with `merkle.py`, which needs
nothing but Python's standard library. The algorithm is documented there.

Leaves are kept for `PEERFUND_LIABILITY_KEEP_DAYS` days (a proof can be fetched for
those); roots and totals forever."""
import datetime as dt
import secrets
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from peerfund.core.bulk import insert_objects
from peerfund.disclosure import merkle
from peerfund.disclosure.models import LiabilityLeaf, LiabilityTree
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.selectors import accounts_at
from peerfund.lending.models import Receivable


def _user_money(on: dt.date) -> dict[int, list[int]]:
    """user id -> [balance, claims] in fen, for users with either."""
    money: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for account in accounts_at(on, kinds=[AccountKind.USER_AVAILABLE, AccountKind.USER_FROZEN]):
        if account.balance_fen:
            money[account.owner_id][0] += account.balance_fen
    claims = (Receivable.objects.filter(status__in=Receivable.OPEN).values("investment__investor_id")
              .annotate(left=Sum(F("principal_fen") - F("principal_received_fen"))).values_list("investment__investor_id", "left"))
    for user_id, left in claims:
        if left:
            money[user_id][1] += left
    return money


def liabilities_publish(*, on: dt.date) -> LiabilityTree:
    """Build and store the day's tree (once: a second run returns the first)."""
    existing = LiabilityTree.objects.filter(business_date=on).first()
    if existing is not None:
        return existing
    money = _user_money(on)
    leaves = []
    for position, user_id in enumerate(sorted(money)):
        nonce = secrets.token_hex(16)
        balance, claims = money[user_id]
        leaves.append(LiabilityLeaf(position=position, user_id=user_id, nonce=nonce, account=merkle.account_ref(user_id, nonce),
                                    balance_fen=balance, claims_fen=claims))
    tree = merkle.levels([merkle.leaf(x.account, x.balance_fen, x.claims_fen) for x in leaves])
    root_hash, total = tree[-1][0]
    with transaction.atomic():
        stored = LiabilityTree.objects.create(business_date=on, algorithm=merkle.ALGORITHM, root=root_hash.hex(), total_fen=total, leaf_count=len(leaves))
        for leaf in leaves:
            leaf.tree_id = stored.pk
        insert_objects(leaves)
        LiabilityLeaf.objects.filter(tree__business_date__lt=on - dt.timedelta(days=settings.PEERFUND_LIABILITY_KEEP_DAYS)).delete()
    return stored


def liability_proof(*, user, tree: LiabilityTree) -> dict | None:
    """The user's inclusion proof in `tree` (None when they had nothing that day or
    the leaves are no longer kept)."""
    mine = LiabilityLeaf.objects.filter(tree=tree, user=user).first()
    if mine is None:
        return None
    leaves = list(LiabilityLeaf.objects.filter(tree=tree).order_by("position").values_list("account", "balance_fen", "claims_fen"))
    levels = merkle.levels([merkle.leaf(*row) for row in leaves])
    return {
        "algorithm": tree.algorithm,
        "business_date": tree.business_date.isoformat(),
        "root": tree.root,
        "total_fen": tree.total_fen,
        "leaf": {"user_id": user.pk, "nonce": mine.nonce, "account": mine.account, "balance_fen": mine.balance_fen, "claims_fen": mine.claims_fen},
        "path": merkle.path(levels, mine.position),
    }
