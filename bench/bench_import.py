"""Throughput of the contact importers against their bare parsers, and peak memory.

Each measurement is a whole child process (interpreter start, imports, the work), timed from
the parent over several runs; the figure is the median. The bare parser, our reader and our
import take turns within each round, so that a change in the machine's load falls on all
three alike. Two ratios are printed per format, both bare time ÷ our time (1.0 is as fast as
the bare parser; the target is at least 0.5), by wall time and by CPU time (user + system,
steadier when other work shares the machine):

* *reader*: our reader turning the file into records, against the bare parser (vobject for
  vCard, the csv module for CSV) reading the same file;
* *import*: the whole `tiekeep import` into a fresh database, against the same bare parser.

Peak RSS comes from ``os.wait4``'s resource usage of that very child; the import is run on
two file sizes to show that memory does not grow with the file.

    python bench/bench_import.py [--cards 5000] [--rows 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, ROOT  # noqa: E402

GIVEN = ["Anna", "Ivan", "Maria", "John", "Olga", "Peter", "Elena", "Jürgen", "Анна", "Иван",
         "Мария", "Sofia", "Liam", "Noah", "Emma", "Yuki", "Chen", "Fatima", "Omar", "Lea"]
FAMILY = ["Petrova", "Smith", "Groß", "Петров", "Иванова", "Müller", "García", "Kim", "Rossi",
          "Novak", "Dubois", "Tanaka", "Nowak", "Silva", "Jensen", "Okafor", "Haddad", "Berg"]
ORGS = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vehement", "Stark", "Wayne"]
TITLES = ["Engineer", "Head of Sales", "CTO", "Product Manager", "Designer", "Analyst"]


def _person(rng: random.Random, i: int) -> dict[str, str]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return {"given": given, "family": family, "email": f"p{i}@example.org",
            "phone": f"+49 30 {rng.randrange(1000000, 9999999)}", "org": rng.choice(ORGS),
            "title": rng.choice(TITLES), "bday": f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}"
            f"-1{rng.randrange(0, 9)}", "tag": rng.choice(["friend", "work", "alumni"])}


def make_vcards(path: Path, count: int) -> None:
    """Cards like address books write them: folded notes, categories, some with photos."""
    rng = random.Random(7)
    photo = base64.b64encode(rng.randbytes(1500)).decode()
    with path.open("w", encoding="utf-8", newline="") as out:
        for i in range(count):
            p = _person(rng, i)
            lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:bench-{i}",
                     f"FN:{p['given']} {p['family']}", f"N:{p['family']};{p['given']};;;",
                     f"EMAIL;TYPE=INTERNET:{p['email']}", f"TEL;TYPE=CELL:{p['phone']}",
                     f"ORG:{p['org']};Sales", f"TITLE:{p['title']}", f"BDAY:{p['bday']}",
                     f"CATEGORIES:{p['tag']}", f"URL:https://example.org/{i}",
                     "NOTE:Met at a conference\\, talked about the roadmap and hiring plans f",
                     " or next year."]
            if i % 10 == 0:
                lines.append("PHOTO;ENCODING=b;TYPE=JPEG:" + photo[:60])
                lines += [" " + photo[j:j + 74] for j in range(60, len(photo), 74)]
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


def make_google_csv(path: Path, count: int) -> None:
    rng = random.Random(7)
    header = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title",
              "Organization Department", "Birthday", "Notes", "Labels", "E-mail 1 - Label",
              "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Website 1 - Label",
              "Website 1 - Value"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(count):
            p = _person(rng, i)
            writer.writerow([p["given"], "", p["family"], p["org"], p["title"], "Sales",
                             p["bday"], "Met at a conference", f"* myContacts ::: {p['tag']}",
                             "* Work", p["email"], "Mobile", p["phone"], "Profile",
                             f"https://www.linkedin.com/in/p{i}"])


def make_connections(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write('Notes:\n"When exporting your connection data, some emails are missing."\n\n')
        writer = csv.writer(out)
        writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company",
                         "Position", "Connected On"])
        for i in range(count):
            p = _person(rng, i)
            writer.writerow([p["given"], p["family"], f"https://www.linkedin.com/in/p{i}",
                             p["email"] if i % 3 else "", p["org"], p["title"],
                             f"{rng.randrange(1, 28):02d} Mar 2023"])


TASKS = {
    "vcard-bare": "import sys, vobject\n"
                  "print(sum(1 for _ in vobject.readComponents(open(sys.argv[1], "
                  "encoding='utf-8'))))",
    "csv-bare": "import csv, sys\n"
                "print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8', "
                "newline=''))))",
    "reader": "import sys, pathlib\nfrom tiekeep.adapters.registry import IMPORTERS\n"
              "read = IMPORTERS[sys.argv[2]].load()\n"
              "print(sum(1 for _ in read(pathlib.Path(sys.argv[1]), options={})))",
}


class Sample(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss: int  # peak, MiB


def child(argv: list[str], env: dict[str, str]) -> Sample:
    """Wall and CPU seconds and peak RSS of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed: {errors.decode()[-400:]}")
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)


def measure(tasks: dict[str, Callable[[], list[str]]], runs: int) -> dict[str, Sample]:
    """Median wall and CPU time and largest peak RSS of each task over ``runs`` rounds (after
    a warm-up round), the tasks taking turns within each round."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    samples: dict[str, list[Sample]] = {name: [] for name in tasks}
    for round_ in range(runs + 1):
        for name, argv in tasks.items():
            sample = child(argv(), env)
            if round_:
                samples[name].append(sample)
    return {name: Sample(statistics.median(s.wall for s in found),
                         statistics.median(s.cpu for s in found), max(s.rss for s in found))
            for name, found in samples.items()}


def python_task(name: str, *args: str) -> Callable[[], list[str]]:
    return lambda: [sys.executable, "-c", TASKS[name], *args]


def import_task(kind: str, path: Path, template: Path,
                scratch: Path) -> Callable[[], list[str]]:
    def argv() -> list[str]:
        target = scratch / "bench-import.db"
        for stale in scratch.glob("bench-import.db*"):
            stale.unlink()
        shutil.copy(template, target)
        return [sys.executable, "-m", "tiekeep", "--db", str(target), "import", kind,
                str(path), "--json"]
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    files = {
        "vcard": (DATA / f"bench-{args.cards}.vcf", make_vcards, args.cards, "vcard-bare"),
        "csv": (DATA / f"bench-{args.rows}-google.csv", make_google_csv, args.rows,
                "csv-bare"),
        "linkedin": (DATA / f"bench-{args.rows}-Connections.csv", make_connections, args.rows,
                     "csv-bare"),
    }
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        template = scratch / "template.db"
        subprocess.run([sys.executable, "-m", "tiekeep", "--db", str(template), "contact",
                        "list", "--json"], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        for kind, (path, make, count, bare) in files.items():
            if not path.exists():
                make(path, count)
            found = measure({"bare": python_task(bare, str(path)),
                             "reader": python_task("reader", str(path), kind),
                             "import": import_task(kind, path, template, scratch)}, args.runs)
            base = found["bare"]
            size = path.stat().st_size / 2**20
            line = [f"{kind:<9} {count} records ({size:.1f} MiB): bare {base.wall:6.2f} s"]
            for name in ("reader", "import"):
                ours = found[name]
                ratio, cpu = base.wall / ours.wall, base.cpu / ours.cpu
                line.append(f"{name} {ours.wall:6.2f} s, ratio {ratio:4.2f} "
                            f"({'ok' if ratio >= 0.5 else 'MISSED'}; CPU {cpu:4.2f}), "
                            f"{ours.rss} MiB")
            line[-1] += f", {count / found['import'].wall:,.0f} records/s"
            print(" | ".join(line))
        big = DATA / f"bench-{args.cards * 4}.vcf"
        if not big.exists():
            make_vcards(big, args.cards * 4)
        rss = measure({"small": import_task("vcard", files["vcard"][0], template, scratch),
                       "big": import_task("vcard", big, template, scratch)}, 1)
        small_rss, big_rss = rss["small"].rss, rss["big"].rss
        print(f"vcard import peak RSS: {small_rss} MiB for {args.cards} cards, {big_rss} MiB "
              f"for {args.cards * 4} (flat memory: the second should be close to the first)")


if __name__ == "__main__":
    main()
