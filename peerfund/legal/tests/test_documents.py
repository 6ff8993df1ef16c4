"""Version 1 of each document, and the maker–checker of a new version."""
import pytest

from peerfund.core.errors import Forbidden
from peerfund.core.models import AuditLog
from peerfund.legal.models import DocumentKind, DocumentVersion
from peerfund.legal.services import (
    body_sha256,
    document_draft_save,
    document_draft_start,
    document_publish,
    document_reject,
    document_submit,
    published,
)


@pytest.mark.django_db
def test_every_document_is_published_at_version_1_with_the_hash_of_its_text():
    found = {v.kind: v for v in published()}
    assert set(found) == set(DocumentKind.values)
    for version in found.values():
        assert version.number == 1 and version.sha256 == body_sha256(version.body)
    assert "出借人可能损失部分或全部本金" in found["risk_disclosure"].body.replace("**", "")
    assert "不承诺保本保息" in found["risk_disclosure"].body
    assert "网络借贷信息中介" in found["user_agreement"].body
    assert "个人信息保护法" in found["privacy_policy"].body
    assert "征信中心" in found["credit_authorisation"].body
    assert "不从本金中预先扣除" in found["lending_service"].body and "分期服务费" in found["lending_service"].body
    assert all("人民法院" in v.body for v in found.values() if v.kind != "risk_disclosure")


def test_the_writer_cannot_publish_another_staff_member_does(staff_with):
    maker, checker = staff_with("operations", "writer"), staff_with("admin", "publisher")
    draft = document_draft_start(staff=maker, kind=DocumentKind.RISK_DISCLOSURE)
    assert draft.number == 2 and draft.status == DocumentVersion.Status.DRAFT
    draft = document_draft_save(staff=maker, kind=DocumentKind.RISK_DISCLOSURE, title="风险揭示书", body=draft.body + "\n\n## 六、新增条款")
    document_submit(staff=maker, version=draft)

    with pytest.raises(Forbidden) as refused:
        document_publish(staff=maker, version=draft)
    assert refused.value.code == "legal.same_person"
    assert published([DocumentKind.RISK_DISCLOSURE]).get().number == 1

    document_publish(staff=checker, version=draft)
    versions = {v.number: v for v in DocumentVersion.objects.filter(kind=DocumentKind.RISK_DISCLOSURE)}
    assert versions[2].status == "published" and versions[2].checked_by == checker and versions[2].made_by == maker
    assert versions[1].status == "superseded"
    assert versions[2].sha256 == body_sha256(versions[2].body)
    steps = list(AuditLog.objects.filter(object_type="legal.documentversion", object_id=str(draft.pk)).order_by("id").values_list("action", "actor__username"))
    assert steps == [("legal.draft_saved", "writer"), ("legal.draft_saved", "writer"), ("legal.submitted", "writer"), ("legal.published", "publisher")]


def test_the_checker_sends_a_version_back_and_staff_without_the_permission_may_not_write(staff_with):
    maker, checker = staff_with("operations", "writer"), staff_with("admin", "publisher")
    draft = document_draft_start(staff=maker, kind=DocumentKind.PRIVACY_POLICY)
    document_submit(staff=maker, version=draft)
    document_reject(staff=checker, version=draft, reason="第五条写清答复期限")
    draft.refresh_from_db()
    assert draft.status == "draft"
    with pytest.raises(Forbidden) as refused:
        document_draft_start(staff=staff_with("risk", "analyst"), kind=DocumentKind.PRIVACY_POLICY)
    assert refused.value.code == "legal.forbidden"


def test_console_pages_walk_a_version_from_draft_to_published(client, staff_with):
    maker, checker = staff_with("operations", "writer"), staff_with("admin", "publisher")
    client.force_login(maker)
    assert client.get("/backoffice/legal/").status_code == 200
    page = client.get("/backoffice/legal/user_agreement/edit/")
    assert "用户注册协议" in page.content.decode()
    saved = client.post("/backoffice/legal/user_agreement/edit/", {"title": "用户注册协议", "body": "# 用户注册协议\n\n新的条款。"})
    draft = DocumentVersion.objects.get(kind="user_agreement", number=2)
    assert saved["Location"] == f"/backoffice/legal/versions/{draft.pk}/"
    assert "新的条款" in client.get(saved["Location"]).content.decode()  # with the diff against v1
    client.post(f"/backoffice/legal/versions/{draft.pk}/submit/")
    client.post(f"/backoffice/legal/versions/{draft.pk}/publish/")  # refused: the writer
    draft.refresh_from_db()
    assert draft.status == "pending"
    client.force_login(checker)
    client.post(f"/backoffice/legal/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    public = client.get("/legal/user_agreement/")
    assert "新的条款" in public.content.decode() and draft.sha256 in public.content.decode()
    assert "新的条款" not in client.get("/legal/user_agreement/v1/").content.decode()


def test_the_console_is_closed_to_staff_without_the_permission(client, staff_with):
    client.force_login(staff_with("risk", "analyst"))
    assert client.get("/backoffice/legal/").status_code == 403
