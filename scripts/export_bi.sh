#!/usr/bin/env bash
# Write the file the dashboard serves, BI_DUCKDB_PATH, from the built
# database DUCKDB_PATH (default conversions.duckdb): only the tables of
# schema marts and the aggregate audit tables (audit.event_reconciliation,
# audit.load_batches, audit.unmatched_definitions), never
# audit.rejected_events (per-event raw values) nor staging, intermediate,
# definitions or platform; no views. scripts/export_bi.py says why each
# table is in or out and how the file is written (a temp file beside it,
# checkpointed, mode 0600, fsync'd, renamed over BI_DUCKDB_PATH; no WAL
# left).
#
# BI_DUCKDB_PATH defaults to DUCKDB_PATH with a trailing .duckdb replaced
# by _bi.duckdb (conversions.duckdb -> conversions_bi.duckdb), or with
# _bi.duckdb appended when it has no .duckdb suffix. Relative paths are
# relative to the project root, as for build.sh. One BI file per
# DUCKDB_PATH: the lock is the source's.
#
# Runs under the lock shared with build.sh and build_and_swap.sh
# (scripts/lib/lock.sh: waits up to CONVERSIONS_LOCK_TIMEOUT s, default
# 600, then exit 75; no flock: exit 69). Those two scripts run it at the
# end of a DuckDB build, under the lock they already hold.
#
# Exit codes: 0 done; 66 DUCKDB_PATH missing; 65 a table is missing from
# it; 75 lock busy; 69 no flock; other non-zero: failed, BI_DUCKDB_PATH
# unchanged. Messages name the path.
set -euo pipefail
# Private by default: the BI file, its temp file and the lock file are
# created 0600.
umask 077
cd "$(dirname "$0")/.."

source_db="${DUCKDB_PATH:-conversions.duckdb}"
case "$source_db" in
    *.duckdb) default_bi="${source_db%.duckdb}_bi.duckdb" ;;
    *) default_bi="${source_db}_bi.duckdb" ;;
esac
bi_db="${BI_DUCKDB_PATH:-$default_bi}"

if [ ! -f "$source_db" ]; then
    echo "export_bi: source database '$source_db' (DUCKDB_PATH) does not" \
        "exist; build it first (scripts/build.sh)" >&2
    exit 66
fi
if [ "$bi_db" -ef "$source_db" ]; then
    echo "export_bi: BI_DUCKDB_PATH '$bi_db' is the source database itself" >&2
    exit 64
fi

. scripts/lib/lock.sh
conversions_lock "$source_db" export_bi

exec .venv/bin/python scripts/export_bi.py "$source_db" "$bi_db"
