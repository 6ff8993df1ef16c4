"""REST API of funds: deposits (through the payment page), withdrawals, the asset
overview and the transaction history. Money calls need an Idempotency-Key."""

from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from peerfund.core.idempotency import idempotent
from peerfund.core.money import format_fen
from peerfund.core.schemas import Id, InputSchema, Limit, Offset, QueryDate, StrictFen, StrictId
from peerfund.funds.models import DepositOrder, Withdrawal
from peerfund.funds.payment import payment_link
from peerfund.funds.selectors import asset_overview, deposit_order_get_for_user, history, withdrawal_get_for_user
from peerfund.funds.services.deposits import deposit_order_cancel, deposit_order_create
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.risk.signals import Origin

router = Router(tags=["funds"])


class DepositIn(InputSchema):
    amount_fen: StrictFen


class DepositOut(Schema):
    order_no: str
    amount_fen: int
    amount_display: str
    status: str
    reason: str
    pay_url: str | None
    business_date: str

    @staticmethod
    def of(request, order: DepositOrder) -> "DepositOut":
        awaiting = order.status == DepositOrder.Status.AWAITING_PAYMENT
        return DepositOut(
            order_no=order.order_no, amount_fen=order.amount_fen, amount_display=format_fen(order.amount_fen), status=order.status,
            reason=order.reason, pay_url=request.build_absolute_uri(payment_link(order)) if awaiting else None,
            business_date=order.business_date.isoformat(),
        )


@router.post("/deposits", response={201: DepositOut}, summary="Start a deposit; pay at pay_url")
@decorate_view(idempotent)
def deposit_create(request, payload: DepositIn):
    """Needs an `Idempotency-Key` header. Open `pay_url` to pay; the order then moves
    to `processing` and to `succeeded` when the custodian confirms."""
    order = deposit_order_create(user=request.user, amount_fen=payload.amount_fen, key=request.idempotency_key, origin=Origin.of(request))
    return Status(201, DepositOut.of(request, order))


@router.get("/deposits", response=list[DepositOut], summary="My deposits, newest first")
def deposit_list(request):
    return [DepositOut.of(request, o) for o in DepositOrder.objects.filter(user=request.user)[:100]]


@router.get("/deposits/{order_no}", response=DepositOut, summary="One of my deposits")
def deposit_detail(request, order_no: str):
    return DepositOut.of(request, deposit_order_get_for_user(request.user, order_no))


@router.post("/deposits/{order_no}/cancel", response=DepositOut, summary="Cancel a deposit not paid yet")
def deposit_cancel(request, order_no: str):
    return DepositOut.of(request, deposit_order_cancel(user=request.user, order=deposit_order_get_for_user(request.user, order_no)))


class WithdrawIn(InputSchema):
    amount_fen: StrictFen
    card_id: StrictId
    trade_password: str


class WithdrawalOut(Schema):
    id: int
    amount_fen: int
    fee_fen: int
    payout_fen: int
    card_last4: str
    status: str
    reason: str
    business_date: str

    @staticmethod
    def of(w: Withdrawal) -> "WithdrawalOut":
        return WithdrawalOut(
            id=w.pk, amount_fen=w.amount_fen, fee_fen=w.fee_fen, payout_fen=w.payout_fen, card_last4=w.card.last4,
            status=w.status, reason=w.reason, business_date=w.business_date.isoformat(),
        )


@router.post("/withdrawals", response={201: WithdrawalOut}, summary="Withdraw to a bound card")
@decorate_view(idempotent)
def withdrawal_create(request, payload: WithdrawIn):
    """Needs an `Idempotency-Key` header and the trade password. Breaking a rule
    (minimum, daily count or amount, cooling-off, balance) is a 400 naming the rule."""
    w = withdrawal_request(
        user=request.user, amount_fen=payload.amount_fen, card_id=payload.card_id, trade_password=payload.trade_password, key=request.idempotency_key,
        origin=Origin.of(request),
    )
    return Status(201, WithdrawalOut.of(w))


@router.get("/withdrawals", response=list[WithdrawalOut], summary="My withdrawals, newest first")
def withdrawal_list(request):
    return [WithdrawalOut.of(w) for w in Withdrawal.objects.filter(user=request.user).select_related("card")[:100]]


@router.get("/withdrawals/{withdrawal_id}", response=WithdrawalOut, summary="One of my withdrawals")
def withdrawal_detail(request, withdrawal_id: Id):
    return WithdrawalOut.of(withdrawal_get_for_user(request.user, withdrawal_id))


class OverviewOut(Schema):
    available_fen: int
    frozen_fen: int
    withdrawable_fen: int
    cooling_off_fen: int
    principal_to_collect_fen: int
    interest_to_collect_fen: int
    received_fen: int
    total_fen: int
    net_return: str | None = Field(description="net annualised return (docs/lending.md, Returns), e.g. \"8.30%\"; null with no holdings")
    xirr_realised: str | None = Field(description="XIRR of holdings of 30 days or more; null when there are none")
    xirr_expected: str | None


@router.get("/overview", response=OverviewOut, summary="My assets")
def overview(request):
    return OverviewOut(**asset_overview(request.user))


class HistoryOut(Schema):
    id: int
    business_date: str
    entry_kind: str
    account_kind: str
    amount_fen: int
    balance_after_fen: int
    ref: str


@router.get("/history", response=list[HistoryOut], summary="My transaction history, filterable")
def history_list(request, date_from: QueryDate | None = None, date_to: QueryDate | None = None, kind: str = "", limit: Limit = 50, offset: Offset = 0):
    rows = history(request.user, date_from=date_from, date_to=date_to, kind=kind)[offset : offset + limit]
    return [
        HistoryOut(
            id=p.pk, business_date=p.entry.business_date.isoformat(), entry_kind=p.entry.kind, account_kind=p.account.kind,
            amount_fen=p.amount_fen, balance_after_fen=p.balance_after_fen, ref=p.entry.ref,
        )
        for p in rows
    ]
