"""Public content pages (news and announcements, the help centre with search, the
newbie guide) and the back office where staff write and publish them."""
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerfund.backoffice.permissions import staff_permission_required
from peerfund.cms.models import Article
from peerfund.cms.services import article_publish, article_save, article_search, published
from peerfund.core.forms import BootstrapFormMixin, form_run


def news(request):
    return render(request, "cms/list.html", {"title": _("News and announcements"),
                                             "articles": published().filter(kind__in=(Article.Kind.ANNOUNCEMENT, Article.Kind.NEWS))[:50]})


def help_centre(request):
    query = request.GET.get("q", "").strip()
    articles = article_search(query, kind=Article.Kind.HELP) if query else list(published(Article.Kind.HELP).order_by("position", "id"))
    return render(request, "cms/help.html", {"articles": articles, "query": query})


def guide(request):
    return render(request, "cms/guide.html", {"articles": published(Article.Kind.GUIDE).order_by("position", "id")})


def article(request, article_id: int):
    found = published().filter(pk=article_id).first()
    if found is None:
        raise Http404
    return render(request, "cms/article.html", {"article": found})


class ArticleForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Article.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    body_markdown = forms.CharField(label=gettext_lazy("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 14}), max_length=50_000)
    position = forms.IntegerField(label=gettext_lazy("Order (help centre, guide)"), min_value=0, max_value=999, initial=0)


@staff_permission_required("manage_content")
def content_list(request):
    return render(request, "cms/backoffice/list.html", {"articles": Article.objects.select_related("author").order_by("-id")[:200]})


@staff_permission_required("manage_content")
def content_edit(request, article_id: int | None = None):
    existing = get_object_or_404(Article, pk=article_id) if article_id else None
    initial = {"kind": existing.kind, "title": existing.title, "body_markdown": existing.body_markdown, "position": existing.position} if existing else None
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form_run(request, form, lambda d: article_save(staff=request.user, article=existing, **d), _("Saved."))
        if saved:
            return redirect("cms_backoffice:edit", article_id=saved.pk)
    return render(request, "cms/backoffice/edit.html", {"form": form, "article": existing})


@staff_permission_required("manage_content")
@require_POST
def content_publish(request, article_id: int):
    found = get_object_or_404(Article, pk=article_id)
    article_publish(staff=request.user, article=found, publish=request.POST.get("publish") == "1")
    messages.success(request, _("Published.") if found.is_published else _("Unpublished."))
    return redirect("cms_backoffice:list")
