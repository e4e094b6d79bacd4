"""Write sample_data/events.parquet from sample_data/events.csv: the sample
for engines that read Parquet only (the Spark target).

Every column stays text, rows stay in file order. The CSV's unreadable lines
(4 in the bundled sample, kept there to exercise `unreadable_row`) cannot
exist in Parquet and are left out, so a build on the Parquet sample counts
those 4 rows fewer raw and rejected rows; everything else is the same.
Deterministic: the same CSV gives a byte-identical file.

Usage: .venv/bin/python scripts/sample_to_parquet.py [--csv PATH] [--output PATH]
"""
import argparse
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROOT / "sample_data" / "events.csv")
    parser.add_argument("--output", type=Path,
                        default=ROOT / "sample_data" / "events.parquet")
    args = parser.parse_args()
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in COLUMNS)
    con = duckdb.connect()
    con.execute("set threads = 1")  # one writer: a byte-identical file
    con.execute("set preserve_insertion_order = true")
    source = str(args.csv).replace("'", "''")
    target = str(args.output).replace("'", "''")
    con.execute(
        f"copy (select * from read_csv('{source}', columns = {{{columns}}}, header = true,"
        " auto_detect = false, delim = ',', quote = '\"', escape = '\"',"
        f" ignore_errors = true)) to '{target}' (format parquet, compression zstd)")
    rows = con.execute(f"select count(*) from read_parquet('{target}')").fetchall()[0][0]
    print(f"wrote {args.output} ({rows} rows)")


if __name__ == "__main__":
    main()
