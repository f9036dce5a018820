"""Throughput of the calendar and mail readers against their bare parsers, and mbox peak RSS.

Each measurement is a whole child process (interpreter start, imports, the read), timed from
the parent and run several times, the bare parser and ours taking turns; the figure is the
median. The ratio is bare time ÷ our time, so 1.0 means as fast as the bare parser and the
target is at least 0.5; it is given by wall time and by CPU time (user + system, steadier
when other work shares the machine). Peak RSS comes from ``os.wait4``'s resource usage of
that very child.

    python bench/bench_readers.py [--events 20000] [--mbox-mb 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, ROOT, TODAY  # noqa: E402

NOW = datetime.fromisoformat(TODAY).replace(tzinfo=UTC)


def make_calendar(path: Path, events: int) -> None:
    """A calendar of one-off meetings and weekly series with attendees, in Berlin time."""
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 8, 0)
    with path.open("w", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tiekeep bench//EN\r\n"
                  "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n"
                  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nDTSTART:19700329T020000\r\n"
                  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
                  "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                  "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
                  "END:STANDARD\r\nEND:VTIMEZONE\r\n")
        for i in range(events):
            begin = start + timedelta(hours=rng.randrange(0, 2 * 365 * 24))
            end = begin + timedelta(minutes=rng.choice((30, 45, 60)))
            lines = [
                "BEGIN:VEVENT", f"UID:bench-{i}@tiekeep", "DTSTAMP:20240101T000000Z",
                f"DTSTART;TZID=Europe/Berlin:{begin:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}",
                f"SUMMARY:Meeting {i} about topic {rng.randrange(500)}",
                "LOCATION:" + rng.choice(("Room 4", "https://meet.google.com/abc-defg-hij",
                                          "tel:+4930123456", "Cafe")),
                "ORGANIZER;CN=Me:mailto:me@example.com",
                "ATTENDEE;PARTSTAT=ACCEPTED;CN=Me:mailto:me@example.com",
            ]
            for person in rng.sample(range(2000), rng.randrange(1, 5)):
                lines.append(f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Person {person}:"
                             f"mailto:p{person}@example.com")
            if i % 10 == 0:  # one in ten is a weekly series of ten with one exception
                lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
                skipped = begin + timedelta(weeks=3)
                lines.append(f"EXDATE;TZID=Europe/Berlin:{skipped:%Y%m%dT%H%M%S}")
            lines.append("END:VEVENT")
            out.write("\r\n".join(lines) + "\r\n")
        out.write("END:VCALENDAR\r\n")


def make_mbox(path: Path, megabytes: int) -> None:
    """An mbox of replies, mass mail and messages with base64 attachments."""
    rng = random.Random(7)
    attachment = base64.encodebytes(rng.randbytes(30_000)).decode()
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()
    target = megabytes * 1024 * 1024
    with path.open("w", newline="\n") as out:
        i = 0
        while out.tell() < target:
            sender = f"Person {i % 700} <p{i % 700}@example.com>" if i % 3 else "Me <me@x.com>"
            to = ", ".join(f"p{rng.randrange(700)}@example.com"
                           for _ in range(rng.randrange(1, 6)))
            body = " ".join(rng.choice(words) for _ in range(rng.randrange(50, 800)))
            date = NOW - timedelta(minutes=7 * i)
            out.write(f"From p{i % 700}@example.com {date:%a %b %d %H:%M:%S %Y}\n"
                      f"From: {sender}\nTo: {to}\nCc: Team <team@example.com>\n"
                      f"Subject: =?utf-8?q?Re:_=D0=9F=D0=BB=D0=B0=D0=BD_{i}?=\n"
                      f"Date: {date:%a, %d %b %Y %H:%M:%S} +0000\n"
                      f"Message-ID: <m{i}@example.com>\n"
                      f"In-Reply-To: <m{max(0, i - 1)}@example.com>\n"
                      f"References: <m0@example.com> <m{max(0, i - 1)}@example.com>\n"
                      "MIME-Version: 1.0\n")
            if i % 10 == 0:
                out.write('Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
                          "Content-Type: text/plain; charset=utf-8\n\n"
                          f"{body}\n--b1\nContent-Type: application/octet-stream\n"
                          "Content-Transfer-Encoding: base64\n\n"
                          f"{attachment}--b1--\n\n")
            else:
                out.write(f"Content-Type: text/plain; charset=utf-8\n\n{body}\n\n")
            i += 1


CHILD_TASKS = {
    "ical-bare": """
import icalendar, sys
calendar = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print(sum(1 for _ in calendar.walk('VEVENT')))
""",
    "ical-ours": """
import sys, datetime, pathlib
from tiekeep.adapters import ical
now = datetime.datetime.fromisoformat(sys.argv[2])
print(sum(1 for _ in ical.read(pathlib.Path(sys.argv[1]),
                               options={'my_emails': ['me@example.com'], 'now': now})))
""",
    "mail-bare": """
import mailbox, sys
print(sum(1 for _ in mailbox.mbox(sys.argv[1], create=False)))
""",
    "mail-ours": """
import sys, pathlib
from tiekeep.adapters import mail
options = {'my_emails': ['me@x.com']}
print(sum(1 for _ in mail.read(pathlib.Path(sys.argv[1]), options=options)))
""",
}


class Sample(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss: int  # peak, MiB
    output: str


def run_child(task: str, *args: str) -> Sample:
    """Wall and CPU seconds, peak RSS and the printed count of one child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD_TASKS[task], *args],
                             stdout=subprocess.PIPE, env=env)
    assert child.stdout is not None
    output = child.stdout.read().decode().strip()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{task} failed with exit code {child.returncode}")
    # ru_maxrss is in KiB on Linux
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output)


def measure(tasks: tuple[str, ...], runs: int, *args: str) -> list[Sample]:
    """Median times and largest peak RSS of each task over ``runs`` rounds (after a warm-up
    round), the tasks taking turns within each round."""
    samples: list[list[Sample]] = [[] for _ in tasks]
    for round_ in range(runs + 1):
        for found, task in zip(samples, tasks, strict=True):
            sample = run_child(task, *args)
            if round_:
                found.append(sample)
    return [Sample(statistics.median(s.wall for s in found),
                   statistics.median(s.cpu for s in found), max(s.rss for s in found),
                   found[0].output) for found in samples]


def compare(name: str, bare: str, ours: str, runs: int, *args: str) -> None:
    """Print one line: both times, the speed ratios and our peak RSS."""
    base, mine = measure((bare, ours), runs, *args)
    ratio = base.wall / mine.wall
    verdict = "ok" if ratio >= 0.5 else "MISSED"
    print(f"{name:<28} bare {base.wall:7.2f} s ({base.output} items, {base.rss} MiB)   "
          f"ours {mine.wall:7.2f} s ({mine.output} records, peak RSS {mine.rss} MiB)   "
          f"speed ratio {ratio:4.2f} (target >= 0.5: {verdict}; CPU {base.cpu / mine.cpu:4.2f})")


def main() -> None:
    """Generate the files (once) and print the comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--mbox-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    calendar = DATA / f"bench-{args.events}-events.ics"
    if not calendar.exists():
        make_calendar(calendar, args.events)
    compare(f"ical ({calendar.stat().st_size >> 20} MiB)", "ical-bare", "ical-ours", args.runs,
            str(calendar), NOW.isoformat())
    for megabytes in sorted({args.mbox_mb // 4, args.mbox_mb}):
        mbox = DATA / f"bench-{megabytes}mb.mbox"
        if not mbox.exists():
            make_mbox(mbox, megabytes)
        compare(f"mail ({megabytes} MiB mbox)", "mail-bare", "mail-ours", args.runs, str(mbox))
    print("peak RSS of our mail reader should not grow with the mbox (the lines above).")


if __name__ == "__main__":
    main()
