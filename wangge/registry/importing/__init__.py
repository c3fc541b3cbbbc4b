"""Importing households and residents from XLSX/CSV, and grid boundaries from GeoJSON.

The modules, in the order an import runs through them:

- `format`: the column headers, their other spellings and the words a cell may hold (shared with
  exporting.py);
- `reading`: file type, CSV/XLSX reading into a `Table`;
- `rows`: parsing one row;
- `planning`: checking the rows against each other and the registry (the `Plan`);
- `households`: the services `households_check`, `households_import`, `households_import_file`;
- `writing`: writing a checked plan in batches with bulk inserts and updates;
- `jobs`: the background `ImportJob` (create, run, progress, failing stalled jobs);
- `boundaries`: `boundaries_import`;
- `reports`: progress callbacks, the reports and `ImportRowError`.

A household import goes through three steps (`households_import_file` runs them for the CLI, the
background job and tests):

1. `read_table` turns the file into rows of cells keyed by canonical column name, with spreadsheet row
   numbers (the header is row 1). File-level problems raise `InvalidInput` naming the field "file".
2. `households_check` parses, validates and resolves every row against the database and returns a
   `Plan`: what would be created, updated or left unchanged, and every row error. It only reads.
3. `households_import` (one transaction) makes sure the plan still holds — it loads again, as plain
   values in bulk, the registry rows the plan was made from (places, the households and residents the
   file names, their heads) and compares them; when anything changed it plans again inside the
   transaction — and writes (`writing`): a batch of households at a time, with bulk inserts of the
   households and then of their residents, bulk updates of what changed, each resident's search text
   computed once per distinct name.

Why step 2 runs outside the write transaction: progress is written to the `ImportJob` row while the
job runs, and another connection (the page polling it) sees only committed rows. On SQLite a second
connection cannot even write while a write transaction is open. So the slow, per-row part runs first
in autocommit mode, reporting progress, and fails fast; the write transaction is short. A change made
by someone else between the two steps is caught by the comparison (or, for a row inserted at the last
moment, by the unique constraints: `Conflict`, nothing written).

"Good rows" with skip_invalid: a household is the unit of import. When any row of a household has an
error, none of that household's rows are written (they are listed in `skipped_rows`), so a household is
never half-imported (e.g. a spouse without the head, or the wrong floor). Fix the file and import it
again: the households already imported come out unchanged.
"""

from .boundaries import BoundaryReport, boundaries_import
from .format import (
    BUILDING,
    CARE_FLAGS,
    ESTATE,
    EXPORT_COLUMNS,
    FLOOR,
    ID_NUMBER,
    MAX_FILE_BYTES,
    NAME,
    OCCUPANCY,
    OPTIONAL_COLUMNS,
    PARTY,
    PHONE,
    RELATION,
    REQUIRED_COLUMNS,
    ROOM,
    UNIT,
    care_flag_label,
    occupancy_label,
    relation_label,
)
from .households import households_check, households_import, households_import_file
from .jobs import STALLED_AFTER, import_job_create, import_job_fail_stalled, import_job_run
from .planning import Plan
from .reading import Table, file_kind, read_table
from .reports import Counts, ImportReport, ImportRowError, Progress

__all__ = [
    "BUILDING",
    "CARE_FLAGS",
    "ESTATE",
    "EXPORT_COLUMNS",
    "FLOOR",
    "ID_NUMBER",
    "MAX_FILE_BYTES",
    "NAME",
    "OCCUPANCY",
    "OPTIONAL_COLUMNS",
    "PARTY",
    "PHONE",
    "RELATION",
    "REQUIRED_COLUMNS",
    "ROOM",
    "STALLED_AFTER",
    "UNIT",
    "BoundaryReport",
    "Counts",
    "ImportReport",
    "ImportRowError",
    "Plan",
    "Progress",
    "Table",
    "boundaries_import",
    "care_flag_label",
    "file_kind",
    "households_check",
    "households_import",
    "households_import_file",
    "import_job_create",
    "import_job_fail_stalled",
    "import_job_run",
    "occupancy_label",
    "read_table",
    "relation_label",
]
