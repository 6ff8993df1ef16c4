"""Auto-invest (自动投标): when a loan is listed, the matching rules bid in a fair
queue until the product's auto-invest share of the loan is taken.

The queue is ordered by when each rule last invested (never first, then oldest), then
by rule id: deterministic. A rule that invests moves to the back. Each rule bids the
least of: its amount per loan, what the share has left, the product's per-investor
cap, and the investor's balance above what they keep — rounded down to the bid step.
Every rule that matched gets a line in its log saying what it did and why.
"""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.core.money import format_fen
from peerfund.custody.services import custody_authorise
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind
from peerfund.legal.services import Action, consent_require
from peerfund.lending.models import AutoInvestLog, AutoInvestRule, Loan
from peerfund.lending.services.bidding import bid_place
from peerfund.notify.services import notify


def auto_invest_rule_save(*, investor, rate_min: Decimal, rate_max: Decimal, months_min: int, months_max: int, grades: list[str],
                          amount_per_loan_fen: int, keep_balance_fen: int, enabled: bool = True) -> AutoInvestRule:
    """Create or change the investor's rule. Turning it on asks the bank for the
    standing authorisation to bid on the investor's behalf."""
    if rate_min > rate_max or months_min > months_max or amount_per_loan_fen <= 0 or keep_balance_fen < 0:
        raise AccountError(_("Check the ranges and amounts of the rule."), "auto.invalid", {"field": "rate_max"})
    if not grades or not set(grades) <= set("ABCDE"):
        raise AccountError(_("Choose at least one grade."), "auto.grades", {"field": "grades"})
    if enabled:
        consent_require(user=investor, action=Action.AUTO_INVEST)
    rule, _created = AutoInvestRule.objects.update_or_create(
        investor=investor,
        defaults={
            "enabled": enabled, "rate_min": rate_min, "rate_max": rate_max, "months_min": months_min, "months_max": months_max,
            "grades": sorted(grades), "amount_per_loan_fen": amount_per_loan_fen, "keep_balance_fen": keep_balance_fen,
        },
    )
    if enabled and not rule.bank_authorisation:
        rule.bank_authorisation = custody_authorise(user=investor, scope="auto_bid", limit_fen=amount_per_loan_fen)
        rule.save(update_fields=["bank_authorisation"])
    return rule


def _matches(rule: AutoInvestRule, loan: Loan) -> bool:
    return (
        rule.rate_min <= loan.annual_rate <= rule.rate_max
        and rule.months_min <= loan.months <= rule.months_max
        and loan.grade in rule.grades
        and rule.investor_id != loan.borrower_id
    )


def _log(rule: AutoInvestRule, loan: Loan, amount: int, invested: bool, explanation: str) -> None:
    try:
        with transaction.atomic():
            AutoInvestLog.objects.create(rule=rule, loan=loan, amount_fen=amount, invested=invested, explanation=explanation[:300])
    except IntegrityError:
        pass  # already decided for this loan


def auto_invest_on_listing(*, loan: Loan) -> int:
    """Run the queue for a newly listed loan. Returns how much auto-invest bid.
    Safe to run again: a rule decides once per loan."""
    product = loan.product
    step = product.bid_step_fen
    target = int(Decimal(loan.amount_fen) * product.auto_invest_share) // step * step
    queue = AutoInvestRule.objects.filter(enabled=True).exclude(bank_authorisation="").select_related("investor")
    queue = queue.order_by(F("last_invested_at").asc(nulls_first=True), "id")
    decided = set(AutoInvestLog.objects.filter(loan=loan).values_list("rule_id", flat=True))
    spent = sum(AutoInvestLog.objects.filter(loan=loan, invested=True).values_list("amount_fen", flat=True))
    why = _("rate %(rate)s, %(months)s months, grade %(grade)s fit your rule") % {"rate": f"{loan.annual_rate * 100:.2f}%", "months": loan.months, "grade": loan.grade}
    for rule in queue:
        if rule.pk in decided or not _matches(rule, loan):
            continue
        loan.refresh_from_db(fields=["left_fen", "status"])
        room = min(target - spent, loan.left_fen)
        if room < product.min_bid_fen:
            break
        available = ledger.user_accounts(rule.investor)[AccountKind.USER_AVAILABLE].balance_fen
        amount = min(rule.amount_per_loan_fen, room, product.max_per_investor_fen, available - rule.keep_balance_fen)
        amount = amount - (amount - product.min_bid_fen) % step if amount >= product.min_bid_fen else 0
        if amount < product.min_bid_fen:
            _log(rule, loan, 0, False, _("Not invested in %(loan)s: your balance above the %(keep)s you keep is too small.") % {"loan": loan.title, "keep": format_fen(rule.keep_balance_fen)})
            continue
        try:
            bid_place(investor=rule.investor, loan_id=loan.pk, amount_fen=amount, trade_password="", key=f"auto:{loan.pk}:{rule.pk}", auto=True)
        except ApplicationError as refusal:
            _log(rule, loan, 0, False, _("Not invested in %(loan)s: %(reason)s") % {"loan": loan.title, "reason": refusal.message})
            continue
        spent += amount
        AutoInvestRule.objects.filter(pk=rule.pk).update(last_invested_at=clock.now())
        explanation = _("Your auto-invest rule invested %(amount)s in %(loan)s because %(why)s.") % {"amount": format_fen(amount), "loan": loan.title, "why": why}
        _log(rule, loan, amount, True, explanation)
        notify(user=rule.investor, event="auto_invest.invested", context={"explanation": explanation})
    return spent
