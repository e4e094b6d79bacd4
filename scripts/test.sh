#!/usr/bin/env bash
# The whole test suite: set up .venv if needed, lint the SQL, then pytest,
# which runs real dbt builds (with every unit and data test) on the sample
# and on generated data, each into its own temporary DuckDB file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Java 17 for the Spark target, Superset's own venv and Chromium for the
# BI test: each installs only what is missing.
bash scripts/spark_setup.sh
bash scripts/bi_setup.sh
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
echo "== sqlfluff lint"
# The dbt templater compiles the project against a database: give it a
# scratch one, so a dashboard or build holding conversions.duckdb is no
# obstacle.
lint_dir=$(mktemp -d)
trap 'rm -rf "$lint_dir"' EXIT
DUCKDB_PATH="$lint_dir/lint.duckdb" .venv/bin/sqlfluff lint models tests
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
