"""/api/v1/imports and /api/v1/exports: file uploads imported in the background (with
progress to poll), and exports downloaded as files."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from tiekeep.web import schemas
from tiekeep.web.deps import CurrentUser, StateDep, WebState
from tiekeep.web.jobs import ImportJobs

router = APIRouter(tags=["import and export"])
JobId = Annotated[str, PathParam(max_length=40)]
EXPORT_TYPES = {"vcard": ("text/vcard", ".vcf"), "csv": ("text/csv", ".csv"),
                "json": ("application/json", ".json"), "ical": ("text/calendar", ".ics"),
                "markdown": ("application/zip", ".zip")}


def jobs(state: WebState) -> ImportJobs:
    """This process's import jobs (made with the app)."""
    registry: ImportJobs = state.extras["imports"]
    return registry


@router.post("/imports", response_model=schemas.ImportJobPublic, status_code=202)
async def start_import(
    user: CurrentUser, state: StateDep,
    kind: Annotated[str, Form(max_length=32, description="vcard, csv, linkedin, ical, mail, "
                              "slack or json")],
    file: Annotated[UploadFile, File(description="The file to import (a zip for folders)")],
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Upload a file to import; poll the job for progress and the summary."""
    job = await run_in_threadpool(
        jobs(state).start, owner_id=user.id, actor=user.username, time_zone=user.time_zone,
        kind=kind, upload=file.file, filename=file.filename or "upload", dry_run=dry_run)
    return job.to_dict()


@router.get("/imports", response_model=list[schemas.ImportJobPublic])
def list_imports(user: CurrentUser, state: StateDep) -> list[dict[str, Any]]:
    """Your recent imports (of this server process), newest first."""
    return [job.to_dict() for job in jobs(state).list(owner_id=user.id)]


@router.get("/imports/{job_id}", response_model=schemas.ImportJobPublic)
def get_import(job_id: JobId, user: CurrentUser, state: StateDep) -> dict[str, Any]:
    """An import's progress, then its summary (or its error)."""
    return jobs(state).get(owner_id=user.id, job_id=job_id).to_dict()


def _export(state: WebState, owner_id: int, kind: str) -> tuple[Path, Path]:
    from tiekeep.services import importing

    folder = Path(tempfile.mkdtemp(prefix="tiekeep-export-"))
    media, suffix = EXPORT_TYPES[kind]
    target = folder / ("tiekeep" if kind == "markdown" else f"tiekeep{suffix}")
    try:
        with state.db.reading() as session:
            importing.export(session, owner_id=owner_id, kind=kind, path=target,
                             options={"settings": state.settings})
        if kind == "markdown":
            target = Path(shutil.make_archive(str(folder / "tiekeep-vault"), "zip", target))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, target


@router.get("/exports/{kind}", response_class=FileResponse,
            responses={200: {"content": {m: {} for m, _ in EXPORT_TYPES.values()},
                             "description": "The exported file"}})
async def export(request: Request, kind: Annotated[str, PathParam(
        pattern="^(vcard|csv|json|ical|markdown)$")], user: CurrentUser,
                 state: StateDep) -> FileResponse:
    """Download your data: vcard, csv, json (a full backup), ical or markdown (a zip)."""
    folder, target = await run_in_threadpool(_export, state, user.id, kind)
    media, _ = EXPORT_TYPES[kind]
    return FileResponse(target, media_type=media, filename=target.name,
                        background=BackgroundTask(shutil.rmtree, folder, True))
