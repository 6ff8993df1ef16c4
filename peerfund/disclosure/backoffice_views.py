"""Back office for post-loan information (贷后信息): the lent loans with their latest
check, and one loan's records with the form to add one."""
from django.contrib import messages
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import add_application_error
from peerfund.disclosure.forms import PostLoanForm
from peerfund.disclosure.models import PostLoanRecord
from peerfund.disclosure.services.post_loan import LENT, post_loan_record
from peerfund.lending.models import Loan


@staff_permission_required("review_loans")
def post_loan_loans(request):
    status = request.GET.get("status", "")
    loans = Loan.objects.filter(status__in=[status] if status in LENT else LENT).select_related("borrower")
    loans = loans.annotate(last_checked=Max("post_loan_records__checked_on")).order_by("last_checked", "-id")[:200]
    return render(request, "disclosure/backoffice/post_loan_loans.html", {"loans": loans, "status": status, "statuses": LENT})


@staff_permission_required("review_loans")
def post_loan_loan(request, loan_id: int):
    loan = get_object_or_404(Loan, pk=loan_id)
    form = PostLoanForm(request.POST or None, initial={"checked_on": clock.business_date(), "ability": PostLoanRecord.Ability.UNCHANGED})
    if request.method == "POST" and form.is_valid():
        try:
            post_loan_record(staff=request.user, loan=loan, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Post-loan information recorded; the loan's investors were told."))
            return redirect("backoffice:post_loan_loan", loan_id=loan.pk)
    records = PostLoanRecord.objects.filter(loan=loan).select_related("staff").order_by("-checked_on", "-id")
    return render(request, "disclosure/backoffice/post_loan_loan.html", {"loan": loan, "form": form, "records": records},
                  status=400 if form.errors else 200)
