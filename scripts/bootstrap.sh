#!/usr/bin/env bash
# Set up .venv with the pinned requirements. Idempotent: a second run only
# checks that requirements.txt has not changed since the last install.
#
# requirements.txt is a lock compiled from requirements.in (the command is in
# its header): every package pinned with its hashes. pip installs it with
# --require-hashes (a file whose hash is not listed is refused) and --no-deps
# (nothing outside the lock comes in: a lock missing a dependency fails the
# import, not silently pulls an unpinned version). The venv's own pip is used
# as it comes with Python; it is not upgraded (that would be an unhashed
# install).
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
    .venv/bin/python -m pip install --quiet --require-hashes --no-deps \
        -r requirements.txt
    echo "$wanted" > "$stamp"
fi
