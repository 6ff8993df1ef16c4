"""REST API of the site content: published articles by kind, and help search."""
from ninja import Router, Schema

from peerfund.cms.models import Article
from peerfund.cms.services import article_search, published

router = Router(tags=["content"])


class ArticleOut(Schema):
    id: int
    kind: str
    title: str
    body_html: str
    published_at: str

    @staticmethod
    def of(article: Article) -> "ArticleOut":
        return ArticleOut(id=article.pk, kind=article.kind, title=article.title, body_html=article.body_html, published_at=article.published_at.isoformat())


@router.get("/articles", response=list[ArticleOut], summary="Published articles, newest first; `kind` filters, `q` searches", auth=None)
def articles(request, kind: str = "", q: str = ""):
    kind = kind if kind in Article.Kind.values else None
    found = article_search(q, kind=kind) if q.strip() else list(published(kind)[:50])
    return [ArticleOut.of(a) for a in found]
