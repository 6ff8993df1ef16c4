"""The staff console: each role sees only what it may, sensitive actions need a
second person, looking at personal data is audited."""
import pytest

from peerfund.accounts.models import Verification
from peerfund.accounts.services.identity import verification_submit_enterprise
from peerfund.backoffice.models import UserActionRequest
from peerfund.core.audit import audit_trail
from peerfund.core.errors import Forbidden
from peerfund.sandbox.models import OutboundMessage


def test_users_and_anonymous_visitors_are_kept_out(client, owner):
    assert client.get("/backoffice/").status_code == 302
    client.force_login(owner)
    assert client.get("/backoffice/users/").status_code == 403


def test_user_search_by_full_phone_shows_masked_data(client, staff, investor):
    client.force_login(staff)
    page = client.get("/backoffice/users/", {"q": investor.phone.removeprefix("+86")}).content.decode()
    assert investor.username in page and investor.phone not in page
    detail = client.get(f"/backoffice/users/{investor.pk}/").content.decode()
    assert "110101********1233" in detail and "110101199003071233" not in detail


def test_personal_data_is_shown_only_with_a_purpose_and_audited(client, staff, staff_with, investor):
    client.force_login(staff_with("operations"))
    page = client.post(f"/backoffice/users/{investor.pk}/", {"reveal": "1", "purpose": "x"}).content.decode()
    assert "110101199003071233" not in page
    client.force_login(staff)
    page = client.post(f"/backoffice/users/{investor.pk}/", {"reveal": "1", "purpose": ""}).content.decode()
    assert "110101199003071233" not in page
    page = client.post(f"/backoffice/users/{investor.pk}/", {"reveal": "1", "purpose": "customer called about a card"}).content.decode()
    assert "110101199003071233" in page
    assert audit_trail(investor).filter(action="personal_data.view", actor=staff, reason="customer called about a card").exists()


def test_freezing_needs_a_second_person(client, staff_with, investor):
    maker, checker = staff_with("compliance", "maker"), staff_with("risk", "checker")
    client.force_login(maker)
    client.post(f"/backoffice/users/{investor.pk}/freeze/", {"reason": "suspected fraud"})
    request = UserActionRequest.objects.get()
    client.post(f"/backoffice/requests/{request.pk}/", {"decision": "approve"})  # own request: refused
    investor.refresh_from_db()
    assert not investor.is_frozen
    client.force_login(checker)
    client.post(f"/backoffice/requests/{request.pk}/", {"decision": "approve"})
    investor.refresh_from_db()
    assert investor.is_frozen and investor.frozen_reason == "suspected fraud"
    assert audit_trail(investor).filter(action="user.freeze.approved", actor=checker).exists()


def test_approving_ones_own_request_is_forbidden_in_the_service(staff_with, investor):
    from peerfund.backoffice.services import user_action_decide, user_action_request

    maker = staff_with("compliance")
    request = user_action_request(staff=maker, target=investor, action="freeze", reason="r")
    with pytest.raises(Forbidden):
        user_action_decide(staff=maker, request=request, approve=True)


def test_verification_review_queue(client, staff, make_user, platform):
    user = make_user(username="firm")
    verification_submit_enterprise(
        user=user, company_name="北京示范科技有限公司", credit_code="91110000MA01ABCD1M", legal_rep_name="刘洋", legal_rep_id="330106198507153337"
    )
    client.force_login(staff)
    assert "北京示范科技有限公司" in client.get("/backoffice/verifications/").content.decode()
    verification = Verification.objects.get(user=user)
    client.post("/backoffice/verifications/", {"verification": verification.pk, "decision": "reject", "reason": "licence expired"})
    verification.refresh_from_db()
    assert (verification.status, verification.reason) == ("rejected", "licence expired")


def test_outbox_shows_what_the_sandbox_sent(client, staff):
    OutboundMessage.objects.create(channel="sms", recipient="+8613900000000", body="验证码 123456")
    client.force_login(staff)
    assert "123456" in client.get("/backoffice/outbox/").content.decode()
