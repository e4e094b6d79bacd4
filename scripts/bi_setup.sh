#!/usr/bin/env bash
# Set up what the Superset dashboard needs. Idempotent: a second run only
# checks that bi/requirements.txt has not changed and that Chromium is there.
#
#   .venv-bi   Superset and its driver, from bi/requirements.txt. Superset
#              pins its own versions of pandas, pyarrow, SQLAlchemy...; they
#              clash with the project's .venv, so it gets a venv of its own.
#              The two share only the DuckDB file. bi/requirements.txt is
#              a lock compiled from bi/requirements.in (the command is in its
#              header), installed with --require-hashes --no-deps, as
#              scripts/bootstrap.sh does.
#   chromium   Debian's chromium and chromium-driver (/usr/bin/chromium,
#              /usr/bin/chromedriver) for bi/screenshot.py, installed with
#              apt-get when missing (needs root, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
if [ ! -x .venv-bi/bin/python ]; then
    echo "bi_setup: creating .venv-bi with $("$python_bin" --version)"
    "$python_bin" -m venv .venv-bi
fi
stamp=.venv-bi/.requirements.sha256
wanted=$(sha256sum bi/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "bi_setup: installing bi/requirements.txt into .venv-bi"
    .venv-bi/bin/python -m pip install --quiet --require-hashes --no-deps \
        -r bi/requirements.txt
    echo "$wanted" > "$stamp"
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bi_setup: /usr/bin/chromium or /usr/bin/chromedriver is missing;" \
            "install the Debian packages chromium and chromium-driver as root" >&2
        exit 1
    fi
    echo "bi_setup: installing chromium and chromium-driver with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        apt-get install -y -q --no-install-recommends chromium chromium-driver
    }
    # The package lists may be missing or stale on a fresh machine: refresh
    # them only if the install fails without.
    if ! apt_install; then
        apt-get update -q
        apt_install
    fi
fi
