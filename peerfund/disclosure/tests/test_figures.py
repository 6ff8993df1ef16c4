"""The daily snapshot and the proof of liabilities against independent queries over
the books, and the public pages and reports that show them."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from django.db.models import F, Sum
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from peerfund.accounts.models import User
from peerfund.cob.services import close_run, close_until
from peerfund.core import clock
from peerfund.disclosure import merkle
from peerfund.disclosure.figures import DISCLOSED
from peerfund.disclosure.models import DailySnapshot, LiabilityLeaf, LiabilityTree
from peerfund.disclosure.services.liabilities import liabilities_publish, liability_proof
from peerfund.ledger.models import Account
from peerfund.lending.models import Receivable, RepaymentInstalment
from peerfund.tests_support.money import freeze

pytestmark = pytest.mark.django_db


def _owed_by_user() -> dict[int, int]:
    """Independently: each user's balances plus open claims, straight from the tables."""
    owed: dict[int, int] = {}
    for owner_id, balance in Account.objects.filter(kind__in=("user_available", "user_frozen")).values_list("owner_id", "balance_fen"):
        owed[owner_id] = owed.get(owner_id, 0) + balance
    for receivable in Receivable.objects.filter(status__in=("due", "overdue")).select_related("investment"):
        investor = receivable.investment.investor_id
        owed[investor] = owed.get(investor, 0) + receivable.principal_fen - receivable.principal_received_fen
    return {k: v for k, v in owed.items() if v}


def test_snapshot_and_liabilities_match_the_books(disbursed_loan, investor, django_capture_on_commit_callbacks):
    today = clock.business_date()
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=today)
    figures = DailySnapshot.objects.get(business_date=today).figures
    assert figures["lent_total_fen"] == 700_000 and figures["loans_in_progress"] == 1 and figures["loans_disbursed"] == 1
    assert figures["outstanding_fen"] == RepaymentInstalment.objects.aggregate(t=Sum("principal_fen"))["t"] == 700_000
    assert (figures["borrowers_total"], figures["lenders_total"], figures["top10_share"], figures["overdue_rate"]) == (1, 2, "1.0000", "0.0000")
    assert figures["users"] == User.objects.filter(is_staff=False).count()

    tree = LiabilityTree.objects.get(business_date=today)
    owed = _owed_by_user()
    assert tree.total_fen == sum(owed.values()) and tree.leaf_count == len(owed)
    for user in User.objects.filter(pk__in=owed):
        proof = liability_proof(user=user, tree=tree)
        assert merkle.verify(proof)[0] and proof["leaf"]["balance_fen"] + proof["leaf"]["claims_fen"] == owed[user.pk]
    assert liabilities_publish(on=today).root == tree.root  # published once


def test_overdue_figures_follow_the_arrears(disbursed_loan, django_capture_on_commit_callbacks):
    product = disbursed_loan.product
    product.write_off_days = 180  # still on the books after 90 days
    product.save()
    borrower = disbursed_loan.borrower
    with django_capture_on_commit_callbacks(execute=True):
        freeze(borrower, Account.objects.get(owner=borrower, kind="user_available").balance_fen, django_capture_on_commit_callbacks, key="spent")
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    late = first.due_date + dt.timedelta(days=95)
    with django_capture_on_commit_callbacks(execute=True):
        close_until(start=clock.business_date(), until=late)
    figures = DailySnapshot.objects.get(business_date=late).figures
    open_rows = RepaymentInstalment.objects.filter(loan=disbursed_loan, status__in=("due", "overdue"))
    unpaid = open_rows.aggregate(t=Sum(F("principal_fen") - F("principal_paid_fen")))["t"]
    assert figures["overdue_fen"] == figures["overdue_90_fen"] == figures["outstanding_fen"] == unpaid
    assert figures["overdue_rate"] == figures["overdue_90_rate"] == "1.0000"
    ninety_before = DailySnapshot.objects.get(business_date=first.due_date + dt.timedelta(days=80)).figures
    assert ninety_before["overdue_rate"] == "1.0000" and ninety_before["overdue_90_rate"] == "0.0000"


def test_old_leaves_are_dropped_but_roots_kept(disbursed_loan, settings, django_capture_on_commit_callbacks):
    settings.PEERFUND_LIABILITY_KEEP_DAYS = 2
    with django_capture_on_commit_callbacks(execute=True):
        close_until(start=clock.business_date(), until=clock.business_date() + dt.timedelta(days=4))
    assert LiabilityTree.objects.count() == 5
    assert sorted(set(LiabilityLeaf.objects.values_list("tree__business_date", flat=True))) == list(
        LiabilityTree.objects.order_by("business_date").values_list("business_date", flat=True)[2:])


def test_disclosure_page_and_monthly_reports_show_the_same_figures(disbursed_loan, django_capture_on_commit_callbacks):
    today = clock.business_date()
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=today)
    snapshot = DailySnapshot.objects.get(business_date=today)
    page = Client().get("/disclosure/")
    shown = dict((str(label), value) for label, value in page.context["figures"])
    assert shown == {str(f.label): f.show(snapshot.figures) for f in DISCLOSED}
    html = page.content.decode()
    assert LiabilityTree.objects.get().root in html and "¥7,000.00" in html

    pdf = Client().get(f"/disclosure/reports/{today.year}-{today.month}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    xlsx = Client().get(f"/disclosure/reports/{today.year}-{today.month}.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    csv_text = Client().get(f"/disclosure/reports/{today.year}-{today.month}.csv").content.decode("utf-8-sig")
    csv_rows = dict(list(csv.reader(io.StringIO(csv_text)))[1:])
    for label, value in shown.items():
        assert f"{label}    {value}" in text
        assert cells[label] == value
        assert csv_rows[label] == value
    assert Client().get(f"/disclosure/reports/{today.year}-13.pdf").status_code == 404
    assert Client().get("/disclosure/reports/1999-01.xlsx").status_code == 404


def test_a_user_downloads_and_verifies_their_proof(disbursed_loan, investor, make_user, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=clock.business_date())
    client = Client()
    client.force_login(investor)
    response = client.get("/disclosure/liabilities/my-proof.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    proof_file = tmp_path / "proof.json"
    proof_file.write_bytes(response.content)
    verifier = tmp_path / "merkle.py"
    verifier.write_bytes(b"".join(Client().get("/disclosure/liabilities/merkle.py").streaming_content))
    result = subprocess.run([sys.executable, "-I", "-S", str(verifier), str(proof_file)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "OK included" in result.stdout
    assert json.loads(response.content)["leaf"]["claims_fen"] == 400_000

    nobody = Client()
    nobody.force_login(make_user(username="empty"))
    assert nobody.get("/disclosure/liabilities/my-proof.json").status_code == 404
    assert Client().get("/disclosure/liabilities/my-proof.json").status_code == 302  # log in first


def test_transparency_pages_mask_people_and_show_the_record(disbursed_loan, django_capture_on_commit_callbacks):
    page = Client().get(f"/disclosure/loans/{disbursed_loan.pk}/").content.decode()
    assert "刘*" in page and "刘洋" not in page and page.count("<tr>") >= 13
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=clock.business_date())
    home = Client().get("/").content.decode()
    assert 'data-testid="home-lent">¥7,000.00' in home


def test_the_api_publishes_the_figures_and_each_users_proof(disbursed_loan, investor, api_client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=clock.business_date())
    public = Client().get("/api/v1/disclosure").json()
    tree = LiabilityTree.objects.get()
    assert public["figures"]["lent_total_fen"] == 700_000 and public["liabilities"]["root"] == tree.root
    proof = api_client_for(investor).get("/api/v1/disclosure/my-proof").json()
    assert merkle.verify(proof)[0] and proof["root"] == tree.root
    assert Client().get("/api/v1/disclosure/my-proof").status_code == 401


def test_overdue_rate_alert_is_raised_once_until_acknowledged(disbursed_loan, settings, django_capture_on_commit_callbacks):
    from peerfund.core.models import Alert

    settings.PEERFUND_ALERT_OVERDUE_RATE = "0.01"
    product = disbursed_loan.product
    product.write_off_days = 180
    product.save()
    borrower = disbursed_loan.borrower
    with django_capture_on_commit_callbacks(execute=True):
        freeze(borrower, Account.objects.get(owner=borrower, kind="user_available").balance_fen, django_capture_on_commit_callbacks, key="spent")
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    with django_capture_on_commit_callbacks(execute=True):
        close_until(start=clock.business_date(), until=first.due_date + dt.timedelta(days=10))
    alerts = Alert.objects.filter(kind="lending.overdue_rate")
    assert alerts.count() == 1
    alerts.update(acknowledged_at=clock.now())
    with django_capture_on_commit_callbacks(execute=True):
        close_until(start=first.due_date + dt.timedelta(days=11), until=first.due_date + dt.timedelta(days=12))
    assert alerts.count() == 2


def test_charts_carry_money_as_integer_fen_and_ratios_as_exact_decimals(disbursed_loan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close_run(on=clock.business_date())
    charts = Client().get("/disclosure/").context["charts"]
    lent, outstanding = charts["volume"]["series"]
    assert lent["values"] == [700_000] and lent["unit"] == "fen" and outstanding["values"] == [700_000]
    assert charts["overdue"]["series"][0]["values"] == ["0.0000"]


def test_a_withdrawal_peak_raises_an_alert(settings):
    from peerfund.core.models import Alert
    from peerfund.disclosure.services.watch import snapshot_alerts

    settings.PEERFUND_ALERT_WITHDRAWAL_MIN_FEN = 100_00
    day = clock.business_date()
    for back, fen in ((3, 20_000), (2, 40_000), (1, 30_000)):  # average ¥300
        DailySnapshot.objects.create(business_date=day - dt.timedelta(days=back), figures={"overdue_rate": "0", "withdrawals_fen": fen})
    calm = DailySnapshot.objects.create(business_date=day, figures={"overdue_rate": "0", "withdrawals_fen": 90_000})  # exactly 3×: no alert
    assert snapshot_alerts(calm) == 0
    calm.figures["withdrawals_fen"] = 90_001
    assert snapshot_alerts(calm) == 1
    assert Alert.objects.get(kind="funds.withdrawal_peak").data == {"day_fen": 90_001, "average_fen": 30_000}
