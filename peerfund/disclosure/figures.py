"""How each snapshot figure is labelled and shown, in one place for the disclosure
page, the monthly PDF and Excel reports and the back-office dashboard."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerfund.core.money import format_fen


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # fen, count, ratio

    def show(self, figures: dict) -> str:
        value = figures.get(self.key, 0)
        if self.kind == "fen":
            return format_fen(int(value))
        if self.kind == "ratio":
            return f"{Decimal(str(value)) * 100:.2f}%"
        return str(value)

    def show_short(self, figures: dict) -> str:
        """As `show`, but an amount of ¥10,000 or more in 万 (two decimals, half up),
        as Chinese readers expect a platform's totals; the page keeps `show` beside it."""
        value = figures.get(self.key, 0)
        if self.kind == "fen" and abs(int(value)) >= WAN_FEN:
            wan = (Decimal(int(value)) / WAN_FEN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            return gettext("¥%(wan)s×10k") % {"wan": f"{wan:,}"}
        return self.show(figures)


WAN_FEN = 1_000_000  # 万元 = ¥10,000

DISCLOSED = [
    Figure("lent_total_fen", _("Cumulative lending"), "fen"),
    Figure("lent_total_loans", _("Loans made (cumulative)"), "count"),
    Figure("outstanding_fen", _("Outstanding principal"), "fen"),
    Figure("outstanding_loans", _("Loans outstanding"), "count"),
    Figure("loans_in_progress", _("Loans in progress"), "count"),
    Figure("interest_earned_fen", _("Interest earned by investors"), "fen"),
    Figure("borrowers_total", _("Borrowers (cumulative)"), "count"),
    Figure("lenders_total", _("Lenders (cumulative)"), "count"),
    Figure("borrowers_now", _("Borrowers now"), "count"),
    Figure("lenders_now", _("Lenders now"), "count"),
    Figure("top1_share", _("Largest borrower's share of outstanding"), "ratio"),
    Figure("top10_share", _("Top-10 borrowers' share of outstanding"), "ratio"),
    Figure("overdue_fen", _("Overdue principal (M1+)"), "fen"),
    Figure("overdue_loans", _("Overdue loans (M1+)"), "count"),
    Figure("overdue_rate", _("Overdue rate (M1+)"), "ratio"),
    Figure("overdue_90_fen", _("Overdue principal, over 90 days (M3+)"), "fen"),
    Figure("overdue_90_loans", _("Loans overdue over 90 days (M3+)"), "count"),
    Figure("overdue_90_rate", _("Overdue rate, over 90 days (M3+)"), "ratio"),
    Figure("written_off_fen", _("Principal written off (cumulative)"), "fen"),
    Figure("written_off_loans", _("Loans written off (cumulative)"), "count"),
    Figure("recovered_fen", _("Principal recovered after write-off"), "fen"),
    Figure("related_loans", _("Related-party loans outstanding"), "count"),
    Figure("related_fen", _("Related-party principal outstanding"), "fen"),
    Figure("users", _("Registered users"), "count"),
    Figure("cf_raised_fen", _("Raised by funded crowdfunding projects"), "fen"),
    Figure("cf_success_rate", _("Crowdfunding success rate (%)"), "count"),
]
MONTHLY_FLOWS = [
    Figure("deposits_fen", _("Deposits"), "fen"),
    Figure("withdrawals_fen", _("Withdrawals"), "fen"),
    Figure("invested_fen", _("Bids placed"), "fen"),
    Figure("loans_listed", _("Loans listed"), "count"),
    Figure("loans_disbursed", _("Loans disbursed"), "count"),
    Figure("users_new", _("New users"), "count"),
    Figure("cf_pledged_today_fen", _("Crowdfunding pledges"), "fen"),
]

# The two overdue-rate lines that the disclosure page and the dashboard both draw.
OVERDUE_SERIES = [(_("Overdue rate M1+ (%)"), "overdue_rate", "ratio"), (_("Overdue rate M3+ (%)"), "overdue_90_rate", "ratio")]
