#!/usr/bin/env bash
# Review a definition change by its effect (docs/review.md):
#
#   scripts/review.sh [BASE_REF]
#
# builds BASE_REF's tree (default: the merge base of HEAD with main) and
# the working tree (uncommitted changes included) on the same raw events
# (RAW_EVENTS_PATH, default the bundled sample), each into its own DuckDB
# file, then compares them with scripts/review.py: the definition diff in
# words, each mart's rows added, removed and changed on its grain, the
# largest rate changes, and the reconciliation before and after. Writes
# REVIEW_DIR (default review/, git-ignored): review.md (to post on a pull
# request), review.html (a static page), review.json, and build/ with
# both databases (base.duckdb, head.duckdb) and dbt's logs.
#
# REVIEW_CACHE_DIR (optional): keep the base build there, keyed by the
# base tree's hash and the raw files' names, sizes and times, and reuse
# it when the key matches.
#
# Exit 2: BASE_REF is not a commit. Exit 3: RAW_EVENTS_PATH matches no
# file. Exit 4: a build failed (the message names the tree and the path;
# the log is in REVIEW_DIR/build/).
set -euo pipefail
user_umask=$(umask)
umask 077
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
(umask "$user_umask" && bash scripts/bootstrap.sh) >&2

base_ref="${1:-}"
if [ -z "$base_ref" ]; then
    if ! base_ref=$(git merge-base HEAD main 2>/dev/null); then
        echo "review: no merge base of HEAD with 'main'; name a BASE_REF" >&2
        exit 2
    fi
fi
if ! base_sha=$(git rev-parse --verify --quiet "${base_ref}^{commit}"); then
    echo "review: base ref '$base_ref' does not exist (not a commit here)" >&2
    exit 2
fi
if [ -z "${1:-}" ]; then
    base_label="merge base with main, ${base_sha:0:10}"
else
    base_label="$base_ref, ${base_sha:0:10}"
fi
base_tree_sha=$(git rev-parse "${base_sha}^{tree}")

raw="${RAW_EVENTS_PATH:-$root/sample_data/events.csv}"
case "$raw" in /*) ;; *) raw="$root/$raw" ;; esac
shopt -s globstar   # `**` as DuckDB reads it: any depth
if ! compgen -G "$raw" >/dev/null; then
    echo "review: RAW_EVENTS_PATH '$raw' matches no file" >&2
    exit 3
fi

out="${REVIEW_DIR:-$root/review}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac
work="$out/build"
rm -rf -- "$work"
mkdir -p -- "$work/base_tree" "$work/tmp"
git archive "$base_sha" | tar -x -C "$work/base_tree"

export RAW_EVENTS_PATH="$raw" DUCKDB_TEMP_DIRECTORY="$work/tmp"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_USE_COLORS=false

# build NAME PROJECT_DIR: a fresh production build into $work/NAME.duckdb.
build() {
    local name=$1 project=$2
    echo "review: building $name ($project) on $raw" >&2
    if ! DUCKDB_PATH="$work/$name.duckdb" DBT_PROFILES_DIR="$project" \
        "$root/.venv/bin/dbt" build --exclude-resource-type unit_test \
        --project-dir "$project" --target-path "$work/${name}_target" \
        --log-path "$work/${name}_logs" >"$work/$name.log" 2>&1; then
        grep -E "Error|error" "$work/$name.log" | tail -n 15 >&2 || true
        echo "review: the $name build ($name: $([ "$name" = base ] \
            && echo "$base_ref" || echo "working tree")) failed on" \
            "RAW_EVENTS_PATH '$raw'; log: $work/$name.log" >&2
        exit 4
    fi
}

base_db="$work/base.duckdb"
base_manifest="$work/base_target/manifest.json"
if [ -n "${REVIEW_CACHE_DIR:-}" ]; then
    key=$( { echo "$base_tree_sha $raw"; ls -l --time-style=full-iso $raw; } \
        | sha256sum | cut -c1-16)
    cached="$REVIEW_CACHE_DIR/$key"
    if [ ! -f "$cached/base.duckdb" ]; then
        build base "$work/base_tree"
        mkdir -p -- "$cached"
        cp -- "$base_db" "$cached/base.duckdb.part"
        cp -- "$base_manifest" "$cached/manifest.json"
        mv -- "$cached/base.duckdb.part" "$cached/base.duckdb"
    else
        echo "review: base build reused from $cached" >&2
    fi
    base_db="$cached/base.duckdb"
    base_manifest="$cached/manifest.json"
else
    build base "$work/base_tree"
fi
build head "$root"

"$root/.venv/bin/python" "$root/scripts/review.py" "$work/base_tree" "$root" \
    "$base_db" "$work/head.duckdb" "$base_manifest" \
    "$work/head_target/manifest.json" "$out" "$base_label"
echo "review: done in $(( $(date +%s) - started )) s"
