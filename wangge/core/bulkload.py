"""Loading many rows into a PostgreSQL table at once: its secondary indexes, unique and foreign-key
constraints are set aside for the load and put back after — one index build or one validating join each,
instead of millions of single-row index updates and foreign-key trigger checks. Used by `wangge synth`
and by the rollups rebuild, inside their transaction, so nobody else sees a table without its keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection


def set_aside(tables: list[str]) -> list[tuple[str, str]]:
    """Drop the tables' secondary indexes and their unique and foreign-key constraints (not the primary
    key). Returns what puts them back, as (table, SQL) in the order to run it: plain indexes, unique
    constraints, then foreign keys. Does nothing except on PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    qn = connection.ops.quote_name
    indexes_back, unique_back, foreign_back = [], [], []
    with connection.cursor() as c:
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
