"""Import uploads run in the background, one at a time, with progress to poll.

A job saves the upload to a private temporary folder, runs ``services.importing.run`` in one
transaction (a failed import leaves the database as it was), and keeps its progress and
summary in this process's memory for an hour. With several server processes, a job's
progress is known only to the process that took the upload (see the deployment notes).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiekeep.core.db import Database
from tiekeep.errors import NotFound, TiekeepError
from tiekeep.settings import Settings

KEEP_SECONDS = 3600


@dataclass
class ImportJob:
    """One upload's import: where it is, and what it did."""

    id: str
    owner_id: int
    kind: str
    filename: str
    dry_run: bool
    status: str = "queued"  # queued, running, done, failed
    bytes_total: int = 0
    bytes_done: int = 0
    records: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def to_dict(self) -> dict[str, Any]:
        done = self.status in ("done", "failed")
        fraction = 1.0 if done else (self.bytes_done / self.bytes_total
                                     if self.bytes_total else 0.0)
        return {"id": self.id, "kind": self.kind, "filename": self.filename,
                "dry_run": self.dry_run, "status": self.status,
                "bytes_total": self.bytes_total, "bytes_done": self.bytes_done,
                "records": self.records, "progress": round(min(fraction, 1.0), 3),
                "summary": self.summary, "error": self.error}


class ImportJobs:
    """The running and recent import jobs of this process."""

    def __init__(self, db: Database, settings: Settings,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.on_change = on_change
        self.settings = settings
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tiekeep-import")

    def start(self, *, owner_id: int, actor: str, time_zone: str, kind: str, upload: Any,
              filename: str, dry_run: bool) -> ImportJob:
        """Save the uploaded file and queue its import."""
        from tiekeep.adapters.registry import IMPORTERS
        from tiekeep.errors import InvalidInput

        if kind not in IMPORTERS:
            raise InvalidInput(f"unknown import kind '{kind}' (choose from: "
                               f"{', '.join(sorted(IMPORTERS))})")
        folder = Path(tempfile.mkdtemp(prefix="tiekeep-upload-"))
        safe_name = Path(filename or "upload").name[-120:] or "upload"
        path = folder / safe_name
        with path.open("wb") as out:
            shutil.copyfileobj(upload, out, length=1024 * 1024)
        job = ImportJob(id=secrets.token_urlsafe(12), owner_id=owner_id, kind=kind,
                        filename=safe_name, dry_run=dry_run, bytes_total=path.stat().st_size)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, path, actor, time_zone)
        return job

    def get(self, *, owner_id: int, job_id: str) -> ImportJob:
        """The owner's job with that id, or NotFound."""
        job = self._jobs.get(job_id)
        if job is None or job.owner_id != owner_id:
            raise NotFound(f"no import job {job_id}")
        return job

    def list(self, *, owner_id: int) -> list[ImportJob]:  # noqa: A003
        """The owner's recent jobs, newest first."""
        return sorted((j for j in self._jobs.values() if j.owner_id == owner_id),
                      key=lambda j: -j.created)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until every queued job has finished (for tests and shutdown)."""
        self._pool.submit(lambda: None).result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _forget_old(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        for job_id in [j.id for j in self._jobs.values()
                       if j.finished is not None and j.finished < cutoff]:
            del self._jobs[job_id]

    def _run(self, job: ImportJob, path: Path, actor: str, time_zone: str) -> None:
        from tiekeep.services import importing, interactions

        job.status = "running"
        options: dict[str, Any] = {
            "my_emails": self.settings.my_emails, "settings": self.settings,
            "timezone": time_zone,
            "progress": lambda done: setattr(job, "bytes_done", int(done)),
        }
        try:
            rules = interactions.QualifyingRules.from_settings(self.settings)
            with self.db.transaction() as session:
                summary = importing.run(
                    session, owner_id=job.owner_id, kind=job.kind, path=path, options=options,
                    dry_run=job.dry_run, actor=actor, rules=rules,
                    on_record=lambda count: setattr(job, "records", int(count)))
                job.summary = summary.to_dict()
                job.summary["path"] = job.filename  # not the server's temporary path
            job.status = "done"
        except TiekeepError as exc:
            job.error, job.status = exc.message, "failed"
        except Exception as exc:  # noqa: BLE001  (a job must end, and say so)
            job.error, job.status = f"the import failed: {type(exc).__name__}", "failed"
        finally:
            job.finished = time.time()
            self.on_change()
            shutil.rmtree(path.parent, ignore_errors=True)
