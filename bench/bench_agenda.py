"""Agenda benchmarks: `tiekeep today --limit 20` as a whole process, and the service call.

Run on the 100k-contact / 2M-interaction demo database, as of the day it was built for.
Targets: under 0.5 s for the process, under 50 ms for `agenda.build(..., limit=20)`
in process (the median of several calls on a warm connection). The calendar feed and the
digest, which build the agenda with a larger limit, are reported for information.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from common import TODAY, demo_database, report, time_process

RUNS = 15


def median_ms(call: Callable[[], object], runs: int = RUNS, warmup: int = 2) -> float:
    """Median wall time of a call, in milliseconds."""
    samples = []
    for i in range(warmup + runs):
        started = time.perf_counter()
        call()
        if i >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    database = demo_database()
    env = {"TIEKEEP_ME_TIME_ZONE": "UTC"}
    report("today --limit 20 (process)",
           time_process(["--db", str(database), "today", "--limit", "20", "--date", TODAY],
                        env=env)[0], 0.5)
    report("today --limit 20 --json (process)",
           time_process(["--db", str(database), "today", "--limit", "20", "--date", TODAY,
                         "--json"], env=env)[0], 0.5)

    from tiekeep.adapters import ics_export
    from tiekeep.core.schema import open_database
    from tiekeep.services import agenda, digest
    from tiekeep.settings import load_settings

    db = open_database(str(database))
    day = date.fromisoformat(TODAY)
    config = agenda.AgendaConfig(time_zone="UTC")
    settings = load_settings().with_overrides(me__time_zone="UTC")
    with db.reading() as session:
        owner_id = 1
        report("agenda.build(limit=20) (service)", median_ms(lambda: agenda.build(
            session, owner_id=owner_id, today=day, config=config, limit=20)), 50, unit="ms")
        report("digest.prepare (service, 30 items)", median_ms(lambda: digest.prepare(
            session, owner_id=owner_id, today=day, config=config), runs=5), unit="ms")
        report("ics_export.feed (service, 200 items)", median_ms(lambda: ics_export.feed(
            session, owner_id=owner_id, settings=settings, today=day), runs=3), unit="ms")
    db.dispose()


if __name__ == "__main__":
    main()
