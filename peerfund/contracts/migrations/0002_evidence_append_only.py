"""PostgreSQL refuses edits and deletes of evidence records in SQL too."""
from django.db import migrations

from peerfund.core.dbtriggers import APPEND_ONLY_FUNCTION, append_only_sql, drop_append_only_sql, run_on_postgresql


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial"), ("core", "0002_audit_append_only")]

    operations = [
        run_on_postgresql(APPEND_ONLY_FUNCTION + append_only_sql("contracts_evidencerecord"), drop_append_only_sql("contracts_evidencerecord")),
    ]
