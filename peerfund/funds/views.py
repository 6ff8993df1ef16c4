"""Funds pages: deposit (to the payment page), withdraw, history with CSV export."""
import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerfund.accounts.selectors import cards_of
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.core.money import format_fen
from peerfund.funds.forms import DepositForm, HistoryFilterForm, WithdrawForm
from peerfund.funds.models import DepositOrder, Withdrawal
from peerfund.funds.payment import payment_link
from peerfund.funds.selectors import asset_overview, deposit_order_get_for_user, history, history_csv_rows
from peerfund.funds.services.deposits import deposit_order_cancel, deposit_order_create
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.risk.signals import Origin


@login_required
def deposit(request):
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = deposit_order_create(
                user=request.user, amount_fen=form.cleaned_data["amount"], key=form.cleaned_data["key"], origin=Origin.of(request)
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect(payment_link(order))
    orders = DepositOrder.objects.filter(user=request.user)[:10]
    return render(request, "funds/deposit.html", {"form": form, "orders": orders})


@login_required
def deposit_result(request, order_no: str):
    order = deposit_order_get_for_user(request.user, order_no)
    if request.method == "POST":
        try:
            deposit_order_cancel(user=request.user, order=order)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("funds:deposit_result", order_no=order.order_no)
    return render(request, "funds/deposit_result.html", {"order": order, "pay_url": payment_link(order)})


class _Echo:
    def write(self, value):
        return value


@login_required
def withdraw(request):
    cards = list(cards_of(request.user))
    form = WithdrawForm(request.POST or None, cards=cards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            withdrawal = withdrawal_request(
                user=request.user, amount_fen=data["amount"], card_id=data["card"], trade_password=data["trade_password"], key=data["key"],
                origin=Origin.of(request),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if withdrawal.status == Withdrawal.Status.REVIEWING:
                messages.info(request, _("Withdrawal of %(amount)s is waiting for a review.") % {"amount": format_fen(withdrawal.amount_fen)})
            else:
                messages.success(request, _("Withdrawal of %(amount)s sent to the bank.") % {"amount": format_fen(withdrawal.amount_fen)})
            return redirect("funds:withdraw")
    context = {
        "form": form,
        "cards": cards,
        "overview": asset_overview(request.user),
        "withdrawals": Withdrawal.objects.filter(user=request.user).select_related("card")[:20],
    }
    return render(request, "funds/withdraw.html", context)


@login_required
def history_page(request):
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    postings = history(request.user, date_from=filters.get("date_from"), date_to=filters.get("date_to"), kind=filters.get("kind") or "")
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse((writer.writerow(row) for row in history_csv_rows(postings)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="peerfund-history.csv"'
        return response
    return render(request, "funds/history.html", {"form": form, "postings": postings[:200], "query": request.GET.urlencode()})
