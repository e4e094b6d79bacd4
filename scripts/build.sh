#!/usr/bin/env bash
# Set up .venv if needed, then the production build, `dbt build
# --exclude-resource-type unit_test` (seeds, models and data tests; the
# unit tests run in ./scripts/test.sh), into DUCKDB_PATH (default
# conversions.duckdb) from RAW_EVENTS_PATH (default the bundled sample),
# in place; then scripts/export_bi.sh writes the dashboard's file
# (BI_DUCKDB_PATH, default conversions_bi.duckdb). Extra arguments go to
# dbt build. A dashboard or reader of DUCKDB_PATH gets DuckDB's lock error
# while the build writes it: scripts/build_and_swap.sh builds a copy and
# swaps it in instead.
#
# The build and the export run under the lock shared by every writer of
# DUCKDB_PATH (scripts/lib/lock.sh): a build, swap or export of the same
# file in progress is waited for, up to CONVERSIONS_LOCK_TIMEOUT seconds
# (default 600; 0 = do not wait), then the script stops with exit 75
# without building; no flock on PATH: exit 69.
#
# DBT_TARGET=spark builds with a local Spark instead (Java 17 is installed
# first when missing; tables go to SPARK_WAREHOUSE_DIR): no DuckDB file, so
# no lock and no export.
#
# Private by default: umask 077, so the database (when this creates it),
# the lock file, DuckDB's spill folder, dbt's logs/ and target/ and Spark's
# warehouse and metastore are created 0600/0700; what already exists keeps
# its mode. .venv and Java are installed with the caller's umask. `dbt
# build` run directly, without this script, creates them with the caller's
# umask (often 022: world-readable): set `umask 077` first.
set -euo pipefail
user_umask=$(umask)
umask 077
cd "$(dirname "$0")/.."
(umask "$user_umask" && bash scripts/bootstrap.sh)
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
if [ "${DBT_TARGET:-duckdb}" = spark ]; then
    (umask "$user_umask" && bash scripts/spark_setup.sh)
    echo "build: DBT_TARGET=spark: no DuckDB file, so no lock and no" \
        "export to the dashboard's file (scripts/export_bi.sh)" >&2
    exec .venv/bin/dbt build --exclude-resource-type unit_test "$@"
fi

# DuckDB's spill folder, made here (0700) rather than left to DuckDB,
# which makes it only when it spills.
mkdir -p -- "${DUCKDB_TEMP_DIRECTORY:-.duckdb_tmp}"
db="${DUCKDB_PATH:-conversions.duckdb}"
. scripts/lib/lock.sh
conversions_lock "$db" build

status=0
.venv/bin/dbt build --exclude-resource-type unit_test "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "build: dbt build of '$db' failed (exit $status); the dashboard's" \
        "file is not exported" >&2
    exit "$status"
fi
conversions_export_bi "$db" build
