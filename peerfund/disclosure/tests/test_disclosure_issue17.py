"""Disclosure that hides nothing (issue 17): written-off principal stays in the
figures until recovered, concentration and related-party loans, the fee schedule;
each listing's borrower disclosed but masked; post-loan information for the loan's
investors only."""
import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from peerfund.cob.services import close_until
from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.disclosure.borrower import age_band, borrower_disclosure
from peerfund.disclosure.models import PostLoanRecord, RelatedParty
from peerfund.disclosure.services.post_loan import post_loan_record
from peerfund.disclosure.services.statistics import statistics_compute
from peerfund.ledger.models import Account
from peerfund.lending.models import Loan, LoanApplication, Repayment, RepaymentInstalment
from peerfund.lending.services.repayment import loan_repay
from peerfund.notify.models import Message
from peerfund.tests_support.money import freeze, pay_deposit
from peerfund.tests_support.people import IDENTITIES, TRADE_PASSWORD

pytestmark = pytest.mark.django_db


def _write_off(loan, capture):
    """The borrower spends everything; the close runs until the loan is written off."""
    borrower = loan.borrower
    freeze(borrower, Account.objects.get(owner=borrower, kind="user_available").balance_fen, capture, key="spent")
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    with capture(execute=True):
        close_until(start=clock.business_date(), until=first.due_date + dt.timedelta(days=loan.product.write_off_days))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.WRITTEN_OFF


def test_a_written_off_loan_stays_in_the_figures_until_recovered(disbursed_loan, django_capture_on_commit_callbacks):
    _write_off(disbursed_loan, django_capture_on_commit_callbacks)
    on = clock.business_date()
    figures = statistics_compute(on)
    assert figures["written_off_fen"] == 700_000 and figures["written_off_loans"] == 1 and figures["recovered_fen"] == 0
    # Still owed, and overdue past 90 days: not vanished from the book.
    assert figures["outstanding_fen"] == figures["overdue_fen"] == figures["overdue_90_fen"] == 700_000
    assert (figures["outstanding_loans"], figures["overdue_loans"], figures["overdue_90_loans"], figures["loans_in_progress"]) == (1, 1, 1, 0)
    assert figures["overdue_90_rate"] == "1.0000" and figures["borrowers_now"] == 1 and figures["lenders_now"] == 2

    # 坏账回收: ¥1,000 comes back; penalty and interest first, the rest principal.
    borrower = disbursed_loan.borrower
    pay_deposit(borrower, 100_000, django_capture_on_commit_callbacks, key="recovery")
    with django_capture_on_commit_callbacks(execute=True):
        loan_repay(borrower=borrower, loan_id=disbursed_loan.pk, amount_fen=100_000, trade_password=TRADE_PASSWORD, key="recovery")
    principal_back = Repayment.objects.get(loan=disbursed_loan, key="recovery").principal_fen
    assert 0 < principal_back < 100_000
    figures = statistics_compute(on)
    assert figures["written_off_fen"] == 700_000  # what was written off does not shrink
    assert figures["recovered_fen"] == principal_back
    assert figures["outstanding_fen"] == figures["overdue_90_fen"] == 700_000 - principal_back


def test_the_disclosure_page_and_api_show_the_write_off(disbursed_loan, django_capture_on_commit_callbacks):
    _write_off(disbursed_loan, django_capture_on_commit_callbacks)
    api = Client().get("/api/v1/disclosure").json()["figures"]
    assert api["written_off_fen"] == 700_000 and api["overdue_90_fen"] == 700_000 and api["recovered_fen"] == 0
    assert api["fee_schedule"]["products"][0]["service_fee_rate"] == "0.0200" and api["fee_schedule"]["withdraw_fee_fen"] > 0
    page = Client().get("/disclosure/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="figure-written_off_fen"' in page and "¥7,000.00" in page


def _owing(list_loan, make_user, amounts: list[int], **user_fields) -> list[Loan]:
    """Repaying loans of one borrower each, with one open instalment of `amount`."""
    loans = []
    for n, amount in enumerate(amounts):
        borrower = make_user(username=f"b{n}-{amount}", **user_fields)
        loan = list_loan(borrower, amount_fen=amount, left_fen=0, status=Loan.Status.DISBURSED)
        RepaymentInstalment.objects.create(loan=loan, number=1, due_date=clock.business_date() + dt.timedelta(days=30), principal_fen=amount, interest_fen=0)
        loans.append(loan)
    return loans


def test_concentration_and_related_party_loans(list_loan, make_user, staff):
    # Twelve borrowers: ¥12,000, ¥11,000 … ¥1,000. Outstanding ¥78,000.
    loans = _owing(list_loan, make_user, [n * 100_000 for n in range(12, 0, -1)])
    figures = statistics_compute(clock.business_date())
    assert figures["outstanding_fen"] == 7_800_000 and figures["outstanding_loans"] == 12
    assert figures["top1_share"] == str((Decimal(1_200_000) / 7_800_000).quantize(Decimal("0.0001")))  # 0.1538
    assert figures["top10_share"] == str((Decimal(7_800_000 - 300_000) / 7_800_000).quantize(Decimal("0.0001")))  # all but the two smallest
    assert (figures["related_loans"], figures["related_fen"]) == (0, 0)

    RelatedParty.objects.create(user=loans[0].borrower, relation="shareholder", added_by=staff)
    _owing(list_loan, make_user, [50_000], is_staff=True)
    figures = statistics_compute(clock.business_date())
    assert (figures["related_loans"], figures["related_fen"]) == (2, 1_250_000)


def test_age_band_is_a_decade_never_the_age():
    on = dt.date(2026, 12, 7)
    assert str(age_band(dt.date(1990, 12, 8), on)) == "30–39 岁"  # 35 the day before the birthday
    assert str(age_band(dt.date(2008, 1, 1), on)) == "18–19 岁"
    assert str(age_band(dt.date(1950, 1, 1), on)) == "60 岁及以上"


def test_the_borrower_panel_discloses_but_masks(full_loan, make_user):
    LoanApplication.objects.create(
        borrower=full_loan.borrower, product=full_loan.product, amount_fen=full_loan.amount_fen, months=12, purpose="装修", status="listed",
        attributes={"job": "skilled employee / official", "other_installment_plans": "bank"}, loan=full_loan,
    )
    id_number, real_name = IDENTITIES[3]
    data = borrower_disclosure(full_loan)
    assert data["type"] == "person" and data["province"] == "浙江" and data["age_band"]
    assert data["history"] == {"loans": 0, "repaid": 0, "overdue_now": 0, "overdue_now_fen": 0}
    request = RequestFactory().get("/")
    request.user = make_user(username="visitor")
    html = Template('{% include "disclosure/_borrower_panel.html" %}').render(Context({"loan": full_loan, "request": request}))
    api = Client().get(f"/api/v1/disclosure/loans/{full_loan.pk}/borrower").json()
    for shown in (html, str(api)):
        assert real_name not in shown and "刘洋" not in shown and id_number not in shown and id_number[-4:] not in shown
        assert data["province"] in shown and data["age_band"] in shown
    assert "技术员工或公务员" in html and "银行分期" in html and "装修" in html and "个人" in html
    assert api["history"]["loans"] == 0 and api["type"] == "person"


def test_the_panel_counts_the_borrowers_record_here(disbursed_loan, list_loan, django_capture_on_commit_callbacks):
    _write_off(disbursed_loan, django_capture_on_commit_callbacks)
    again = list_loan(disbursed_loan.borrower, amount_fen=100_000)
    history = borrower_disclosure(again)["history"]
    assert history == {"loans": 1, "repaid": 0, "overdue_now": 1, "overdue_now_fen": 700_000}


def test_post_loan_information_is_for_the_loans_investors_only(disbursed_loan, investor, make_user, staff_with, api_client_for):
    risk = staff_with("risk")
    record = post_loan_record(staff=risk, loan=disbursed_loan, checked_on=clock.business_date(), funds_used_as_declared=False,
                              funds_note="part of it paid a credit card", ability=PostLoanRecord.Ability.WORSENED, ability_note="lost a second job")
    assert Message.objects.filter(event="loan.post_loan", user=investor).exists()
    owner = Client()
    owner.force_login(investor)
    page = owner.get(f"/disclosure/loans/{disbursed_loan.pk}/post-loan/")
    assert page.status_code == 200 and "part of it paid a credit card" in page.content.decode() and "lost a second job" in page.content.decode()
    assert api_client_for(investor).get(f"/api/v1/disclosure/loans/{disbursed_loan.pk}/post-loan").json()[0]["funds_note"] == record.funds_note

    stranger = make_user(username="stranger")
    other = Client()
    other.force_login(stranger)
    assert other.get(f"/disclosure/loans/{disbursed_loan.pk}/post-loan/").status_code == 404
    assert api_client_for(stranger).get(f"/api/v1/disclosure/loans/{disbursed_loan.pk}/post-loan").status_code == 404
    assert Client().get(f"/disclosure/loans/{disbursed_loan.pk}/post-loan/").status_code == 302  # log in first
    # The include shows nothing to a stranger and the records to an investor.
    include = Template('{% include "disclosure/_post_loan.html" %}')
    for user, seen in ((stranger, False), (investor, True)):
        request = RequestFactory().get("/")
        request.user = user
        assert ("part of it paid a credit card" in include.render(Context({"loan": disbursed_loan, "request": request}))) is seen


def test_post_loan_refusals(full_loan, disbursed_loan, staff_with):
    risk = staff_with("risk")
    today = clock.business_date()
    cases = [
        (dict(loan=Loan.objects.create(**{f.name: getattr(full_loan, f.name) for f in Loan._meta.concrete_fields if f.name != "id"} | {"status": "listed"}),
              checked_on=today, funds_used_as_declared=True), "post_loan.not_lent"),
        (dict(loan=disbursed_loan, checked_on=today + dt.timedelta(days=1), funds_used_as_declared=True), "post_loan.future_date"),
        (dict(loan=disbursed_loan, checked_on=today, funds_used_as_declared=False), "post_loan.note_required"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as excinfo:
            post_loan_record(staff=risk, ability=PostLoanRecord.Ability.UNCHANGED, **kwargs)
        assert excinfo.value.code == code
    assert not PostLoanRecord.objects.exists()


def test_staff_record_post_loan_information_in_the_console(disbursed_loan, staff_with):
    risk = Client()
    risk.force_login(staff_with("risk"))
    listing = risk.get("/backoffice/post-loan/")
    assert listing.status_code == 200 and disbursed_loan.title in listing.content.decode()
    bad = risk.post(f"/backoffice/post-loan/{disbursed_loan.pk}/", {"checked_on": clock.business_date().isoformat(), "funds_used_as_declared": "no",
                                                                     "ability": "unchanged"})
    assert bad.status_code == 400 and "请说明实际用途" in bad.content.decode()  # the note is required
    done = risk.post(f"/backoffice/post-loan/{disbursed_loan.pk}/", {"checked_on": clock.business_date().isoformat(), "funds_used_as_declared": "yes",
                                                                      "ability": "unchanged", "overdue_note": "no arrears"})
    assert done.status_code == 302
    assert PostLoanRecord.objects.get().overdue_note == "no arrears"
    operations = Client()
    operations.force_login(staff_with("operations"))
    assert operations.get(f"/backoffice/post-loan/{disbursed_loan.pk}/").status_code == 403


def test_large_amounts_are_also_shown_in_wan():
    from django.utils import translation

    from peerfund.disclosure.figures import Figure

    figure = Figure("lent_total_fen", "lent", "fen")
    with translation.override("en"):
        assert figure.show_short({"lent_total_fen": 999_999}) == "¥9,999.99"
        assert figure.show_short({"lent_total_fen": 12_345_678}) == "¥12.35×10k"  # ¥123,456.78, half up
        assert figure.show_short({"lent_total_fen": 1_234_500_000_000}) == "¥1,234,500.00×10k"
