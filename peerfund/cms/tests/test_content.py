"""Content: staff write Markdown (sanitised), publish and unpublish it (audited), and
the public finds it on the site and by search."""
import pytest
from django.test import Client

from peerfund.cms.models import Article
from peerfund.cms.services import ContentError, article_publish, article_save, article_search
from peerfund.core.audit import audit_trail

pytestmark = pytest.mark.django_db


def _article(staff, kind="help", title="如何充值", body="绑定银行卡后，在**充值**页输入金额。", position=0):
    return article_save(staff=staff, kind=kind, title=title, body_markdown=body, position=position)


def test_markdown_is_rendered_and_sanitised(staff):
    article = _article(staff, body="# 标题\n\n[link](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)>\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<script" not in article.body_html and "onerror" not in article.body_html and "javascript:" not in article.body_html
    assert "<table>" in article.body_html
    with pytest.raises(ContentError):
        article_save(staff=staff, kind="help", title="", body_markdown="x")


def test_only_published_articles_are_shown_and_publishing_is_audited(staff):
    article = _article(staff)
    assert Client().get(f"/articles/{article.pk}/").status_code == 404
    article_publish(staff=staff, article=article, publish=True)
    page = Client().get(f"/articles/{article.pk}/").content.decode()
    assert "<strong>充值</strong>" in page
    article_publish(staff=staff, article=article, publish=False)
    assert Client().get(f"/articles/{article.pk}/").status_code == 404
    assert [row.action for row in audit_trail(article)] == ["article.created", "article.published", "article.unpublished"]


def test_help_search_finds_chinese_and_english_words(staff):
    deposit = _article(staff)
    english = _article(staff, title="Withdrawal limits", body="You can withdraw three times a day.")
    hidden = _article(staff, title="充值草稿", body="未发布")
    for article in (deposit, english):
        article_publish(staff=staff, article=article, publish=True)
    assert [a.pk for a in article_search("充值")] == [deposit.pk]
    assert [a.pk for a in article_search("withdraw")] == [english.pk]
    assert hidden.pk not in [a.pk for a in article_search("草稿")]
    page = Client().get("/help/", {"q": "充值"}).content.decode()
    assert "如何充值" in page and "Withdrawal limits" not in page


def test_home_shows_announcements_and_the_guide_in_order(staff):
    announcement = _article(staff, kind="announcement", title="系统升级通知", body="今晚升级。")
    article_publish(staff=staff, article=announcement, publish=True)
    for position, title in ((2, "第二步：投资"), (1, "第一步：开户")):
        article_publish(staff=staff, article=_article(staff, kind="guide", title=title, body="……", position=position), publish=True)
    home = Client().get("/").content.decode()
    assert "系统升级通知" in home and 'data-testid="guide-link"' in home
    guide = Client().get("/guide/").content.decode()
    assert guide.index("第一步：开户") < guide.index("第二步：投资")


def test_staff_write_and_publish_in_the_back_office(staff_with):
    client = Client()
    client.force_login(staff_with("operations"))
    response = client.post("/backoffice/content/new/", {"kind": "news", "title": "平台上线众筹", "body_markdown": "众筹频道上线。", "position": 0})
    article = Article.objects.get()
    assert response.status_code == 302 and not article.is_published
    client.post(f"/backoffice/content/{article.pk}/publish/", {"publish": "1"})
    assert "平台上线众筹" in Client().get("/news/").content.decode()
    service = Client()
    service.force_login(staff_with("customer_service"))
    assert service.get("/backoffice/content/").status_code == 403


def test_the_api_lists_and_searches_published_articles(staff):
    shown = _article(staff, title="如何提现", body="在提现页操作。")
    _article(staff, title="草稿", body="未发布")
    article_publish(staff=staff, article=shown, publish=True)
    assert [a["title"] for a in Client().get("/api/v1/content/articles").json()] == ["如何提现"]
    assert [a["title"] for a in Client().get("/api/v1/content/articles", {"kind": "help", "q": "提现"}).json()] == ["如何提现"]
    assert Client().get("/api/v1/content/articles", {"kind": "news"}).json() == []
