"""The borrower's history on this platform, as the pre-screen weighs it (docs/risk.md,
"History on this platform"). Lending counts it from its books and hands it to
`credit_assess`; risk knows nothing of loans, only these figures.

- a loan written off and not fully recovered declines the application
  (`history.written_off`): the borrower still owes our investors;
- an instalment overdue past its grace days now declines it (`history.overdue`);
- each loan settled here with every instalment paid by its due date adds
  `PEERFUND_HISTORY_POINTS_PER_LOAN` points (default 8) to the score, for at most
  `PEERFUND_HISTORY_LOANS_COUNTED` loans (default 3): 24 points at most, a little more
  than the 20 points that double the odds of repaying.
"""
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from peerfund.core.money import format_fen


@dataclass(frozen=True)
class PlatformHistory:
    written_off_loans: int = 0  # written off and still owing
    written_off_owed_fen: int = 0  # what they still owe (principal, interest, penalty)
    overdue_loans: int = 0  # with an instalment overdue past its grace days now
    overdue_owed_fen: int = 0
    settled_on_time: int = 0  # settled, every instalment paid by its due date
    open_loans: int = 0  # listed, full, repaying or written off: loans already here

    def as_dict(self) -> dict:
        return asdict(self)


def points_per_loan() -> int:
    return int(getattr(settings, "PEERFUND_HISTORY_POINTS_PER_LOAN", 8))


def loans_counted() -> int:
    return int(getattr(settings, "PEERFUND_HISTORY_LOANS_COUNTED", 3))


def history_bonus(history: PlatformHistory) -> int:
    """Points added to the score for loans repaid on time here."""
    return points_per_loan() * min(history.settled_on_time, loans_counted())


def history_declines(history: PlatformHistory) -> list[dict]:
    """The reasons, with stable codes, that decline an application before its score counts."""
    reasons = []
    if history.written_off_loans:
        reasons.append({
            "code": "history.written_off",
            "text": _("You have a loan on this platform that was written off as a bad debt and is not yet repaid (%(owed)s still owed). "
                      "Repay it before applying again.") % {"owed": format_fen(history.written_off_owed_fen)},
            "owed_fen": history.written_off_owed_fen, "loans": history.written_off_loans,
        })
    if history.overdue_loans:
        reasons.append({
            "code": "history.overdue",
            "text": _("You have a loan on this platform that is overdue (%(owed)s still owed). Repay what is overdue before applying again.")
            % {"owed": format_fen(history.overdue_owed_fen)},
            "owed_fen": history.overdue_owed_fen, "loans": history.overdue_loans,
        })
    return reasons
