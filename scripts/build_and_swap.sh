#!/usr/bin/env bash
# Build without ever writing the served database in place, so a dashboard
# that opens it read-only for each query stays up during builds.
#
# Under the lock shared by every writer of DUCKDB_PATH (scripts/lib/lock.sh:
# build.sh, this script and export_bi.sh; a busy lock is waited for up to
# CONVERSIONS_LOCK_TIMEOUT seconds, default 600, 0 = no wait, then exit 75;
# no flock on PATH: exit 69):
#
#   1. copy the served file DUCKDB_PATH (default conversions.duckdb), if it
#      exists, to "$DUCKDB_PATH.next" (a stale .next and its .wal removed
#      first), so the build stays incremental. A pending WAL of the served
#      file (a build in place killed, a writer that crashed) is folded into
#      it first (CHECKPOINT), so no WAL is ever copied or left behind; the
#      copy is taken with the served file open read-only through DuckDB
#      (no DuckDB writer can be writing it meanwhile);
#   2. the production build, `dbt build --exclude-resource-type unit_test
#      "$@"`, into the copy (set up .venv if needed, as build.sh);
#   3. only if the build succeeded: checkpoint the copy (no .next.wal),
#      make it 0600, fsync it, check that the served file is still the one
#      copied in 1. and has no WAL (else something outside the lock wrote
#      it during the build: the swap stops with exit 74 rather than lose
#      that work, the new build stays in .next), and rename it over the
#      served file. rename(2) on one file system is atomic: a reader
#      opening the served file sees the previous complete database or the
#      new one, never a mix;
#   4. scripts/export_bi.sh (the dashboard's file, BI_DUCKDB_PATH), under
#      the same lock.
# scripts/swap_db.py does the DuckDB parts of 1. and 3. and says how
# readers are treated (a WAL fold waits up to CONVERSIONS_READER_WAIT s,
# default 60, for read-only connections to close).
#
# On failure (or if the script is killed) the served file is untouched and
# the script exits non-zero; the failed copy stays in "$DUCKDB_PATH.next"
# for inspection until the next run removes it. If only the export fails,
# the new build is served and the script exits with the export's code.
# Relative paths (DUCKDB_PATH, RAW_EVENTS_PATH) are relative to the project
# root, as for build.sh.
#
# Private by default: umask 077, so the copy (hence the served file after
# the swap), the lock file, DuckDB's spill folder, dbt's logs/ and target/
# are created 0600/0700 (folders that already exist are left as they are).
# .venv is set up with the caller's umask.
set -euo pipefail
user_umask=$(umask)
umask 077
cd "$(dirname "$0")/.."
(umask "$user_umask" && bash scripts/bootstrap.sh)
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"

served="${DUCKDB_PATH:-conversions.duckdb}"
next="$served.next"
# dbt-duckdb names the database after the file and does not quote that
# name in its SQL: a quote in the file name (the folder may have them)
# would fail the build later with a parser error.
case "$(basename -- "$served")" in
    *\'*|*\"*)
        echo "build_and_swap: DUCKDB_PATH '$served': the file name must not" \
            "contain a quote (dbt-duckdb cannot build it); quotes in the" \
            "folder are fine" >&2
        exit 2
        ;;
esac

. scripts/lib/lock.sh
conversions_lock "$served" build_and_swap

# DuckDB's spill folder, made here (0700) rather than left to DuckDB,
# which makes it only when it spills.
mkdir -p -- "${DUCKDB_TEMP_DIRECTORY:-.duckdb_tmp}"
state=$(mktemp)
trap 'rm -f -- "$state"' EXIT
.venv/bin/python scripts/swap_db.py prepare "$served" "$next" "$state"

status=0
DUCKDB_PATH="$next" .venv/bin/dbt build --exclude-resource-type unit_test "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "build_and_swap: dbt build failed (exit $status); '$served' is" \
        "untouched, the failed build is in '$next'" >&2
    exit "$status"
fi

.venv/bin/python scripts/swap_db.py finish "$served" "$next" "$state"
echo "build_and_swap: '$served' now serves the new build"

conversions_export_bi "$served" build_and_swap
