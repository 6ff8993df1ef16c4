"""Pledging: the money is frozen in the backer's own account at the custodian; every
refusal says what is wrong; a repeated key places nothing twice."""
import datetime as dt

import pytest

from peerfund.core import clock
from peerfund.core.errors import Conflict, NotFound
from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Pledge, Project
from peerfund.crowdfunding.services.pledges import pledge_cancel, pledge_place
from peerfund.crowdfunding.services.settlement import project_close
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.selectors import user_balances
from peerfund.sandbox.models import BankAccount
from peerfund.tests_support.crowdfunding import draft_project, published_project
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = pytest.mark.django_db


def _pledge(backer, project, tier=None, amount=None, key="k1", address=True, **kwargs):
    return pledge_place(
        backer=backer, project_id=project.pk, tier_id=tier.pk if tier else None, amount_fen=amount if amount is not None else tier.minimum_fen,
        address_id=backer.address.pk if address else None, trade_password=TRADE_PASSWORD, key=key, **kwargs,
    )


@pytest.fixture
def project(project_owner, reviewer):
    return published_project(project_owner, reviewer)


def test_a_pledge_is_frozen_at_the_bank_and_counted(project, backers, django_capture_on_commit_callbacks):
    tier = project.tiers.first()
    with django_capture_on_commit_callbacks(execute=True):
        pledge = _pledge(backers[0], project, tier)
    assert pledge.amount_fen == 109_00 and pledge.province == "浙江" and "文三路" in pledge.address
    balances = user_balances(backers[0])
    assert balances[AccountKind.USER_FROZEN] == 109_00 and balances[AccountKind.USER_AVAILABLE] == 200_000 - 109_00
    bank = BankAccount.objects.get(holder_ref=f"user:{backers[0].pk}")
    assert bank.frozen_fen == 109_00
    project.refresh_from_db()
    tier.refresh_from_db()
    assert (project.raised_fen, project.backers, tier.taken) == (109_00, 1, 1)
    assert project.follows.filter(user=backers[0]).exists()


def test_the_same_key_places_one_pledge_and_another_body_is_a_conflict(project, backers):
    tier = project.tiers.first()
    first = _pledge(backers[0], project, tier)
    assert _pledge(backers[0], project, tier) == first
    assert Pledge.objects.count() == 1
    with pytest.raises(Conflict):
        _pledge(backers[0], project, tier, amount=200_00)


@pytest.mark.parametrize("case, code", [
    ("below_price", "pledge.below_price"),
    ("no_address", "pledge.address"),
    ("too_much", "pledge.insufficient"),
    ("own", "pledge.own_project"),
    ("tiny_support", "pledge.below_minimum"),
])
def test_bad_pledges_are_refused_with_the_reason(project, backers, project_owner, case, code):
    tier = project.tiers.first()
    attempts = {
        "below_price": lambda: _pledge(backers[0], project, tier, amount=tier.price_fen),  # the shipping fee is missing
        "no_address": lambda: _pledge(backers[0], project, tier, address=False),
        "too_much": lambda: _pledge(backers[0], project, None, amount=300_000),
        "own": lambda: pledge_place(backer=project_owner, project_id=project.pk, tier_id=None, amount_fen=100_00, address_id=None,
                                    trade_password=TRADE_PASSWORD, key="own"),
        "tiny_support": lambda: _pledge(backers[0], project, None, amount=50),
    }
    with pytest.raises(CrowdfundingError) as refusal:
        attempts[case]()
    assert refusal.value.code == code
    assert not Pledge.objects.exists() and user_balances(backers[0])[AccountKind.USER_FROZEN] == 0


def test_unpublished_and_closed_projects_take_no_pledges(project_owner, backers, project):
    draft = draft_project(project_owner, title="草稿")
    with pytest.raises(NotFound):
        _pledge(backers[0], draft, None, amount=100_00)
    clock.travel_to(project.deadline + dt.timedelta(days=1))
    with pytest.raises(CrowdfundingError) as refusal:
        _pledge(backers[0], project, None, amount=100_00)
    assert refusal.value.code == "pledge.closed"


def test_a_sold_out_reward_refuses_and_a_cancel_frees_its_unit(project, backers):
    limited = project.tiers.get(limit=2)
    first = _pledge(backers[0], project, limited, key="a")
    _pledge(backers[1], project, limited, key="b")
    with pytest.raises(CrowdfundingError) as refusal:
        _pledge(backers[2], project, limited, key="c")
    assert refusal.value.code == "pledge.sold_out"
    pledge_cancel(backer=backers[0], pledge=first)
    assert _pledge(backers[2], project, limited, key="c").status == Pledge.Status.ACTIVE
    limited.refresh_from_db()
    assert limited.taken == 2


def test_cancel_gives_the_money_back_until_the_deadline_only(project, backers):
    tier = project.tiers.last()
    pledge = _pledge(backers[0], project, tier)
    pledge_cancel(backer=backers[0], pledge=pledge)
    assert user_balances(backers[0])[AccountKind.USER_AVAILABLE] == 200_000
    project.refresh_from_db()
    assert (project.raised_fen, project.backers) == (0, 0)
    # Cancelling again (a retry whose first answer was lost) answers with the same
    # cancelled pledge and moves nothing.
    again = pledge_cancel(backer=backers[0], pledge=pledge)
    assert (again.pk, again.status) == (pledge.pk, Pledge.Status.CANCELLED)
    assert user_balances(backers[0])[AccountKind.USER_AVAILABLE] == 200_000
    project.refresh_from_db()
    assert (project.raised_fen, project.backers) == (0, 0)

    late = _pledge(backers[1], project, tier, key="late")
    project_close(project_id=project.pk, on=project.deadline)
    with pytest.raises(CrowdfundingError) as refusal:
        pledge_cancel(backer=backers[1], pledge=late)
    assert refusal.value.code == "pledge.not_cancellable"


def test_another_backers_pledge_cannot_be_cancelled(project, backers):
    pledge = _pledge(backers[0], project, project.tiers.last())
    with pytest.raises(NotFound):
        pledge_cancel(backer=backers[1], pledge=pledge)
    assert Project.objects.get(pk=project.pk).raised_fen == pledge.amount_fen


def test_backers_count_people_not_pledges(project, backers):
    cheap, dear = project.tiers.order_by("price_fen")
    first = _pledge(backers[0], project, cheap, key="a")
    _pledge(backers[0], project, dear, key="b")
    _pledge(backers[1], project, dear, key="c")
    assert Project.objects.get(pk=project.pk).backers == 2
    pledge_cancel(backer=backers[0], pledge=first)
    assert Project.objects.get(pk=project.pk).backers == 2  # still backing with the other pledge
