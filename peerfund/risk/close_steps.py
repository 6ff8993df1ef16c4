"""The risk step of the daily close: has the applicants' score distribution drifted?"""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.risk.models import ScoreModel
from peerfund.risk.services import psi_check


@close_step(name="risk.psi", order=800, description="population stability of new applicants' scores")
def psi(*, on: dt.date) -> int:
    if not ScoreModel.objects.filter(is_active=True).exists():
        return 0
    psi_check()
    return 1
