"""Platform-level alerts raised from the day's snapshot: the overdue rate above its
threshold (once, until acknowledged), and a withdrawal peak (the day's withdrawals far above the recent
average: the first sign of a run on the platform)."""
import datetime as dt
from decimal import Decimal

from django.conf import settings

from peerfund.core.alerts import alert_raise
from peerfund.core.models import Alert
from peerfund.disclosure.models import DailySnapshot


def snapshot_alerts(snapshot: DailySnapshot) -> int:
    figures, on, raised = snapshot.figures, snapshot.business_date, 0
    ref = f"snapshot:{on.isoformat()}"
    existing = set(Alert.objects.filter(ref=ref).values_list("kind", flat=True))
    rate, threshold = Decimal(figures["overdue_rate"]), Decimal(settings.PEERFUND_ALERT_OVERDUE_RATE)
    # Once per episode: while an overdue-rate alert waits for acknowledgement, the
    # following days add nothing new to it.
    still_open = Alert.objects.filter(kind="lending.overdue_rate", acknowledged_at__isnull=True).exists()
    if rate > threshold and "lending.overdue_rate" not in existing and not still_open:
        alert_raise(kind="lending.overdue_rate", ref=ref, message=f"Overdue rate {rate:.2%} on {on} is above {threshold:.2%}", data={"rate": str(rate)})
        raised += 1
    before = DailySnapshot.objects.filter(business_date__lt=on, business_date__gte=on - dt.timedelta(days=30))
    history = [int(s.figures.get("withdrawals_fen", 0)) for s in before]
    today = int(figures["withdrawals_fen"])
    # today > factor × the average, in integers: fen are never divided
    if history and today >= settings.PEERFUND_ALERT_WITHDRAWAL_MIN_FEN and today * len(history) > settings.PEERFUND_ALERT_WITHDRAWAL_FACTOR * sum(history) \
            and "funds.withdrawal_peak" not in existing:
        average = sum(history) // len(history)
        alert_raise(kind="funds.withdrawal_peak", ref=ref, message=f"Withdrawals of {today} fen on {on}, against a 30-day average of {average} fen",
                    data={"day_fen": today, "average_fen": average})
        raised += 1
    return raised
