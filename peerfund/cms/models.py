"""Site content staff write in Markdown: announcements, news, help-centre articles
and the newbie guide. The HTML shown is rendered and sanitised when saved."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerfund.core import clock


class Article(models.Model):
    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        NEWS = "news", _("News")
        HELP = "help", _("Help centre")
        GUIDE = "guide", _("Newbie guide")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=120)
    body_markdown = models.TextField(max_length=50_000)
    body_html = models.TextField(editable=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="order within the help centre and the guide")
    published_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["kind", "published_at"], name="article_kind_published")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
