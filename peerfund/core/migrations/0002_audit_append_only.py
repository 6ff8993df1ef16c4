from django.db import migrations

from peerfund.core.dbtriggers import APPEND_ONLY_FUNCTION, append_only_sql, drop_append_only_sql, run_on_postgresql


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        run_on_postgresql(APPEND_ONLY_FUNCTION + append_only_sql("core_auditlog"), drop_append_only_sql("core_auditlog")),
    ]
