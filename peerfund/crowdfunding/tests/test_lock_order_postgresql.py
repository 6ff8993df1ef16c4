"""One lock order (docs/money-core.md): a payout approved by finance staff while the
daily close releases the same project's payouts. Both take the project before its
payouts, so neither deadlocks: the staff member gets the payout paid or a clean
refusal, never a 500, and the money leaves escrow once."""
import datetime as dt

import pytest

from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Payout
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.crowdfunding.services.settlement import escrow_account, payout_pay, payouts_release, project_close
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.crowdfunding import address_of, published_project
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
ROUNDS = 15


@pytest.fixture
def successful(make_user, staff_with, settings):
    """A ¥300 project backed with ¥417 by three backers, closed at its deadline: its
    first payout is due (waiting for finance's approval), its final one scheduled."""
    settings.PEERFUND_CF_PAYOUT_APPROVAL = True
    platform_accounts_open()
    owner = make_user(username="maker")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations"), goal_fen=300_00)
    cheap, dear = project.tiers.order_by("price_fen")
    for number, tier in enumerate((cheap, cheap, dear)):
        backer = make_user(username=f"backer{number}")
        verify_directly(backer, number)
        pay_deposit(backer, 100_000, committing, key=f"seed{number}")
        pledge_place(backer=backer, project_id=project.pk, tier_id=tier.pk, amount_fen=tier.minimum_fen, address_id=address_of(backer).pk,
                     trade_password=TRADE_PASSWORD, key="back")
    project_close(project_id=project.pk, on=project.deadline)
    first_due = project.deadline + dt.timedelta(days=7)
    assert payouts_release(project_ids=[project.pk], on=first_due) == 1
    return project, owner, first_due


def test_approving_a_payout_while_the_close_releases_the_project_never_deadlocks(successful):
    project, owner, first_due = successful
    first, final = Payout.objects.filter(project=project).order_by("stage")
    assert (first.status, final.status) == (Payout.Status.DUE, Payout.Status.SCHEDULED)
    refusals = []

    def race(side):
        if side == "close":
            payouts_release(project_ids=[project.pk], on=first_due)
            return
        try:
            payout_pay(payout_id=side)
        except CrowdfundingError as refusal:
            refusals.append(refusal.code)

    # Staff try the final payout, not yet due, again and again while the close runs
    # (each try locks the payout and the project, then is refused) ...
    for _round in range(ROUNDS):
        assert start_together(race, ["close", final.pk]) == []
    assert refusals == ["payout.not_due"] * ROUNDS
    # ... then approve the first one, which is paid exactly once.
    assert start_together(race, [first.pk, "close"]) == []
    first.refresh_from_db()
    assert first.status == Payout.Status.PAID and first.entry is not None
    assert user_balances(owner)[AccountKind.USER_AVAILABLE] == first.amount_fen
    assert escrow_account(project).balance_fen == 417_00 - first.amount_fen - first.fee_fen
    assert ledger_check() == []
