"""Throughput of every importer against its bare parser, and peak memory as files grow.

For each format three child processes take turns, over several rounds after a warm-up one:

* *bare*: the parser reading the file and nothing else: vobject for vCard, icalendar for
  calendars, Python's ``mailbox`` for mbox (the three the target is set against), and the
  ``csv`` module for CSV, which splits 20 000 rows in less time than an interpreter starts,
  so its ratio is shown for information only;
* *reader*: our reader turning the same file into records;
* *import*: the whole ``tiekeep import`` of the file into a fresh database.

Each figure is a median. A ratio is bare time ÷ our time, so 1.0 is as fast as the bare parser
and the target is at least 0.5; it is given by wall time and by CPU time (user + system,
steadier when other work shares the machine). Peak RSS comes from ``os.wait4``'s resource usage
of that very child. Last, each streaming import runs once more on a file four times as large,
to show that its peak memory does not grow with the file.

    python bench/bench_import.py [--only vcard,mail] [--cards 5000] [--rows 20000]
                                 [--events 20000] [--mbox-mb 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import samples  # noqa: E402
from common import DATA, Sample, run_child, tiekeep_command  # noqa: E402

MY_EMAILS = ["me@example.com", "me@x.com"]  # the generated files' "me"

BARE = {
    "vobject": "import sys, vobject\n"
               "print(sum(1 for _ in vobject.readComponents(open(sys.argv[1], "
               "encoding='utf-8'))))",
    "icalendar": "import sys, icalendar\n"
                 "calendar = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
                 "print(sum(1 for _ in calendar.walk('VEVENT')))",
    "mailbox": "import sys, mailbox\n"
               "print(sum(1 for _ in mailbox.mbox(sys.argv[1], create=False)))",
    "csv": "import sys, csv\n"
           "print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8', newline=''))))",
}
READER = """
import sys, json, pathlib, datetime
from tiekeep.adapters.registry import IMPORTERS
options = json.loads(sys.argv[3])
options['now'] = datetime.datetime.fromisoformat(options['now'])
read = IMPORTERS[sys.argv[2]].load()
print(sum(1 for _ in read(pathlib.Path(sys.argv[1]), options=options)))
"""


class Format(NamedTuple):
    bare: str  # a key of BARE
    file: Callable[[int], Path]  # the sample file for a size
    make: Callable[[Path, int], None]
    unit: str
    target: bool = True  # whether the 0.5 ratio is the aim for this format


FORMATS = {
    "vcard": Format("vobject", lambda n: DATA / f"bench-{n}.vcf", samples.make_vcards, "cards"),
    "ical": Format("icalendar", lambda n: DATA / f"bench-{n}-events.ics",
                   samples.make_calendar, "events"),
    "mail": Format("mailbox", lambda n: DATA / f"bench-{n}mb.mbox", samples.make_mbox, "MiB"),
    "csv": Format("csv", lambda n: DATA / f"bench-{n}-google.csv", samples.make_google_csv,
                  "rows", target=False),
    "linkedin": Format("csv", lambda n: DATA / f"bench-{n}-Connections.csv",
                       samples.make_connections, "rows", target=False),
}
STREAMING = ("vcard", "ical", "mail")  # the imports whose memory must stay flat


def child(argv: list[str]) -> Sample:
    return run_child(argv, env={"TIEKEEP_MY_EMAILS": ",".join(MY_EMAILS)})


def measure(tasks: dict[str, Callable[[], list[str]]], runs: int,
            warm_up: bool = True) -> dict[str, Sample]:
    """Median wall and CPU time and largest peak RSS of each task over ``runs`` rounds, the
    tasks taking turns within each round."""
    found: dict[str, list[Sample]] = {name: [] for name in tasks}
    for round_ in range(runs + warm_up):
        for name, argv in tasks.items():
            sample = child(argv())
            if round_ or not warm_up:
                found[name].append(sample)
    return {name: Sample(statistics.median(s.wall for s in taken),
                         statistics.median(s.cpu for s in taken), max(s.rss for s in taken))
            for name, taken in found.items()}


def python(code: str, *args: str) -> Callable[[], list[str]]:
    return lambda: [sys.executable, "-c", code, *args]


def importing(kind: str, path: Path, template: Path,
              scratch: Path) -> Callable[[], list[str]]:
    """The whole import, each time into a fresh copy of an empty database."""
    def argv() -> list[str]:
        target = scratch / "bench-import.db"
        for stale in scratch.glob("bench-import.db*"):
            stale.unlink()
        shutil.copy(template, target)
        return [*tiekeep_command(), "--db", str(target), "import", kind,
                str(path), "--json"]
    return argv


def sample_file(kind: str, size: int) -> Path:
    path = FORMATS[kind].file(size)
    if not path.exists():
        FORMATS[kind].make(path, size)
    return path


def compare(kind: str, size: int, runs: int, template: Path, scratch: Path) -> None:
    """Print one line: the bare parser, our reader and our import, with their ratios."""
    form = FORMATS[kind]
    path = sample_file(kind, size)
    options = json.dumps({"my_emails": MY_EMAILS, "now": samples.NOW.isoformat()})
    found = measure({"bare": python(BARE[form.bare], str(path)),
                     "reader": python(READER, str(path), kind, options),
                     "import": importing(kind, path, template, scratch)}, runs)
    base = found["bare"]
    what = f"{size} {form.unit}" + (f" ({path.stat().st_size / 2**20:.1f} MiB)"
                                     if form.unit != "MiB" else "")
    line = [f"{kind:<8} {what}: bare {form.bare} {base.wall:6.2f} s"]
    for name in ("reader", "import"):
        ours = found[name]
        ratio = base.wall / ours.wall
        verdict = ("ok; " if ratio >= 0.5 else "MISSED; ") if form.target else ""
        line.append(f"{name} {ours.wall:6.2f} s, ratio {ratio:4.2f} "
                    f"({verdict}CPU {base.cpu / ours.cpu:4.2f}), {ours.rss} MiB")
    print(" | ".join(line), flush=True)


def flat_memory(kind: str, size: int, template: Path, scratch: Path) -> None:
    """Peak RSS of the import at one size and at four times that size."""
    peaks = []
    for times in (1, 4):
        path = sample_file(kind, size * times)
        run = measure({"import": importing(kind, path, template, scratch)}, 1, warm_up=False)
        peaks.append(f"{run['import'].rss} MiB at {size * times} {FORMATS[kind].unit} "
                     f"({run['import'].wall:.1f} s)")
    print(f"{kind:<8} import peak RSS: {', '.join(peaks)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FORMATS),
                        help="formats to measure, comma-separated: " + ", ".join(FORMATS))
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--mbox-mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = {"vcard": args.cards, "ical": args.events, "mail": args.mbox_mb,
             "csv": args.rows, "linkedin": args.rows}
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in FORMATS]
    if unknown:
        parser.error(f"unknown format {unknown[0]!r} (choose from: {', '.join(FORMATS)})")
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        template = scratch / "template.db"
        child([*tiekeep_command(), "--db", str(template), "contact", "list",
               "--json"])
        for kind in kinds:
            compare(kind, sizes[kind], args.runs, template, scratch)
        for kind in kinds:
            if kind in STREAMING:
                flat_memory(kind, sizes[kind], template, scratch)


if __name__ == "__main__":
    main()
