"""Reads for the console. The user 360° view: everything customer service needs to
answer a user, in one place — money, lending, crowdfunding, messages, risk hits,
tickets — with personal data masked (the page shows it unmasked only on request,
audited)."""
from django.db.models import Sum

from peerfund.backoffice.models import Ticket
from peerfund.crowdfunding.models import Pledge, Project
from peerfund.funds.selectors import asset_overview
from peerfund.lending.models import Investment, Loan
from peerfund.notify.models import Message
from peerfund.risk.models import Evaluation


def user_360(user) -> dict:
    return {
        "overview": asset_overview(user),
        "investments": Investment.objects.filter(investor=user).select_related("loan").order_by("-id")[:20],
        "loans": Loan.objects.filter(borrower=user).order_by("-id")[:20],
        "pledges": Pledge.objects.filter(backer=user).select_related("project", "tier").order_by("-id")[:20],
        "projects": Project.objects.filter(owner=user).order_by("-id")[:20],
        "pledged_fen": Pledge.objects.filter(backer=user, status__in=Pledge.HOLDING).aggregate(t=Sum("amount_fen"))["t"] or 0,
        "user_messages": Message.objects.filter(user=user).order_by("-id")[:20],
        "risk_hits": Evaluation.objects.filter(user=user).exclude(hits=[]).order_by("-id")[:20],
        "tickets": Ticket.objects.filter(user=user)[:20],
    }
