"""Shared helpers for the benchmarks: the demo database, and timing whole processes.

Every benchmark runs tiekeep as a real process on the 100k-contact / 2M-interaction demo
database (built once, then reused) and reports the median of several runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
CONTACTS = int(os.environ.get("TIEKEEP_BENCH_CONTACTS", "100000"))
INTERACTIONS = int(os.environ.get("TIEKEEP_BENCH_INTERACTIONS", "2000000"))
SEED = 7
TODAY = "2026-11-25"  # fixed, so that the database and the figures are reproducible


def tiekeep_command() -> list[str]:
    return [sys.executable, "-m", "tiekeep"]


def demo_database() -> Path:
    """The demo database for benchmarks, built on first use (takes a few minutes)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"demo-{CONTACTS}-{INTERACTIONS}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for stale in DATA.glob(partial.name + "*"):
            stale.unlink()
        started = time.perf_counter()
        subprocess.run([*tiekeep_command(), "--db", str(partial), "demo", "--contacts",
                        str(CONTACTS), "--interactions", str(INTERACTIONS), "--seed",
                        str(SEED), "--today", TODAY], check=True)
        # Fold the WAL into the file before renaming it.
        import sqlite3

        with sqlite3.connect(partial) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        partial.rename(path)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def time_process(args: list[str], runs: int = 7, env: dict[str, str] | None = None,
                 warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time in seconds of running tiekeep with these arguments."""
    samples = []
    for i in range(warmup + runs):
        started = time.perf_counter()
        completed = subprocess.run([*tiekeep_command(), *args], capture_output=True,
                                   env={**os.environ, **(env or {})})
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"tiekeep {' '.join(args)} failed: "
                             f"{completed.stderr.decode()[-500:]}")
        if i >= warmup:
            samples.append(elapsed)
    return statistics.median(samples), samples


class Sample(NamedTuple):
    """What one child process took."""

    wall: float  # seconds
    cpu: float  # user + system seconds
    rss: int  # peak, MiB
    output: bytes = b""  # what it printed


def run_child(argv: list[str], env: dict[str, str] | None = None) -> Sample:
    """Run one child process with this checkout's sources; a failure stops the benchmark.

    Peak RSS comes from ``os.wait4``'s resource usage of that very child.
    """
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors,
                                   env=environment)
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv[:6])} failed: {errors.read().decode()[-500:]}")
    # ru_maxrss is in KiB on Linux
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output)


def report(name: str, median: float, target: float | None = None, unit: str = "s") -> None:
    """Print one benchmark line: name, median, target and whether it is met."""
    verdict = ""
    if target is not None:
        verdict = f"  target < {target:g} {unit}: {'ok' if median < target else 'MISSED'}"
    print(f"{name:<40} median {median:8.3f} {unit}{verdict}")
