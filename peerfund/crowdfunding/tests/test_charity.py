"""The 公益 (charity) category is open only to owners verified as charity
organisations (enterprise verification with a charity registration number)."""
import pytest

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import Verification
from peerfund.accounts.services.identity import (
    user_is_verified_charity,
    verification_charity_decide,
    verification_review,
    verification_submit_enterprise,
)
from peerfund.crowdfunding.errors import CrowdfundingError
from peerfund.crowdfunding.models import Category, Project
from peerfund.crowdfunding.services.projects import category_save, project_create, project_review, project_submit, project_update
from peerfund.sandbox import identity as sandbox_identity
from peerfund.tests_support.crowdfunding import draft_project, subcategory

CHARITY_CODE = "531100005000012347"  # 5 = civil affairs, 3 = foundation (基金会)
CHARITY_NAME = "北京示范公益基金会"
REP_ID, REP_NAME = "110101199003071233", "李娜"


@pytest.fixture
def charity_category(staff):
    top = category_save(staff=staff, name="公益", charity=True)
    return category_save(staff=staff, name="助学", parent=top)


@pytest.fixture
def charity_org(platform, make_user, staff, monkeypatch):
    """An enterprise verified as a charity: it gave its registration number, staff
    approved the verification (and with it the charity registration certificate)."""
    monkeypatch.setitem(sandbox_identity.TEST_ENTERPRISES, CHARITY_CODE, (CHARITY_NAME, REP_ID))
    user = make_user(username="foundation")
    verification = verification_submit_enterprise(user=user, company_name=CHARITY_NAME, credit_code=CHARITY_CODE, legal_rep_name=REP_NAME,
                                                  legal_rep_id=REP_ID, charity_registration_no=CHARITY_CODE)
    verification_review(staff=staff, verification=verification, approve=True)
    return user


def test_a_subcategory_of_the_charity_category_is_a_charity_category(charity_category):
    assert charity_category.is_charity
    assert not subcategory().is_charity


def test_a_project_in_the_charity_category_from_a_person_is_refused(project_owner, charity_category):
    with pytest.raises(CrowdfundingError) as refused:
        project_create(owner=project_owner, title="山区助学", category=charity_category)
    assert refused.value.code == "crowdfunding.charity_only"
    assert refused.value.extra["field"] == "category"
    assert not Project.objects.filter(owner=project_owner).exists()


def test_moving_a_draft_into_the_charity_category_is_refused(project_owner, charity_category):
    project = draft_project(project_owner)
    with pytest.raises(CrowdfundingError) as refused:
        project_update(owner=project_owner, project=project, category=charity_category)
    assert refused.value.code == "crowdfunding.charity_only"
    project.refresh_from_db()
    assert project.category != charity_category


def test_a_verified_charity_may_start_and_publish_a_charity_project(charity_org, charity_category, reviewer):
    assert user_is_verified_charity(charity_org)
    project = draft_project(charity_org)
    project_update(owner=charity_org, project=project, category=charity_category)
    project = project_submit(owner=charity_org, project=project)
    project = project_review(staff=reviewer, project=project, approve=True)
    assert project.status == Project.Status.FUNDING and project.category == charity_category
    assert project.owner_kind == Verification.Kind.ENTERPRISE


def test_an_enterprise_without_the_charity_confirmation_is_refused(platform, make_user, staff, charity_category, monkeypatch):
    """A registration number alone is not enough: staff withdraw the confirmation and
    the category closes to it again."""
    monkeypatch.setitem(sandbox_identity.TEST_ENTERPRISES, CHARITY_CODE, (CHARITY_NAME, REP_ID))
    user = make_user(username="foundation2")
    verification = verification_submit_enterprise(user=user, company_name=CHARITY_NAME, credit_code=CHARITY_CODE, legal_rep_name=REP_NAME,
                                                  legal_rep_id=REP_ID, charity_registration_no=CHARITY_CODE)
    verification_review(staff=staff, verification=verification, approve=True)
    verification_charity_decide(staff=staff, verification=verification, approve=False, reason="登记证书已被撤销")
    with pytest.raises(CrowdfundingError) as refused:
        project_create(owner=user, title="助学", category=charity_category)
    assert refused.value.code == "crowdfunding.charity_only"


def test_a_company_credit_code_is_not_a_charity_registration(platform, make_user):
    """Companies (91…) are registered by market regulators, charities (5…) by civil affairs."""
    user = make_user(username="company")
    with pytest.raises(AccountError) as refused:
        verification_submit_enterprise(user=user, company_name="北京示范科技有限公司", credit_code="91110000MA01ABCD1M", legal_rep_name="刘洋",
                                       legal_rep_id="330106198507153337", charity_registration_no="91110000MA01ABCD1M")
    assert refused.value.code == "identity.charity_not_social_org"


def test_the_reviewer_cannot_publish_a_charity_project_of_a_non_charity(project_owner, charity_org, charity_category, reviewer, staff):
    """The back office refuses too: a project moved into the category behind the
    services' back (or whose owner lost the status) is not published."""
    project = draft_project(project_owner)
    Project.objects.filter(pk=project.pk).update(category=charity_category, status=Project.Status.IN_REVIEW)
    project.refresh_from_db()
    with pytest.raises(CrowdfundingError) as refused:
        project_review(staff=reviewer, project=project, approve=True)
    assert refused.value.code == "crowdfunding.charity_only"


def test_machine_review_names_the_charity_rule(project_owner, charity_category):
    project = draft_project(project_owner)
    Project.objects.filter(pk=project.pk).update(category=charity_category)
    project.refresh_from_db()
    with pytest.raises(CrowdfundingError) as refused:
        project_submit(owner=project_owner, project=project)
    assert any("charity" in reason or "慈善" in reason for reason in refused.value.extra["reasons"])


def test_the_api_refuses_a_charity_project_from_a_non_charity(project_owner, charity_category, api_client_for):
    client = api_client_for(project_owner)
    response = client.post("/api/v1/crowdfunding/mine", {"title": "助学", "category_id": charity_category.pk}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "crowdfunding.charity_only"
    assert not Project.objects.filter(owner=project_owner).exists()
    categories = client.get("/api/v1/crowdfunding/categories").json()
    assert {c["id"]: c["charity"] for c in categories}[charity_category.pk] is True


def test_the_form_shows_the_refusal_at_the_category(project_owner, charity_category, client):
    project = draft_project(project_owner)
    client.force_login(project_owner)
    response = client.post(f"/projects/mine/{project.pk}/edit/basics/", {
        "title": project.title, "summary": project.summary, "category": charity_category.pk, "duration_days": 10, "goal": "1000",
        "allow_no_reward": "on", "video_url": "",
    })
    assert response.status_code == 200
    assert "category-error" in response.content.decode()
    project.refresh_from_db()
    assert project.category != charity_category


def test_the_back_office_marks_a_category_as_charity(staff, client):
    client.force_login(staff)
    response = client.post("/backoffice/crowdfunding/categories/", {"name": "公益", "charity": "on"})
    assert response.status_code == 302
    assert Category.objects.get(name="公益", parent=None).charity
