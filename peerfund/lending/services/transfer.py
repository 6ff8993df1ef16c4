"""Debt transfer (债权转让): an investor sells all or part of a performing claim, and
the future receivables move to the buyer.

- A claim may be listed once it has been held for the product's `holding_days`, while
  no instalment of the loan is overdue; the listing expires after `transfer_days`, and
  is withdrawn as soon as the loan goes overdue (daily close steps).
- Price of principal X = X × (1 − discount) + the interest X has run up in the current
  period (pro rata by days, which the buyer will receive on the due date). The seller
  pays the product's `transfer_fee_rate` of X.
- Buyers take X in the product's bid steps. In one transaction: a `claim_transfer`
  entry (buyer → seller, fee → platform) mirrored at the custodian, the seller's open
  receivables split so that the buyer's principal is exactly X, a new investment for
  the buyer; after it, a transfer contract signed by both joins the evidence chain.
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.services.risk import user_risk_level
from peerfund.accounts.services.security import user_assert_can_move_money
from peerfund.contracts.documents import transfer_contract_issue
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict, NotFound
from peerfund.core.money import format_fen, round_half_up
from peerfund.core.transitions import transition
from peerfund.custody.services import custody_move
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.legal.services import Action, consent_require
from peerfund.lending.models import RISK_LEVELS, ClaimListing, ClaimPurchase, Investment, Loan, Receivable, RepaymentInstalment
from peerfund.lending.schedules import Instalment, split_among_investors
from peerfund.lending.services.repayment import period_starts
from peerfund.notify.services import notify

MAX_DISCOUNT = Decimal("0.2000")


class TransferRefused(AccountError):
    pass


def _refuse(message: str, code: str, field: str = "principal", **extra) -> TransferRefused:
    return TransferRefused(message, code, {"field": field, **extra})


def _open_receivables(investments: list[Investment]) -> dict[int, list[Receivable]]:
    """Each investment's receivables still expected, in instalment order: one query."""
    found: dict[int, list[Receivable]] = defaultdict(list)
    for receivable in Receivable.objects.filter(investment__in=investments, status=Receivable.Status.DUE).order_by("number"):
        found[receivable.investment_id].append(receivable)
    return found


def claim_values(investments: list[Investment], on: dt.date) -> dict[int, tuple[int, int]]:
    """(outstanding principal, interest run up in the current period) of each claim,
    by investment id, in three queries whatever their number."""
    receivables = _open_receivables(investments)
    starts = period_starts({(investment.loan_id, receivables[investment.pk][0].number) for investment in investments if receivables[investment.pk]})
    values = {}
    for investment in investments:
        open_ones = receivables.get(investment.pk)
        if not open_ones:
            values[investment.pk] = (0, 0)
            continue
        current = open_ones[0]
        start = starts[(investment.loan_id, current.number)]
        period, elapsed = (current.due_date - start).days, max(0, (on - start).days)
        accrued = round_half_up(Decimal(current.interest_fen - current.interest_received_fen) * min(elapsed, period) / period) if period > 0 else 0
        values[investment.pk] = (sum(r.principal_fen - r.principal_received_fen for r in open_ones), accrued)
    return values


def claim_value(investment: Investment, on: dt.date) -> tuple[int, int]:
    """(outstanding principal, interest run up in the current period) of a claim."""
    return claim_values([investment], on)[investment.pk]


def claim_price(listing: ClaimListing, principal_fen: int, on: dt.date, value: tuple[int, int] | None = None) -> tuple[int, int]:
    """(price the buyer pays, fee the seller pays) for `principal_fen` of a listing
    (`value`: its claim's, when already read)."""
    outstanding, accrued = value or claim_value(listing.investment, on)
    accrued_part = round_half_up(Decimal(accrued) * principal_fen / outstanding) if outstanding else 0
    price = round_half_up(Decimal(principal_fen) * (1 - listing.discount_rate)) + accrued_part
    fee = round_half_up(Decimal(principal_fen) * listing.investment.loan.product.transfer_fee_rate)
    return price, fee


def claims_on_sale(*, limit: int) -> list[tuple[ClaimListing, int]]:
    """The newest listings for sale, each with what ¥100 of it (or the rest, if less)
    costs today — what the claims market shows."""
    today = clock.business_date()
    listings = list(ClaimListing.objects.filter(status=ClaimListing.Status.LISTED).select_related("investment__loan__product").order_by("-id")[:limit])
    values = claim_values([listing.investment for listing in listings], today)
    return [
        (listing, claim_price(listing, min(10_000, listing.left_fen), today, values[listing.investment_id])[0] if listing.left_fen else 0)
        for listing in listings
    ]


def _loan_overdue(loan: Loan) -> bool:
    return loan.instalments.filter(status=RepaymentInstalment.Status.OVERDUE).exists()


def claim_list(*, seller, investment_id: int, principal_fen: int | None, discount_rate: Decimal) -> ClaimListing:
    """Put all or part of a claim up for sale."""
    investment = Investment.objects.select_related("loan__product").filter(pk=investment_id, investor=seller).first()
    if investment is None:
        raise NotFound(_("No such investment."), "not_found")
    loan, product, today = investment.loan, investment.loan.product, clock.business_date()
    if loan.status != Loan.Status.DISBURSED or _loan_overdue(loan):
        raise _refuse(_("Only a claim on a loan repaying on time can be sold."), "transfer.not_performing")
    held_since = investment.acquired_on
    if today < held_since + dt.timedelta(days=product.holding_days):
        raise _refuse(
            _("A claim can be sold after holding it %(days)s days (from %(date)s).") % {"days": product.holding_days, "date": held_since + dt.timedelta(days=product.holding_days)},
            "transfer.holding", holding_days=product.holding_days,
        )
    outstanding, _accrued = claim_value(investment, today)
    principal = outstanding if principal_fen is None else principal_fen
    if not isinstance(principal, int) or principal < product.min_bid_fen or principal > outstanding or (principal - product.min_bid_fen) % product.bid_step_fen and principal != outstanding:
        raise _refuse(
            _("Offer between %(min)s and the %(outstanding)s outstanding, in steps of %(step)s.")
            % {"min": format_fen(product.min_bid_fen), "outstanding": format_fen(outstanding), "step": format_fen(product.bid_step_fen)},
            "transfer.amount", outstanding_fen=outstanding,
        )
    if not Decimal(0) <= discount_rate <= MAX_DISCOUNT:
        raise _refuse(_("The discount is between 0 %% and 20 %%."), "transfer.discount", field="discount")
    if ClaimListing.objects.filter(investment=investment, status=ClaimListing.Status.LISTED).exists():
        raise Conflict(_("This claim is already for sale."), "transfer.listed")
    listing = ClaimListing.objects.create(
        investment=investment, seller=seller, principal_fen=principal, left_fen=principal, discount_rate=discount_rate,
        listed_on=today, expires_on=today + dt.timedelta(days=product.transfer_days),
    )
    audit_record(actor=seller, action="claim.list", obj=listing, data={"principal_fen": principal, "discount": str(discount_rate)})
    return listing


def claim_withdraw(*, listing: ClaimListing, reason: str, actor=None) -> None:
    with transaction.atomic():
        listing = ClaimListing.objects.select_for_update(of=("self",)).get(pk=listing.pk)
        if listing.status == ClaimListing.Status.LISTED:
            listing.reason = reason
            transition(listing, ClaimListing.Status.WITHDRAWN, actor=actor, reason=reason, fields=("reason",))


def _split_receivables(seller_investment: Investment, buyer_investment: Investment, principal_fen: int) -> None:
    """Move `principal_fen` of the seller's open receivables (and their interest, in
    proportion) to the buyer: the buyer's principal adds up to it exactly."""
    receivables = _open_receivables([seller_investment])[seller_investment.pk]
    remaining = [Instalment(r.number, r.due_date, r.principal_fen - r.principal_received_fen, r.interest_fen - r.interest_received_fen) for r in receivables]
    outstanding = sum(i.principal_fen for i in remaining)
    kept, sold = split_among_investors(remaining, [outstanding - principal_fen, principal_fen]) if outstanding > principal_fen else ([None] * len(remaining), remaining)
    for receivable, keep in zip(receivables, kept, strict=True):
        receivable.principal_fen = receivable.principal_received_fen + (keep.principal_fen if keep else 0)
        receivable.interest_fen = receivable.interest_received_fen + (keep.interest_fen if keep else 0)
        if keep is None:
            receivable.status = Receivable.Status.RECEIVED if receivable.principal_received_fen or receivable.interest_received_fen else Receivable.Status.TRANSFERRED
    Receivable.objects.bulk_update(receivables, ["principal_fen", "interest_fen", "status"])
    Receivable.objects.bulk_create(
        Receivable(investment=buyer_investment, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen)
        for i in sold
    )


def _purchase_replayed(buyer, key: str, listing_id: int, principal_fen: int) -> ClaimPurchase | None:
    """The purchase already made with this key (a retry), if any; a key reused for
    another purchase is a conflict."""
    existing = ClaimPurchase.objects.filter(buyer=buyer, key=key).first()
    if existing is not None and (existing.listing_id != listing_id or existing.principal_fen != principal_fen):
        raise Conflict(_("This purchase key was already used for another purchase."), "transfer.key_conflict")
    return existing


def claim_buy(*, buyer, listing_id: int, principal_fen: int, trade_password: str, key: str) -> ClaimPurchase:
    """Buy `principal_fen` of a listed claim. Idempotent on (buyer, key). The buyer must
    have accepted the risk disclosure and lending service agreement in force."""
    existing = _purchase_replayed(buyer, key, listing_id, principal_fen)
    if existing is not None:
        return existing
    consent_require(user=buyer, action=Action.CLAIM_PURCHASE)
    loan_id = ClaimListing.objects.filter(pk=listing_id).values_list("investment__loan_id", flat=True).first()
    if loan_id is None:
        raise NotFound(_("No such claim."), "not_found")
    user_assert_can_move_money(user=buyer, trade_password=trade_password)
    today = clock.business_date()
    with transaction.atomic():
        # The loan, then its listing; the receivables split below are the loan's
        # children, which every writer of them reaches through the loan's lock; the
        # ledger accounts last (docs/money-core.md, "Lock order"). Named with of= so
        # the product and the seller's user row, shared with other loans and actions,
        # are not locked too.
        loan = Loan.objects.select_for_update(of=("self",)).select_related("product").get(pk=loan_id)
        listing = ClaimListing.objects.select_for_update(of=("self",)).select_related("investment", "seller").get(pk=listing_id)
        # Looked up again under the locks: a double submission waits for the first
        # and returns its purchase.
        existing = _purchase_replayed(buyer, key, listing_id, principal_fen)
        if existing is not None:
            return existing
        investment, product = listing.investment, loan.product
        investment.loan = loan
        if listing.status != ClaimListing.Status.LISTED or listing.expires_on < today:
            raise _refuse(_("This claim is no longer for sale."), "transfer.closed")
        if listing.seller_id == buyer.pk:
            raise _refuse(_("You cannot buy your own claim."), "transfer.own")
        if loan.borrower_id == buyer.pk:
            raise _refuse(_("You cannot lend to your own loan."), "transfer.own_loan")
        if _loan_overdue(loan):
            raise _refuse(_("This claim is no longer for sale."), "transfer.closed")
        if not isinstance(principal_fen, int) or principal_fen < min(product.min_bid_fen, listing.left_fen) or (
            principal_fen != listing.left_fen and (principal_fen - product.min_bid_fen) % product.bid_step_fen
        ):
            raise _refuse(
                _("Buy at least %(min)s, in steps of %(step)s.") % {"min": format_fen(product.min_bid_fen), "step": format_fen(product.bid_step_fen)},
                "transfer.amount",
            )
        if principal_fen > listing.left_fen:
            raise _refuse(_("Only %(left)s of this claim is left.") % {"left": format_fen(listing.left_fen)}, "transfer.above_left", left_fen=listing.left_fen)
        level = user_risk_level(buyer)
        if level is None or RISK_LEVELS.index(level) < RISK_LEVELS.index(product.required_risk_level):
            raise _refuse(_("This loan needs risk level %(level)s or above; take the risk assessment first.") % {"level": product.required_risk_level}, "transfer.risk_level")
        price, fee = claim_price(listing, principal_fen, today)
        buyer_account = ledger.user_accounts(buyer)[AccountKind.USER_AVAILABLE]
        if price > buyer_account.balance_fen:
            raise _refuse(_("Your available balance is %(balance)s.") % {"balance": format_fen(buyer_account.balance_fen)}, "transfer.insufficient", available_fen=buyer_account.balance_fen)
        bought = Investment.objects.create(loan=loan, investor=buyer, bought_from=investment, principal_fen=principal_fen, acquired_on=today)
        _split_receivables(investment, bought, principal_fen)
        purchase = ClaimPurchase.objects.create(listing=listing, buyer=buyer, key=key, principal_fen=principal_fen, price_fen=price, fee_fen=fee,
                                                investment=bought, business_date=today)
        legs = [(buyer_account, -price), (ledger.user_accounts(listing.seller)[AccountKind.USER_AVAILABLE], price - fee)]
        if fee:
            legs.append((ledger.platform_account(AccountKind.PLATFORM_FEE), fee))
        custody_move(kind=EntryKind.CLAIM_TRANSFER, legs=legs, key=f"claim:{purchase.pk}", ref=f"loan:{loan.pk}", memo=f"claim {listing.pk} sold")
        listing.left_fen -= principal_fen
        listing.save(update_fields=["left_fen"])
        if listing.left_fen == 0:
            transition(listing, ClaimListing.Status.SOLD, actor=buyer)
        notify(user=listing.seller, event="claim.sold", context={"principal": format_fen(principal_fen), "loan": loan.title, "price": format_fen(price), "fee": format_fen(fee)})
        notify(user=buyer, event="claim.bought", context={"principal": format_fen(principal_fen), "loan": loan.title, "price": format_fen(price)})
    _transfer_contract(purchase)
    return purchase


def _transfer_contract(purchase: ClaimPurchase) -> None:
    """The claim transfer agreement with its clauses (contracts.documents), signed and chained."""
    ClaimPurchase.objects.filter(pk=purchase.pk).update(contract=transfer_contract_issue(purchase=purchase))


def claims_expire(*, on: dt.date) -> int:
    """Listings whose last day has passed expire (a daily close step)."""
    expired = 0
    for listing in ClaimListing.objects.filter(status=ClaimListing.Status.LISTED, expires_on__lte=on):
        with transaction.atomic():
            transition(listing, ClaimListing.Status.EXPIRED, reason="listing period over")
        expired += 1
    return expired


def claims_withdraw_overdue(*, loan_ids: list[int]) -> int:
    """Claims on loans that went overdue come off the market (a daily close step)."""
    withdrawn = 0
    listed = ClaimListing.objects.filter(status=ClaimListing.Status.LISTED, investment__loan_id__in=loan_ids).select_related("investment__loan", "seller")
    for listing in listed:
        if _loan_overdue(listing.investment.loan):
            claim_withdraw(listing=listing, reason="the loan is overdue")
            notify(user=listing.seller, event="claim.withdrawn", context={"loan": listing.investment.loan.title})
            withdrawn += 1
    return withdrawn
