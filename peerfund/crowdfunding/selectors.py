"""Reads: the projects page (filters, search, sorting), a project for the public,
its owner or a backer, and the figures of the owner's and the platform's analytics."""
import datetime as dt
from dataclasses import dataclass
from statistics import median

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.http import Http404

from peerfund.core import clock
from peerfund.crowdfunding.models import Comment, DailyVisits, Pledge, Project

SORTS = {
    "newest": ("-published_on", "-id"),
    "funded": ("-raised_fen", "-id"),
    "ending": ("deadline", "id"),
}
PAGE_SIZE = 12


@dataclass(frozen=True)
class Discovery:
    category: int | None = None
    q: str = ""
    sort: str = "newest"
    status: str = "funding"  # funding, or "all" public projects


def projects_page(filters: Discovery, page=1):
    projects = Project.objects.filter(status__in=Project.PUBLIC).select_related("category__parent")
    if filters.status == "funding":
        projects = projects.filter(status=Project.Status.FUNDING)
    if filters.category:
        projects = projects.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.q:
        projects = projects.filter(Q(title__icontains=filters.q) | Q(summary__icontains=filters.q))
    sort = SORTS.get(filters.sort, SORTS["newest"])
    if filters.sort == "ending":
        projects = projects.filter(status=Project.Status.FUNDING)
    return Paginator(projects.order_by(*sort), PAGE_SIZE).get_page(page)


def project_get_public(project_id: int) -> Project:
    project = Project.objects.select_related("category__parent", "owner").filter(pk=project_id, status__in=Project.PUBLIC).first()
    if project is None:
        raise Http404
    return project


def project_get_for_owner(user, project_id: int) -> Project:
    """The user's own project in any state; anyone else's is a 404."""
    project = Project.objects.select_related("category__parent").filter(pk=project_id, owner=user).first()
    if project is None:
        raise Http404
    return project


def pledge_get_for_backer(user, pledge_id: int) -> Pledge:
    pledge = Pledge.objects.select_related("project", "tier").filter(pk=pledge_id, backer=user).first()
    if pledge is None:
        raise Http404
    return pledge


def pledge_get_for_owner(user, pledge_id: int) -> Pledge:
    pledge = Pledge.objects.select_related("project", "tier", "backer").filter(pk=pledge_id, project__owner=user).first()
    if pledge is None:
        raise Http404
    return pledge


def pledges_of(user):
    return Pledge.objects.filter(backer=user).select_related("project", "tier").prefetch_related("complaints").order_by("-id")


@dataclass(frozen=True)
class ReplyTime:
    answered: int
    waiting: int
    median_hours: float | None
    target_hours: int

    @property
    def on_target(self) -> bool:
        return self.median_hours is not None and self.median_hours <= self.target_hours


def reply_time(project: Project) -> ReplyTime:
    """How fast the owner answers questions, against the target (24 h)."""
    questions = list(Comment.objects.filter(project=project, is_question=True, parent__isnull=True).exclude(author_id=project.owner_id)
                     .values_list("created_at", "replied_at"))
    hours = [(replied - asked).total_seconds() / 3600 for asked, replied in questions if replied is not None]
    return ReplyTime(
        answered=len(hours), waiting=len(questions) - len(hours), median_hours=round(median(hours), 1) if hours else None,
        target_hours=settings.PEERFUND_CF_REPLY_TARGET_HOURS,
    )


def funding_curve(project: Project) -> list[tuple[dt.date, int, int]]:
    """(day, pledged that day, cumulative) over the pledges that still count."""
    rows = (Pledge.objects.filter(project=project, status__in=Pledge.HOLDING).annotate(day=TruncDate("created_at", tzinfo=clock.BUSINESS_TZ))
            .values("day").annotate(total=Sum("amount_fen")).order_by("day"))
    running, curve = 0, []
    for row in rows:
        running += row["total"]
        curve.append((row["day"], row["total"], running))
    return curve


def project_analytics(project: Project) -> dict:
    """The owner's figures: visits, backers, the daily funding curve, and backers by
    reward and by province."""
    holding = Pledge.objects.filter(project=project, status__in=Pledge.HOLDING)
    tiers = {t.pk: t.title for t in project.tiers.all()}
    by_tier = [(tiers.get(row["tier_id"], "—"), row["n"], row["total"]) for row in
               holding.values("tier_id").annotate(n=Count("id"), total=Sum("amount_fen")).order_by("-n")]
    by_region = [(row["province"] or "—", row["n"]) for row in holding.values("province").annotate(n=Count("id")).order_by("-n")]
    visits = list(DailyVisits.objects.filter(project=project).order_by("day").values_list("day", "count"))
    pledges = holding.count()
    return {
        "visits": project.visits,
        "backers": holding.values("backer_id").distinct().count(),
        "pledges": pledges,
        "curve": funding_curve(project),
        "by_tier": by_tier,
        "by_region": by_region,
        "daily_visits": visits,
        "conversion": round(pledges * 100 / project.visits, 1) if project.visits else None,
    }


def platform_figures() -> dict:
    """Crowdfunding across the platform: money raised by successful projects, the
    success rate of closed projects, projects funding now."""
    closed = Project.objects.filter(status__in=(Project.Status.SUCCESSFUL, Project.Status.FAILED, Project.Status.COMPLETED, Project.Status.DEFAULTED))
    succeeded = closed.exclude(status=Project.Status.FAILED)
    total_closed, total_succeeded = closed.count(), succeeded.count()
    return {
        "raised_fen": succeeded.aggregate(total=Sum("raised_fen"))["total"] or 0,
        "success_rate": round(total_succeeded * 100 / total_closed, 1) if total_closed else None,
        "funding": Project.objects.filter(status=Project.Status.FUNDING).count(),
        "backers": Pledge.objects.filter(status__in=Pledge.HOLDING).values("backer_id").distinct().count(),
    }
