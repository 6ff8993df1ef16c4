"""The plain-row writers the daily close uses: every row lands, with the model's
defaults, in batches on SQLite and from arrays on PostgreSQL."""
import pytest

from peerfund.core import bulk
from peerfund.core.models import Alert
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.models import Account


@pytest.mark.django_db
def test_insert_objects_writes_every_row_with_the_models_defaults():
    bulk.insert_objects([Alert(kind="bench", message=f"alert {n}") for n in range(5)])
    alerts = list(Alert.objects.filter(kind="bench").order_by("message"))
    assert [a.message for a in alerts] == [f"alert {n}" for n in range(5)]
    assert all(a.created_at is not None and a.severity == Alert._meta.get_field("severity").default for a in alerts)


@pytest.mark.corrupts_books  # balances moved without postings: only the writer is under test
def test_update_rows_applies_each_rows_values_even_across_batches(make_user, monkeypatch):
    monkeypatch.setattr(bulk, "_SQLITE_VARIABLES", 4)  # two rows per statement on SQLite
    owners = [make_user(username=f"u{n}").pk for n in range(5)]
    accounts = ledger.accounts_open_many(AccountKind.USER_AVAILABLE, [(pk, "") for pk in owners])
    rows = [(account.pk, 100 + n) for n, account in enumerate(accounts.values())]
    bulk.update_rows(Account._meta.db_table, (("id", "bigint"), ("delta", "bigint")), rows, "balance_fen = balance_fen + v.delta")
    assert dict(Account.objects.filter(pk__in=[pk for pk, _d in rows]).values_list("pk", "balance_fen")) == dict(rows)
