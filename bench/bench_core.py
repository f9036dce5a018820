"""Core benchmarks: `contact search`, `contact show` and `log` as whole CLI processes.

Run on the 100k-contact / 2M-interaction demo database; each figure is the median of
several runs. Target: each under 0.5 s wall. Also prints how long importing the CLI takes,
to keep start-up lean, and how long building the demo database took if it was built now.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

from common import DATA, demo_database, report, time_process


def import_time(runs: int = 7) -> float:
    """Median wall time of `python -c 'import tiekeep.cli.app'` in a fresh process."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tiekeep.cli.app"], check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    database = demo_database()
    # `log` writes: work on a copy so the shared demo database stays as built.
    scratch = DATA / "bench-core-scratch.db"
    shutil.copy(database, scratch)
    with sqlite3.connect(database) as connection:
        busiest = connection.execute(
            "SELECT contact_id FROM interaction_participants GROUP BY contact_id "
            "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        typical_id, typical_email = connection.execute(
            "SELECT c.id, e.email FROM contacts c JOIN contact_emails e ON e.contact_id = c.id "
            "WHERE c.id = (SELECT max(id) / 2 FROM contacts)").fetchone()
    db = ["--db", str(database)]
    report("import tiekeep.cli.app", import_time(), 0.3)
    report("tiekeep --help", time_process(["--help"])[0], 0.5)
    report("contact search 'Ivan Petrof'",
           time_process([*db, "contact", "search", "Ivan Petrof"])[0], 0.5)
    report("contact search 'Иван Петров' --json",
           time_process([*db, "contact", "search", "Иван Петров", "--json"])[0], 0.5)
    report("contact show (typical, by email)",
           time_process([*db, "contact", "show", typical_email])[0], 0.5)
    report(f"contact show (busiest, #{busiest})",
           time_process([*db, "contact", "show", str(busiest), "--json"])[0], 0.5)
    report("log --with ID --topic …",
           time_process(["--db", str(scratch), "log", "--with", str(typical_id), "--format",
                         "call", "--topic", "benchmarks"])[0], 0.5)
    scratch.unlink()
    for suffix in ("-wal", "-shm"):
        stale = scratch.with_name(scratch.name + suffix)
        if stale.exists():
            stale.unlink()


if __name__ == "__main__":
    main()
