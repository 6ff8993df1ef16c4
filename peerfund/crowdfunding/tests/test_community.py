"""Comments and Q&A with the owner's reply time, updates to followers (backers-only
ones to backers only), private messages between owner and backers, visits."""
import datetime as dt

import pytest
import time_machine

from peerfund.core import clock
from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import DailyVisits
from peerfund.crowdfunding.selectors import reply_time
from peerfund.crowdfunding.services.community import comment_post, follow_set, message_send, update_post, visit_count
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.tests_support.crowdfunding import published_project
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(project_owner, reviewer):
    return published_project(project_owner, reviewer)


def _back(backer, project, key="k"):
    return pledge_place(backer=backer, project_id=project.pk, tier_id=None, amount_fen=100_00, address_id=None, trade_password=TRADE_PASSWORD, key=key)


def test_reply_time_is_the_median_of_the_owners_first_answers(project, project_owner, backers):
    start = clock.now()
    with time_machine.travel(start, tick=False):
        quick = comment_post(author=backers[0], project=project, body="什么时候发货？", is_question=True)
        slow = comment_post(author=backers[1], project=project, body="能寄到海外吗？", is_question=True)
        comment_post(author=backers[2], project=project, body="支持！")
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        comment_post(author=project_owner, project=project, body="下月发货", parent=quick)
    with time_machine.travel(start + dt.timedelta(hours=30), tick=False):
        comment_post(author=project_owner, project=project, body="暂不支持", parent=slow)
        comment_post(author=project_owner, project=project, body="补充一句", parent=slow)  # only the first answer counts
    result = reply_time(project)
    assert (result.answered, result.waiting, result.median_hours, result.on_target) == (2, 0, 16.0, True)
    assert project_owner.messages.filter(event="project.question").count() == 2
    assert backers[0].messages.filter(event="comment.replied").exists()


def test_comments_are_checked(project, backers):
    with pytest.raises(CrowdfundingError):
        comment_post(author=backers[0], project=project, body="   ")
    with pytest.raises(CrowdfundingError):
        comment_post(author=backers[0], project=project, body="x" * 1001)


def test_updates_reach_followers_and_backers_only_updates_reach_backers(project, project_owner, backers):
    _back(backers[0], project)
    follow_set(user=backers[1], project=project, follow=True)
    update_post(owner=project_owner, project=project, title="样机完成", body="<p>看图</p><script>x</script>", backers_only=False)
    update_post(owner=project_owner, project=project, title="内部进度", body="<p>只给支持者</p>", backers_only=True)
    assert list(backers[0].messages.filter(event="project.update").values_list("context__title", flat=True).order_by("id")) == ["样机完成", "内部进度"]
    assert list(backers[1].messages.filter(event="project.update").values_list("context__title", flat=True)) == ["样机完成"]
    assert "<script" not in project.updates.first().body + project.updates.last().body
    with pytest.raises(CrowdfundingError):
        update_post(owner=backers[0], project=project, title="x", body="y", backers_only=False)


def test_private_messages_go_between_owner_and_backers_only(project, project_owner, backers):
    _back(backers[0], project)
    message_send(sender=backers[0], project=project, recipient=project_owner, body="请问颜色可选吗？")
    message_send(sender=project_owner, project=project, recipient=backers[0], body="可以")
    assert project_owner.messages.filter(event="project.message").exists()
    for sender, recipient in ((backers[1], project_owner), (project_owner, backers[1]), (backers[0], backers[1])):
        with pytest.raises(CrowdfundingError):
            message_send(sender=sender, project=project, recipient=recipient, body="hi")


def test_visits_are_counted_per_day(project):
    visit_count(project=project)
    visit_count(project=project)
    project.refresh_from_db()
    assert project.visits == 2 and DailyVisits.objects.get(project=project).count == 2
