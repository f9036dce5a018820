"""Isolation, generated from the app's route table: for every route with a path parameter,
every method, API and page alike, a second user gets 404 for the first user's objects.

A new route whose path parameter or request body this test cannot fill fails here, so that
no route escapes the check.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import FastAPI
from fastapi.params import Form
from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact, login
from tiekeep.core.db import Database
from tiekeep.services import accounts, contacts, followups, goals, plans, resources
from tiekeep.web.app import RouteInfo, route_table

# Capability URLs: the secret in the path is the credential, so there is no "other user".
CAPABILITY_ROUTES = {"calendar_feed"}
# Path parameters that name no object (a file format), so there is nothing to hide.
NOT_OBJECTS = {"kind"}

VCARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vera Card\r\nEND:VCARD\r\n"
# A valid JSON body per request model, so that the request reaches the ownership check.
JSON_BODIES: dict[str, dict[str, Any]] = {
    "ContactUpdate": {"tier": "key"},
    "MergeIn": {"other_id": "{other_contact_id}"},
    "LinkCreate": {"other_id": "{other_contact_id}"},
    "RoleCreate": {"title": "Head"},
    "PlanItemCreate": {"text": "ask about the move"},
    "NextMeetingIn": {"at": "2026-12-01T10:00:00+00:00"},
    "SnoozeIn": {"until": "2027-01-01"},
    "AgendaDone": {"format": "call"},
    "AgendaSnooze": {"until": "2099-01-01"},
    "AgendaDismiss": {},
    "ShareIn": {"contact_ids": ["{contact_id}"]},
}
# Form fields of the pages' forms, by name, or by (route name, field name) where it differs.
FORM_FIELDS: dict[str | tuple[str, str], Any] = {
    "version": "{version}", "name": "New name", "tier": "key", "horizon": "long_term",
    "direction": "given", "kind": "information", "description": "the deck",
    "text": "call back", "other": "{other_contact_id}", "title": "Head",
    ("contact_plan", "kind"): "topic",
    ("agenda_snooze_form", "kind"): "*",
    ("agenda_dismiss_form", "kind"): "date",
}
# Routes whose object must be in a particular state: which fixture fills which parameter.
ROUTE_OBJECTS = {
    "undelete_contact": {"contact_id": "deleted_contact_id"},
    "contact_undelete": {"contact_id": "deleted_contact_id"},
}


def _objects(app: FastAPI, db: Database, owner: Account) -> dict[str, Any]:
    """Fresh objects of the owner, by the path parameter that names them."""
    contact_id = add_contact(db, owner, "Anna Petrova", organization="Acme")
    other_id = add_contact(db, owner, "Boris Ivanov")
    deleted_id = add_contact(db, owner, "Gone Person")
    with db.transaction() as session:
        contacts.delete_contact(session, owner_id=owner.id, contact_id=deleted_id)
        followup = followups.create(session, owner_id=owner.id, contact_id=contact_id,
                                    text="call")
        item = plans.add(session, owner_id=owner.id, contact_id=contact_id, kind="topic",
                         text="the move")
        token = accounts.rotate_calendar_token(session, user_id=owner.id)
        goal = goals.create(session, owner_id=owner.id, data=goals.GoalCreate(
            description="warm ties", metric="cadence_health.key", target=90))
        resource = resources.create(session, owner_id=owner.id, data=resources.ResourceCreate(
            url="https://example.com/guide", topics=["sales"]))
    job = app.state.tiekeep.extras["imports"].start(
        owner_id=owner.id, actor=owner.username, time_zone="UTC", kind="vcard",
        upload=io.BytesIO(VCARD), filename="one.vcf", dry_run=False)
    app.state.tiekeep.extras["imports"].wait()
    return {"contact_id": contact_id, "other_contact_id": other_id,
            "followup_id": followup.id, "item_id": item.id, "token": token, "version": 1,
            "job_id": job.id, "deleted_contact_id": deleted_id, "goal_id": goal.id,
            "resource_id": resource.id}


def _fill(value: Any, objects: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_fill(v, objects) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return objects[value[1:-1]]
    return value


def _request(info: RouteInfo, method: str, objects: dict[str, Any]) -> dict[str, Any]:
    route = info.route
    assert route is not None
    which = ROUTE_OBJECTS.get(info.name, {})
    params = {p.name: objects[which.get(p.name, p.name)] for p in route.dependant.path_params}
    path = info.path.format(**params)
    kwargs: dict[str, Any] = {"method": method, "url": path}
    form = {}
    for field in route.dependant.body_params:
        if isinstance(field.field_info, Form):
            key = (info.name, field.name)
            if key in FORM_FIELDS or field.name in FORM_FIELDS:
                sample = FORM_FIELDS.get(key, FORM_FIELDS.get(field.name))
                form[field.alias] = _fill(sample, objects)
            else:
                assert not field.field_info.is_required(), (
                    f"{info.path}: add a sample for form field '{field.name}' to FORM_FIELDS")
        else:
            model = field.field_info.annotation.__name__  # type: ignore[union-attr]
            assert model in JSON_BODIES, f"{info.path}: add a sample {model} to JSON_BODIES"
            kwargs["json"] = {k: _fill(v, objects) for k, v in JSON_BODIES[model].items()}
    if form:
        kwargs["data"] = form
    return kwargs


def _routes(app: FastAPI) -> list[RouteInfo]:
    routes = [r for r in route_table(app) if r.route is not None and "{" in r.path]
    routes = [r for r in routes if {p.name for p in r.route.dependant.path_params}  # type: ignore[union-attr]
              - NOT_OBJECTS]
    unknown = {p.name for r in routes for p in r.route.dependant.path_params} - {  # type: ignore[union-attr]
        "contact_id", "followup_id", "item_id", "token", "job_id", "goal_id", "resource_id"}
    assert not unknown, f"add fixtures for path parameters {unknown} to this test"
    return routes


def test_every_route_hides_other_users_objects(app: FastAPI, db: Database, alice: Account,
                                               bob: Account) -> None:
    checked = 0
    failures = []
    with TestClient(app) as bob_page, TestClient(app) as alice_page:
        login(bob_page, "bob")
        login(alice_page, "alice")
        for route in _routes(app):
            if route.name in CAPABILITY_ROUTES:
                continue
            is_api = route.path.startswith("/api/")
            for method in sorted(route.methods - {"HEAD"}):
                objects = _objects(app, db, alice)
                request = _request(route, method, objects)
                if is_api:
                    as_bob = bob_page.request(headers={"Authorization": f"Bearer {bob.token}"},
                                              **request)
                else:
                    if "data" in request or method != "GET":
                        request.setdefault("data", {})["csrf_token"] = \
                            bob_page.cookies["tiekeep_csrf"]
                    as_bob = bob_page.request(follow_redirects=False, **request)
                if as_bob.status_code != 404:
                    failures.append(f"{method} {route.path}: {as_bob.status_code} for bob")
                # The same request by the owner must find the object, or the check is void.
                if is_api:
                    as_alice = alice_page.request(
                        headers={"Authorization": f"Bearer {alice.token}"}, **request)
                else:
                    if "data" in request:
                        request["data"]["csrf_token"] = alice_page.cookies["tiekeep_csrf"]
                    as_alice = alice_page.request(follow_redirects=False, **request)
                if as_alice.status_code == 404 or as_alice.status_code >= 500:
                    failures.append(f"{method} {route.path}: {as_alice.status_code} for alice: "
                                    f"{as_alice.text[:200]}")
                checked += 1
    assert not failures, "\n".join(failures)
    assert checked >= 20


def test_calendar_feed_needs_the_exact_secret(app: FastAPI, db: Database,
                                              alice: Account) -> None:
    objects = _objects(app, db, alice)
    with TestClient(app) as anyone:
        assert anyone.get(f"/calendar/{objects['token'][:-1]}x.ics").status_code == 404
