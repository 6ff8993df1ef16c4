"""Site pages: home, my account, health check and the styled error pages."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerfund.core.errors import ApplicationError
from peerfund.core.money import format_fen
from peerfund.custody.models import CustodyAccount
from peerfund.custody.selectors import deposits_of_user
from peerfund.custody.services import custody_deposit
from peerfund.ledger.selectors import user_balances, user_postings
from peerfund.web.forms import DepositForm


def home(request):
    return render(request, "web/home.html")


@login_required
def account(request):
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            custody_deposit(user=request.user, amount_fen=form.cleaned_data["amount"], key=form.cleaned_data["key"])
        except ApplicationError as exc:
            form.add_error("amount", exc.message)
        else:
            messages.success(
                request,
                _("Deposit of %(amount)s sent to the custodian bank.") % {"amount": format_fen(form.cleaned_data["amount"])},
            )
            return redirect("web:account")
    context = {
        "balances": user_balances(request.user),
        "postings": user_postings(request.user)[:20],
        "deposits": deposits_of_user(request.user)[:10],
        "custody_account": CustodyAccount.objects.filter(owner=request.user).first(),
        "form": form,
    }
    return render(request, "web/account.html", context)


@require_GET
@never_cache
def healthz(request):
    """Database and task queue reachable: 200, else 503 with what failed."""
    from huey.contrib.djhuey import HUEY

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["queue"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
