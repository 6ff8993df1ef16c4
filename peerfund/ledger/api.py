"""REST API: my balances and my account movements."""
from ninja import Router, Schema

from peerfund.core.money import format_fen
from peerfund.ledger.selectors import user_balances, user_postings

router = Router(tags=["funds"])


class BalancesOut(Schema):
    available_fen: int
    frozen_fen: int
    available_display: str
    frozen_display: str


class PostingOut(Schema):
    id: int
    entry_kind: str
    account_kind: str
    amount_fen: int
    balance_after_fen: int
    business_date: str
    ref: str


@router.get("/balances", response=BalancesOut, summary="My available and frozen balance")
def balances(request):
    values = user_balances(request.user)
    return BalancesOut(
        available_fen=values["user_available"],
        frozen_fen=values["user_frozen"],
        available_display=format_fen(values["user_available"]),
        frozen_display=format_fen(values["user_frozen"]),
    )


@router.get("/postings", response=list[PostingOut], summary="My account movements, newest first")
def postings(request, limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    rows = user_postings(request.user)[max(offset, 0) : max(offset, 0) + limit]
    return [
        PostingOut(
            id=p.id,
            entry_kind=p.entry.kind,
            account_kind=p.account.kind,
            amount_fen=p.amount_fen,
            balance_after_fen=p.balance_after_fen,
            business_date=p.entry.business_date.isoformat(),
            ref=p.entry.ref,
        )
        for p in rows
    ]
