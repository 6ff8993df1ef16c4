"""The deadline and after: all or nothing, the fee and the staged payouts, delivery,
complaints holding the final payout, and an owner in default. Each day runs through
the daily close, as in production."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerfund.cob.models import StepRun
from peerfund.cob.services import close_run, close_until
from peerfund.core import clock
from peerfund.core.models import Alert
from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Payout, Pledge, Project
from peerfund.crowdfunding.services.fulfilment import complaint_file, complaint_handle, pledge_confirm, pledge_ship
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.crowdfunding.services.settlement import escrow_account, payout_plan, project_default
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Entry
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.risk.blacklist import blacklist_hits
from peerfund.tests_support.crowdfunding import published_project, release_due_payouts
from peerfund.tests_support.people import IDENTITIES, TRADE_PASSWORD

pytestmark = pytest.mark.django_db


@given(total=st.integers(min_value=1, max_value=10**12), fee_bp=st.integers(min_value=0, max_value=2000))
def test_payout_plan_always_sums_to_the_money_raised(total, fee_bp):
    fee, first, final = payout_plan(total, Decimal(fee_bp) / 10_000)
    assert fee + first + final == total and min(fee, first, final) >= 0
    assert abs(fee - total * fee_bp / 10_000) <= 0.5


def test_payout_plan_worked_example():
    # ¥3,170 raised, 5 % fee = ¥158.50; 70 % of ¥3,011.50 = ¥2,108.05; the rest ¥903.45.
    assert payout_plan(317_000, Decimal("0.05")) == (15_850, 210_805, 90_345)


def _pledge(backer, project, tier, key):
    return pledge_place(backer=backer, project_id=project.pk, tier_id=tier.pk if tier else None, amount_fen=tier.minimum_fen if tier else 100_00,
                        address_id=backer.address.pk, trade_password=TRADE_PASSWORD, key=key)


def _close(until, capture, start=None):
    with capture(execute=True):
        close_until(start=start or clock.business_date(), until=until)


@pytest.fixture
def finance(staff_with):
    """Two finance staff: one asks for a payout's release, the other approves it."""
    return staff_with("finance", "finance-maker"), staff_with("finance", "finance-checker")


def _release(finance, capture) -> int:
    with capture(execute=True):
        return release_due_payouts(*finance)


@pytest.fixture
def funded(project_owner, reviewer, backers, django_capture_on_commit_callbacks):
    """A ¥300 project backed with ¥109 + ¥109 + ¥199 = ¥417, closed at its deadline."""
    project = published_project(project_owner, reviewer, goal_fen=300_00)
    cheap, dear = project.tiers.order_by("price_fen")
    with django_capture_on_commit_callbacks(execute=True):
        pledges = [_pledge(backers[0], project, cheap, "a"), _pledge(backers[1], project, cheap, "b"), _pledge(backers[2], project, dear, "c")]
    _close(project.deadline, django_capture_on_commit_callbacks)
    project.refresh_from_db()
    return project, pledges


def test_a_funded_project_is_settled_into_escrow_with_a_payout_plan(funded, backers):
    project, pledges = funded
    assert project.status == Project.Status.SUCCESSFUL and project.closed_on == project.deadline
    assert escrow_account(project).balance_fen == 417_00
    for backer, pledge in zip(backers, pledges, strict=True):
        pledge.refresh_from_db()
        assert pledge.status == Pledge.Status.SETTLED and pledge.delivery == Pledge.Delivery.WAITING
        assert user_balances(backer)[AccountKind.USER_FROZEN] == 0
    first, final = Payout.objects.filter(project=project).order_by("stage")
    assert (first.fee_fen, first.amount_fen, final.amount_fen) == payout_plan(417_00, Decimal("0.05"))
    assert first.due_on == project.deadline + dt.timedelta(days=7) and final.due_on is None
    assert all(b.messages.filter(event="project.succeeded_backer").exists() for b in backers)


def test_closing_again_moves_nothing(funded, django_capture_on_commit_callbacks):
    project, _pledges = funded
    entries = Entry.objects.count()
    StepRun.objects.filter(business_date=project.deadline).delete()
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=project.deadline)
    assert Entry.objects.count() == entries and Payout.objects.filter(project=project).count() == 2


def test_first_payout_after_t_plus_7_final_after_every_reward_arrives(funded, project_owner, backers, finance, django_capture_on_commit_callbacks):
    project, pledges = funded
    fee, first, final = payout_plan(417_00, Decimal("0.05"))
    _close(project.deadline + dt.timedelta(days=6), django_capture_on_commit_callbacks, start=project.deadline + dt.timedelta(days=1))
    assert _release(finance, django_capture_on_commit_callbacks) == 0
    _close(project.deadline + dt.timedelta(days=7), django_capture_on_commit_callbacks)
    assert Payout.objects.get(project=project, stage=1).status == Payout.Status.DUE
    assert user_balances(project_owner)[AccountKind.USER_AVAILABLE] == 0  # two people release it, not the close
    assert _release(finance, django_capture_on_commit_callbacks) == 1
    assert user_balances(project_owner)[AccountKind.USER_AVAILABLE] == first
    assert platform_account(AccountKind.PLATFORM_FEE).balance_fen == fee

    for pledge in pledges:
        pledge_ship(owner=project_owner, pledge=pledge, carrier="顺丰", tracking_no=f"SF{pledge.pk:08d}")
    pledge_confirm(backer=backers[0], pledge=pledges[0])
    pledge_confirm(backer=backers[1], pledge=pledges[1])
    _close(clock.business_date(), django_capture_on_commit_callbacks)
    assert _release(finance, django_capture_on_commit_callbacks) == 0  # one reward is still on its way

    pledge_confirm(backer=backers[2], pledge=pledges[2])
    _close(clock.business_date(), django_capture_on_commit_callbacks)
    assert _release(finance, django_capture_on_commit_callbacks) == 1
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert user_balances(project_owner)[AccountKind.USER_AVAILABLE] == first + final
    assert escrow_account(project).balance_fen == 0


def test_without_payout_approval_the_close_pays(funded, project_owner, settings, django_capture_on_commit_callbacks):
    settings.PEERFUND_CF_PAYOUT_APPROVAL = False
    project, _pledges = funded
    _close(project.deadline + dt.timedelta(days=7), django_capture_on_commit_callbacks, start=project.deadline + dt.timedelta(days=1))
    assert user_balances(project_owner)[AccountKind.USER_AVAILABLE] == payout_plan(417_00, Decimal("0.05"))[1]


def test_an_open_complaint_holds_the_final_payout(funded, project_owner, backers, staff, finance, django_capture_on_commit_callbacks):
    project, pledges = funded
    for pledge in pledges:
        pledge_ship(owner=project_owner, pledge=pledge, carrier="顺丰", tracking_no=f"SF{pledge.pk:08d}")
    complaint = complaint_file(backer=backers[2], pledge=pledges[2], text="收到的台灯是坏的")
    with pytest.raises(CrowdfundingError):
        complaint_file(backer=backers[2], pledge=pledges[2], text="again")
    # Shipped rewards nobody complains about count as received after 15 days; the
    # complained one does not, and after the quiet period the final payout is held.
    _close(project.deadline + dt.timedelta(days=7), django_capture_on_commit_callbacks, start=project.deadline + dt.timedelta(days=1))
    _release(finance, django_capture_on_commit_callbacks)
    _close(project.deadline + dt.timedelta(days=91), django_capture_on_commit_callbacks)
    pledges[0].refresh_from_db()
    pledges[2].refresh_from_db()
    assert pledges[0].delivery == Pledge.Delivery.RECEIVED and pledges[2].delivery == Pledge.Delivery.SHIPPED
    final = Payout.objects.get(project=project, stage=2)
    assert final.status == Payout.Status.HELD

    complaint_handle(staff=staff, complaint=complaint, resolve=True, resolution="已换新")
    _close(clock.business_date(), django_capture_on_commit_callbacks)
    _release(finance, django_capture_on_commit_callbacks)
    final.refresh_from_db()
    assert final.status == Payout.Status.PAID
    assert backers[2].messages.filter(event="complaint.handled").exists()


def test_an_owner_in_default_refunds_escrow_to_backers_without_rewards(funded, project_owner, backers, staff, finance, django_capture_on_commit_callbacks):
    project, pledges = funded
    fee, first, final = payout_plan(417_00, Decimal("0.05"))
    _close(project.deadline + dt.timedelta(days=7), django_capture_on_commit_callbacks, start=project.deadline + dt.timedelta(days=1))
    _release(finance, django_capture_on_commit_callbacks)
    pledge_ship(owner=project_owner, pledge=pledges[0], carrier="顺丰", tracking_no="SF1")
    pledge_confirm(backer=backers[0], pledge=pledges[0])
    with pytest.raises(CrowdfundingError):
        project_default(staff=staff, project=project, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        project_default(staff=staff, project=project, reason="逾期三个月未发货")
    project.refresh_from_db()
    assert project.status == Project.Status.DEFAULTED and escrow_account(project).balance_fen == 0
    # What was left (the final payout, ¥118.84) goes to backers 2 and 3 pro rata to
    # ¥109 : ¥199 — 42.057 and 76.783 — the odd fen to the larger remainder.
    refunds = [Pledge.objects.get(pk=p.pk).refund_fen for p in pledges]
    assert final == 118_84 and refunds == [0, 42_06, 76_78]
    assert user_balances(backers[1])[AccountKind.USER_AVAILABLE] == 200_000 - 109_00 + refunds[1]
    assert Payout.objects.get(project=project, stage=2).status == Payout.Status.CANCELLED
    assert blacklist_hits(id_number=IDENTITIES[2][0])


def test_a_project_short_of_its_goal_releases_every_pledge(project_owner, reviewer, backers, django_capture_on_commit_callbacks):
    project = published_project(project_owner, reviewer, goal_fen=5_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        pledges = [_pledge(backers[0], project, project.tiers.first(), "a"), _pledge(backers[1], project, None, "b")]
    _close(project.deadline, django_capture_on_commit_callbacks)
    project.refresh_from_db()
    assert project.status == Project.Status.FAILED and project.raised_fen == 209_00  # what it raised stays on its page
    for backer, pledge in zip(backers, pledges, strict=False):
        pledge.refresh_from_db()
        assert pledge.status == Pledge.Status.RELEASED
        assert user_balances(backer) == {AccountKind.USER_AVAILABLE: 200_000, AccountKind.USER_FROZEN: 0}
        assert backer.messages.filter(event="project.failed_backer").exists()
    assert not Payout.objects.filter(project=project).exists()
    assert not Entry.objects.filter(kind__in=("pledge_fund", "pledge_payout")).exists()


def test_a_funding_spike_raises_an_alert(project_owner, reviewer, backers, settings, django_capture_on_commit_callbacks):
    settings.PEERFUND_CF_SPIKE_MIN_FEN = 100_00
    project = published_project(project_owner, reviewer, goal_fen=5_000_00, days=20)
    with django_capture_on_commit_callbacks(execute=True):
        _pledge(backers[0], project, None, "quiet")
    _close(project.published_on + dt.timedelta(days=4), django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(kind="crowdfunding.spike").exists()  # the first day has no history to compare with
    with django_capture_on_commit_callbacks(execute=True):
        for number, backer in enumerate(backers):
            pledge_place(backer=backer, project_id=project.pk, tier_id=None, amount_fen=1_500_00, address_id=None, trade_password=TRADE_PASSWORD,
                         key=f"spike{number}")
    _close(clock.business_date(), django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind="crowdfunding.spike")
    assert alert.data["project"] == project.pk and alert.data["day_fen"] == 4_500_00


def test_the_hourly_task_closes_projects_whose_deadline_has_passed(project_owner, reviewer, django_capture_on_commit_callbacks):
    from peerfund.crowdfunding.tasks import crowdfunding_deadlines

    project = published_project(project_owner, reviewer, goal_fen=5_000_00)
    crowdfunding_deadlines.call_local()
    assert Project.objects.get(pk=project.pk).status == Project.Status.FUNDING
    clock.travel_to(project.deadline + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        crowdfunding_deadlines.call_local()
    project.refresh_from_db()
    assert project.status == Project.Status.FAILED and project.closed_on == project.deadline


def test_rewards_unshipped_a_month_after_delivery_raise_one_alert(funded, django_capture_on_commit_callbacks):
    project, _pledges = funded
    delivery = project.tiers.order_by("delivery_month").last().delivery_month
    late = (delivery + dt.timedelta(days=62)).replace(day=2)
    _close(late - dt.timedelta(days=40), django_capture_on_commit_callbacks, start=project.deadline + dt.timedelta(days=1))
    assert not Alert.objects.filter(kind="crowdfunding.late_delivery").exists()
    _close(late, django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind="crowdfunding.late_delivery")
    assert alert.data == {"project": project.pk, "unshipped": 3}
