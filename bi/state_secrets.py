"""The secrets of a Superset state folder, generated once into 0600 files:

    secret_key        Superset's SECRET_KEY (bi/superset_config.py reads it)
    admin_password    the admin's password
    viewer_password   the viewer's password

    python bi/state_secrets.py STATE_DIR

An existing non-empty file is kept. A state folder of an earlier version
kept its SECRET_KEY in a generated superset_config.py: taken over from
there, so the connection details stored with it stay readable. Prints
nothing secret. Standard library only.
"""
from __future__ import annotations

import ast
import os
import secrets
import sys


def old_secret_key(state: str) -> str | None:
    path = os.path.join(state, "superset_config.py")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "SECRET_KEY"
                and isinstance(node.value, ast.Constant)):
            return node.value.value
    return None


def write_secret(state: str, name: str, value: str) -> bool:
    path = os.path.join(state, name)
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return False
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              "w") as f:
        f.write(value + "\n")
    return True


def main(argv: list[str]) -> int:
    (state,) = argv
    made = [name for name, value in [
        ("secret_key", old_secret_key(state) or secrets.token_urlsafe(48)),
        ("admin_password", secrets.token_urlsafe(12)),
        ("viewer_password", secrets.token_urlsafe(12)),
    ] if write_secret(state, name, value)]
    for name in made:
        print(f"dashboard: generated {os.path.join(state, name)} (0600)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
