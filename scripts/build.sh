#!/usr/bin/env bash
# Set up .venv if needed, then the production build, `dbt build
# --exclude-resource-type unit_test` (seeds, models and data tests; the
# unit tests run in ./scripts/test.sh), into DUCKDB_PATH (default conversions.duckdb) from RAW_EVENTS_PATH
# (default the bundled sample). Extra arguments go to dbt build.
# DBT_TARGET=spark builds with a local Spark instead (Java 17 is installed
# first when missing; tables go to SPARK_WAREHOUSE_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ "${DBT_TARGET:-duckdb}" = spark ]; then
    bash scripts/spark_setup.sh
fi
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD}"
exec .venv/bin/dbt build --exclude-resource-type unit_test "$@"
