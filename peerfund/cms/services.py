"""Writing and publishing content (staff, audited) and searching it: PostgreSQL's
full-text search where it runs (the `simple` configuration, so words in any language
match as written), a plain substring search on SQLite — and on PostgreSQL too for
Chinese, which has no spaces between words for a text-search parser to split on."""
import markdown
import nh3
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from peerfund.cms.models import Article
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError

TAGS = {"p", "br", "h2", "h3", "h4", "strong", "em", "blockquote", "ul", "ol", "li", "a", "img", "hr", "code", "pre", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}


class ContentError(ApplicationError):
    pass


def render_markdown(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


def article_save(*, staff, kind: str, title: str, body_markdown: str, position: int = 0, article: Article | None = None) -> Article:
    title, body_markdown = (title or "").strip(), (body_markdown or "").strip()
    if kind not in Article.Kind.values:
        raise ContentError(_("Choose what kind of article this is."), "cms.kind", {"field": "kind"})
    if not title or not body_markdown:
        raise ContentError(_("Give a title and a text."), "cms.required", {"field": "title" if not title else "body_markdown"})
    if len(title) > 120 or len(body_markdown) > 50_000:
        raise ContentError(_("The title takes 120 characters, the text 50,000."), "cms.too_long", {"field": "body_markdown"})
    created = article is None
    article = article or Article(author=staff)
    article.kind, article.title, article.body_markdown, article.position = kind, title, body_markdown, position
    article.body_html = render_markdown(body_markdown)
    article.save()
    audit_record(actor=staff, action="article.created" if created else "article.changed", obj=article, data={"title": title, "kind": kind})
    return article


def article_publish(*, staff, article: Article, publish: bool) -> Article:
    article.published_at = clock.now() if publish else None
    article.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=staff, action="article.published" if publish else "article.unpublished", obj=article)
    return article


def published(kind: str | None = None):
    articles = Article.objects.filter(published_at__isnull=False)
    return articles.filter(kind=kind) if kind else articles


def article_search(query: str, *, kind: str | None = None, limit: int = 50) -> list[Article]:
    """Published articles matching `query`, best first on PostgreSQL."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    articles = published(kind)
    substring = Q(title__icontains=query) | Q(body_markdown__icontains=query)
    if connection.vendor != "postgresql":
        return list(articles.filter(substring)[:limit])
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config="simple") + SearchVector("body_markdown", weight="B", config="simple")
    words = SearchQuery(query, config="simple", search_type="websearch")
    return list(articles.annotate(rank=SearchRank(vector, words)).filter(Q(rank__gt=0) | substring).order_by("-rank", "-published_at")[:limit])
