"""Create Superset's admin user, its password read from a file, never from
the command line (argv is visible to every user in `ps`; `superset fab
create-admin --password` puts it there) nor printed.

    SUPERSET_CONFIG_PATH=... .venv-bi/bin/python bi/admin_user.py \\
        --username admin --password-file .superset/admin_password

Run by scripts/dashboard.sh after `superset db upgrade`. An existing user of
that name is left as it is.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password-file", required=True, type=Path)
    args = parser.parse_args(argv)
    password = args.password_file.read_text().strip()
    if not password:
        parser.error(f"{args.password_file} is empty")

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        security = app.appbuilder.sm
        if security.find_user(username=args.username):
            print(f"admin_user: {args.username!r} exists, left as it is")
            return 0
        role = security.find_role(security.auth_role_admin)
        user = security.add_user(args.username, "Admin", "User",
                                 f"{args.username}@localhost", role,
                                 password=password)
        if not user:
            print(f"admin_user: could not create {args.username!r}",
                  file=sys.stderr)
            return 1
        print(f"admin_user: created {args.username!r} (password in "
              f"{args.password_file})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
