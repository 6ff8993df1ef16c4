"""SQL that makes tables append-only on PostgreSQL, used by migrations.

SQLite (the embedded demo) relies on the model and queryset guards alone: its test
runner empties tables with DELETE, which such triggers would refuse.
"""

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION peerfund_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;
"""


def append_only_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION peerfund_refuse_change();
"""


def drop_append_only_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"


def run_on_postgresql(sql: str, reverse_sql: str = ""):
    """A RunPython operation that runs `sql` only on PostgreSQL."""
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % in RAISE messages are not placeholders

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql" and reverse_sql:
            schema_editor.execute(reverse_sql, params=None)

    return migrations.RunPython(forward, backward)
