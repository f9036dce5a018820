"""The reliability report: runs the reliability suite (and the web isolation test) and prints
the figures that say how far tiekeep can be trusted with years of notes.

    python bench/reliability_report.py [--json] [--fuzz-examples N] [--api-examples N]
                                       [--only PATTERN] [--from-stats FILE]

Figures: crash runs survived (SIGKILL during an import, a log, a merge), concurrent writes
kept, fuzz examples tried per importer and per API operation (and the known findings they
hit), isolation checks passed, limits and injection checks, backups verified, and the test
outcomes (known findings are strict xfails). The exit code is 1 when any test failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUITES = ["tests/reliability", "tests/web/test_isolation.py"]


def run_suite(stats: Path, junit: Path, args: argparse.Namespace) -> int:
    """Run the tests (slow and browser ones included), collecting figures and outcomes."""
    env = {**os.environ, "RELIABILITY_STATS_FILE": str(stats),
           "RELIABILITY_FUZZ_EXAMPLES": str(args.fuzz_examples),
           "RELIABILITY_API_EXAMPLES": str(args.api_examples)}
    command = [sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider",
               "-m", "slow or not slow", f"--junitxml={junit}", "-o", "addopts="]
    if args.only:
        command += ["-k", args.only]
    return subprocess.run(command, cwd=ROOT, env=env, stdout=sys.stderr).returncode


def read_figures(stats: Path) -> dict[str, Counter[str]]:
    """The figures the tests recorded, summed per category and name."""
    figures: dict[str, Counter[str]] = defaultdict(Counter)
    if stats.exists():
        for line in stats.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            figures[entry["category"]][entry["name"]] += int(entry["value"])
    return figures


def read_outcomes(junit: Path) -> dict[str, Any]:
    """Passed, failed, known findings (xfail) and skipped tests, from the JUnit report."""
    outcomes: Counter[str] = Counter()
    failed: list[str] = []
    isolation: Counter[str] = Counter()
    if not junit.exists():
        return {"counts": {}, "failed": [], "isolation": {}}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        skipped = case.find("skipped")
        if "failure" in kinds or "error" in kinds:
            outcome = "failed"
            failed.append(name)
        elif skipped is not None and "xfail" in (skipped.get("type", "") + skipped.get(
                "message", "")).lower():
            outcome = "known findings (xfail)"
        elif skipped is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        outcomes[outcome] += 1
        if "test_isolation" in name:
            isolation[outcome] += 1
    return {"counts": dict(outcomes), "failed": failed, "isolation": dict(isolation)}


def isolation_routes() -> dict[str, Any]:
    """What the route-table isolation test checks, and the routes it leaves to other tests."""
    sys.path.insert(0, str(ROOT))
    try:
        from tests.web import test_isolation as isolation

        from tiekeep.core.schema import open_database
        from tiekeep.settings import load_settings
        from tiekeep.web.app import create_app, route_table
    except ImportError as exc:
        return {"error": f"cannot load the isolation test: {exc}"}
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(str(Path(folder) / "routes.db"))
        try:
            app = create_app(load_settings(), database)
            checked = [(m, r.path) for r in isolation._routes(app)
                       if r.name not in isolation.CAPABILITY_ROUTES
                       for m in sorted(r.methods - {"HEAD"})]
            every = [(m, r.path) for r in route_table(app) if r.route is not None
                     for m in sorted(r.methods - {"HEAD"})]
        finally:
            database.dispose()
    covered = set(checked)
    return {"route methods in the app": len(every),
            "route methods with an object in the path (404 for another user)": len(checked),
            "route methods without one (checked by test_isolation_more instead)":
                sorted(f"{m} {p}" for m, p in every if (m, p) not in covered)}


def build_report(figures: dict[str, Counter[str]], outcomes: dict[str, Any],
                 routes: dict[str, Any]) -> dict[str, Any]:
    api_ops: Counter[str] = Counter()
    for name, value in figures.get("fuzz api", Counter()).items():
        api_ops[name.rsplit(" (", 1)[0]] += value
    known_api = figures.get("fuzz api known findings", Counter())
    return {
        "crash runs survived (SIGKILL, then integrity_check and an exact re-run)":
            dict(figures.get("crash", {})),
        "concurrent writes kept": dict(figures.get("concurrency", {})),
        "fuzz examples per importer": dict(sorted(figures.get("fuzz importers", {}).items())),
        "fuzz examples per API operation": dict(sorted(api_ops.items())),
        "fuzz examples, API total": sum(api_ops.values()),
        "API fuzz hits on known findings": dict(known_api),
        "isolation": {"test outcomes": outcomes.get("isolation", {}),
                      **figures.get("isolation", {}), **routes},
        "limits and injection": {**figures.get("limits", {}), **figures.get("injection", {})},
        "backups": dict(figures.get("backup", {})),
        "tests": outcomes.get("counts", {}),
        "failed tests": outcomes.get("failed", []),
    }


def print_report(report: dict[str, Any]) -> None:
    print("tiekeep reliability report")
    print("=" * 26)
    for section, value in report.items():
        if isinstance(value, dict):
            print(f"\n{section}:")
            if not value:
                print("  (none recorded)")
            for name, figure in value.items():
                if isinstance(figure, list):
                    print(f"  {name}: {len(figure)}")
                    for entry in figure:
                        print(f"    - {entry}")
                else:
                    print(f"  {name}: {figure}")
        elif isinstance(value, list):
            print(f"\n{section}: {len(value)}")
            for entry in value:
                print(f"  - {entry}")
        else:
            print(f"\n{section}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--fuzz-examples", type=int, default=30,
                        help="Examples per importer (per database).")
    parser.add_argument("--api-examples", type=int, default=12,
                        help="Examples per API operation and mode (per database).")
    parser.add_argument("--only", help="Run only tests matching this -k expression.")
    parser.add_argument("--from-stats", type=Path,
                        help="Report on a figures file from an earlier run; run nothing.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        stats = args.from_stats or Path(folder) / "figures.jsonl"
        junit = Path(folder) / "junit.xml"
        status = 0 if args.from_stats else run_suite(stats, junit, args)
        report = build_report(read_figures(stats), read_outcomes(junit), isolation_routes())
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)
    sys.exit(1 if status not in (0, 5) or report["failed tests"] else 0)


if __name__ == "__main__":
    main()
