"""Writing many plain rows in one statement, for the paths where building a Django
object per row costs more than the database's own work (the daily close writes
hundreds of thousands of postings and receivables). Values are tuples in column
order; nothing here knows models.

On PostgreSQL rows go in by COPY and updates join an `unnest` of one array per
column; on SQLite (tests, the demo) by executemany and a VALUES list. Both keep
the caller's transaction.
"""
from collections.abc import Iterable, Sequence

from django.db import connection

# SQLite allows 32,766 bound variables per statement.
_SQLITE_VARIABLES = 32_000


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` into `table` (trusted identifiers, not user input)."""
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 (identifiers are ours)


# Fields whose Python value is already what the database takes (no conversion).
_PLAIN_FIELDS = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey", "IntegerField",
    "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
})


def insert_objects(objs: Sequence) -> None:
    """Insert unsaved model instances of one model like `bulk_create`, without
    returning their ids: by COPY on PostgreSQL, where Django's bulk_create quotes
    every text value in Python (slow for JSON payloads). Plain fields go as they are;
    the others (dates, JSON, encrypted …) through the field's own conversion."""
    if not objs:
        return
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plain = [type(f).__name__ in _PLAIN_FIELDS and type(f).__module__.startswith("django.") for f in fields]
    for field in fields:
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            for obj in objs:
                field.pre_save(obj, add=True)
    rows = (
        tuple(getattr(obj, f.attname) if is_plain else f.get_db_prep_save(getattr(obj, f.attname), connection) for f, is_plain in zip(fields, plain, strict=True))
        for obj in objs
    )
    insert_rows(model._meta.db_table, [f.column for f in fields], rows)


_LITERALS = {
    "bigint": str,
    "boolean": lambda value: "t" if value else "f",
    "date": lambda value: value.isoformat(),
}


def _array_literal(values, sql_type: str) -> str:
    """A PostgreSQL array literal of plain values: one string parameter instead of
    psycopg quoting each element (most of the cost of a large update)."""
    return "{" + ",".join(map(_LITERALS[sql_type], values)) + "}"


def update_rows(table: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple], assignments: str) -> None:
    """Update `table` from `rows`, joined on their first column to `table.id`.

    `columns` names and types each value in a row, the id first (bigint, boolean or
    date: values that need no quoting);
    `assignments` is the SET clause, reading the row as `v.<name>` and the table's
    current values by bare column name, e.g. "paid_fen = paid_fen + v.paid_fen".
    """
    rows = list(rows)
    if not rows:
        return
    names = [name for name, _type in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {table}.id = v.{names[0]}",  # noqa: S608
                [_array_literal(column, sql_type) for column, (_name, sql_type) in zip(zip(*rows, strict=True), columns, strict=True)],
            )
            return
        per_statement = max(1, _SQLITE_VARIABLES // len(columns))
        row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {', '.join([row_marks] * len(batch))}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.{names[0]}",
                [value for row in batch for value in row],
            )
