"""Writer processes for the concurrency and backup tests.

    python -m tests.reliability.workers log DB WORKER COUNT CONTACT_ID[,CONTACT_ID…]

logs COUNT interactions through the services, each in its own transaction (as `tiekeep log`
does), with summary ``w{WORKER}-{N}`` so that every write can be found again. Any error,
"database is locked" included, ends the process with a traceback and a non-zero exit code,
which the tests treat as a failure: nothing is retried here.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from tiekeep.core.models import User
from tiekeep.core.schema import open_database
from tiekeep.services import interactions

START = datetime(2025, 6, 1, 9, tzinfo=UTC)


def log(target: str, worker: int, count: int, contact_ids: list[int]) -> None:
    """Log ``count`` interactions, one transaction each."""
    database = open_database(target)
    try:
        with database.reading() as session:
            owner_id = session.query(User.id).order_by(User.id).limit(1).scalar()
        assert owner_id is not None, "the database needs a user"
        for n in range(count):
            people = [contact_ids[(n + worker) % len(contact_ids)]]
            data = interactions.InteractionCreate(
                participant_ids=people, occurred_at=START + timedelta(minutes=n, seconds=worker),
                format="call", summary=f"w{worker}-{n}", topics=[f"worker {worker}"],
                gave=[("information", f"note {worker}-{n}")])
            with database.transaction() as session:
                interactions.log(session, owner_id=owner_id, data=data)
    finally:
        database.dispose()


def main() -> None:
    command, *args = sys.argv[1:]
    if command != "log":
        raise SystemExit(f"unknown command {command}")
    target, worker, count, ids = args
    log(target, int(worker), int(count), [int(i) for i in ids.split(",")])


if __name__ == "__main__":
    main()
