"""Import uploads (background jobs with progress) and export downloads."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact
from tiekeep.core.db import Database

VCARDS = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vera Card\r\nEMAIL:vera@example.com\r\n"
          b"ORG:Acme;Sales\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Oleg Card\r\n"
          b"END:VCARD\r\n")


def _finish(client: TestClient, job: dict[str, object]) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = client.get(f"/api/v1/imports/{job['id']}").json()
    return job


def test_vcard_upload_imports_in_the_background(api: TestClient) -> None:
    started = api.post("/api/v1/imports", data={"kind": "vcard"},
                       files={"file": ("friends.vcf", VCARDS, "text/vcard")})
    assert started.status_code == 202, started.text
    job = _finish(api, started.json())
    assert job["status"] == "done" and job["progress"] == 1.0
    assert job["summary"]["created"] == 2 and job["summary"]["path"] == "friends.vcf"
    found = api.get("/api/v1/contacts", params={"q": "vera"}).json()["items"]
    assert found[0]["emails"] == ["vera@example.com"] and found[0]["organization"] == "Acme"
    assert [j["id"] for j in api.get("/api/v1/imports").json()] == [job["id"]]


def test_dry_run_writes_nothing(api: TestClient) -> None:
    job = _finish(api, api.post("/api/v1/imports", data={"kind": "vcard", "dry_run": "true"},
                                files={"file": ("f.vcf", VCARDS)}).json())
    assert job["summary"]["created"] == 2 and job["summary"]["dry_run"] is True
    assert api.get("/api/v1/contacts").json()["items"] == []


def test_a_broken_file_fails_cleanly(api: TestClient) -> None:
    job = _finish(api, api.post("/api/v1/imports", data={"kind": "vcard"},
                                files={"file": ("bad.vcf", b"\x00\xffnot a card")}).json())
    assert job["status"] == "failed" and job["error"]
    assert api.get("/api/v1/contacts").json()["items"] == []


def test_unknown_kind_is_refused(api: TestClient) -> None:
    response = api.post("/api/v1/imports", data={"kind": "fax"},
                        files={"file": ("f.txt", b"x")})
    assert response.status_code == 422 and "unknown import kind" in response.json()["detail"]


def test_upload_over_the_limit_is_413(app: object, api: TestClient) -> None:
    api.app.state.tiekeep.settings.values["web.max_upload_mb"] = 1  # type: ignore[attr-defined]
    from tiekeep.web.app import create_app

    small = create_app(api.app.state.tiekeep.settings, api.app.state.tiekeep.db)  # type: ignore[attr-defined]
    with TestClient(small, headers=dict(api.headers)) as client:
        response = client.post("/api/v1/imports", data={"kind": "vcard"},
                               files={"file": ("big.vcf", b"x" * (2 * 1024 * 1024))})
    assert response.status_code == 413 and "web.max_upload_mb" in response.json()["detail"]


def test_export_downloads_a_file(api: TestClient, db: Database, alice: Account) -> None:
    add_contact(db, alice, "Anna Petrova", emails=["anna@example.com"])
    response = api.get("/api/v1/exports/vcard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/vcard")
    assert b"Anna Petrova" in response.content
    assert api.get("/api/v1/exports/fax").status_code == 422


def test_import_page_shows_progress_then_summary(browser: TestClient) -> None:
    response = browser.post("/import", data={"kind": "vcard",
                                             "csrf_token": browser.cookies["tiekeep_csrf"]},
                            files={"file": ("friends.vcf", VCARDS)}, follow_redirects=False)
    assert response.status_code == 303
    job_url = response.headers["location"]
    browser.app.state.tiekeep.extras["imports"].wait()  # type: ignore[attr-defined]
    page = browser.get(job_url).text
    assert "friends.vcf" in page and "created" in page
