# shellcheck shell=bash
# The one lock shared by every writer of a DuckDB database of this project:
# scripts/build.sh (in place), scripts/build_and_swap.sh and
# scripts/export_bi.sh. Sourced, not run: `. scripts/lib/lock.sh`, then
# `conversions_lock "$DUCKDB_PATH" <script name>`; conversions_export_bi
# runs the export under the lock held (below).
#
# The lock is flock(1) (util-linux) on "$DUCKDB_PATH.lock", a file beside
# the served database (created 0600 under the callers' umask 077, left in
# place: removing a lock file while someone waits on it would split the
# lock). It is taken on file descriptor 9 and held until the script and
# every process that inherited fd 9 (dbt, the export) have exited, so a
# build killed half-way keeps the lock while its dbt child still writes.
#
# Nested writers: build.sh and build_and_swap.sh run export_bi.sh under the
# lock they hold. They export CONVERSIONS_LOCK_FILE; a child that finds it
# equal to its own lock file and fd 9 open on that very file takes the lock
# on the inherited fd 9, which is the caller's open file description:
# flock(2) on it succeeds at once (the lock belongs to that description),
# so the child neither waits for its parent nor releases its lock. Opening
# the lock file anew instead would deadlock (a new description is a new
# owner).
#
# A busy lock: the writer prints what it waits for, waits up to
# CONVERSIONS_LOCK_TIMEOUT seconds (default 600; 0 = do not wait), then
# stops with exit code 75 (EX_TEMPFAIL). No flock on PATH: exit code 69
# (EX_UNAVAILABLE), never a silent build without the lock.

CONVERSIONS_LOCK_BUSY=75
CONVERSIONS_LOCK_NO_FLOCK=69

conversions_lock() {
    local db="$1" who="$2"
    local lockfile="$db.lock"
    local timeout="${CONVERSIONS_LOCK_TIMEOUT:-600}"
    if ! command -v flock >/dev/null 2>&1; then
        echo "$who: flock (util-linux) is not on PATH; it is needed to keep" \
            "builds, swaps and exports of '$db' from overwriting each other" \
            "(install util-linux)" >&2
        exit "$CONVERSIONS_LOCK_NO_FLOCK"
    fi
    case "$timeout" in
        ''|*[!0-9]*)
            echo "$who: CONVERSIONS_LOCK_TIMEOUT='$timeout' is not a whole" \
                "number of seconds" >&2
            exit 64
            ;;
    esac
    # The caller's lock, inherited on fd 9 (see above).
    if [ "${CONVERSIONS_LOCK_FILE:-}" = "$lockfile" ] \
        && [ -e /dev/fd/9 ] && [ /dev/fd/9 -ef "$lockfile" ] \
        && flock -n 9; then
        return 0
    fi
    exec 9>>"$lockfile"
    if ! flock -n 9; then
        local holder
        holder=$(head -c 300 -- "$lockfile" 2>/dev/null || true)
        if [ "$timeout" -eq 0 ]; then
            echo "$who: '$db' is locked by another writer (${holder:-unknown});" \
                "not waiting (CONVERSIONS_LOCK_TIMEOUT=0); lock file" \
                "'$lockfile'" >&2
            exit "$CONVERSIONS_LOCK_BUSY"
        fi
        echo "$who: waiting up to $timeout s (CONVERSIONS_LOCK_TIMEOUT) for" \
            "the lock on '$db', held by ${holder:-another writer}" >&2
        if ! flock -w "$timeout" 9; then
            echo "$who: gave up after $timeout s: '$db' is still locked by" \
                "another writer (${holder:-unknown}); lock file '$lockfile'" \
                "(CONVERSIONS_LOCK_TIMEOUT sets the wait)" >&2
            exit "$CONVERSIONS_LOCK_BUSY"
        fi
        echo "$who: got the lock on '$db'" >&2
    fi
    # Who holds it, for the message of a writer that waits (the content is
    # information only; flock locks the file, not its bytes).
    printf '%s (pid %s, since %s)\n' "$who" "$$" "$(date -u +%FT%TZ)" \
        > "$lockfile" 2>/dev/null || true
    export CONVERSIONS_LOCK_FILE="$lockfile"
}

# The dashboard's file, exported from "$db" at the end of a build that
# holds the lock (export_bi.sh takes the caller's lock on fd 9, above); on
# failure the script stops with the export's exit code.
conversions_export_bi() {
    local db="$1" who="$2" status=0
    DUCKDB_PATH="$db" bash scripts/export_bi.sh || status=$?
    if [ "$status" -ne 0 ]; then
        echo "$who: '$db' is built, but exporting it to the dashboard's" \
            "file failed (exit $status)" >&2
        exit "$status"
    fi
}
