#!/usr/bin/env bash
# What the Spark target needs beyond .venv (pyspark and dbt-spark are in
# requirements.txt): a Java 17 runtime. Installs Debian's
# openjdk-17-jre-headless when no Java 17 or newer is on PATH (needs root,
# as in CI); otherwise does nothing.
set -euo pipefail

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

if command -v java > /dev/null && [ "$(java_major)" -ge 17 ] 2> /dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "spark_setup: Java 17 is missing; install openjdk-17-jre-headless (needs root)" >&2
    exit 1
fi
echo "spark_setup: installing openjdk-17-jre-headless"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q openjdk-17-jre-headless > /dev/null \
    || { apt-get update -q > /dev/null && apt-get install -y -q openjdk-17-jre-headless > /dev/null; }
java -version
