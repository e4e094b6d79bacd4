#!/usr/bin/env bash
# Build without ever writing the served database in place, so a dashboard
# that opens it read-only for each query stays up during builds.
#
#   1. copy the served file DUCKDB_PATH (default conversions.duckdb), if it
#      exists, to "$DUCKDB_PATH.next" (a stale .next and its .wal removed
#      first), so the build stays incremental;
#   2. the production build, `dbt build --exclude-resource-type unit_test "$@"`, into the copy (set up .venv if needed, as build.sh);
#   3. only if the build succeeded: checkpoint the copy (no pending .wal),
#      flush it to disk and rename it over the served file. rename(2) on
#      one file system is atomic: a reader opening the served file sees the
#      previous complete database or the new one, never a mix.
#
# On failure (or if the script is killed) the served file is untouched and
# the script exits non-zero; the failed copy stays in "$DUCKDB_PATH.next"
# for inspection until the next run removes it. Relative paths (DUCKDB_PATH,
# RAW_EVENTS_PATH) are relative to the project root, as for build.sh. Two
# runs for the same DUCKDB_PATH never overlap: the second one stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
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

# One build per served file at a time (flock from util-linux, if present).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$next.lock"
    if ! flock -n 9; then
        echo "build_and_swap: another build of '$served' is running" >&2
        exit 75
    fi
fi

rm -f -- "$next" "$next.wal"
if [ -e "$served" ]; then
    cp -- "$served" "$next"
    # A served file left with a pending WAL (built in place by build.sh):
    # carry the WAL along, so the copy holds everything the served file does.
    if [ -e "$served.wal" ]; then
        cp -- "$served.wal" "$next.wal"
    fi
fi

status=0
DUCKDB_PATH="$next" .venv/bin/dbt build --exclude-resource-type unit_test "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "build_and_swap: dbt build failed (exit $status); '$served' is" \
        "untouched, the failed build is in '$next'" >&2
    exit "$status"
fi

# Fold any pending WAL into the copy, then make sure none is left: the
# rename moves the main file only.
.venv/bin/python - "$next" <<'PY'
import os
import sys

import duckdb

path = sys.argv[1]
con = duckdb.connect(path)
con.execute("CHECKPOINT")
con.close()
wal = path + ".wal"
if os.path.exists(wal) and os.path.getsize(wal) > 0:
    sys.exit(f"build_and_swap: {wal!r} still holds changes after CHECKPOINT")
PY
rm -f -- "$next.wal"
sync -- "$next" 2>/dev/null || sync
mv -f -- "$next" "$served"
sync -- "$(dirname -- "$served")" 2>/dev/null || true
echo "build_and_swap: '$served' now serves the new build"
