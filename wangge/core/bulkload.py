"""Loading many rows into a PostgreSQL table at once: its secondary indexes, unique and foreign-key
constraints are set aside for the load and put back after — one index build or one validating join each,
instead of millions of single-row index updates and foreign-key trigger checks. Used by `wangge synth`
and by the rollups rebuild, inside their transaction, so nobody else sees a table without its keys.

`insert` writes unsaved model objects as `bulk_create` does, by COPY on PostgreSQL (the household import).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable

from django.db import connection, models

# Fields whose attribute value psycopg takes as it is: no conversion by the field on the way to the database.
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
          models.PositiveIntegerField, models.PositiveSmallIntegerField, models.BooleanField, models.FloatField,
          models.DateField, models.DateTimeField, models.ForeignKey, models.OneToOneField)


def _value_of(field: models.Field) -> Callable:
    """How to take `field`'s database value from an object about to be inserted: its attribute, when the
    field does nothing to it (exactly one of the plain field types, without auto_now); else what Django
    itself would send (pre_save, then get_db_prep_save: JSON, custom fields, timestamps set on insert)."""
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if type(field) in _AS_IS and not auto:
        return operator.attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def insert(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert unsaved objects as `model.objects.bulk_create(objects)` does, ids set on them; on PostgreSQL by
    one COPY with ids taken from the table's sequence first (bulk_create prepares every value of every row
    through its field: for the import's hundred thousand households, most of the time of writing them).
    Database errors (a unique row another writer took meanwhile) are Django's, as bulk_create's are."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [_value_of(f) for f in fields]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in [meta.pk, *fields])
    with connection.cursor() as c:
        c.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                  [meta.db_table, meta.pk.column, len(objects)])
        for obj, (pk,) in zip(objects, c.fetchall(), strict=True):
            obj.pk = pk
        with connection.wrap_database_errors, c.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for obj in objects:
                write((obj.pk, *(value(obj) for value in values)))
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def set_aside(tables: list[str]) -> list[tuple[str, str]]:
    """Drop the tables' secondary indexes and their unique and foreign-key constraints (not the primary
    key). Returns what puts them back, as (table, SQL) in the order to run it: plain indexes, unique
    constraints, then foreign keys. Does nothing except on PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    qn = connection.ops.quote_name
    indexes_back, unique_back, foreign_back = [], [], []
    with connection.cursor() as c:
        # Check what the transaction wrote so far now: a table with foreign-key checks still pending (rows
        # written earlier in it, checks deferred to the commit) cannot be altered.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("SET CONSTRAINTS ALL DEFERRED")
        for name in tables:
            c.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                [name],
            )
            constraints = c.fetchall()
            c.execute(
                "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class ci ON ci.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))",
                [name],
            )
            indexes = c.fetchall()
            for conname, _definition, _kind in constraints:
                c.execute(f"ALTER TABLE {qn(name)} DROP CONSTRAINT {qn(conname)}")
            for index, _definition in indexes:
                c.execute(f"DROP INDEX {qn(index)}")
            indexes_back += [(name, definition) for _index, definition in indexes]
            for conname, definition, kind in constraints:
                back = unique_back if kind == "u" else foreign_back
                back.append((name, f"ALTER TABLE {qn(name)} ADD CONSTRAINT {qn(conname)} {definition}"))
    return indexes_back + unique_back + foreign_back


def put_back(statements: list[tuple[str, str]], say: Callable[[str, int, float], None] | None = None) -> None:
    """Run what `set_aside` returned, table by table; `say(table, statements, seconds)` after each."""
    if not statements:
        return
    by_table: dict[str, list[str]] = {}
    for name, sql in statements:
        by_table.setdefault(name, []).append(sql)
    with connection.cursor() as c:
        c.execute("SET LOCAL maintenance_work_mem = '1GB'")
        c.execute("SET LOCAL work_mem = '256MB'")
        for name, group in by_table.items():
            started = time.perf_counter()
            for sql in group:
                c.execute(sql)
            if say is not None:
                say(name, len(group), time.perf_counter() - started)
