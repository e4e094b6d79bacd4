#!/usr/bin/env bash
# Set up .venv with the pinned requirements. Idempotent: a second run only
# checks that requirements.txt has not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv with $("$python_bin" --version)"
    "$python_bin" -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "bootstrap: installing requirements.txt into .venv"
    .venv/bin/python -m pip install --quiet -r requirements.txt
    echo "$wanted" > "$stamp"
fi
