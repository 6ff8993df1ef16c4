"""The staff page of the daily close: each recent business date's steps, their
chunks and errors, the close running now (and who runs it), and the nightly ledger
checks."""
from django.shortcuts import render

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.cob.lock import close_holder
from peerfund.cob.selectors import close_days
from peerfund.ledger.selectors import check_runs


@staff_permission_required("view_reconciliation")
def close_overview(request):
    return render(request, "cob/close.html", {"days": close_days(), "checks": check_runs(), "holder": close_holder()})
