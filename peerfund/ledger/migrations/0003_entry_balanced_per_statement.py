"""PostgreSQL: check that entries sum to zero once per INSERT statement instead of
once per posting row at commit.

The deferred row trigger of 0002 re-summed an entry's postings for each of its rows
(21 sums of 21 rows for a repayment to twenty investors), which bound the daily
close. The ledger writes an entry's postings in one statement, so the check now
runs after each statement over the entries it touched: an entry must be whole and
balanced when its postings land, which is stricter than "by commit".
"""
from importlib import import_module

from django.db import migrations

from peerfund.core.dbtriggers import run_on_postgresql

previous = import_module("peerfund.ledger.migrations.0002_database_guards")

ENTRY_BALANCED = """
DROP TRIGGER IF EXISTS ledger_posting_entry_balanced ON ledger_posting;
CREATE OR REPLACE FUNCTION ledger_entries_balanced() RETURNS trigger AS $$
DECLARE bad record;
BEGIN
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
CREATE TRIGGER ledger_posting_entries_balanced AFTER INSERT ON ledger_posting
  REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balanced();
DROP FUNCTION IF EXISTS ledger_entry_balanced();
"""

DROP_ENTRY_BALANCED = """
DROP TRIGGER IF EXISTS ledger_posting_entries_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_entries_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_guards")]

    operations = [run_on_postgresql(ENTRY_BALANCED, DROP_ENTRY_BALANCED + previous.ENTRY_BALANCED)]
