"""Issue 18 item 4: `dbt source freshness` on the raw events.

The raw source's freshness is the newest event time in the files at
RAW_EVENTS_PATH (SPEC section 1's time rules), measured against the hours
of var raw_events_freshness. The sample is weeks old: an error with the
default thresholds, a warning or a pass with thresholds set accordingly;
CSV and its Parquet copy give the same newest time, which the plain-Python
parser finds too.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from conftest import PROJECT_DIR, query, run_dbt
from spec_oracle import parse_time
from test_foundation import read_sample_rows


def freshness(tmp_path, raw_path=None, variables=None):
    args = ["source", "freshness"]
    if variables:
        args += ["--vars", variables]
    result = run_dbt(args, work_dir=tmp_path, raw_path=raw_path)
    [source] = json.loads(
        (tmp_path / "target" / "sources.json").read_text())["results"]
    return result, source


def sample_newest() -> datetime:
    times = [parse_time(row.get("occurred_at")) for row in read_sample_rows()
             if not row.get("_unreadable")]
    return max(t for t in times if t is not None).replace(tzinfo=timezone.utc)


def test_the_old_sample_is_an_error_by_default(tmp_path):
    result, source = freshness(tmp_path)
    assert result.returncode != 0
    assert "ERROR STALE freshness of raw.events" in result.output
    # in words, by the on-run-end hook
    assert ("raw.events: the newest event (2026-10-21 21:20:20 UTC) is "
            in result.output)
    assert ("warn after 24 h, error after 72 h (var raw_events_freshness"
            in result.output)
    assert source["status"] == "error"
    assert datetime.fromisoformat(source["max_loaded_at"]) == sample_newest()
    criteria = source["criteria"]
    assert (criteria["warn_after"], criteria["error_after"]) == (
        {"count": 24, "period": "hour"}, {"count": 72, "period": "hour"})
    # a check, not a build: no table is written
    if result.db_path.exists():
        assert query(result.db_path, "select table_name from "
                                     "information_schema.tables") == []


@pytest.mark.parametrize("hours,status,returncode", [
    ("{warn_after_hours: 24, error_after_hours: 1000000}", "warn", 0),
    ("{warn_after_hours: 1000000, error_after_hours: 2000000}", "pass", 0),
])
def test_thresholds_come_from_the_var(tmp_path, hours, status, returncode):
    result, source = freshness(
        tmp_path, variables="{raw_events_freshness: " + hours + "}")
    assert result.returncode == returncode, result.output[-3000:]
    assert source["status"] == status
    assert f'"Source freshness"): {status.upper()}' in result.output


def test_parquet_gives_the_same_newest_time(tmp_path):
    _, source = freshness(
        tmp_path, raw_path=PROJECT_DIR / "sample_data" / "events.parquet")
    assert datetime.fromisoformat(source["max_loaded_at"]) == sample_newest()
