"""REST API for deposits through the custodian."""
from ninja import Router, Schema, Status
from ninja.decorators import decorate_view

from peerfund.core.idempotency import idempotent
from peerfund.core.money import format_fen
from peerfund.custody.models import Instruction
from peerfund.custody.selectors import deposit_get_for_user, deposits_of_user
from peerfund.custody.services import custody_deposit

router = Router(tags=["funds"])


class DepositIn(Schema):
    amount_fen: int


class DepositOut(Schema):
    request_no: str
    amount_fen: int
    amount_display: str
    status: str
    reason: str
    business_date: str

    @staticmethod
    def of(instruction: Instruction) -> "DepositOut":
        amount = instruction.payload["amount_fen"]
        return DepositOut(
            request_no=instruction.request_no,
            amount_fen=amount,
            amount_display=format_fen(amount),
            status=instruction.status,
            reason=instruction.reason,
            business_date=instruction.business_date.isoformat(),
        )


@router.post("/deposits", response={202: DepositOut}, summary="Deposit from the bound card through the custodian")
@decorate_view(idempotent)
def deposit_create(request, payload: DepositIn):
    """Needs an `Idempotency-Key` header. The deposit is booked when the custodian
    confirms it; poll `GET /deposits/{request_no}` for the final status."""
    instruction = custody_deposit(user=request.user, amount_fen=payload.amount_fen, key=request.idempotency_key)
    instruction.refresh_from_db()
    return Status(202, DepositOut.of(instruction))


@router.get("/deposits", response=list[DepositOut], summary="My deposits, newest first")
def deposit_list(request):
    return [DepositOut.of(i) for i in deposits_of_user(request.user)[:100]]


@router.get("/deposits/{request_no}", response=DepositOut, summary="One of my deposits")
def deposit_detail(request, request_no: str):
    return DepositOut.of(deposit_get_for_user(request.user, request_no))
