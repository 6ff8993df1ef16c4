"""The risk-tolerance questionnaire (风险测评): ten questions, each answer worth
points; the total gives the level C1 (保守型) to C5 (进取型)."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[tuple[str, int], ...]  # (label, points)


QUESTIONS: tuple[Question, ...] = (
    Question("age", _("Your age"), ((_("Over 65"), 1), (_("51 to 65"), 2), (_("18 to 30"), 3), (_("31 to 50"), 4))),
    Question("income", _("Your yearly income"), ((_("Under ¥50,000"), 1), (_("¥50,000 to ¥200,000"), 2), (_("¥200,000 to ¥500,000"), 3), (_("Over ¥500,000"), 4))),
    Question("share", _("Share of your savings you would lend here"), ((_("Over 50%"), 1), (_("30% to 50%"), 2), (_("10% to 30%"), 3), (_("Under 10%"), 4))),
    Question("experience", _("Your experience with investments"), ((_("None"), 1), (_("Bank deposits and wealth products"), 2), (_("Funds or bonds"), 3), (_("Shares, futures or lending"), 4))),
    Question("years", _("How many years you have invested"), ((_("Never"), 1), (_("Under 2 years"), 2), (_("2 to 5 years"), 3), (_("Over 5 years"), 4))),
    Question("horizon", _("How long the money can stay invested"), ((_("Under 3 months"), 1), (_("3 to 12 months"), 2), (_("1 to 3 years"), 3), (_("Over 3 years"), 4))),
    Question("goal", _("Your main goal"), ((_("Keep the principal safe"), 1), (_("Steady income"), 2), (_("Balanced growth"), 3), (_("High returns"), 4))),
    Question("loss", _("The largest loss you could bear"), ((_("No loss"), 1), (_("Up to 10%"), 2), (_("Up to 30%"), 3), (_("Over 30%"), 4))),
    Question("drop", _("If your investment fell 20%, you would"), ((_("Sell everything"), 1), (_("Sell part"), 2), (_("Hold"), 3), (_("Buy more"), 4))),
    Question("knowledge", _("You know that lending can lose principal when borrowers default"), ((_("I did not know"), 1), (_("I have heard of it"), 2), (_("I understand it"), 3), (_("I have experienced it"), 4))),
)
# Lowest score of each level (10 questions × 1..4 points = 10..40).
LEVEL_FLOORS = (("C5", 35), ("C4", 29), ("C3", 23), ("C2", 17), ("C1", 0))


def level_for(score: int) -> str:
    return next(level for level, floor in LEVEL_FLOORS if score >= floor)
