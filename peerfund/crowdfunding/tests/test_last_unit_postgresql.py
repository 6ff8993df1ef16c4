"""Backers racing for the last unit of a limited reward: exactly one gets it, the
others are told it is sold out, and no money of theirs stays frozen."""
import pytest

from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Pledge, RewardTier
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.selectors import user_balances
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.crowdfunding import address_of, published_project
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
RACERS = 12


def test_the_last_unit_goes_to_exactly_one_backer(make_user, staff_with):
    platform_accounts_open()
    owner = make_user(username="maker")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations"), tiers=((99_00, 3),))
    tier = project.tiers.get()
    backers = [make_user(username=f"racer{i}") for i in range(RACERS)]
    for number, backer in enumerate(backers):
        verify_directly(backer, number)
        pay_deposit(backer, 100_000, committing, key=f"seed{number}")
        backer.address = address_of(backer)
    # Two units go quietly; then everyone races for the last one.
    for backer in backers[:2]:
        pledge_place(backer=backer, project_id=project.pk, tier_id=tier.pk, amount_fen=109_00, address_id=backer.address.pk,
                     trade_password=TRADE_PASSWORD, key="early")
    racers = backers[2:]
    outcomes = {}

    def race(backer):
        try:
            outcomes[backer.pk] = pledge_place(backer=backer, project_id=project.pk, tier_id=tier.pk, amount_fen=109_00,
                                               address_id=backer.address.pk, trade_password=TRADE_PASSWORD, key="race")
        except CrowdfundingError as refusal:
            outcomes[backer.pk] = refusal.code

    assert start_together(race, racers) == []
    winners = [pk for pk, outcome in outcomes.items() if isinstance(outcome, Pledge)]
    assert len(winners) == 1 and sorted(o for o in outcomes.values() if isinstance(o, str)) == ["pledge.sold_out"] * (len(racers) - 1)
    assert RewardTier.objects.get(pk=tier.pk).taken == 3 and Pledge.objects.filter(tier=tier).count() == 3
    for backer in racers:
        frozen = user_balances(backer)[AccountKind.USER_FROZEN]
        assert frozen == (109_00 if backer.pk in winners else 0)
