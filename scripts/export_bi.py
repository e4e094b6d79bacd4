"""Write the file the dashboard serves: a copy of the marts and the
aggregate audit tables of a built database, and nothing else.

    python scripts/export_bi.py SOURCE.duckdb BI.duckdb

Run by scripts/export_bi.sh, which holds the lock of SOURCE (see
scripts/lib/lock.sh) and sets umask 077. What is copied, table by table
(base tables only, as tables: views would need the schemas they read):

- every base table of schema `marts`: aggregates by contract (SPEC section
  4: no mart holds a visitor_id or any per-person column);
- audit.event_reconciliation: one row of totals over all raw rows;
- audit.load_batches: one row per raw file loaded, with its name, size,
  load time and row counts: no event values;
- audit.unmatched_definitions: one row per goal or funnel that matched
  nothing, with the event names and page paths counted instead (counts,
  no per-person column).

Left out: audit.rejected_events (every rejected raw row as delivered:
visitor_id, session_id, user agent, page path: per-event personal data),
and the staging, intermediate, definitions, platform and semantic schemas
(per-event rows, or internals the dashboard does not read).

The copy is written to BI.duckdb.tmp (a stale one and its WAL removed
first), checkpointed so that no WAL is left, set to mode 0600, fsync'd,
and renamed over BI.duckdb (a stale BI.duckdb.wal removed just before:
a WAL left by a writer of the old file would not belong to the new one,
and DuckDB would refuse to open the file). The folder is fsync'd after the
rename. A reader opening BI.duckdb sees the old complete file or the new
one.

Exit codes: 0 done; 66 SOURCE missing; 65 SOURCE lacks a table the export
needs; 1 anything else. Every message names the path concerned.
"""
from __future__ import annotations

import os
import sys

import duckdb

# The file helpers of the swap (scripts/, this script's folder, is on sys.path).
from swap_db import fsync_path, remove, seal, wal_left

# Every table of these schemas that is a base table.
WHOLE_SCHEMAS = ("marts",)
# And these, by name (see the module docstring for why each is in or out).
AUDIT_TABLES = ("event_reconciliation", "load_batches",
                "unmatched_definitions", "traffic_classification",
                "restatements")
SOURCE_ALIAS = "bi_export_source"


def fail(code: int, message: str) -> None:
    print(f"export_bi: {message}", file=sys.stderr)
    sys.exit(code)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def tables_to_copy(con) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and not internal and not temporary "
        "order by 1, 2", [SOURCE_ALIAS]).fetchall()
    found = set(rows)
    wanted = [r for r in rows if r[0] in WHOLE_SCHEMAS]
    for schema in WHOLE_SCHEMAS:
        if not any(s == schema for s, _ in wanted):
            fail(65, f"schema {schema!r} has no table in the source")
    for name in AUDIT_TABLES:
        if ("audit", name) not in found:
            fail(65, f"the source has no table audit.{name}: "
                     "rebuild it with the current project")
        wanted.append(("audit", name))
    return wanted


def export(source: str, bi: str) -> None:
    if not os.path.isfile(source):
        fail(66, f"source database {source!r} does not exist "
                 "(build it first: scripts/build.sh)")
    tmp = bi + ".tmp"
    remove(tmp)
    remove(tmp + ".wal")
    con = duckdb.connect(tmp)
    try:
        con.execute(f"attach {quote_literal(source)} as {SOURCE_ALIAS} "
                    "(read_only)")
        copied = []
        for schema, table in tables_to_copy(con):
            con.execute(f"create schema if not exists {quote_ident(schema)}")
            con.execute(
                f"create table {quote_ident(schema)}.{quote_ident(table)} as "
                f"select * from {SOURCE_ALIAS}.{quote_ident(schema)}."
                f"{quote_ident(table)}")
            copied.append(f"{schema}.{table}")
        con.execute(f"detach {SOURCE_ALIAS}")
        con.execute("checkpoint")
    except duckdb.Error as error:
        con.close()
        remove(tmp)
        remove(tmp + ".wal")
        fail(1, f"exporting {source!r} to {bi!r} failed: {error}")
    con.close()
    if wal_left(tmp):
        fail(1, f"{tmp + '.wal'!r} still holds changes after CHECKPOINT; "
                f"{bi!r} is unchanged")
    seal(tmp)
    remove(bi + ".wal")
    os.replace(tmp, bi)
    fsync_path(os.path.dirname(os.path.abspath(bi)), directory=True)
    print(f"export_bi: {bi!r} now holds {len(copied)} tables of {source!r} "
          f"(marts and {', '.join('audit.' + t for t in AUDIT_TABLES)})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail(64, "usage: export_bi.py SOURCE.duckdb BI.duckdb")
    export(sys.argv[1], sys.argv[2])
