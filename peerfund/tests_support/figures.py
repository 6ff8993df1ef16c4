"""The disclosed figures computed independently of disclosure/services/statistics.py,
straight from the tables, for tests to compare the pages against."""
from django.db.models import F, Q, Sum

from peerfund.accounts.models import User
from peerfund.crowdfunding.models import Project
from peerfund.lending.models import Investment, Loan, RepaymentInstalment


def independent_figures() -> dict[str, int]:
    # Written-off debt stays owed (and 90+ overdue) until it is recovered.
    open_rows = RepaymentInstalment.objects.filter(
        Q(loan__status="disbursed", status__in=("due", "overdue")) | Q(loan__status="written_off", status="written_off")
    )
    unpaid = Sum(F("principal_fen") - F("principal_paid_fen"))
    late_loans = set(open_rows.filter(status="overdue").values_list("loan_id", flat=True))
    late_loans |= set(Loan.objects.filter(status="written_off").values_list("pk", flat=True))
    lent = Loan.objects.filter(status__in=("disbursed", "settled", "written_off"))
    return {
        "outstanding_fen": open_rows.aggregate(t=unpaid)["t"] or 0,
        "overdue_fen": open_rows.filter(loan_id__in=late_loans).aggregate(t=unpaid)["t"] or 0,
        "lent_total_fen": lent.aggregate(t=Sum("amount_fen"))["t"] or 0,
        "loans_in_progress": Loan.objects.filter(status="disbursed").count(),
        "users": User.objects.filter(is_staff=False).count(),
        "borrowers_total": lent.values("borrower").distinct().count(),
        "lenders_total": Investment.objects.values("investor").distinct().count(),
        "cf_raised_fen": Project.objects.filter(status__in=("successful", "completed", "defaulted")).aggregate(t=Sum("raised_fen"))["t"] or 0,
    }
