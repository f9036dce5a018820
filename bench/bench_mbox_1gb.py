"""A whole `tiekeep import mail` of a 1 GiB mbox: wall time and peak RSS (target < 300 MiB).

Slow (minutes), so it is separate from bench_import.py. The mbox is generated with the same
generator (replies, mass mail, base64 attachments) into bench/data, imported once into a fresh
database, and deleted afterwards unless --keep is given. Peak RSS comes from ``os.wait4``'s
resource usage of the import process itself (as /usr/bin/time -v reports it).

    python bench/bench_mbox_1gb.py [--mb 1024] [--keep] [--bare]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import BARE  # noqa: E402
from common import DATA, run_child, tiekeep_command  # noqa: E402
from samples import make_mbox  # noqa: E402

TARGET_RSS_MIB = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the mbox in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the generated mbox")
    parser.add_argument("--bare", action="store_true",
                        help="also time Python's mailbox reading the same file")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    mbox = DATA / f"bench-{args.mb}mb.mbox"
    generated = not mbox.exists()
    if generated:
        started = time.perf_counter()
        make_mbox(mbox, args.mb)
        print(f"generated {mbox.name} ({mbox.stat().st_size / 2**20:.0f} MiB) in "
              f"{time.perf_counter() - started:.0f} s")
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "bench-mbox.db"
            found = run_child([*tiekeep_command(), "--db", str(database),
                               "import", "mail", str(mbox), "--json"])
            summary = json.loads(found.output)
        elapsed, rss = found.wall, found.rss
        count = summary["interactions"] + summary["skipped"] + summary["unchanged"]
        verdict = "ok" if rss < TARGET_RSS_MIB else "MISSED"
        print(f"import mail {mbox.name}: {elapsed:.0f} s wall, {count / elapsed:,.0f} messages/s, "
              f"{summary['interactions']} interactions, {summary['created']} contacts, "
              f"peak RSS {rss} MiB (target < {TARGET_RSS_MIB}: {verdict})")
        if args.bare:
            bare = run_child([sys.executable, "-c", BARE["mailbox"], str(mbox)])
            print(f"bare mailbox: {bare.wall:.0f} s wall, peak RSS {bare.rss} MiB; "
                  f"speed ratio {bare.wall / elapsed:.2f}")
    finally:
        if generated and not args.keep:
            mbox.unlink()


if __name__ == "__main__":
    main()
