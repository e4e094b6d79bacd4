#!/usr/bin/env bash
# Set up .venv if needed, then `dbt build` (seeds, models, unit and data
# tests) into DUCKDB_PATH (default conversions.duckdb) from RAW_EVENTS_PATH
# (default the bundled sample). Extra arguments go to dbt build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
exec .venv/bin/dbt build "$@"
