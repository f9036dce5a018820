"""Interactions, values, follow-ups, plans, the account and the dashboard through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact
from tiekeep.core.db import Database


def test_logging_with_two_participants_reaches_both_timelines(api: TestClient, db: Database,
                                                              alice: Account) -> None:
    anna, boris = add_contact(db, alice, "Anna"), add_contact(db, alice, "Boris")
    response = api.post("/api/v1/interactions", json={
        "participant_ids": [anna, boris], "format": "lunch", "occurred_at":
        "2026-11-20T12:30:00", "topics": ["roadmap"], "notes": "<script>x</script>",
        "gave": [{"kind": "information", "description": "the deck"}],
        "next_steps": [{"text": "send notes", "due": "2026-11-27"}]})
    assert response.status_code == 201, response.text
    logged = response.json()
    assert sorted(p["name"] for p in logged["participants"]) == ["Anna", "Boris"]
    assert logged["occurred_at"].startswith("2026-11-20T12:30")  # alice's zone is UTC
    for contact_id in (anna, boris):
        detail = api.get(f"/api/v1/contacts/{contact_id}").json()
        assert detail["interactions"][0]["id"] == logged["id"]
        assert detail["last_contact"].startswith("2026-11-20")
        assert detail["balance"]["given"] == 1
        assert detail["followups"][0]["text"] == "send notes"


def test_logging_needs_a_participant_and_a_known_format(api: TestClient) -> None:
    assert api.post("/api/v1/interactions", json={"participant_ids": []}).status_code == 422
    bad = api.post("/api/v1/interactions", json={"participant_ids": [1], "format": "dance"})
    assert bad.status_code == 422


def test_value_ledger_and_balance(api: TestClient, db: Database, alice: Account) -> None:
    anna = add_contact(db, alice, "Anna")
    for direction in ("given", "received", "received"):
        assert api.post("/api/v1/values", json={
            "contact_id": anna, "direction": direction, "kind": "professional",
            "description": "a referral", "category": "referral"}).status_code == 201
    ledger = api.get("/api/v1/values", params={"contact_id": anna}).json()
    assert len(ledger["values"]) == 3
    assert ledger["balance"]["balance"] == -1
    assert ledger["balance"]["by_kind"]["professional"]["received"] == 2


def test_followup_done_and_snooze(api: TestClient, db: Database, alice: Account) -> None:
    anna = add_contact(db, alice, "Anna")
    first = api.post("/api/v1/followups", json={"contact_id": anna, "text": "call back",
                                                "due": "2026-12-01"}).json()
    second = api.post("/api/v1/followups", json={"contact_id": anna, "text": "intro"}).json()
    assert api.post(f"/api/v1/followups/{first['id']}/done").json()["done_at"]
    snoozed = api.post(f"/api/v1/followups/{second['id']}/snooze",
                       json={"until": "2027-01-01"}).json()
    assert snoozed["snoozed_until"] == "2027-01-01"
    assert [f["text"] for f in api.get("/api/v1/followups").json()] == ["intro"]
    assert len(api.get("/api/v1/followups", params={"include_done": True}).json()) == 2


def test_plan_items_and_next_meeting(api: TestClient, db: Database, alice: Account) -> None:
    anna = add_contact(db, alice, "Anna")
    item = api.post(f"/api/v1/contacts/{anna}/plan",
                    json={"kind": "support", "text": "review her talk"}).json()
    plan = api.put(f"/api/v1/contacts/{anna}/plan/next-meeting",
                   json={"at": "2026-12-03T15:00:00+00:00"}).json()
    assert plan["support"][0]["text"] == "review her talk"
    assert plan["next_meeting"].startswith("2026-12-03T15:00")
    assert api.post(f"/api/v1/plan-items/{item['id']}/done").json()["done"] is True
    assert api.get(f"/api/v1/contacts/{anna}/plan").json()["support"] == []


def test_preferences_and_calendar_url(api: TestClient) -> None:
    me = api.patch("/api/v1/me", json={"locale": "ru", "time_zone": "Europe/Berlin"})
    assert me.status_code == 200 and me.json()["locale"] == "ru"
    assert api.patch("/api/v1/me", json={"time_zone": "Mars/Olympus"}).status_code == 422
    assert api.get("/api/v1/me/calendar").json() == {"url": None}
    url = api.post("/api/v1/me/calendar").json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    again = api.post("/api/v1/me/calendar").json()["url"]
    assert again != url
    assert api.delete("/api/v1/me/calendar").json() == {"url": None}
    assert api.get(url.removeprefix("http://testserver")).status_code == 404


def test_dashboard_twin_lists_due_followups(api: TestClient, db: Database,
                                             alice: Account) -> None:
    from datetime import date

    anna = add_contact(db, alice, "Anna")
    api.post("/api/v1/followups", json={"contact_id": anna, "text": "call back",
                                        "due": date.today().isoformat()})
    data = api.get("/api/v1/dashboard").json()
    assert [(i["kind"], i["contact"]["name"]) for i in data["agenda"]] == [("followup", "Anna")]


def _met(db: Database, owner: Account, contact_id: int, days_ago: int) -> None:
    from datetime import UTC, datetime, timedelta

    from tiekeep.services import interactions

    with db.transaction() as session:
        interactions.log(session, owner_id=owner.id, data=interactions.InteractionCreate(
            participant_ids=[contact_id], format="call",
            occurred_at=datetime.now(UTC) - timedelta(days=days_ago)))


def test_agenda_lists_overdue_ties_and_done_clears_them(api: TestClient, db: Database,
                                                       alice: Account) -> None:
    anna = add_contact(db, alice, "Anna", tier="key")
    _met(db, alice, anna, 40)
    agenda = api.get("/api/v1/agenda").json()
    assert [(i["kind"], i["contact"]["name"]) for i in agenda["items"]] == [("overdue", "Anna")]
    assert agenda["items"][0]["reason"]
    done = api.post(f"/api/v1/agenda/{anna}/done", json={"format": "call", "note": "caught up"})
    assert done.status_code == 200, done.text
    assert api.get("/api/v1/agenda").json()["items"] == []
    assert api.get("/api/v1/dashboard").json()["agenda"] == []


def test_agenda_snooze_hides_until_the_date(api: TestClient, db: Database,
                                            alice: Account) -> None:
    anna = add_contact(db, alice, "Anna", tier="key")
    _met(db, alice, anna, 40)
    snoozed = api.post(f"/api/v1/agenda/{anna}/snooze", json={"until": "2099-01-01"})
    assert snoozed.status_code == 200 and snoozed.json()["kind"] == "*"
    assert api.get("/api/v1/agenda").json()["items"] == []
    assert api.post(f"/api/v1/agenda/{anna}/snooze", json={"until": "2000-01-01"}) \
        .status_code == 422


def test_agenda_reasons_follow_the_language(api: TestClient, db: Database,
                                            alice: Account) -> None:
    anna = add_contact(db, alice, "Anna", tier="key")
    _met(db, alice, anna, 40)
    english = api.get("/api/v1/agenda").json()["items"][0]["reason"]
    api.patch("/api/v1/me", json={"locale": "ru"})
    russian = api.get("/api/v1/agenda").json()["items"][0]["reason"]
    assert english != russian


def test_calendar_url_serves_the_feed_until_revoked(api: TestClient, db: Database,
                                                    alice: Account) -> None:
    anna = add_contact(db, alice, "Anna")
    api.post("/api/v1/followups", json={"contact_id": anna, "text": "send the deck",
                                        "due": "2026-12-01"})
    url = api.post("/api/v1/me/calendar").json()["url"].removeprefix("http://testserver")
    feed = api.get(url, headers={"Authorization": ""})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.content and b"send the deck" in feed.content
    api.delete("/api/v1/me/calendar")
    assert api.get(url).status_code == 404


def test_phone_region_preference_round_trips(api: TestClient) -> None:
    assert api.get("/api/v1/me").json()["phone_region"] == "US"  # the tests' locale: none
    me = api.patch("/api/v1/me", json={"phone_region": "de"})
    assert me.status_code == 200 and me.json()["phone_region"] == "DE"
    assert api.get("/api/v1/me").json()["phone_region"] == "DE"

    anna = api.post("/api/v1/contacts", json={"name": "Anna",
                                              "phones": ["030 1234567", "+1 650 253 0000"]})
    assert anna.status_code == 201, anna.text
    assert anna.json()["phones"] == ["+49301234567", "+16502530000"]

    refused = api.patch("/api/v1/me", json={"time_zone": "Asia/Tokyo", "phone_region": "XX"})
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "unknown phone region 'XX' (expected a country code such as DE or US)"}
    me = api.get("/api/v1/me").json()
    assert (me["phone_region"], me["time_zone"]) == ("DE", "UTC")

    assert api.patch("/api/v1/me", json={"phone_region": ""}).json()["phone_region"] is None
    assert api.patch("/api/v1/me", json={"phone_region": "DEU"}).status_code == 422
