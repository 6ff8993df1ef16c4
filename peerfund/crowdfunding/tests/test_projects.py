"""Drafts, machine review and manual review: what an owner and a reviewer see."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from peerfund.core.audit import audit_trail
from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Project
from peerfund.crowdfunding.services.projects import project_review, project_submit, project_update, tier_save
from peerfund.risk.blacklist import blacklist_add
from peerfund.risk.models import BlacklistEntry
from peerfund.risk.services import refused
from peerfund.tests_support.crowdfunding import draft_project, next_month, png, subcategory
from peerfund.tests_support.people import IDENTITIES

pytestmark = pytest.mark.django_db


def test_story_is_sanitised_when_saved(project_owner):
    project = draft_project(project_owner, story='<p onclick="x()">好<script>alert(1)</script></p><img src="javascript:alert(2)"><a href="https://e.x">链接</a>')
    assert "<script" not in project.story and "onclick" not in project.story and "javascript:" not in project.story
    assert 'rel="noopener noreferrer nofollow"' in project.story and "<p>好" in project.story


@pytest.mark.parametrize("upload, code", [
    (SimpleUploadedFile("x.png", b"<html>not an image</html>", content_type="image/png"), "project.image_type"),
    (SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 100, content_type="application/octet-stream"), "project.image_type"),
])
def test_cover_must_be_an_image(project_owner, upload, code):
    project = draft_project(project_owner)
    with pytest.raises(CrowdfundingError) as refusal:
        project_update(owner=project_owner, project=project, cover=upload)
    assert refusal.value.code == code and refusal.value.extra["field"] == "cover"


def test_oversized_cover_is_refused(project_owner, settings):
    project = draft_project(project_owner)
    settings.PEERFUND_UPLOAD_MAX_BYTES = 100
    with pytest.raises(CrowdfundingError) as refusal:
        project_update(owner=project_owner, project=project, cover=png(size=(200, 200)))
    assert refusal.value.code == "project.image_size"


def test_goal_and_funding_days_are_bounded(project_owner):
    project = draft_project(project_owner)
    with pytest.raises(CrowdfundingError, match="60"):
        project_update(owner=project_owner, project=project, duration_days=61)
    with pytest.raises(CrowdfundingError) as refusal:
        project_update(owner=project_owner, project=project, goal_fen=50)
    assert refusal.value.extra["field"] == "goal"


def test_machine_review_lists_every_reason_and_keeps_the_draft(project_owner):
    project = draft_project(project_owner, story="<p>稳赚不赔，保本高回报</p>")
    project_update(owner=project_owner, project=project, risk_statement="")
    with pytest.raises(CrowdfundingError) as refusal:
        project_submit(owner=project_owner, project=project)
    reasons = refusal.value.extra["reasons"]
    assert any(str(_("risk statement")) in r for r in reasons)
    assert any("保本" in r and "稳赚" in r for r in reasons)
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT and project.review_reasons == reasons
    assert [row.action for row in audit_trail(project)][-1] == "project.machine_refused"


def test_banned_category_unverified_and_blacklisted_owners_are_refused(project_owner, make_user, staff):
    project = draft_project(project_owner)
    project_update(owner=project_owner, project=project, category=subcategory("彩票", top="其他", banned=True))
    with pytest.raises(CrowdfundingError, match="彩票"):
        project_submit(owner=project_owner, project=project)

    stranger = make_user(username="unverified")
    with pytest.raises(CrowdfundingError) as refusal:
        project_submit(owner=stranger, project=draft_project(stranger))
    assert refusal.value.extra["reasons"] == [str(_("Verify your identity (personal or enterprise) first."))]

    blacklist_add(staff=staff, kind=BlacklistEntry.Kind.ID_NUMBER, value=IDENTITIES[2][0], reason="fraud")
    with pytest.raises(CrowdfundingError) as refusal:
        project_submit(owner=project_owner, project=draft_project(project_owner, title="另一个"))
    assert refusal.value.extra["reasons"] == [refused().message]


def test_review_publishes_for_its_funding_days_or_rejects_with_reasons(project_owner, reviewer):
    project = project_submit(owner=project_owner, project=draft_project(project_owner, days=10))
    assert project.status == Project.Status.IN_REVIEW and project.owner_kind == "person"
    with pytest.raises(CrowdfundingError):
        project_review(staff=reviewer, project=project, approve=False, reasons=[])
    project = project_review(staff=reviewer, project=project, approve=False, reasons=["封面与产品不符"])
    assert project.status == Project.Status.REJECTED and project.review_reasons == ["封面与产品不符"]
    assert project_owner.messages.get(event="project.rejected").context["reasons"] == "封面与产品不符"

    # The owner changes it and submits again; the reviewer approves.
    project_update(owner=project_owner, project=project, cover=png("new.png"))
    project = project_submit(owner=project_owner, project=project)
    project = project_review(staff=reviewer, project=project, approve=True)
    assert project.status == Project.Status.FUNDING
    assert (project.deadline - project.published_on).days == 9  # ten funding days, the publication day included
    trail = [(row.from_state, row.to_state) for row in audit_trail(project) if row.to_state]
    assert trail == [("", "draft"), ("draft", "in_review"), ("in_review", "rejected"), ("rejected", "draft"), ("draft", "in_review"), ("in_review", "funding")]
    with pytest.raises(CrowdfundingError):
        project_update(owner=project_owner, project=project, title="改名")


def test_rewards_need_a_price_and_a_future_delivery(project_owner):
    project = draft_project(project_owner, tiers=())
    with pytest.raises(CrowdfundingError) as refusal:
        tier_save(owner=project_owner, project=project, title="x", description="y", price_fen=50, limit=None, delivery_month=next_month(), needs_shipping=True)
    assert refusal.value.extra["field"] == "price"
    with pytest.raises(CrowdfundingError):
        tier_save(owner=project_owner, project=project, title="x", description="y", price_fen=100_00, limit=None,
                  delivery_month=next_month().replace(year=2000), needs_shipping=True)


def test_story_images_are_checked_and_added_to_the_story(project_owner):
    from peerfund.crowdfunding.services.projects import project_story_image_add

    project = draft_project(project_owner)
    url = project_story_image_add(owner=project_owner, project=project, image=png("photo.png"))
    project.refresh_from_db()
    assert url.startswith("/media/projects/story/") and f'<img src="{url}" alt="">' in project.story
    with pytest.raises(CrowdfundingError) as refusal:
        project_story_image_add(owner=project_owner, project=project, image=SimpleUploadedFile("a.gif", b"GIF89a-not-really"))
    assert refusal.value.extra["field"] == "image"


def test_project_images_are_served_and_private_uploads_are_not(project_owner, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import Client

    project = draft_project(project_owner)
    assert Client().get(project.cover.url).status_code == 200
    default_storage.save("contracts/2026/11/secret.pdf", ContentFile(b"%PDF"))
    assert Client().get("/media/contracts/2026/11/secret.pdf").status_code == 404
    assert Client(raise_request_exception=False).get("/media/projects/../contracts/2026/11/secret.pdf").status_code == 400


def test_links_and_lengths_are_checked_not_cut(project_owner):
    project = draft_project(project_owner)
    with pytest.raises(CrowdfundingError) as refusal:
        project_update(owner=project_owner, project=project, video_url="javascript:alert(1)")
    assert refusal.value.extra["field"] == "video_url"
    with pytest.raises(CrowdfundingError) as refusal:
        project_update(owner=project_owner, project=project, title="长" * 61)
    assert refusal.value.extra["field"] == "title"
    with pytest.raises(CrowdfundingError) as refusal:
        tier_save(owner=project_owner, project=project, title="x", description="y", price_fen=100_00, limit=10**10, delivery_month=next_month(), needs_shipping=True)
    assert refusal.value.extra["field"] == "limit"
    project.refresh_from_db()
    assert project.video_url == "" and project.title == "智能台灯"
