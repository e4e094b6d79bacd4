#!/usr/bin/env bash
# Write a PNG of the "Conversions" dashboard (for e-mail and slides):
#
#   ./scripts/dashboard_png.sh [out.png]     default docs/dashboard.png
#
# Runs scripts/dashboard.sh (set up, start Superset if it is not running,
# provision), then bi/screenshot.py with headless Debian chromium. A Superset
# that this command started is stopped again at the end; one that was
# already running is left running. Same environment as dashboard.sh
# (DUCKDB_PATH, BI_DUCKDB_PATH, SUPERSET_PORT, SUPERSET_STATE_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

output="${1:-docs/dashboard.png}"
state="${SUPERSET_STATE_DIR:-.superset}"
port="${SUPERSET_PORT:-8088}"
pid_file="$state/superset.pid"

was_running=no
# Running: the pid file names this checkout's Superset (dashboard.sh's
# `stop` checks the state folder too); a stale pid file is no Superset.
if pid=$(cat -- "$pid_file" 2>/dev/null) && [ -n "$pid" ] \
        && tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null \
            | grep -qxF -- "$PWD/.venv-bi/bin/gunicorn"; then
    was_running=yes
fi
if [ "$was_running" = no ]; then
    trap 'bash scripts/dashboard.sh stop' EXIT
fi

bash scripts/dashboard.sh
# As the viewer: the PNG shows what the dashboard's viewers see. The
# password goes by its file, never on the command line.
case "$state" in /*) ;; *) state="$PWD/$state" ;; esac
.venv-bi/bin/python bi/screenshot.py --url "http://127.0.0.1:$port" \
    --username viewer --password-file "$state/viewer_password" "$output"
