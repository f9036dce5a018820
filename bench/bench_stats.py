"""Network-health benchmarks: `stats`, the graph analyses and `review`, as whole processes.

Run on the 100k-contact / 2M-interaction demo database; each figure is the median of a few
runs. Targets: `stats` under 2 s, each graph analysis under 10 s. Whole-process times
include Python's start-up, so the load average of the machine is printed with them: on a
shared, busy machine every figure grows with it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from common import demo_database, report, time_process


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, and how many CPUs share them."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def measure(database: Path, runs: int) -> None:
    """Time each command on this database and print one line per command."""
    db = ["--db", str(database)]
    out = Path(tempfile.gettempdir()) / "tiekeep-bench-review.html"
    print(load_average())
    report("stats --json", time_process([*db, "stats", "--json"], runs=runs)[0], 2.0)
    report("stats --period 7d --json",
           time_process([*db, "stats", "--period", "7d", "--json"], runs=runs)[0], 2.0)
    for name, args in (("graph intro-path org:Globex", ["graph", "intro-path", "org:Globex",
                                                        "--json"]),
                       ("graph brokers", ["graph", "brokers", "--json"]),
                       ("graph clusters", ["graph", "clusters", "--json"])):
        report(name, time_process([*db, *args], runs=runs)[0], 10.0)
    report("review --format html",
           time_process([*db, "review", "--format", "html", "-o", str(out)], runs=runs)[0])
    print(load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    measure(demo_database(), options.runs)


if __name__ == "__main__":
    main()
