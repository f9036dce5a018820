"""Web benchmark: the dashboard, a contact page and /api/v1/contacts?q= under 20 concurrent
clients on loopback, against the 100k-contact / 2M-interaction demo database.

The app runs as a real `tiekeep serve` process (uvicorn, ``--workers``, default 2: one per
core of the reference machine). Each client keeps one HTTP/1.1 connection and sends requests
back to back for a fixed time. Per endpoint the bench reports the median and 90th-percentile
latency, the throughput, and the throughput as a ratio to a trivial endpoint (/healthz) of the
same app measured in the same run under the same load, so the figures travel across machines.

Contact pages rotate over 50 contacts and searches over 40 queries. Pages are served from
a cache that the next write to the database drops (web/cache.py); the first request for each
distinct URL in a run is a miss, and those "cold" latencies are reported as well.

    python bench/bench_web.py [--clients 20] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, report, tiekeep_command  # noqa: E402

TARGET_MS = 100.0
CONTACT_SAMPLE = 50
QUERIES = ("anna", "petrov", "smith", "ivan", "maria", "garcia", "olga", "müller", "kim",
           "lee", "sales", "engineering", "acme", "elena", "john", "tanaka", "silva", "chen",
           "иван", "анна", "kuznetsov", "sofia", "roadmap", "hiring", "laura", "david",
           "novak", "rossi", "wang", "patel", "nina", "oscar", "martin", "singh", "moreau",
           "sato", "clark", "dubois", "hansen", "becker")


def _wait_for_final_database() -> Path:
    """The demo database, waiting while another process is still building it."""
    path = demo_database.__globals__["DATA"] / (
        f"demo-{demo_database.__globals__['CONTACTS']}-"
        f"{demo_database.__globals__['INTERACTIONS']}.db")
    partial = path.with_suffix(".partial")
    while not path.exists() and partial.exists():
        print("waiting for another process to finish building the demo database…")
        time.sleep(10)
    return demo_database()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _session_cookie(db: Path, key: str) -> tuple[str, list[int]]:
    """A session cookie for the demo's user, and a sample of its contact ids."""
    from tiekeep.web.security import Signer

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        user_id, password_hash = connection.execute(
            "SELECT id, password_hash FROM users ORDER BY id LIMIT 1").fetchone()
        ids = [row[0] for row in connection.execute(
            "SELECT id FROM contacts WHERE owner_id = ? AND deleted_at IS NULL",
            (user_id,))]
    sample = random.Random(7).sample(ids, min(CONTACT_SAMPLE, len(ids)))
    return Signer(key).issue(user_id, password_hash), sample


async def _client(port: int, paths: list[str], cookie: str, stop: float,
                  samples: list[tuple[str, float]], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = random.randrange(len(paths))
    try:
        while time.perf_counter() < stop:
            path = paths[index % len(paths)]
            index += 1
            request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       f"Cookie: tiekeep_session={cookie}\r\nAccept: text/html\r\n\r\n")
            started = time.perf_counter()
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            elapsed = time.perf_counter() - started
            if status != b"200":
                errors.append(f"{path}: {status.decode()}")
            samples.append((path, elapsed))
    finally:
        writer.close()


async def _load(port: int, paths: list[str], cookie: str, clients: int,
                seconds: float) -> tuple[list[tuple[str, float]], list[str], float]:
    samples: list[tuple[str, float]] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(*(_client(port, paths, cookie, stop, samples, errors)
                           for _ in range(clients)))
    return samples, errors, time.perf_counter() - started


def _serve(db: Path, port: int, workers: int, key: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TIEKEEP_WEB_SECRET_KEY": key, "TIEKEEP_DB": str(db)}
    process = subprocess.Popen(
        [*tiekeep_command(), "--db", str(db), "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--no-access-log"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in probe.recv(100):
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start: " + (process.stderr.read() or b"").decode()
                     if process.stderr else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    db = _wait_for_final_database()
    key = "bench-" + os.urandom(8).hex()
    cookie, contact_ids = _session_cookie(db, key)
    port = _free_port()
    endpoints = {
        "trivial (/healthz)": ["/healthz"],
        "dashboard (/)": ["/"],
        "contact page (/contacts/ID)": [f"/contacts/{cid}" for cid in contact_ids],
        "search (/api/v1/contacts?q=)": [f"/api/v1/contacts?q={quote(q)}" for q in QUERIES],
    }
    server = _serve(db, port, args.workers, key)
    results: dict[str, tuple[float, float, float, float | None]] = {}
    try:
        # Warm the workers' imports and the OS page cache, not the view cache: only the
        # trivial endpoint and one search.
        asyncio.run(_load(port, ["/healthz", "/api/v1/contacts?q=warm"], cookie, 4, 3.0))
        for name, paths in endpoints.items():
            samples, errors, took = asyncio.run(_load(port, paths, cookie, args.clients,
                                                      args.seconds))
            if errors:
                raise SystemExit(f"{name}: {len(errors)} failed requests, e.g. {errors[0]}")
            latencies = [s for _, s in samples]
            first: dict[str, float] = {}
            for path, seconds in samples:
                first.setdefault(path, seconds)
            cold = statistics.median(first.values()) * 1000 if len(first) > 1 else None
            results[name] = (statistics.median(latencies) * 1000,
                             statistics.quantiles(latencies, n=10)[-1] * 1000,
                             len(samples) / took, cold)
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = results["trivial (/healthz)"][2]
    print(f"web: {args.clients} concurrent clients, {args.workers} workers, "
          f"{args.seconds:g} s per endpoint, {db.name}")
    for name, (median, p90, throughput, cold) in results.items():
        target = None if name.startswith("trivial") else TARGET_MS
        report(name, median, target, unit="ms")
        extra = f", cold first requests median {cold:.1f} ms" if cold is not None else ""
        print(f"{'':40} p90 {p90:8.1f} ms, {throughput:7.1f} req/s = "
              f"{throughput / baseline:.3f} × trivial{extra}")


if __name__ == "__main__":
    main()
