"""The `tiekeep` command line: Typer commands that parse input, call one service, render."""

import gc


def main() -> None:
    """Console-script entry point: run the CLI with the cyclic collector paused at start-up.

    Loading SQLAlchemy, the models and the commands creates tens of thousands of objects
    that live as long as the process. Collecting while they are made only rescans them,
    which cost about a tenth of a short command. `settle_heap` turns the collector back on
    once the database is open; the few commands that never open it (help, config, backup,
    restore) make few objects and no cycles to speak of, and run paused to the end.
    """
    gc.disable()
    from tiekeep.cli.app import main as run

    run()


def settle_heap() -> None:
    """Freeze what start-up loaded and resume collecting (a no-op unless `main` paused it)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
