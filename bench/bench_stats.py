"""Network-health benchmarks: `stats`, the graph analyses and `review`, as whole processes.

Run on the 100k-contact / 2M-interaction demo database; each figure is the median of a few
runs. Targets: `stats` under 2 s, each graph analysis under 10 s. With --with-index, the
same commands also run on a copy of the database carrying the covering index that the
metrics need (proposed as a migration), to show what it changes.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
from pathlib import Path

from common import DATA, demo_database, report, time_process

COVERING_INDEX = ("CREATE INDEX IF NOT EXISTS ix_interactions_owner_occurred_cover ON "
                  "interactions (owner_id, occurred_at, format, initiated_by, attendee_count, "
                  "depth)")


def measure(database: Path, runs: int, label: str = "") -> None:
    """Time each command on this database and print one line per command."""
    db = ["--db", str(database)]
    out = Path(tempfile.gettempdir()) / "tiekeep-bench-review.html"
    report(f"stats --json{label}", time_process([*db, "stats", "--json"], runs=runs)[0], 2.0)
    report(f"stats --period 7d --json{label}",
           time_process([*db, "stats", "--period", "7d", "--json"], runs=runs)[0], 2.0)
    for name, args in (("graph intro-path org:Globex", ["graph", "intro-path", "org:Globex",
                                                        "--json"]),
                       ("graph brokers", ["graph", "brokers", "--json"]),
                       ("graph clusters", ["graph", "clusters", "--json"])):
        report(name + label, time_process([*db, *args], runs=runs)[0], 10.0)
    report(f"review --format html{label}",
           time_process([*db, "review", "--format", "html", "-o", str(out)], runs=runs)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--with-index", action="store_true",
                        help="also measure on a copy with the proposed covering index")
    options = parser.parse_args()
    database = demo_database()
    measure(database, options.runs)
    if options.with_index:
        copy = DATA / "bench-stats-indexed.db"
        shutil.copy(database, copy)
        with sqlite3.connect(copy) as connection:
            connection.execute(COVERING_INDEX)
        try:
            measure(copy, options.runs, " [covering index]")
        finally:
            copy.unlink()


if __name__ == "__main__":
    main()
