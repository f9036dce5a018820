"""Run the real `tiekeep` CLI, pausing inside its write transaction so a test can SIGKILL it
at a known point.

    python -m tests.reliability.pausing EVENT N -- [tiekeep arguments…]

EVENT is a SQLAlchemy session event: ``after_flush`` (rows sent to the database, not yet
committed), ``before_commit`` (everything flushed, COMMIT about to run) or ``after_commit``
(committed). Every occurrence of these is announced on stderr as ``@@EVENT K@@``; on the Nth
occurrence of EVENT the process writes ``@@PAUSED@@`` and sleeps, so that the test kills it
exactly there. With N = 0 it never pauses: a dry run that tells the test which points exist.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

EVENTS = ("after_flush", "before_commit", "after_commit")
MARKER = "@@PAUSED@@"


def install(pause_event: str, nth: int) -> None:
    """Announce every session event, and pause at the nth occurrence of one."""
    seen = dict.fromkeys(EVENTS, 0)

    def listener(name: str) -> object:
        def announce(*_args: object) -> None:
            seen[name] += 1
            sys.stderr.write(f"@@{name} {seen[name]}@@\n")
            if name == pause_event and seen[name] == nth:
                sys.stderr.write(MARKER + "\n")
                sys.stderr.flush()
                time.sleep(600)
            sys.stderr.flush()

        return announce

    for name in EVENTS:
        event.listen(Session, name, listener(name))


def main() -> None:
    pause_event, nth, separator, *args = sys.argv[1:]
    if separator != "--" or pause_event not in EVENTS:
        raise SystemExit("usage: python -m tests.reliability.pausing EVENT N -- ARGS…")
    install(pause_event, int(nth))
    from tiekeep.cli.app import main as tiekeep_main

    sys.argv = ["tiekeep", *args]
    tiekeep_main()


if __name__ == "__main__":
    main()
