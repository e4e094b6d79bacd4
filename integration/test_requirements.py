"""The Python dependencies are locked: requirements.txt and bi/requirements.txt
are compiled from requirements.in and bi/requirements.in (pip-compile
--generate-hashes; the command is in each lock's header), every package
pinned with `==` and its hashes, and the setup scripts install them with
--require-hashes. Static checks of the files: no network, no install.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

# (top-level pins, lock, the script that installs the lock)
SETS = [
    ("requirements.in", "requirements.txt", "scripts/bootstrap.sh"),
    ("bi/requirements.in", "bi/requirements.txt", "scripts/bi_setup.sh"),
]
IDS = [lock for _, lock, _ in SETS]

NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
PIN = re.compile(rf"^({NAME})(\[[^\]]*\])?\s*==\s*([^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(path: Path) -> list[str]:
    """The file's requirement lines: comments dropped, `\\` continuations
    joined, blank lines skipped."""
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        line = line.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in logical_lines(path):
        match = PIN.match(line)
        assert match, f"{path.relative_to(PROJECT_DIR)}: not an `==` pin: {line[:120]}"
        found[canonical(match.group(1))] = match.group(3)
    return found


@pytest.mark.parametrize("top, lock, script", SETS, ids=IDS)
def test_every_locked_package_is_pinned_with_hashes(top, lock, script):
    lines = logical_lines(PROJECT_DIR / lock)
    assert lines, f"{lock} is empty"
    for line in lines:
        assert not line.startswith("-"), (
            f"{lock}: an option line ({line[:80]}); index and find-links "
            "options stay out of the lock (--no-emit-index-url "
            "--no-emit-find-links)")
        assert PIN.match(line), f"{lock}: not pinned with ==: {line[:120]}"
        assert HASH.search(line), f"{lock}: no --hash=sha256: {line[:120]}"


@pytest.mark.parametrize("top, lock, script", SETS, ids=IDS)
def test_lock_says_how_to_regenerate_it(top, lock, script):
    header = (PROJECT_DIR / lock).read_text()[:2000]
    assert re.search(
        rf"#\s+pip-compile .*--generate-hashes.* {re.escape(top)}\s*$",
        header, re.M), f"{lock}: no pip-compile command in the header"


@pytest.mark.parametrize("top, lock, script", SETS, ids=IDS)
def test_top_level_pins_are_in_the_lock(top, lock, script):
    wanted = pins(PROJECT_DIR / top)
    assert wanted, f"{top} has no pins"
    locked = pins(PROJECT_DIR / lock)
    missing = sorted(set(wanted) - set(locked))
    assert not missing, f"{top} pins missing from {lock}: {missing}"
    differ = {name: (version, locked[name])
              for name, version in wanted.items() if locked[name] != version}
    assert not differ, f"{top} vs {lock} (in, txt): {differ}"


@pytest.mark.parametrize("top, lock, script", SETS, ids=IDS)
def test_setup_script_installs_the_lock_with_hashes(top, lock, script):
    text = (PROJECT_DIR / script).read_text().replace("\\\n", " ")
    installs = [line for line in text.splitlines()
                if re.search(r"\bpip install\b", line)
                and not line.lstrip().startswith("#")]
    assert installs, f"{script} has no pip install"
    for line in installs:
        assert "--require-hashes" in line, f"{script}: {line.strip()}"
    assert any(f"-r {lock}" in line for line in installs), (
        f"{script} does not install {lock}")
