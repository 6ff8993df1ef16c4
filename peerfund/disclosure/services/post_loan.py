"""Post-loan information (贷后信息, 信息披露指引): staff record what they checked on a
lent loan — whether the money went to the declared purpose, any change in the
borrower's ability to repay, the arrears — and the loan's investors are told and
can read it (disclosure/selectors.py `post_loan_records_for`)."""
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError
from peerfund.disclosure.models import PostLoanRecord
from peerfund.disclosure.services.statistics import LENT
from peerfund.lending.models import Loan
from peerfund.notify.services import notify_many


class PostLoanRefused(ApplicationError):
    pass


def post_loan_record(*, staff, loan: Loan, checked_on: dt.date, funds_used_as_declared: bool, funds_note: str = "",
                     ability: str, ability_note: str = "", overdue_note: str = "") -> PostLoanRecord:
    """Record one check of a lent loan (audited) and tell its investors."""
    if loan.status not in LENT:
        raise PostLoanRefused(_("Post-loan information is recorded only for loans that were lent out."), "post_loan.not_lent",
                              {"status": loan.status})
    today = clock.business_date()
    if checked_on > today:
        raise PostLoanRefused(_("The check date cannot be after today (%(today)s).") % {"today": today.isoformat()}, "post_loan.future_date",
                              {"field": "checked_on", "today": today.isoformat()})
    if not funds_used_as_declared and not funds_note.strip():
        raise PostLoanRefused(_("Say how the money was used when it was not used as declared."), "post_loan.note_required", {"field": "funds_note"})
    if ability not in PostLoanRecord.Ability.values:
        raise PostLoanRefused(_("Choose how the borrower's ability to repay changed."), "post_loan.ability", {"field": "ability"})
    with transaction.atomic():
        record = PostLoanRecord.objects.create(
            loan=loan, checked_on=checked_on, funds_used_as_declared=funds_used_as_declared, funds_note=funds_note.strip(),
            ability=ability, ability_note=ability_note.strip(), overdue_note=overdue_note.strip(), staff=staff,
        )
        audit_record(actor=staff, action="post_loan.recorded", obj=loan, reason=f"record {record.pk}")
        investors = list(User.objects.filter(investments__loan=loan).distinct().order_by("pk"))
        notify_many(notices=[(investor, {"loan": loan.title, "date": checked_on.isoformat()}) for investor in investors],
                    event="loan.post_loan", url=f"/disclosure/loans/{loan.pk}/post-loan/")
    return record
