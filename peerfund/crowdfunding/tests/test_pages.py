"""The crowdfunding pages and API as a user meets them: discovery, the project page
(escaped comments, share tags, QR), pledging with field errors, the owner's pages
(another user gets 404), and the back office by role."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from peerfund.crowdfunding.models import Complaint, Pledge, Project
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.crowdfunding.services.settlement import project_close
from peerfund.tests_support.crowdfunding import draft_project, png, published_project, subcategory
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(project_owner, reviewer):
    return published_project(project_owner, reviewer)


def test_discovery_filters_searches_and_sorts(project_owner, reviewer, project):
    other = published_project(project_owner, reviewer, title="独立游戏", days=3)
    other.category = subcategory("游戏", top="文创")
    other.save()
    draft_project(project_owner, title="未发布的草稿")
    page = Client().get("/projects/")
    assert page.status_code == 200
    titles = [p.title for p in page.context["page"]]
    assert set(titles) == {"智能台灯", "独立游戏"}
    assert [p.title for p in Client().get("/projects/?q=游戏").context["page"]] == ["独立游戏"]
    assert [p.title for p in Client().get(f"/projects/?category={other.category.parent_id}").context["page"]] == ["独立游戏"]
    assert [p.title for p in Client().get("/projects/?sort=ending").context["page"]] == ["独立游戏", "智能台灯"]


def test_project_page_shares_well_and_escapes_comments(project, backers):
    client = client_for(backers[0])
    response = client.post(f"/projects/{project.pk}/", {"body": "<script>alert('x')</script>好", "is_question": "on"})
    assert response.status_code == 302
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;好" in html
    assert f'<meta property="og:title" content="{project.title}">' in html and 'property="og:image"' in html
    assert 'og:description" content="会自动调光的护眼台灯"' in html
    qr = Client().get(f"/projects/{project.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    project.refresh_from_db()
    assert project.visits == 1  # the page view; the POST and the QR do not count


def test_drafts_and_owner_pages_are_private(project_owner, project, backers):
    draft = draft_project(project_owner, title="草稿")
    stranger = client_for(backers[0])
    assert Client().get(f"/projects/{draft.pk}/").status_code == 404
    assert stranger.get(f"/projects/mine/{draft.pk}/edit/basics/").status_code == 404
    assert stranger.get(f"/projects/{project.pk}/dashboard/").status_code == 404
    assert stranger.post(f"/projects/mine/{draft.pk}/submit/").status_code == 404
    assert client_for(project_owner).get(f"/projects/{project.pk}/dashboard/").status_code == 200


def test_owner_builds_a_draft_through_the_steps(project_owner):
    client = client_for(project_owner)
    response = client.post("/projects/mine/", {"title": "折叠自行车"})
    project = Project.objects.get(title="折叠自行车")
    assert response["Location"] == f"/projects/mine/{project.pk}/edit/basics/"
    bad = client.post(f"/projects/mine/{project.pk}/edit/basics/", {
        "title": "折叠自行车", "summary": "十秒折叠", "category": subcategory().pk, "goal": "5,000", "duration_days": "90",
        "cover": png(),
    })
    assert bad.status_code == 200 and "duration_days" in bad.context["form"].errors
    client.post(f"/projects/mine/{project.pk}/edit/basics/", {
        "title": "折叠自行车", "summary": "十秒折叠", "category": subcategory().pk, "goal": "5,000", "duration_days": "30", "cover": png(),
        "allow_no_reward": "on",
    })
    client.post(f"/projects/mine/{project.pk}/edit/story/", {"story": "<p>好骑</p><script>x()</script>"})
    client.post(f"/projects/mine/{project.pk}/edit/rewards/", {"title": "早鸟", "description": "一辆", "price": "1,999", "limit": "50",
                                                               "delivery_month": "2027-06", "needs_shipping": "on"})
    client.post(f"/projects/mine/{project.pk}/edit/risk/", {"risk_statement": "供应链可能延期"})
    client.post(f"/projects/mine/{project.pk}/submit/")
    project.refresh_from_db()
    assert project.status == Project.Status.IN_REVIEW and project.goal_fen == 500_000 and project.story == "<p>好骑</p>"
    assert project.tiers.get().price_fen == 199_900 and project.cover.name.startswith("projects/")


def test_pledge_page_shows_field_errors_and_places_the_pledge(project, backers):
    client = client_for(backers[0])
    tier = project.tiers.order_by("price_fen").first()
    form = client.get(f"/projects/{project.pk}/pledge/{tier.pk}/").context["form"]
    assert form.initial["amount"] == "109.00" and form.fields["address"].initial == backers[0].address.pk
    low = client.post(f"/projects/{project.pk}/pledge/{tier.pk}/", {"amount": "50", "address": backers[0].address.pk, "trade_password": TRADE_PASSWORD, "key": "p1"})
    assert low.status_code == 200 and "amount" in low.context["form"].errors and not Pledge.objects.exists()
    done = client.post(f"/projects/{project.pk}/pledge/{tier.pk}/", {"amount": "109", "address": backers[0].address.pk, "trade_password": TRADE_PASSWORD, "key": "p1"})
    assert done.status_code == 302 and Pledge.objects.get().amount_fen == 109_00
    page = client.get("/projects/pledges/").content.decode()
    assert "智能台灯" in page and 'data-testid="cancel"' in page
    client.post(f"/projects/pledges/{Pledge.objects.get().pk}/cancel/")
    assert Pledge.objects.get().status == Pledge.Status.CANCELLED


def test_api_pledge_is_idempotent_and_refusals_are_4xx(project, backers, api_client_for):
    api = api_client_for(backers[0])
    tier = project.tiers.order_by("price_fen").first()
    body = {"tier_id": tier.pk, "amount_fen": 109_00, "address_id": backers[0].address.pk, "trade_password": TRADE_PASSWORD}
    url = f"/api/v1/crowdfunding/projects/{project.pk}/pledges"
    assert api.post(url, json.dumps(body), content_type="application/json").status_code == 400  # no Idempotency-Key
    first = api.post(url, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": "one"})
    again = api.post(url, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": "one"})
    assert first.status_code == 201 and again["Idempotent-Replayed"] == "true" and Pledge.objects.count() == 1
    low = api.post(url, json.dumps({**body, "amount_fen": 50_00}), content_type="application/json", headers={"Idempotency-Key": "two"})
    assert low.status_code == 400 and low.json()["code"] == "pledge.below_price" and low.json()["extra"]["min_fen"] == 109_00
    pledge_id = first.json()["id"]
    other = api_client_for(backers[1])
    assert other.post(f"/api/v1/crowdfunding/pledges/{pledge_id}/cancel", headers={"Idempotency-Key": "c"}).status_code == 404
    assert [p["id"] for p in api.get("/api/v1/crowdfunding/pledges").json()] == [pledge_id]
    listing = api.get("/api/v1/crowdfunding/projects").json()
    assert listing["count"] == 1 and listing["results"][0]["raised_fen"] == 109_00
    detail = api.get(f"/api/v1/crowdfunding/projects/{project.pk}").json()
    assert [t["left"] for t in detail["tiers"]] == [1, None]


def test_api_owner_builds_submits_and_reads_analytics(project_owner, project, backers, api_client_for):
    api = api_client_for(project_owner)
    created = api.post("/api/v1/crowdfunding/mine", json.dumps({"title": "API 项目", "goal_fen": 100_000, "duration_days": 61}), content_type="application/json")
    assert created.status_code == 400 and created.json()["extra"]["field"] == "duration_days"
    created = api.post("/api/v1/crowdfunding/mine", json.dumps({"title": "API 项目"}), content_type="application/json")
    draft_id = created.json()["id"]
    patched = api.patch(f"/api/v1/crowdfunding/mine/{draft_id}", json.dumps({"story_html": "<p>ok</p><img src=x onerror=alert(1)>"}), content_type="application/json")
    assert patched.json()["story_html"] == '<p>ok</p><img src="x">'
    tier = api.post(f"/api/v1/crowdfunding/mine/{draft_id}/tiers", json.dumps({"title": "t", "description": "d", "price_fen": 100, "delivery_month": "2027-13"}),
                    content_type="application/json")
    assert tier.status_code == 400 and tier.json()["extra"]["field"] == "delivery_month"
    submitted = api.post(f"/api/v1/crowdfunding/mine/{draft_id}/submit")
    assert submitted.status_code == 400 and submitted.json()["code"] == "project.machine_review"
    pledge_place(backer=backers[0], project_id=project.pk, tier_id=None, amount_fen=100_00, address_id=None, trade_password=TRADE_PASSWORD, key="x")
    data = api.get(f"/api/v1/crowdfunding/mine/{project.pk}/analytics").json()
    assert data["backers"] == 1 and data["by_region"] == [{"province": "—", "backers": 1}] and data["curve"][0]["cumulative_fen"] == 100_00
    assert api_client_for(backers[0]).get(f"/api/v1/crowdfunding/mine/{project.pk}/analytics").status_code == 404


def test_reviewer_approves_and_customer_service_handles_a_complaint(project_owner, staff_with, backers, django_capture_on_commit_callbacks):
    reviewer = client_for(staff_with("risk", "risk-reviewer"))
    from peerfund.crowdfunding.services.projects import project_submit

    project = project_submit(owner=project_owner, project=draft_project(project_owner, goal_fen=100_00))
    assert "智能台灯" in reviewer.get("/backoffice/crowdfunding/review/").content.decode()
    reviewer.post("/backoffice/crowdfunding/review/", {"project": project.pk, "decision": "approve"})
    project.refresh_from_db()
    assert project.status == Project.Status.FUNDING
    with django_capture_on_commit_callbacks(execute=True):
        pledge = pledge_place(backer=backers[0], project_id=project.pk, tier_id=None, amount_fen=100_00, address_id=None, trade_password=TRADE_PASSWORD, key="x")
        project_close(project_id=project.pk, on=project.deadline)
    client_for(backers[0]).post(f"/projects/pledges/{pledge.pk}/complain/", {"text": "项目方失联"})
    complaint = Complaint.objects.get()
    service = client_for(staff_with("customer_service"))
    assert "项目方失联" in service.get("/backoffice/crowdfunding/complaints/").content.decode()
    service.post("/backoffice/crowdfunding/complaints/", {"complaint": complaint.pk, "decision": "dismiss", "resolution": "已联系项目方"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.DISMISSED and complaint.handled_by.username == "staff-customer_service"


def test_api_updates_follows_messages_and_uploads(project_owner, project, backers, api_client_for):
    owner_api, backer_api, stranger_api = api_client_for(project_owner), api_client_for(backers[0]), api_client_for(backers[1])
    pledge_place(backer=backers[0], project_id=project.pk, tier_id=None, amount_fen=100_00, address_id=None, trade_password=TRADE_PASSWORD, key="x")
    posted = owner_api.post(f"/api/v1/crowdfunding/mine/{project.pk}/updates", json.dumps({"title": "内部", "body_html": "<p>hi</p>", "backers_only": True}),
                            content_type="application/json")
    assert posted.status_code == 201
    assert [u["title"] for u in backer_api.get(f"/api/v1/crowdfunding/projects/{project.pk}/updates").json()] == ["内部"]
    assert stranger_api.get(f"/api/v1/crowdfunding/projects/{project.pk}/updates").json() == []
    assert stranger_api.put(f"/api/v1/crowdfunding/projects/{project.pk}/follow").json() == {"following": True}
    sent = backer_api.post(f"/api/v1/crowdfunding/projects/{project.pk}/messages", json.dumps({"body": "几时发货？"}), content_type="application/json")
    assert sent.status_code == 201 and sent.json()["from_owner"] is False
    owner_api.post(f"/api/v1/crowdfunding/projects/{project.pk}/messages", json.dumps({"body": "下月", "to_user_id": backers[0].pk}), content_type="application/json")
    assert [m["body"] for m in backer_api.get(f"/api/v1/crowdfunding/projects/{project.pk}/messages").json()] == ["几时发货？", "下月"]
    assert stranger_api.get(f"/api/v1/crowdfunding/projects/{project.pk}/messages").status_code == 404
    refused = stranger_api.post(f"/api/v1/crowdfunding/projects/{project.pk}/messages", json.dumps({"body": "hi"}), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "message.not_allowed"

    draft = draft_project(project_owner, title="上传")
    bad = owner_api.post(f"/api/v1/crowdfunding/mine/{draft.pk}/cover", {"image": SimpleUploadedFile("x.png", b"not an image")})
    assert bad.status_code == 400 and bad.json()["code"] == "project.image_type"
    assert owner_api.post(f"/api/v1/crowdfunding/mine/{draft.pk}/cover", {"image": png()}).status_code == 200
    url = owner_api.post(f"/api/v1/crowdfunding/mine/{draft.pk}/story-images", {"image": png()}).json()["url"]
    assert url in owner_api.get("/api/v1/crowdfunding/mine").json()[0]["story_html"]
    tier_id = draft.tiers.first().pk
    assert stranger_api.delete(f"/api/v1/crowdfunding/mine/{draft.pk}/tiers/{tier_id}").status_code == 404
    assert owner_api.delete(f"/api/v1/crowdfunding/mine/{draft.pk}/tiers/{tier_id}").status_code == 204


def test_discovery_pages_through_the_projects(project_owner, reviewer, project, monkeypatch):
    from peerfund.crowdfunding import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    published_project(project_owner, reviewer, title="第二个")
    first = Client().get("/projects/?sort=newest")
    assert [p.title for p in first.context["page"]] == ["第二个"] and 'data-testid="pager"' in first.content.decode()
    assert "?sort=newest&page=2" in first.content.decode()
    assert [p.title for p in Client().get("/projects/?sort=newest&page=2").context["page"]] == ["智能台灯"]


def test_the_address_book_through_the_api_feeds_an_api_pledge(project, backers, api_client_for):
    api = api_client_for(backers[1])
    bad = api.post("/api/v1/me/addresses", json.dumps({"recipient": "李四", "phone": "123", "province": "广东", "city": "深圳", "street": "深南大道 1 号"}),
                   content_type="application/json")
    assert bad.status_code == 400 and bad.json()["extra"]["field"] == "phone"
    made = api.post("/api/v1/me/addresses", json.dumps({"recipient": "李四", "phone": "13912345678", "province": "广东", "city": "深圳",
                                                        "street": "深南大道 1 号", "make_default": True}), content_type="application/json")
    address_id = made.json()["id"]
    tier = project.tiers.order_by("price_fen").first()
    pledged = api.post(f"/api/v1/crowdfunding/projects/{project.pk}/pledges", json.dumps({"tier_id": tier.pk, "amount_fen": tier.minimum_fen,
                       "address_id": address_id, "trade_password": TRADE_PASSWORD}), content_type="application/json", headers={"Idempotency-Key": "k"})
    assert pledged.status_code == 201 and "深南大道" in Pledge.objects.get(pk=pledged.json()["id"]).address
    assert api_client_for(backers[0]).delete(f"/api/v1/me/addresses/{address_id}").status_code == 404
    assert api.delete(f"/api/v1/me/addresses/{address_id}").status_code == 204


def test_api_categories_and_the_owners_backer_list(project_owner, project, backers, api_client_for):
    categories = Client().get("/api/v1/crowdfunding/categories").json()
    assert {c["name"] for c in categories} >= {"科技", "智能硬件"}
    tier = project.tiers.order_by("price_fen").first()
    pledge_place(backer=backers[0], project_id=project.pk, tier_id=tier.pk, amount_fen=tier.minimum_fen, address_id=backers[0].address.pk,
                 trade_password=TRADE_PASSWORD, key="x")
    rows = api_client_for(project_owner).get(f"/api/v1/crowdfunding/mine/{project.pk}/backers").json()
    assert [(r["backer"], r["ship_to"]) for r in rows] == [("backer1", "浙江")]  # the street only once the project is settled
    assert api_client_for(backers[0]).get(f"/api/v1/crowdfunding/mine/{project.pk}/backers").status_code == 404
