"""Risk alerts on crowdfunding (raised for the risk team, shown in the back office):
a day's pledges far above the project's own daily average (a funding spike, often
self-backing or a bought campaign), complaints clustering on one project, and
rewards still unshipped a month after their estimated delivery (the first sign of
an owner who will not deliver)."""
import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, Sum

from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.models import Alert
from peerfund.crowdfunding.models import Complaint, Pledge, Project


def _raise_once(kind: str, ref: str, message: str, data: dict) -> bool:
    if Alert.objects.filter(kind=kind, ref=ref).exists():
        return False
    alert_raise(kind=kind, ref=ref, message=message, data=data)
    return True


def funding_spikes(*, on: dt.date) -> int:
    """Alert when the 24 h of `on` brought more than N times the project's average
    day before it (and at least a minimum amount); a project's first day has no
    history to compare with."""
    start, end = clock.day_start(on), clock.day_start(on + dt.timedelta(days=1))
    raised = 0
    rows = (Pledge.objects.filter(project__status=Project.Status.FUNDING, project__published_on__lt=on, created_at__lt=end)
            .values("project_id", "project__published_on")
            .annotate(day=Sum("amount_fen", filter=Q(created_at__gte=start)), before=Sum("amount_fen", filter=Q(created_at__lt=start)))
            .filter(day__gt=0))
    for row in rows:
        days_before, day, before = (on - row["project__published_on"]).days, row["day"], row["before"] or 0
        # day > factor × (before / days_before), in integers: fen are never divided
        if day >= settings.PEERFUND_CF_SPIKE_MIN_FEN and day * days_before > settings.PEERFUND_CF_SPIKE_FACTOR * before:
            project_id, average = row["project_id"], before // days_before
            raised += _raise_once(
                "crowdfunding.spike", f"project:{project_id}:{on.isoformat()}",
                f"Project {project_id} took {day} fen on {on}, against a daily average of {average} fen before",
                {"project": project_id, "day_fen": day, "average_fen": average},
            )
    return raised


def complaint_clusters(*, on: dt.date) -> int:
    """Alert when a project has N or more open complaints."""
    raised = 0
    rows = (Complaint.objects.filter(status=Complaint.Status.OPEN).values("pledge__project_id").annotate(n=Count("id"))
            .filter(n__gte=settings.PEERFUND_CF_COMPLAINT_CLUSTER))
    for row in rows:
        project_id = row["pledge__project_id"]
        raised += _raise_once(
            "crowdfunding.complaints", f"project:{project_id}:{row['n']}",
            f"Project {project_id} has {row['n']} open complaints", {"project": project_id, "open": row["n"]},
        )
    return raised


def late_deliveries(*, on: dt.date) -> int:
    """Alert once per project when rewards due a month ago or more are still not
    shipped."""
    overdue_month = clock.month_start(on, -1)
    rows = (Pledge.objects.filter(status=Pledge.Status.SETTLED, delivery=Pledge.Delivery.WAITING, tier__delivery_month__lt=overdue_month)
            .values("project_id").annotate(n=Count("id")))
    raised = 0
    for row in rows:
        raised += _raise_once(
            "crowdfunding.late_delivery", f"project:{row['project_id']}:late",
            f"Project {row['project_id']} has {row['n']} rewards unshipped more than a month after their estimated delivery",
            {"project": row["project_id"], "unshipped": row["n"]},
        )
    return raised
