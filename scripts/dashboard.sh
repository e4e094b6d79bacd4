#!/usr/bin/env bash
# Apache Superset on the marts, in one command:
#
#   ./scripts/dashboard.sh          set up, start Superset, provision the
#                                   "Conversions" dashboard, print URL and
#                                   where the logins' passwords are
#   ./scripts/dashboard.sh stop     stop the Superset started here
#
# 1. scripts/bi_setup.sh: .venv-bi (Superset) and Debian chromium.
# 2. A state folder (SUPERSET_STATE_DIR, default .superset/, gitignored;
#    created 0700) holds Superset's metadata database (SQLite), the
#    SECRET_KEY and the admin's and viewer's passwords generated on the
#    first run (0600 files; printed never, their paths only), the logs and
#    the pid file. Delete the folder to start afresh. The configuration is
#    bi/superset_config.py (committed): the DuckDB sandbox, CSRF tokens
#    that expire, security headers.
# 3. Superset (gunicorn, one worker) listens on 127.0.0.1:SUPERSET_PORT
#    (default 8088) in the background; its pid goes to the pid file.
# 4. It serves BI_DUCKDB_PATH (default DUCKDB_PATH with .duckdb replaced by
#    _bi.duckdb): the file scripts/export_bi.sh writes from the build,
#    holding only the marts and the aggregate audit tables. Missing while
#    DUCKDB_PATH exists: export_bi.sh is run to make it.
# 5. bi/provision.py registers it READ-ONLY and sandboxed through
#    Superset's REST API, creates or updates the datasets, charts and
#    dashboard, and the viewer account (role "Conversions viewer": the
#    dashboard and nothing else).
#
# Running it again while Superset runs only provisions again (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

state="${SUPERSET_STATE_DIR:-.superset}"
case "$state" in /*) ;; *) state="$root/$state" ;; esac
port="${SUPERSET_PORT:-8088}"
pid_file="$state/superset.pid"
url="http://127.0.0.1:$port"
gunicorn="$root/.venv-bi/bin/gunicorn"
app_spec="superset.app:create_app()"

ours() {
    # Is pid $1 the Superset this script starts for this checkout and state
    # folder? Its command line is this checkout's .venv-bi gunicorn serving
    # Superset, and its environment has this SUPERSET_HOME. A pid file can
    # outlive its process, and the pid be reused by anything else.
    local pid=$1 args home
    args=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
    grep -qxF -- "$gunicorn" <<<"$args" || return 1
    grep -qxF -- "$app_spec" <<<"$args" || return 1
    home=$(tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null \
        | sed -n 's/^SUPERSET_HOME=//p') || return 1
    [ "$home" = "$state" ]
}

running_pid() {
    # The pid of the Superset started here, if it is still running. A pid
    # file naming any other process is stale: removed, never acted on.
    local pid
    pid=$(cat -- "$pid_file" 2>/dev/null) || return 1
    case "$pid" in ''|*[!0-9]*) rm -f -- "$pid_file"; return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || { rm -f -- "$pid_file"; return 1; }
    if ! ours "$pid"; then
        echo "dashboard: pid $pid in $pid_file is not this project's" \
            "Superset (not $gunicorn with SUPERSET_HOME=$state):" \
            "leaving it alone, removing the stale pid file" >&2
        rm -f -- "$pid_file"
        return 1
    fi
    echo "$pid"
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        echo "dashboard: Superset is not running (no pid of ours in $pid_file)"
        return 0
    fi
    echo "dashboard: stopping Superset (pid $pid)"
    kill -TERM "$pid"
    # gunicorn stops its worker, then itself.
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null && ours "$pid"; then
        echo "dashboard: pid $pid still running after 30 s, sending SIGKILL"
        kill -KILL "$pid"
    fi
    rm -f -- "$pid_file"
}

case "${1:-start}" in
    stop) stop; exit 0 ;;
    start) ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

# The served file: the marts and the aggregate audit tables only, written
# by scripts/export_bi.sh.
db="${DUCKDB_PATH:-conversions.duckdb}"
case "$db" in /*) ;; *) db="$root/$db" ;; esac
served="${BI_DUCKDB_PATH:-${db%.duckdb}_bi.duckdb}"
case "$served" in /*) ;; *) served="$root/$served" ;; esac
if [ ! -f "$served" ]; then
    if [ ! -f "$db" ]; then
        echo "dashboard: no database at '$db': build it first with ./scripts/build.sh" >&2
        exit 1
    fi
    echo "dashboard: no BI file at '$served': writing it from '$db' with scripts/export_bi.sh"
    DUCKDB_PATH="$db" BI_DUCKDB_PATH="$served" bash scripts/export_bi.sh
fi

bash scripts/bi_setup.sh

if [ ! -d "$state" ]; then
    # Only a folder made here is made private: an existing one (say a
    # shared path someone chose) keeps the mode they gave it.
    (umask 077; mkdir -p -- "$state")
    chmod 700 "$state"
fi
export SUPERSET_HOME="$state"
export SUPERSET_CONFIG_PATH="$root/bi/superset_config.py"
export BI_SERVED_DUCKDB="$served"
export FLASK_APP=superset

# Secrets, generated on the first run into 0600 files: never committed,
# printed or put on a command line. A state folder of an earlier version
# kept its SECRET_KEY in its own superset_config.py: taken over from there,
# so the stored connection details stay readable.
.venv-bi/bin/python bi/state_secrets.py "$state"
password_file="$state/admin_password"
viewer_password_file="$state/viewer_password"

superset_version=$(.venv-bi/bin/python -c \
    'import importlib.metadata as m; print(m.version("apache-superset"))')
init_stamp="$state/.initialised"
if [ "$(cat -- "$init_stamp" 2>/dev/null)" != "$superset_version" ]; then
    echo "dashboard: initialising Superset $superset_version metadata in $state"
    .venv-bi/bin/superset db upgrade >"$state/init.log" 2>&1 \
        || { tail -n 40 "$state/init.log" >&2; exit 1; }
    .venv-bi/bin/superset init >>"$state/init.log" 2>&1 \
        || { tail -n 40 "$state/init.log" >&2; exit 1; }
    # Not `superset fab create-admin --password ...`: argv is public.
    .venv-bi/bin/python bi/admin_user.py --username admin \
        --password-file "$password_file" >>"$state/init.log" 2>&1 \
        || { tail -n 40 "$state/init.log" >&2; exit 1; }
    echo "$superset_version" > "$init_stamp"
fi

healthy() {
    .venv-bi/bin/python - "$url/health" <<'PY'
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        sys.exit(0 if response.read().strip() == b"OK" else 1)
except OSError:
    sys.exit(1)
PY
}

if pid=$(running_pid); then
    echo "dashboard: Superset already running (pid $pid)"
else
    echo "dashboard: starting Superset on $url (log: $state/superset.log)"
    # Its own session, so closing the terminal does not stop it; its pid is
    # gunicorn's master process, started by the absolute path that `stop`
    # looks for.
    setsid "$gunicorn" --bind "127.0.0.1:$port" --workers 1 \
        --worker-class gthread --threads 4 --timeout 120 \
        --limit-request-line 0 --limit-request-field_size 0 \
        "$app_spec" >>"$state/superset.log" 2>&1 </dev/null &
    echo $! > "$pid_file"
fi
pid=$(cat -- "$pid_file")
for _ in $(seq 1 180); do
    healthy && break
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "dashboard: Superset exited; the end of its log:" >&2
        tail -n 40 "$state/superset.log" >&2
        rm -f -- "$pid_file"
        exit 1
    fi
    sleep 1
done
if ! healthy; then
    echo "dashboard: Superset not healthy after 180 s; see $state/superset.log" >&2
    exit 1
fi

.venv-bi/bin/python bi/provision.py --url "$url" --username admin \
    --password-file "$password_file" --duckdb "$served" \
    --viewer-password-file "$viewer_password_file"

echo
echo "Superset: $url/superset/dashboard/conversions/"
echo "Viewer:   viewer, the dashboard only (password in $viewer_password_file)"
echo "Admin:    admin (password in $password_file)"
echo "Stop it:  ./scripts/dashboard.sh stop"
