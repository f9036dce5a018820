"""The import page: upload a file, follow its progress, read the summary; and exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tiekeep.web.api.imports import EXPORT_TYPES, jobs
from tiekeep.web.deps import CurrentUser, StateDep
from tiekeep.web.rendering import redirect, render

router = APIRouter()


def _registry() -> tuple[dict[str, str], list[str]]:
    from tiekeep.adapters.registry import IMPORTERS

    return {name: adapter.help for name, adapter in sorted(IMPORTERS.items())}, \
        sorted(EXPORT_TYPES)


@router.get("/import", name="import_page")
def import_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """The upload form and your recent imports (JSON twin: GET /api/v1/imports)."""
    importers, exporters = _registry()
    return render(request, "import.html", {
        "importers": importers, "exporters": exporters,
        "jobs": [j.to_dict() for j in jobs(state).list(owner_id=user.id)],
        "max_mb": state.settings["web.max_upload_mb"],
        "json_twin": request.url_for("list_imports")}, user=user)


@router.post("/import", name="import_submit")
async def import_submit(request: Request, user: CurrentUser, state: StateDep,
                        kind: Annotated[str, Form(max_length=32)],
                        file: Annotated[UploadFile, File()],
                        dry_run: Annotated[bool, Form()] = False) -> Response:
    """Start the import and show its progress."""
    job = await run_in_threadpool(
        jobs(state).start, owner_id=user.id, actor=user.username, time_zone=user.time_zone,
        kind=kind, upload=file.file, filename=file.filename or "upload", dry_run=dry_run)
    return redirect(request, str(request.url_for("import_job_page", job_id=job.id)))


@router.get("/import/{job_id}", name="import_job_page")
def import_job_page(request: Request, job_id: Annotated[str, Path(max_length=40)],
                    user: CurrentUser, state: StateDep) -> Response:
    """One import: a progress bar while it runs, then what it did."""
    job = jobs(state).get(owner_id=user.id, job_id=job_id).to_dict()
    return render(request, "import_job.html", {
        "job": job, "json_twin": request.url_for("get_import", job_id=job_id)}, user=user)
