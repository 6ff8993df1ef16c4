"""PostgreSQL guards: entries and postings are append-only, and every entry's
postings sum to zero, checked at commit by a deferred constraint trigger."""
from django.db import migrations

from peerfund.core.dbtriggers import APPEND_ONLY_FUNCTION, append_only_sql, drop_append_only_sql, run_on_postgresql

ENTRY_BALANCED = """
CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger AS $$
DECLARE total bigint;
BEGIN
  SELECT COALESCE(SUM(amount_fen), 0) INTO total FROM ledger_posting WHERE entry_id = NEW.entry_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger entry % does not sum to zero (off by % fen)', NEW.entry_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_posting_entry_balanced ON ledger_posting;
CREATE CONSTRAINT TRIGGER ledger_posting_entry_balanced AFTER INSERT ON ledger_posting
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
"""

DROP_ENTRY_BALANCED = """
DROP TRIGGER IF EXISTS ledger_posting_entry_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_entry_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("core", "0002_audit_append_only")]

    operations = [
        run_on_postgresql(ENTRY_BALANCED, DROP_ENTRY_BALANCED),
        run_on_postgresql(
            APPEND_ONLY_FUNCTION + append_only_sql("ledger_entry") + append_only_sql("ledger_posting"),
            drop_append_only_sql("ledger_entry") + drop_append_only_sql("ledger_posting"),
        ),
    ]
