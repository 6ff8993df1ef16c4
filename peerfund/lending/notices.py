"""Notices of a loan's outcome to its borrower and every bidder: full (满标), failed
(流标: not filled by the deadline, or refused at full review) and disbursed (放款).
One query for the bidders with what each bid in all, one insert of messages
(`notify_many`), so a loan with hundreds of bidders costs the same few statements.
Called inside the transaction that changes the loan: the messages commit with it,
and SMS / e-mail copies go after the commit."""
from django.db.models import Q, Sum

from peerfund.accounts.models import User
from peerfund.core.money import format_fen
from peerfund.lending.models import Bid, Loan
from peerfund.notify.services import notify, notify_many


def _bidders(loan: Loan, *, statuses: tuple[str, ...]) -> list[User]:
    """Every investor with a bid on the loan in these statuses, with `bid_fen`, the sum of them."""
    wanted = Q(bids__loan=loan, bids__status__in=statuses)
    return list(User.objects.filter(wanted).annotate(bid_fen=Sum("bids__amount_fen", filter=wanted)).order_by("pk"))


def _tell(loan: Loan, borrower_event: str, investor_event: str, bidders: list[User]) -> None:
    url = f"/loans/{loan.pk}/"
    notify(user=loan.borrower, event=borrower_event, context={"loan": loan.title, "amount": format_fen(loan.amount_fen)}, url=url)
    if bidders:
        notify_many(notices=[(u, {"loan": loan.title, "amount": format_fen(u.bid_fen)}) for u in bidders], event=investor_event, url=url)


def loan_full_notify(loan: Loan) -> None:
    """满标: the borrower, and each bidder with the amount they have frozen in it."""
    _tell(loan, "loan.full_borrower", "loan.full_investor", _bidders(loan, statuses=(Bid.Status.FROZEN,)))


def loan_failed_notify(loan: Loan) -> None:
    """流标: the borrower, and each bidder with the amount just unfrozen. A loan that
    had filled (nothing left) failed at full review; otherwise it did not fill."""
    refused = loan.left_fen == 0
    _tell(loan, "loan.refused_borrower" if refused else "loan.failed_borrower", "loan.refused_investor" if refused else "loan.failed_investor",
          _bidders(loan, statuses=(Bid.Status.RELEASED,)))


def loan_disbursed_notify(loan: Loan) -> None:
    """放款: the borrower (the whole principal, no fee taken; the service fee of the
    instalments named) and each bidder with the amount lent. Call after the bids are
    marked disbursed and the instalments created."""
    fee = loan.instalments.aggregate(total=Sum("fee_fen"))["total"] or 0
    notify(user=loan.borrower, event="loan.disbursed_borrower", context={"amount": format_fen(loan.amount_fen), "fee": format_fen(fee), "loan": loan.title},
           url="/loans/my-loans/")
    bidders = _bidders(loan, statuses=(Bid.Status.DISBURSED,))
    if bidders:
        notify_many(notices=[(u, {"loan": loan.title, "amount": format_fen(u.bid_fen)}) for u in bidders], event="loan.disbursed_investor",
                    url="/loans/my-investments/")
