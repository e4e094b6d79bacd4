#!/usr/bin/env bash
# The whole test suite: set up .venv if needed, lint the SQL, then pytest,
# which runs real dbt builds (with every unit and data test) on the sample
# and on generated data, each into its own temporary DuckDB file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
echo "== sqlfluff lint"
.venv/bin/sqlfluff lint models tests
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
