"""满标, 流标 and 放款 notices: the borrower and every bidder hear of their loan's
outcome, each bidder with their own amount, once, in English and Chinese."""
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from peerfund.core import clock
from peerfund.lending.models import Loan
from peerfund.lending.notices import loan_disbursed_notify
from peerfund.lending.services.bidding import bid_place, loan_fail, loans_fail_expired
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.notify.events import EVENTS
from peerfund.notify.models import Message
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD

pytestmark = pytest.mark.django_db

LOAN_EVENTS = ("loan.full_borrower", "loan.full_investor", "loan.failed_borrower", "loan.failed_investor", "loan.refused_borrower",
               "loan.refused_investor", "loan.disbursed_borrower", "loan.disbursed_investor")


def _told(event: str) -> dict[str, str]:
    """username → the message body (English) of each user told of `event`."""
    with translation.override("en"):
        return {m.user.username: m.body for m in Message.objects.filter(event=event).select_related("user")}


def test_a_full_loan_tells_the_borrower_and_each_bidder_their_amount(full_loan):
    assert _told("loan.full_borrower") == {"borrower": "周转借款 has raised its full ¥7,000.00. It now goes to final review; once approved, "
                                                       "the whole amount is paid to your balance."}
    investors = _told("loan.full_investor")
    assert set(investors) == {"investor", "other-investor"}
    assert "¥4,000.00 stays frozen" in investors["investor"] and "¥3,000.00 stays frozen" in investors["other-investor"]


def test_a_loan_that_did_not_fill_tells_everyone_once(investor, other_investor, make_user, list_loan, django_capture_on_commit_callbacks):
    loan = list_loan(make_user(username="borrower"), amount_fen=1_000_000)
    for user, amount in ((investor, 300_000), (other_investor, 200_000)):
        pay_deposit(user, 500_000, django_capture_on_commit_callbacks, key=f"d{user.pk}")
        with django_capture_on_commit_callbacks(execute=True):
            bid_place(investor=user, loan_id=loan.pk, amount_fen=amount, trade_password=TRADE_PASSWORD, key="b")
        with django_capture_on_commit_callbacks(execute=True):  # a second bid: one notice still, with the sum
            bid_place(investor=user, loan_id=loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="c")
    assert not Message.objects.filter(event__startswith="loan.").exists()
    clock.travel_to(clock.business_date() + dt.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert loans_fail_expired() == 1
    loan.refresh_from_db()
    loan_fail(loan=loan, reason="again")  # safe to run again: nobody is told twice
    assert list(_told("loan.failed_borrower")) == ["borrower"]
    investors = _told("loan.failed_investor")
    assert investors == {
        "investor": "周转借款 did not raise its full amount by the deadline; your ¥3,100.00 is unfrozen and back in your balance.",
        "other-investor": "周转借款 did not raise its full amount by the deadline; your ¥2,100.00 is unfrozen and back in your balance.",
    }
    assert not Message.objects.filter(event__startswith="loan.refused").exists()


def test_a_loan_refused_at_full_review_says_so(full_loan, staff_with, django_capture_on_commit_callbacks):
    request = disbursement_request(staff=staff_with("risk", "maker"), loan=full_loan)
    with django_capture_on_commit_callbacks(execute=True):
        disbursement_decide(staff=staff_with("risk", "checker"), request=request, approve=False, reason="documents do not match")
    full_loan.refresh_from_db()
    assert full_loan.status == Loan.Status.FAILED
    assert "not approved at the final review" in _told("loan.refused_borrower")["borrower"]
    assert set(_told("loan.refused_investor")) == {"investor", "other-investor"}
    assert "¥4,000.00 is unfrozen" in _told("loan.refused_investor")["investor"]
    assert not Message.objects.filter(event="loan.failed_borrower").exists()


def test_disbursement_notice_names_the_whole_principal_and_each_amount_lent(disbursed_loan):
    Message.objects.filter(event__startswith="loan.disbursed").delete()
    loan_disbursed_notify(disbursed_loan)
    borrower = _told("loan.disbursed_borrower")["borrower"]
    assert borrower.startswith("¥7,000.00 was paid to your balance in full: no fee is taken from it.")
    investors = _told("loan.disbursed_investor")
    assert set(investors) == {"investor", "other-investor"} and "¥3,000.00 in 周转借款 was lent" in investors["other-investor"]


def _translated_msgids() -> set[str]:
    """Every msgid with a non-empty Chinese msgstr in the project's catalogues (the
    merged django.po and any pending file waiting to be merged)."""
    found = set()
    for po in Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES").glob("*.po"):
        text = po.read_text(encoding="utf-8")
        for msgid, msgstr in re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text, flags=re.M):
            join = lambda block: "".join(re.findall(r'"(.*)"', block)).replace('\\"', '"')  # noqa: E731
            if join(msgstr):
                found.add(join(msgid))
    return found


@pytest.mark.parametrize("event", LOAN_EVENTS)
def test_each_loan_notice_has_its_chinese(event):
    translated = _translated_msgids()
    with translation.override("en"):  # the source text, the msgid
        assert str(EVENTS[event].title) in translated and str(EVENTS[event].body) in translated
