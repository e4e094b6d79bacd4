"""Superset's configuration for the project's dashboard (SUPERSET_CONFIG_PATH,
set by scripts/dashboard.sh). Reviewed like code; nothing secret in it.

Read from the environment that scripts/dashboard.sh starts Superset with:

- SUPERSET_HOME: the state folder (metadata database, secret_key file);
- BI_SERVED_DUCKDB: the absolute path of the one DuckDB file Superset may
  open (the BI file that scripts/export_bi.sh writes: marts and the
  aggregate audit tables only).

Every DuckDB connection Superset makes, whatever its database entry says,
goes through DB_CONNECTION_MUTATOR below: read-only, no file or network
access beyond the served file, no extension installed or loaded on demand,
the configuration locked so that no statement can undo it. An entry for
any other DuckDB file is refused.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

STATE_DIR = Path(os.environ["SUPERSET_HOME"])
SERVED_DUCKDB = os.environ.get("BI_SERVED_DUCKDB", "")

# Generated on the first run by scripts/dashboard.sh (0600, never
# committed): signs sessions and encrypts stored connection details.
SECRET_KEY = (STATE_DIR / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = (
    f"sqlite:///{STATE_DIR / 'superset.db'}?check_same_thread=false")

# Chart data is never cached: every query reads the DuckDB file as it is
# now, so a swapped-in build shows at once.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# Local only, served on 127.0.0.1.
RATELIMIT_STORAGE_URI = "memory://"
SUPERSET_WEBSERVER_TIMEOUT = 120

# --- the DuckDB sandbox -------------------------------------------------------

# DuckDB settings of every connection (duckdb.connect's config). With
# external access off DuckDB still opens the database file it is given, and
# nothing else: no read_text/read_csv/glob of other files, no COPY ... TO,
# no ATTACH, no INSTALL (the extension folder is outside); no extension is
# installed or loaded behind a query's back; and once the configuration is
# locked, SET/RESET of any option fails. No temp directory: DuckDB would
# otherwise allow writing into `<file>.tmp/` (the marts are small, no
# query needs to spill).
DUCKDB_SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
    "temp_directory": "",
}
# What DuckDB still lets a sandboxed connection write: the database file's
# WAL paths (`COPY ... TO '<file>.wal' (use_tmp_file false)` works). The
# served file never has a WAL (scripts/export_bi.sh checkpoints it, Superset
# only reads), so one beside it was written by a query: removed before any
# connection opens the file. DuckDB 2.0 ignores a WAL that is not the
# file's own, but a forged one is not to be left to chance.
WAL_SUFFIXES = (".wal", ".wal.checkpoint", ".wal.recovery")


class UnservedDatabaseError(ValueError):
    pass


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802
    """Superset calls this with every engine it is about to create: DuckDB
    connections are forced read-only and sandboxed (whatever the database
    entry's connect_args hold, so editing the entry cannot lift it), and
    only the served file may be opened."""
    if uri.drivername.split("+")[0] != "duckdb":
        return uri, params
    path = uri.database or ""
    if not SERVED_DUCKDB or os.path.realpath(path) != os.path.realpath(
            SERVED_DUCKDB):
        raise UnservedDatabaseError(
            f"this Superset serves only {SERVED_DUCKDB or '(none set)'}")
    for suffix in WAL_SUFFIXES:
        stray = Path(SERVED_DUCKDB + suffix)
        if stray.exists() or stray.is_symlink():
            logging.getLogger(__name__).warning(
                "removing %s: the served file has no WAL of its own", stray)
            stray.unlink(missing_ok=True)
    connect_args = dict(params.get("connect_args") or {})
    config = dict(connect_args.get("config") or {})
    config.update(DUCKDB_SANDBOX)
    connect_args["config"] = config
    connect_args["read_only"] = True
    # Nothing preloaded, no filesystem registered from the entry.
    connect_args.pop("preload_extensions", None)
    connect_args.pop("register_filesystems", None)
    return uri, dict(params, connect_args=connect_args)


# --- web security -------------------------------------------------------------

# CSRF tokens expire after an hour (Superset's default is a week).
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = 3600

# Security headers (flask-talisman): a Content-Security-Policy allowing
# only this server (scripts by per-response nonce, as Superset's default
# policy; inline styles, which its charts use; images and workers from
# blob:/data:, which the charts draw), no framing, no sniffing, no
# referrer off-site. Plain HTTP on 127.0.0.1, so no HTTPS redirect and no
# Secure cookie flag.
TALISMAN_ENABLED = True
CONTENT_SECURITY_POLICY_WARNING = False
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    },
    "content_security_policy_nonce_in": ["script-src"],
    "frame_options": "DENY",
    "referrer_policy": "same-origin",
    "force_https": False,
    "session_cookie_secure": False,
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
