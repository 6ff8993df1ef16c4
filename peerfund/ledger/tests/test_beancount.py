
"""The books exported to Beancount pass `bean-check`, software that shares no code
with ours, with a balance assertion per account and day; a tampered balance fails it."""
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from peerfund.core import clock
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.models import Account
from peerfund.ledger.tests.conftest import fund

BEAN_CHECK = shutil.which("bean-check") or str(Path(sys.executable).with_name("bean-check"))


def _export_and_check(tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "books.beancount"
    call_command("ledger_export_beancount", "--output", str(path), stdout=open(tmp_path / "out.txt", "w"))
    return subprocess.run([BEAN_CHECK, str(path)], capture_output=True, text=True)


def _history(books):
    for day in range(1, 4):
        clock.travel_to(dt.date(2026, 9, day))
        fund(books, amount=10_000 * day)
    clock.travel_to(dt.date(2026, 9, 4))
    ledger.post(kind=E.REPAYMENT_DISTRIBUTE, legs=[(books.loan1_repayment, -1_234), (books.alice_available, 1_230), (books.fee, 4)], key="dist")
    freeze = ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -99), (books.alice_frozen, 99)], key="frz")
    ledger.reverse(entry=freeze, key="unfrz", reason="bank refused")


def test_exported_books_pass_bean_check(books, tmp_path):
    _history(books)
    result = _export_and_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "books.beancount").read_text()
    assert text.count(" balance ") >= 20
    assert "Liabilities:Users:" in text and "Income:Platform:Fees" in text


@pytest.mark.corrupts_books
def test_a_tampered_balance_fails_bean_check(books, tmp_path):
    _history(books)
    Account.objects.filter(pk=books.alice_available.pk).update(balance_fen=7)
    result = _export_and_check(tmp_path)
    assert result.returncode != 0
    assert "Balance failed" in result.stdout + result.stderr
