"""The DuckDB steps of scripts/build_and_swap.sh, run under its lock.

    python scripts/swap_db.py prepare SERVED NEXT STATE
    python scripts/swap_db.py finish  SERVED NEXT STATE

prepare: NEXT (and NEXT.wal) removed; if SERVED exists: a pending
    SERVED.wal is folded into SERVED first (opened read-write, CHECKPOINT),
    so the copy needs no WAL and SERVED is never left with one; then, with
    SERVED open read-only (DuckDB's shared lock: no DuckDB writer can open
    it meanwhile, readers still can), it is copied to NEXT and its identity
    (inode, size, mtime) written to STATE.
finish: NEXT checkpointed (no NEXT.wal left), set 0600 and fsync'd; then,
    with SERVED open read-only again, SERVED must be the file prepare
    copied (same identity, no WAL): otherwise something outside the lock
    (a direct `dbt build`, a notebook) wrote it during the build, and
    renaming over it would lose that work silently, so the swap stops
    (exit 74) and the new build stays in NEXT. Otherwise NEXT is renamed
    over SERVED (rename(2): atomic; a reader sees the old complete file or
    the new one) and the folder fsync'd.

Readers: DuckDB readers (read-only connections, e.g. a query) hold a
shared lock on SERVED while open. Folding a WAL needs the exclusive lock,
so prepare retries every 0.2 s for up to CONVERSIONS_READER_WAIT seconds
(default 60) and then stops (exit 75). Copying and renaming only take the
shared lock: readers are never refused by a swap without a WAL to fold.
A reader that still has the old file open keeps reading it (the old inode)
until it closes it.
"""
from __future__ import annotations

import json
import os
import sys
import time

import duckdb

EX_TEMPFAIL = 75
EX_CHANGED = 74


def fail(code: int, message: str) -> None:
    print(f"build_and_swap: {message}", file=sys.stderr)
    sys.exit(code)


def remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def has_wal(path: str) -> bool:
    return os.path.exists(path + ".wal")


def fsync_path(path: str, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def wal_left(path: str) -> bool:
    """After a CHECKPOINT: True when PATH.wal still holds changes; an
    empty one is removed."""
    if has_wal(path) and os.path.getsize(path + ".wal") > 0:
        return True
    remove(path + ".wal")
    return False


def seal(path: str) -> None:
    """A finished database file: private (0600) and on disk."""
    os.chmod(path, 0o600)
    fsync_path(path)


def connect(path: str, read_only: bool, what: str):
    """duckdb.connect, retried while another process holds a conflicting
    DuckDB lock on the file."""
    wait = float(os.environ.get("CONVERSIONS_READER_WAIT", "60"))
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                fail(EX_TEMPFAIL, f"{path!r} stayed open by another process "
                     f"for {wait:g} s (CONVERSIONS_READER_WAIT) while "
                     f"trying to {what}: {error}")
            time.sleep(0.2)


def identity(path: str) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def fold_wal(served: str) -> None:
    """Fold a pending SERVED.wal into SERVED."""
    print(f"build_and_swap: {served!r} has a pending WAL: folding it in "
          "(CHECKPOINT) before copying", file=sys.stderr)
    con = connect(served, False, "fold its pending WAL in")
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if wal_left(served):
        fail(1, f"{served + '.wal'!r} still holds changes after CHECKPOINT")


def prepare(served: str, nxt: str, state: str) -> None:
    remove(nxt)
    remove(nxt + ".wal")
    if not os.path.exists(served):
        with open(state, "w") as f:
            json.dump(None, f)
        return
    for _ in range(10):
        if has_wal(served):
            fold_wal(served)
        con = connect(served, True, "copy it")
        try:
            # A writer outside the lock may have come and gone between the
            # fold and this open: fold again.
            if has_wal(served):
                continue
            before = identity(served)
            with open(served, "rb") as src, open(nxt, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            if identity(served) != before:
                fail(1, f"{served!r} changed while it was copied")
        finally:
            con.close()
        with open(state, "w") as f:
            json.dump(before, f)
        return
    fail(EX_TEMPFAIL, f"{served!r} keeps getting a new WAL from a writer "
         "outside the lock; stop that writer and run again")


def finish(served: str, nxt: str, state: str) -> None:
    con = duckdb.connect(nxt)
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if wal_left(nxt):
        fail(1, f"{nxt + '.wal'!r} still holds changes after CHECKPOINT; "
             f"{served!r} is untouched")
    seal(nxt)
    with open(state) as f:
        copied = json.load(f)
    changed = (f"{served!r} was changed during the build by a writer outside "
               "the lock (a `dbt build` or a connection run directly?): "
               "swapping would lose its changes, so it is left as it is; "
               f"the new build is in {nxt!r}")
    if copied is None:
        if os.path.exists(served) or has_wal(served):
            fail(EX_CHANGED, changed)
        os.replace(nxt, served)
    else:
        if not os.path.exists(served):
            fail(EX_CHANGED, f"{served!r} was removed during the build; "
                 f"the new build is in {nxt!r}")
        # Held open read-only until after the rename: no DuckDB writer can
        # open SERVED between the check and the rename.
        con = connect(served, True, "swap the new build in")
        try:
            if has_wal(served) or identity(served) != copied:
                fail(EX_CHANGED, changed)
            os.replace(nxt, served)
        finally:
            con.close()
    fsync_path(os.path.dirname(os.path.abspath(served)), directory=True)
    if has_wal(served):
        fail(1, f"{served + '.wal'!r} appeared after the swap")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("prepare", "finish"):
        fail(64, "usage: swap_db.py prepare|finish SERVED NEXT STATE")
    {"prepare": prepare, "finish": finish}[sys.argv[1]](*sys.argv[2:])
