"""Writing millions of rows fast: ids taken from the tables' sequences up front, rows streamed in batches.

PostgreSQL: each batch is one `COPY … FROM STDIN` (psycopg 3), and the big tables lose their secondary
indexes, unique and foreign-key constraints for the load and get them back at the end (one index build and
one validating join each instead of millions of single-row checks). Everything happens inside the caller's
transaction, so a failed load leaves nothing, indexes included. SQLite: `executemany` on the raw
connection, constraints left as they are.

Rows are tuples in the order of the fields given to `Writer.table`; fields of the model that the
generator does not fill get their model default, so that a new column with a default does not break the
load. Timestamps are written as text by `Writer.ts` (UTC, whole seconds).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.db.models import Model

from wangge.core import bulkload

BATCH = 20_000
_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def copy_text(rows: list[tuple]) -> bytes:
    """Rows as PostgreSQL COPY text, formatted the way psycopg's `write_row` does (it escapes tabs,
    newlines and backslashes), without a connection: worker processes format, the main process sends."""
    from psycopg._copy_base import TextFormatter
    from psycopg.adapt import Transformer

    formatter = TextFormatter(Transformer())
    parts = []
    for row in rows:
        chunk = formatter.write_row(row)
        if chunk:
            parts.append(chunk)
    parts.append(formatter.end())
    return b"".join(bytes(p) for p in parts)


class Table:
    def __init__(self, writer: Writer, model: type[Model], fields: list[str]):
        self.writer = writer
        self.model = model
        self.name = model._meta.db_table
        meta = model._meta
        given = [meta.get_field(f) for f in fields]
        missing = []
        extras = []
        for field in meta.concrete_fields:
            if field.name in fields:
                continue
            if field.primary_key:
                continue   # taken from the sequence by the database
            if not field.null and not field.has_default() and not field.blank:
                missing.append(field.name)
                continue
            value = field.get_default() if field.has_default() else None
            if value is not None and field.get_internal_type() == "JSONField":
                value = json.dumps(value, ensure_ascii=False)
            elif value is not None:
                value = field.get_db_prep_save(value, connection)
            extras.append((field.column, value))
        if missing:
            raise RuntimeError(f"synth: {self.name} needs values for {', '.join(missing)}")
        self.columns = [f.column for f in given] + [c for c, _ in extras]
        self.extras = tuple(v for _, v in extras)
        self.rows: list[tuple] = []
        self.count = 0
        self.next_id = 0
        self.first_id = 0

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def extend(self, rows: list[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows = self.rows
        self.rows = []
        if self.extras:
            extras = self.extras
            rows = [r + extras for r in rows]
        self.writer.write(self, rows)
        self.count += len(rows)


class Writer:
    def __init__(self):
        self.vendor = connection.vendor
        self.postgres = self.vendor == "postgresql"
        self.tables: dict[str, Table] = {}
        self._days: dict[int, str] = {}
        self._suffix = "+00" if self.postgres else ""
        self._restore: list[tuple[str, str]] = []   # (table, SQL) to run at the end
        self.timings: list[tuple[str, float]] = []  # what the restore cost, per table

    # -- tables and ids ------------------------------------------------------------------------------
    def table(self, model: type[Model], fields: list[str]) -> Table:
        table = Table(self, model, fields)
        self.tables[table.name] = table
        return table

    def _next_id(self, name: str) -> int:
        with connection.cursor() as c:
            qn = connection.ops.quote_name
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(name)}")
            highest = c.fetchone()[0]
            if self.postgres:
                c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [name])
                sequence = c.fetchone()[0]
                c.execute(f"SELECT last_value, is_called FROM {sequence}")
                last, called = c.fetchone()
                return max(highest + 1, last + 1 if called else last)
            c.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [name])
            row = c.fetchone()
            return max(highest, row[0] if row else 0) + 1

    def start(self) -> None:
        """Keep other writers out of every table of the load until the transaction ends, then take the ids
        from there on (PostgreSQL: ids come from the sequences without asking them row by row; SQLite locks
        the whole file anyway)."""
        if self.postgres and self.tables:
            qn = connection.ops.quote_name
            with connection.cursor() as c:
                c.execute(f"LOCK TABLE {', '.join(qn(t) for t in self.tables)} IN SHARE ROW EXCLUSIVE MODE")
        for table in self.tables.values():
            table.next_id = table.first_id = self._next_id(table.name)

    def finish(self) -> None:
        """Flush what is buffered and move the sequences past the ids used."""
        for table in self.tables.values():
            table.flush()
        with connection.cursor() as c:
            for table in self.tables.values():
                if table.next_id == table.first_id or not self.postgres:
                    continue  # SQLite's AUTOINCREMENT follows the highest id written
                c.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table.name, table.next_id - 1])

    # -- values ----------------------------------------------------------------------------------------
    def ts(self, t: float) -> str:
        """A UTC timestamp as the database takes it as text, to the second."""
        d, r = divmod(int(t), 86400)
        prefix = self._days.get(d)
        if prefix is None:
            prefix = self._days[d] = (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=d)).strftime(
                "%Y-%m-%d ")
        return prefix + _CLOCK[r] + self._suffix

    # -- writing ---------------------------------------------------------------------------------------
    def copy_data(self, table: Table, data: bytes) -> None:
        """Rows already in COPY text format (from `copy_text`, in a worker process)."""
        table.flush()
        if not data:
            return
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in table.columns)
        with connection.cursor() as c, c.cursor.copy(f"COPY {qn(table.name)} ({columns}) FROM STDIN") as copy:
            copy.write(data)
        table.count += data.count(b"\n")

    def write(self, table: Table, rows: list[tuple]) -> None:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in table.columns)
        if self.postgres:
            with connection.cursor() as c, c.cursor.copy(f"COPY {qn(table.name)} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            marks = ", ".join("?" * len(table.columns))
            connection.ensure_connection()
            connection.connection.executemany(f"INSERT INTO {qn(table.name)} ({columns}) VALUES ({marks})", rows)

    # -- secondary indexes and constraints of the big tables (PostgreSQL) --------------------------------
    def drop_indexes(self, names: list[str]) -> None:
        if self.postgres:
            self._restore += bulkload.set_aside(names)

    def restore_indexes(self, say=lambda _m: None) -> None:
        def done(name: str, count: int, seconds: float) -> None:
            self.timings.append((name, seconds))
            say(f"重建索引与约束 {name}（{count} 项）：{seconds:.1f} 秒")

        bulkload.put_back(self._restore, done)
        self._restore = []

    # Vacuumed as well as analyzed: the matters table, which lists and queues read by index-only scans. Until a
    # freshly written table is vacuumed its visibility map is empty, and those scans visit the heap row by row.
    VACUUMED = frozenset({"matters_matter"})

    def analyze(self) -> None:
        """After the commit: the planner's statistics of every table written. VACUUM runs outside a transaction
        only (not when the caller holds one open, as a test does)."""
        qn = connection.ops.quote_name
        vacuum = self.VACUUMED if not connection.in_atomic_block else frozenset()
        with connection.cursor() as c:
            for name, table in self.tables.items():
                if table.count:
                    c.execute(f"{'VACUUM (ANALYZE)' if name in vacuum else 'ANALYZE'} {qn(name)}")
