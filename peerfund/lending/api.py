"""REST API of the investment hall, bidding, loan applications, my loans and
repayments, my investments. Bids, applications and repayments need an
Idempotency-Key."""
import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Annotated

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status
from pydantic import Field

from peerfund.contracts.selectors import contract_get_for_party
from peerfund.core import clock
from peerfund.core.errors import NotFound
from peerfund.core.idempotency import idempotent
from peerfund.core.masking import mask_name
from peerfund.core.schemas import Id, InputSchema, InvalidInput, Page, QueryFen, QueryRate, Rate, StrictFen, StrictId
from peerfund.disclosure.api import BorrowerDisclosureOut
from peerfund.disclosure.borrower import borrower_disclosure
from peerfund.lending import cost
from peerfund.lending.models import Bid, Investment, Loan, LoanApplication, LoanProduct
from peerfund.lending.selectors import HallFilters, bids_of, bids_public, due_now, hall_page, loan_get_public, loan_schedule
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.origination import application_submit
from peerfund.lending.services.repayment import loan_prepay, loan_repay, prepayment_quote
from peerfund.lending.services.transfer import claim_buy, claim_list, claims_on_sale
from peerfund.risk.features import QUESTIONS
from peerfund.risk.signals import Origin

router = Router(tags=["lending"])
RATE_STEP = Decimal(1).scaleb(-Loan._meta.get_field("annual_rate").decimal_places)


class LoanOut(Schema):
    id: int
    title: str
    grade: str
    annual_rate: str
    months: int
    method: str
    amount_fen: int
    left_fen: int
    funded_percent: int
    status: str
    deadline: str
    all_in_apr: str = Field(description="all-in annual cost (综合年化成本): IRR of principal received and principal + interest + fee paid, monthly IRR × 12, e.g. \"0.1523\"")

    @staticmethod
    def of(loan: Loan) -> "LoanOut":
        return LoanOut(
            id=loan.pk, title=loan.title, grade=loan.grade, annual_rate=str(loan.annual_rate), months=loan.months, method=loan.product.method,
            amount_fen=loan.amount_fen, left_fen=loan.left_fen, funded_percent=loan.funded_percent, status=loan.status,
            deadline=loan.deadline.isoformat(), all_in_apr=str(cost.loan_all_in_apr(loan)),
        )


class HallOut(Schema):
    count: int
    page: int
    pages: int
    results: list[LoanOut]


@router.get("", response=HallOut, summary="Open loans, filtered and sorted", auth=None)
def hall(request, rate_min: QueryRate | None = None, rate_max: QueryRate | None = None, months_max: Annotated[int, Field(ge=1, le=600)] | None = None,
         grade: str = "", method: str = "", left_min_fen: QueryFen | None = None, sort: str = "newest", page: Page = 1):
    # Rates are stored to RATE_STEP: rounding each bound inwards to it selects exactly the
    # same loans, and keeps a number like 1e-999999 away from the database.
    rate_min = rate_min.quantize(RATE_STEP, rounding=ROUND_CEILING) if rate_min is not None else None
    rate_max = rate_max.quantize(RATE_STEP, rounding=ROUND_FLOOR) if rate_max is not None else None
    filters = HallFilters(rate_min=rate_min, rate_max=rate_max, months_max=months_max, grades=tuple(g for g in grade.split(",") if g),
                          method=method, left_min_fen=left_min_fen, sort=sort)
    result = hall_page(filters, page)
    return HallOut(count=result.paginator.count, page=result.number, pages=result.paginator.num_pages, results=[LoanOut.of(loan) for loan in result])


class InstalmentOut(Schema):
    number: int
    due_date: str
    principal_fen: int
    interest_fen: int
    fee_fen: int = Field(0, description="the borrower's service fee (分期服务费) with this instalment, the platform's; investors receive principal and interest only")


class BidPublicOut(Schema):
    investor: str
    amount_fen: int
    auto: bool


class LoanDetailOut(LoanOut):
    borrower: str
    purpose: str
    service_fee_rate: str = Field(description="the service fee over the whole loan as a share of the principal, charged in equal parts with the instalments")
    schedule: list[InstalmentOut]
    bids: list[BidPublicOut]
    borrower_disclosure: BorrowerDisclosureOut = Field(description="the borrower as the disclosure guideline asks, masked")


@router.get("/{int:loan_id}", response=LoanDetailOut, summary="One loan: plan and bids (names masked)", auth=None)
def loan_detail(request, loan_id: Id):
    loan = loan_get_public(loan_id)
    return LoanDetailOut(
        **LoanOut.of(loan).dict(),
        borrower=mask_name(loan.borrower.display_name or loan.borrower.username),
        purpose=loan.purpose,
        service_fee_rate=str(loan.service_fee_rate),
        schedule=[InstalmentOut(number=i.number, due_date=i.due_date.isoformat(), principal_fen=i.principal_fen, interest_fen=i.interest_fen, fee_fen=i.fee_fen)
                  for i in loan_schedule(loan)],
        bids=[BidPublicOut(investor=b["investor"], amount_fen=b["amount_fen"], auto=b["auto"]) for b in bids_public(loan)],
        borrower_disclosure=borrower_disclosure(loan),
    )


class BidIn(InputSchema):
    amount_fen: StrictFen
    trade_password: str


class BidOut(Schema):
    id: int
    loan_id: int
    amount_fen: int
    status: str
    auto: bool

    @staticmethod
    def of(bid: Bid) -> "BidOut":
        return BidOut(id=bid.pk, loan_id=bid.loan_id, amount_fen=bid.amount_fen, status=bid.status, auto=bid.auto)


@router.post("/{int:loan_id}/bids", response={201: BidOut}, summary="Bid on a loan")
@decorate_view(idempotent)
def bid_create(request, loan_id: Id, payload: BidIn):
    """Needs an `Idempotency-Key` header and the trade password; a broken rule is a
    400 naming it (minimum, step, left, per investor, balance, risk level, own loan)."""
    bid = bid_place(
        investor=request.user, loan_id=loan_id, amount_fen=payload.amount_fen, trade_password=payload.trade_password,
        key=request.idempotency_key, origin=Origin.of(request),
    )
    return Status(201, BidOut.of(bid))


@router.get("/bids/mine", response=list[BidOut], summary="My bids, newest first")
def my_bids(request):
    return [BidOut.of(b) for b in bids_of(request.user)[:200]]


class ReasonOut(Schema):
    code: str
    text: str


class ApplicationOut(Schema):
    id: int
    product_id: int
    amount_fen: int
    months: int
    status: str
    grade: str | None
    reason: str
    reasons: list[ReasonOut] = Field(description="why the pre-screen declined: history on this platform first (codes `history.written_off`, "
                                     "`history.overdue`), then the answers that cost the most points (code empty)")
    loan_id: int | None

    @staticmethod
    def of(application: LoanApplication) -> "ApplicationOut":
        declined = application.status == LoanApplication.Status.PRESCREEN_REJECTED and application.decision_id
        return ApplicationOut(
            id=application.pk, product_id=application.product_id, amount_fen=application.amount_fen, months=application.months,
            status=application.status, grade=application.decision.grade if application.decision_id else None, reason=application.reason,
            reasons=[ReasonOut(code=r.get("code", ""), text=r["text"]) for r in application.decision.reasons] if declined else [],
            loan_id=application.loan_id,
        )


class FeatureOut(Schema):
    name: str
    label: str
    question: str
    choices: list[list[str]]
    options: list[list[int | str]] = Field(description="for a numeric question: the numbers offered, each with its meaning")
    minimum: int | None
    maximum: int | None


@router.get("/applications/schema", response=list[FeatureOut], summary="The questions a loan application asks (for app forms)", auth=None)
def application_schema(request):
    """Every question is required and has no default. Amount, term, age (from the
    verified ID) and loans on this platform are not asked."""
    return [
        FeatureOut(name=f.name, label=str(f.label), question=str(f.question or f.label), choices=[[value, str(label)] for value, label in f.choices],
                   options=[[value, str(label)] for value, label in f.options], minimum=f.minimum, maximum=f.maximum)
        for f in QUESTIONS
    ]


@router.post("/applications", response={201: ApplicationOut}, summary="Apply for a loan (multipart: fields, `attributes` as JSON, documents as files)")
@decorate_view(idempotent)
def application_create(request, product_id: Form[Id], amount_fen: Form[QueryFen], months: Form[Annotated[int, Field(ge=1, le=600)]], attributes: Form[str], purpose: Form[str] = "",
                       id: File[UploadedFile] = None, income: File[UploadedFile] = None, employment: File[UploadedFile] = None,  # noqa: A002
                       licence: File[UploadedFile] = None):
    try:
        answers = json.loads(attributes)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(_("`attributes` must be a JSON object."), "application.attributes", {"field": "attributes"}) from exc
    product = LoanProduct.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such product."), "not_found")
    documents = {kind: upload for kind, upload in (("id", id), ("income", income), ("employment", employment), ("licence", licence)) if upload}
    application = application_submit(
        borrower=request.user, product=product, amount_fen=amount_fen, months=months, purpose=purpose, attributes=answers,
        documents=documents, origin=Origin.of(request),
    )
    return Status(201, ApplicationOut.of(application))


@router.get("/applications/mine", response=list[ApplicationOut], summary="My loan applications")
def my_applications(request):
    return [ApplicationOut.of(a) for a in LoanApplication.objects.filter(borrower=request.user).select_related("decision")[:100]]


class MyInstalmentOut(Schema):
    number: int
    due_date: str
    principal_fen: int
    interest_fen: int
    fee_fen: int = Field(description="this instalment's part of the service fee (分期服务费), the platform's; owed_fen includes what is unpaid of it")
    penalty_fen: int
    owed_fen: int
    status: str
    paid_on: str | None


class MyLoanOut(Schema):
    id: int
    title: str
    amount_fen: int
    status: str
    due_now_fen: int
    instalments: list[MyInstalmentOut]


@router.get("/mine", response=list[MyLoanOut], summary="My loans as a borrower, with the repayment plan and what is paid")
def my_loans(request):
    loans = Loan.objects.filter(borrower=request.user).prefetch_related("instalments")[:50]
    return [
        MyLoanOut(
            id=loan.pk, title=loan.title, amount_fen=loan.amount_fen, status=loan.status, due_now_fen=due_now(loan),
            instalments=[
                MyInstalmentOut(number=i.number, due_date=i.due_date.isoformat(), principal_fen=i.principal_fen, interest_fen=i.interest_fen, fee_fen=i.fee_fen,
                                penalty_fen=i.penalty_fen, owed_fen=i.owed_fen, status=i.status, paid_on=i.paid_on.isoformat() if i.paid_on else None)
                for i in loan.instalments.all()
            ],
        )
        for loan in loans
    ]


class RepayIn(InputSchema):
    amount_fen: StrictFen | None = None
    trade_password: str


class RepaymentOut(Schema):
    id: int
    amount_fen: int
    fee_fen: int = 0
    penalty_fen: int
    interest_fen: int
    principal_fen: int
    business_date: str

    @staticmethod
    def of(repayment) -> "RepaymentOut":
        return RepaymentOut(id=repayment.pk, amount_fen=repayment.amount_fen, fee_fen=repayment.fee_fen, penalty_fen=repayment.penalty_fen,
                            interest_fen=repayment.interest_fen, principal_fen=repayment.principal_fen, business_date=repayment.business_date.isoformat())


@router.post("/{int:loan_id}/repayments", response={201: RepaymentOut}, summary="Repay my loan (everything due now, or `amount_fen` of it)")
@decorate_view(idempotent)
def repayment_create(request, loan_id: Id, payload: RepayIn):
    """Needs an `Idempotency-Key` and the trade password. Paid oldest instalment first:
    penalty, interest, principal. More than is due now is a 400 (`repay.above_due`)."""
    repayment = loan_repay(borrower=request.user, loan_id=loan_id, amount_fen=payload.amount_fen, trade_password=payload.trade_password,
                           key=request.idempotency_key)
    return Status(201, RepaymentOut.of(repayment))


class ReceivableOut(Schema):
    number: int
    due_date: str
    principal_fen: int
    interest_fen: int
    received_fen: int
    status: str


class InvestmentOut(Schema):
    id: int
    loan_id: int
    loan_title: str
    loan_status: str
    principal_fen: int
    contract_id: int | None = Field(description="The loan contract, or for a bought claim the transfer agreement: GET /loans/contracts/{id}")
    receivables: list[ReceivableOut]


def _contract_id(investment: Investment) -> int | None:
    if investment.contract_id:
        return investment.contract_id
    purchase = getattr(investment, "purchase", None) if investment.bought_from_id else None
    return purchase.contract_id if purchase else None


@router.get("/investments/mine", response=list[InvestmentOut], summary="My investments and the state of every receivable")
def my_investments(request):
    investments = Investment.objects.filter(investor=request.user).select_related("loan", "purchase").prefetch_related("receivables")[:200]
    return [
        InvestmentOut(
            id=inv.pk, loan_id=inv.loan_id, loan_title=inv.loan.title, loan_status=inv.loan.status, principal_fen=inv.principal_fen,
            contract_id=_contract_id(inv),
            receivables=[ReceivableOut(number=r.number, due_date=r.due_date.isoformat(), principal_fen=r.principal_fen, interest_fen=r.interest_fen,
                                       received_fen=r.received_fen, status=r.status) for r in inv.receivables.all()],
        )
        for inv in investments
    ]


class PrepayIn(InputSchema):
    principal_fen: StrictFen | None = None
    mode: str = "reduce_instalment"
    trade_password: str


class QuoteOut(Schema):
    principal_fen: int
    interest_fen: int
    fee_fen: int
    total_fen: int
    remaining_principal_fen: int
    new_instalments: list[dict]


@router.get("/{int:loan_id}/prepayment-quote", response=QuoteOut, summary="What prepaying would cost today, and the schedule after it")
def prepayment_quote_get(request, loan_id: Id, principal_fen: QueryFen | None = None, mode: str = "reduce_instalment"):
    loan = Loan.objects.select_related("product").filter(pk=loan_id, borrower=request.user).first()
    if loan is None:
        raise NotFound(_("No such loan."), "not_found")
    quote = prepayment_quote(loan=loan, principal_fen=principal_fen, mode=mode, on=clock.business_date())
    return QuoteOut(
        principal_fen=quote.principal_fen, interest_fen=quote.interest_fen, fee_fen=quote.fee_fen, total_fen=quote.total_fen,
        remaining_principal_fen=quote.remaining_principal_fen,
        new_instalments=[{"due_date": due.isoformat(), "principal_fen": p, "interest_fen": i, "fee_fen": fee} for due, p, i, fee in quote.new_schedule],
    )


@router.post("/{int:loan_id}/prepayments", response={201: RepaymentOut}, summary="Prepay all or part of my loan's principal")
@decorate_view(idempotent)
def prepayment_create(request, loan_id: Id, payload: PrepayIn):
    """Needs an `Idempotency-Key` and the trade password. `mode` is `reduce_instalment`
    or `reduce_term`; without `principal_fen` the whole loan is prepaid."""
    repayment = loan_prepay(borrower=request.user, loan_id=loan_id, principal_fen=payload.principal_fen, mode=payload.mode,
                            trade_password=payload.trade_password, key=request.idempotency_key)
    return Status(201, RepaymentOut.of(repayment))


class ClaimOut(Schema):
    id: int
    loan_id: int
    loan_title: str
    grade: str
    annual_rate: str
    principal_fen: int
    left_fen: int
    discount_rate: str
    expires_on: str
    price_per_100_yuan_fen: int


@router.get("/claims", response=list[ClaimOut], summary="Claims for sale (债权转让)", auth=None)
def claims(request):
    return [
        ClaimOut(id=c.pk, loan_id=c.investment.loan_id, loan_title=c.investment.loan.title, grade=c.investment.loan.grade,
                 annual_rate=str(c.investment.loan.annual_rate), principal_fen=c.principal_fen, left_fen=c.left_fen,
                 discount_rate=str(c.discount_rate), expires_on=c.expires_on.isoformat(), price_per_100_yuan_fen=price_per_100)
        for c, price_per_100 in claims_on_sale(limit=200)
    ]


class ClaimListIn(InputSchema):
    investment_id: StrictId
    principal_fen: StrictFen | None = None
    discount_rate: Rate = Decimal("0")


@router.post("/claims", response={201: dict}, summary="Put a claim of mine up for sale")
def claim_create(request, payload: ClaimListIn):
    listing = claim_list(seller=request.user, investment_id=payload.investment_id, principal_fen=payload.principal_fen, discount_rate=payload.discount_rate)
    return Status(201, {"id": listing.pk, "principal_fen": listing.principal_fen, "expires_on": listing.expires_on.isoformat()})


class ClaimBuyIn(InputSchema):
    principal_fen: StrictFen
    trade_password: str


class PurchaseOut(Schema):
    id: int
    principal_fen: int
    price_fen: int
    investment_id: int


@router.post("/claims/{int:listing_id}/purchases", response={201: PurchaseOut}, summary="Buy part or all of a claim")
@decorate_view(idempotent)
def claim_purchase(request, listing_id: Id, payload: ClaimBuyIn):
    """Needs an `Idempotency-Key` and the trade password; in the product's bid steps."""
    purchase = claim_buy(buyer=request.user, listing_id=listing_id, principal_fen=payload.principal_fen, trade_password=payload.trade_password,
                         key=request.idempotency_key)
    return Status(201, PurchaseOut(id=purchase.pk, principal_fen=purchase.principal_fen, price_fen=purchase.price_fen, investment_id=purchase.investment_id))


@router.get("/contracts/{int:contract_id}", response={200: None}, summary="A contract of mine as PDF (loan contract or claim transfer agreement)",
            openapi_extra={"responses": {200: {"description": "The signed contract", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def contract_download(request, contract_id: Id):
    """For the contract's parties only — the investor and the borrower of a loan
    contract, the seller and the buyer of a claim transfer — and loan staff; anyone
    else gets a 404."""
    contract = contract_get_for_party(request.user, contract_id, staff=request.user.has_perm("backoffice.review_loans"))
    return FileResponse(contract.pdf.open("rb"), content_type="application/pdf", filename=f"contract-{contract.pk}.pdf")


class QuoteRowOut(Schema):
    number: int
    due_date: str
    principal_fen: int
    interest_fen: int
    fee_fen: int
    total_fen: int


class LoanQuoteOut(Schema):
    product_id: int
    amount_fen: int
    months: int
    annual_rate: str = Field(description="the rate quoted: the product's highest unless `annual_rate` is given (the grade sets it within the range)")
    service_fee_rate: str
    first_payment_fen: int = Field(description="the first instalment, principal + interest + fee (每月还款)")
    principal_fen: int
    interest_fen: int
    fee_fen: int
    total_fen: int
    all_in_apr: str = Field(description="all-in annual cost (综合年化成本), monthly IRR × 12, e.g. \"0.1523\"")
    ceiling: str = Field(description="the legal ceiling on it: PEERFUND_RATE_CEILING_MULTIPLE × PEERFUND_LPR_1Y")
    above_ceiling: bool
    schedule: list[QuoteRowOut]


@router.get("/quote", response=LoanQuoteOut, summary="What a loan would cost: schedule with the service fee, totals, all-in annual cost", auth=None)
def loan_quote(request, product: Id, amount_fen: QueryFen, months: Annotated[int, Field(ge=1, le=600)], annual_rate: QueryRate | None = None):
    """Public. An amount, term or rate the product does not offer is a 422 naming the
    field (`quote.amount`, `quote.months`, `quote.rate`); an unknown or closed product a 404."""
    found = LoanProduct.objects.filter(pk=product, enabled=True).first()
    if found is None:
        raise NotFound(_("No such product."), "not_found")
    q = cost.quote(found, amount_fen, months, annual_rate=annual_rate)
    return LoanQuoteOut(
        product_id=found.pk, amount_fen=q.amount_fen, months=q.months, annual_rate=str(q.annual_rate), service_fee_rate=str(q.service_fee_rate),
        first_payment_fen=q.first_payment_fen, principal_fen=q.principal_fen, interest_fen=q.interest_fen, fee_fen=q.fee_fen, total_fen=q.total_fen,
        all_in_apr=str(q.all_in_apr), ceiling=str(q.ceiling), above_ceiling=q.above_ceiling,
        schedule=[QuoteRowOut(number=i.number, due_date=i.due_date.isoformat(), principal_fen=i.principal_fen, interest_fen=i.interest_fen,
                              fee_fen=i.fee_fen, total_fen=i.total_fen) for i in q.rows],
    )
