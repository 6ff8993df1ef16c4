"""Investment hall, loan detail with the bid form, my bids, investments and loans
(with repaying and prepaying), and the claims market (债权转让)."""
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from peerfund.contracts.selectors import contract_get_for_party
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.core.masking import mask_name
from peerfund.core.money import format_fen
from peerfund.lending.forms import (
    ApplicationForm,
    AutoInvestForm,
    BidForm,
    BuyClaimForm,
    HallFilterForm,
    PrepayForm,
    RepayForm,
    SellClaimForm,
)
from peerfund.lending.models import AutoInvestLog, AutoInvestRule, Investment, Loan, LoanApplication
from peerfund.lending.returns import FLOW_PREFETCH, investment_returns
from peerfund.lending.selectors import HallFilters, bids_of, bids_public, due_now, hall_page, loan_get_public, loan_schedule
from peerfund.lending.services.auto_invest import auto_invest_rule_save
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.origination import age_on_id, application_submit
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.lending.services.transfer import claim_buy, claim_list, claims_on_sale
from peerfund.risk.signals import Origin


def _filters(form: HallFilterForm) -> HallFilters:
    if not form.is_valid():
        return HallFilters()
    data = form.cleaned_data
    percent = Decimal(100)
    return HallFilters(
        rate_min=data["rate_min"] / percent if data.get("rate_min") is not None else None,
        rate_max=data["rate_max"] / percent if data.get("rate_max") is not None else None,
        months_max=data.get("months_max"),
        grades=tuple(data.get("grades") or ()),
        method=data.get("method") or "",
        left_min_fen=data.get("left_min"),
        sort=data.get("sort") or "newest",
    )


def hall(request):
    form = HallFilterForm(request.GET or None)
    page = hall_page(_filters(form), request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "lending/hall.html", {"form": form, "page": page, "query": query.urlencode()})


def loan_detail(request, loan_id: int):
    loan = loan_get_public(loan_id)
    form = BidForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        if form.is_valid():
            try:
                bid = bid_place(
                    investor=request.user, loan_id=loan.pk, amount_fen=form.cleaned_data["amount"],
                    trade_password=form.cleaned_data["trade_password"], key=form.cleaned_data["key"], origin=Origin.of(request),
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Bid of %(amount)s placed; the money is frozen until the loan is full.") % {"amount": format_fen(bid.amount_fen)})
                return redirect("lending:loan", loan_id=loan.pk)
    context = {
        "loan": loan,
        "form": form,
        "schedule": loan_schedule(loan),
        "bids": bids_public(loan),
        "borrower": mask_name(loan.borrower.display_name or loan.borrower.username),
    }
    return render(request, "lending/loan.html", context)


@login_required
def my_bids(request):
    return render(request, "lending/my_bids.html", {"bids": bids_of(request.user)[:100]})


@login_required
def auto_invest(request):
    rule = AutoInvestRule.objects.filter(investor=request.user).first()
    initial = {}
    if rule is not None:
        initial = {
            "enabled": rule.enabled, "rate_min": rule.rate_min * 100, "rate_max": rule.rate_max * 100, "months_min": rule.months_min,
            "months_max": rule.months_max, "grades": rule.grades, "amount_per_loan": format_fen(rule.amount_per_loan_fen, symbol=False),
            "keep_balance": format_fen(rule.keep_balance_fen, symbol=False),
        }
    form = AutoInvestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            auto_invest_rule_save(
                investor=request.user, enabled=data["enabled"], rate_min=data["rate_min"] / 100, rate_max=data["rate_max"] / 100,
                months_min=data["months_min"], months_max=data["months_max"], grades=data["grades"],
                amount_per_loan_fen=data["amount_per_loan"], keep_balance_fen=data.get("keep_balance") or 0,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Auto-invest rule saved."))
            return redirect("lending:auto_invest")
    log = AutoInvestLog.objects.filter(rule=rule).select_related("loan")[:50] if rule else []
    return render(request, "lending/auto_invest.html", {"form": form, "rule": rule, "log": log})


@login_required
def apply(request):
    form = ApplicationForm(request.POST or None, request.FILES or None, quote_url=reverse("lending:quote"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = application_submit(
                borrower=request.user, product=data["product"], amount_fen=data["amount"], months=data["months"],
                attributes=form.attributes(), documents=form.documents(), origin=Origin.of(request),
            )
        except ApplicationError as error:
            field = (error.extra or {}).get("field")
            if field and field not in form.fields and form.field_name(field) in form.fields:
                error.extra["field"] = form.field_name(field)
            add_application_error(form, error)
        else:
            if application.status == application.Status.PRESCREEN_REJECTED:
                messages.error(request, _("We cannot offer you this loan: %(reason)s") % {"reason": application.reason})
            else:
                messages.success(request, _("Application received: our team reviews it within two working days."))
            return redirect("lending:my_applications")
    return render(request, "lending/apply.html", {"form": form, "age": age_on_id(request.user)})


@login_required
def my_applications(request):
    applications = LoanApplication.objects.filter(borrower=request.user).select_related("product", "loan", "decision")[:50]
    return render(request, "lending/my_applications.html", {"applications": applications})


def _my_investments_page(request, bound=None, status=200):
    investments = Investment.objects.filter(investor=request.user).select_related("loan", "contract", "purchase__contract").prefetch_related(*FLOW_PREFETCH)[:100]
    rows = [
        {"investment": inv, "listing": next((listing for listing in inv.listings.all() if listing.status == "listed"), None),
         "returns": investment_returns(inv),
         "sell": bound[1] if bound and bound[0] == inv.pk else SellClaimForm(prefix=f"sell{inv.pk}")}
        for inv in investments
    ]
    return render(request, "lending/my_investments.html", {"rows": rows}, status=status)


@login_required
def my_investments(request):
    return _my_investments_page(request)


@login_required
def sell_claim(request, investment_id: int):
    """Put a claim up for sale from My investments (POST only)."""
    if request.method != "POST" or not Investment.objects.filter(pk=investment_id, investor=request.user).exists():
        raise Http404
    form = SellClaimForm(request.POST, prefix=f"sell{investment_id}")
    if form.is_valid():
        try:
            claim_list(seller=request.user, investment_id=investment_id, principal_fen=form.cleaned_data["principal"],
                       discount_rate=form.cleaned_data["discount"] / Decimal(100))
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Your claim is for sale in the claims market."))
            return redirect("lending:my_investments")
    return _my_investments_page(request, bound=(investment_id, form), status=400)


def claims_market(request, bound=None, status=200):
    """Claims for sale (债权转让), with a buy form on each."""
    rows = []
    for listing, price_per_100 in claims_on_sale(limit=100):
        form = bound[1] if bound and bound[0] == listing.pk else BuyClaimForm(prefix=f"buy{listing.pk}")
        rows.append({"listing": listing, "loan": listing.investment.loan, "price_per_100": price_per_100, "form": form})
    return render(request, "lending/claims.html", {"rows": rows}, status=status)


def buy_claim(request, listing_id: int):
    if request.method != "POST":
        raise Http404
    if not request.user.is_authenticated:
        return redirect("/accounts/login/?next=/loans/claims/")
    form = BuyClaimForm(request.POST, prefix=f"buy{listing_id}")
    if form.is_valid():
        try:
            purchase = claim_buy(buyer=request.user, listing_id=listing_id, principal_fen=form.cleaned_data["principal"],
                                 trade_password=form.cleaned_data["trade_password"], key=form.cleaned_data["key"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("You bought %(principal)s of the claim for %(price)s.") % {"principal": format_fen(purchase.principal_fen), "price": format_fen(purchase.price_fen)})
            return redirect("lending:my_investments")
    return claims_market(request, bound=(listing_id, form), status=400)


def _my_loans_page(request, bound=None, status=200):
    """My loans with a repay and a prepay form on each repaying loan; `bound` is the
    (loan id, form) that was just posted with errors."""
    rows = []
    for loan in Loan.objects.filter(borrower=request.user).select_related("product").prefetch_related("instalments", "investments__contract")[:50]:
        forms_ = {"repay": RepayForm(prefix=f"repay{loan.pk}"), "prepay": PrepayForm(prefix=f"prepay{loan.pk}")}
        if bound and bound[0] == loan.pk:
            forms_[bound[1]] = bound[2]
        rows.append({"loan": loan, "due_now": due_now(loan), **forms_})
    return render(request, "lending/my_loans.html", {"rows": rows}, status=status)


@login_required
def my_loans(request):
    return _my_loans_page(request)


@login_required
def repay(request, loan_id: int, kind: str):
    """The repay or prepay form of one loan on My loans (POST only)."""
    loan = Loan.objects.filter(pk=loan_id, borrower=request.user).first()
    if loan is None or request.method != "POST":
        raise Http404
    form = (RepayForm if kind == "repay" else PrepayForm)(request.POST, prefix=f"{kind}{loan.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "repay":
                repayment = loan_repay(borrower=request.user, loan_id=loan.pk, amount_fen=data["amount"], trade_password=data["trade_password"], key=data["key"])
            else:
                repayment = loan_prepay(borrower=request.user, loan_id=loan.pk, principal_fen=data["principal"], mode=data["mode"],
                                        trade_password=data["trade_password"], key=data["key"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(amount)s repaid and passed on to your investors.") % {"amount": format_fen(repayment.amount_fen)})
            return redirect("lending:my_loans")
    return _my_loans_page(request, bound=(loan.pk, kind, form), status=400)


def quote(request):
    """The live quote on the application form (htmx partial, GET product, amount in
    yuan, months): instalments with the fee as its own column and the all-in annual
    cost, at the product's highest rate. Input that cannot be quoted yet renders a
    hint (200, so htmx swaps it in) rather than an error page."""
    from peerfund.core.money import parse_yuan
    from peerfund.lending import cost
    from peerfund.lending.models import LoanProduct

    context = {"quote": None, "hint": _("Enter an amount and a term to see what the loan costs.")}
    product_id, amount, months = request.GET.get("product", ""), request.GET.get("amount", ""), request.GET.get("months", "")
    product = LoanProduct.objects.filter(pk=int(product_id), enabled=True).first() if product_id.isdigit() and len(product_id) < 19 else None
    if product is not None and amount.strip() and months.isdigit() and len(months) < 4:
        try:
            context["quote"] = cost.quote(product, parse_yuan(amount), int(months))
        except ApplicationError as error:  # an amount or term the product does not offer
            context["hint"] = error.message
        context["product"] = product
    return render(request, "lending/_quote.html", context)


@login_required
def contract_pdf(request, contract_id: int):
    """A contract for its parties — the lender and the borrower of a loan contract, the
    seller and the buyer of a claim transfer — or loan staff; anyone else gets a 404."""
    contract = contract_get_for_party(request.user, contract_id, staff=request.user.has_perm("backoffice.review_loans"))
    return FileResponse(contract.pdf.open("rb"), content_type="application/pdf", filename=f"contract-{contract.pk}.pdf")
