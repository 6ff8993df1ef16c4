"""Postings' entries are checked once per INSERT statement, with the entries' sums,
instead of by a deferred foreign key (one locking look-up per posting at commit: a
third of the daily close's time). Entries are append-only, so an entry that exists
when its postings land exists for good."""
from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

from peerfund.core.dbtriggers import run_on_postgresql

previous = import_module("peerfund.ledger.migrations.0003_entry_balanced_per_statement")

ENTRIES_WHOLE = """
CREATE OR REPLACE FUNCTION ledger_entries_balanced() RETURNS trigger AS $$
DECLARE bad record;
BEGIN
  SELECT n.entry_id INTO bad
    FROM (SELECT DISTINCT entry_id FROM new_postings) n
    WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.id = n.entry_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'postings refer to ledger entry %, which does not exist', bad.entry_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- Each touched entry is summed through the entry_id index (LATERAL keeps the
  -- planner from scanning the table: it has no statistics for new_postings).
  SELECT n.entry_id, t.total INTO bad
    FROM (SELECT DISTINCT entry_id FROM new_postings) n
    CROSS JOIN LATERAL (SELECT SUM(p.amount_fen) AS total FROM ledger_posting p WHERE p.entry_id = n.entry_id) t
    WHERE t.total <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry % does not sum to zero (off by % fen)', bad.entry_id, bad.total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0005_posting_account_index_covered"),
    ]

    operations = [
        migrations.AlterField(
            model_name="posting",
            name="entry",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name="postings", to="ledger.entry"),
        ),
        run_on_postgresql(ENTRIES_WHOLE, previous.ENTRY_BALANCED),
    ]
