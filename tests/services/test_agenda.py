"""The agenda on small fixed networks at fixed dates, every figure computed by hand.

Priorities (services/agenda.py): overdue w × days ÷ ideal (w: key 3, regular 2, supporting 1);
follow-ups 3 + 0.5 × days late (at most 10); birthdays w × (2 − d ÷ 8), anniversaries
w × (1.5 − d ÷ 8) with the default 7-day horizon; role changes w × 1.5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tiekeep.core.db import Database
from tiekeep.core.models import Contact
from tiekeep.errors import InvalidInput
from tiekeep.services import agenda, contacts, followups, interactions, roles

CONFIG = agenda.AgendaConfig()


def at(text: str) -> datetime:
    """An aware UTC time from 'YYYY-MM-DD[ HH:MM]'."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def person(session: Session, owner_id: int, name: str, *, added: str = "2025-01-01",
           **fields: Any) -> Contact:
    """A contact added on a fixed day (so "never met" counts from it)."""
    contact = contacts.create(session, owner_id=owner_id,
                              data=contacts.ContactCreate(name=name, **fields))
    contact.created_at = at(added)
    session.flush()
    return contact


def meet(session: Session, owner_id: int, who: list[Contact], when: str,
         **fields: Any) -> None:
    data = interactions.InteractionCreate(participant_ids=[c.id for c in who],
                                          occurred_at=at(when), **fields)
    interactions.log(session, owner_id=owner_id, data=data)


def build(db: Database, owner_id: int, day: date, config: agenda.AgendaConfig = CONFIG,
          **options: Any) -> list[dict[str, Any]]:
    with db.reading() as session:
        return [item.to_dict() for item in agenda.build(session, owner_id=owner_id, today=day,
                                                        config=config, **options)]


def of_kind(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for item in items if item["kind"] == kind]


# --- overdue ties ------------------------------------------------------------------------


def test_overdue_ties_are_ranked_by_tier_weighted_ratio(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        kira = person(s, owner_id, "Kira Key", tier="key")
        meet(s, owner_id, [kira], "2026-03-01 12:00")            # 14 days: due today
        kate = person(s, owner_id, "Kate Key", tier="key")
        meet(s, owner_id, [kate], "2026-03-02 08:00")            # 13 days: not yet
        una = person(s, owner_id, "Una Urgent", tier="key")
        meet(s, owner_id, [una], "2026-02-20 10:00")             # 23 days > max 21
        rob = person(s, owner_id, "Rob Regular", tier="regular")
        meet(s, owner_id, [rob], "2026-02-01 09:00")             # 42 days
        sam = person(s, owner_id, "Sam Supporting", tier="supporting")
        meet(s, owner_id, [sam], "2025-12-01 00:00")             # 104 days
        ovi = person(s, owner_id, "Ovi Override", tier="regular", cadence_days=7)
        meet(s, owner_id, [ovi], "2026-03-07 18:00")             # 8 days, every 7
        person(s, owner_id, "Neo Never", tier="key", added="2026-03-01 09:00")  # 14 days
        dora = person(s, owner_id, "Dora Dormant", tier="dormant", cadence_days=30)
        meet(s, owner_id, [dora], "2024-01-01 12:00")
        arch = person(s, owner_id, "Arch Archived", tier="key")
        meet(s, owner_id, [arch], "2025-01-01 12:00")
        contacts.archive(s, owner_id=owner_id, contact_id=arch.id)
        gone = person(s, owner_id, "Del Deleted", tier="key")
        meet(s, owner_id, [gone], "2025-01-01 12:00")
        contacts.delete_contact(s, owner_id=owner_id, contact_id=gone.id)

    items = build(db, owner_id, date(2026, 3, 15))
    got = [(i["contact"]["name"], i["days_since"], i["cadence"], i["cadence_max"], i["ratio"],
            i["priority"], i["urgent"], i["due"]) for i in items]
    assert got == [
        ("Una Urgent", 23, 14, 21, 1.643, 4.929, True, "2026-03-06"),     # 3 × 23/14
        ("Kira Key", 14, 14, 21, 1.0, 3.0, False, "2026-03-15"),          # 3 × 14/14
        ("Neo Never", 14, 14, 21, 1.0, 3.0, False, "2026-03-15"),         # tie: lower id 2nd
        ("Rob Regular", 42, 30, 45, 1.4, 2.8, False, "2026-03-03"),       # 2 × 42/30
        ("Ovi Override", 8, 7, 11, 1.143, 2.286, False, "2026-03-14"),    # 2 × 8/7, max ⌈10.5⌉
        ("Sam Supporting", 104, 90, 135, 1.156, 1.156, False, "2026-03-01"),
    ]
    assert {i["kind"] for i in items} == {"overdue"}
    assert items[0]["reason"] == ("Last contact 23 days ago; key tie, every 14 days — past "
                                  "the 21-day maximum")
    assert items[2]["never_met"] is True
    assert items[2]["reason"].startswith("No contact since added 14 days ago")


def test_a_large_meeting_or_a_post_does_not_reset_the_cadence(db: Database,
                                                              owner_id: int) -> None:
    with db.transaction() as s:
        lena = person(s, owner_id, "Lena Large", tier="key")
        meet(s, owner_id, [lena], "2026-02-20 12:00", format="one_on_one")
        meet(s, owner_id, [lena], "2026-03-10 12:00", format="team_meeting",
             attendee_count=9)
        meet(s, owner_id, [lena], "2026-03-14 12:00", format="social_post")
        max_ = person(s, owner_id, "Max Eight", tier="key")
        meet(s, owner_id, [max_], "2026-02-20 12:00", format="one_on_one")
        meet(s, owner_id, [max_], "2026-03-10 12:00", format="team_meeting",
             attendee_count=8)

    items = build(db, owner_id, date(2026, 3, 15))
    assert [(i["contact"]["name"], i["days_since"], i["urgent"]) for i in items] == [
        ("Lena Large", 23, True)]
    assert items[0]["last_contact"].startswith("2026-03-14T12:00")
    assert items[0]["last_qualifying"].startswith("2026-02-20T12:00")
    assert items[0]["reason"].endswith("(since then only large meetings, mass mails or posts)")


def test_days_since_are_calendar_days_in_the_users_zone(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        late = person(s, owner_id, "Late Evening", tier="key")
        meet(s, owner_id, [late], "2026-03-01 20:00")  # 05:00 on 2 March in Tokyo
        early = person(s, owner_id, "Early Morning", tier="key")
        meet(s, owner_id, [early], "2026-03-01 04:30")  # 23:30 on 28 Feb in New York

    def names(zone: str, day: date) -> list[tuple[str, int]]:
        config = agenda.AgendaConfig(time_zone=zone)
        return [(i["contact"]["name"], i["days_since"]) for i in build(db, owner_id, day,
                                                                        config)]

    assert names("UTC", date(2026, 3, 15)) == [("Late Evening", 14), ("Early Morning", 14)]
    assert names("Asia/Tokyo", date(2026, 3, 15)) == [("Early Morning", 14)]
    assert names("Asia/Tokyo", date(2026, 3, 16)) == [("Early Morning", 15),
                                                      ("Late Evening", 14)]
    # New York moved to summer time on 8 March: calendar days are not shortened by it.
    assert names("America/New_York", date(2026, 3, 14)) == [("Early Morning", 14)]
    assert names("UTC", date(2026, 3, 14)) == []
    tokyo = agenda.AgendaConfig(time_zone="Asia/Tokyo")
    assert tokyo.today(at("2026-03-14 20:00")) == date(2026, 3, 15)
    assert agenda.AgendaConfig(time_zone="America/New_York").today(
        at("2026-03-15 03:00")) == date(2026, 3, 14)


# --- follow-ups --------------------------------------------------------------------------


def test_followups_due_or_late_across_month_ends(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        fay = person(s, owner_id, "Fay Follow", tier="supporting")
        meet(s, owner_id, [fay], "2026-02-27 12:00")
        ids = {}
        for text, due in (("send the deck", date(2026, 1, 31)), ("intro to Bob", date(2026, 2, 28)),
                          ("call back", date(2026, 3, 1)), ("later", date(2026, 3, 2)),
                          ("done one", date(2026, 2, 1)), ("snoozed", date(2026, 2, 1))):
            ids[text] = followups.create(s, owner_id=owner_id, contact_id=fay.id, text=text,
                                         due=due).id
        followups.create(s, owner_id=owner_id, contact_id=fay.id, text="no date")
        followups.complete(s, owner_id=owner_id, followup_id=ids["done one"])
        followups.snooze(s, owner_id=owner_id, followup_id=ids["snoozed"],
                         until=date(2026, 3, 5))

    items = build(db, owner_id, date(2026, 3, 1))
    assert [(i["text"], i["days_late"], i["priority"], i["reason"]) for i in items] == [
        ("send the deck", 29, 10.0, "Follow-up 29 days late: send the deck"),  # capped at 10
        ("intro to Bob", 1, 3.5, "Follow-up 1 day late: intro to Bob"),
        ("call back", 0, 3.0, "Follow-up due today: call back"),
    ]
    assert items[0]["followup_id"] == ids["send the deck"]
    # The item's own follow-up is not repeated among its suggestions; the others are.
    assert [sg["text"] for sg in items[0]["suggestions"] if sg["kind"] == "next_step"] == [
        "no date", "snoozed", "later"]
    late = build(db, owner_id, date(2026, 3, 5))
    assert "snoozed" in [i["text"] for i in late]


# --- dates -------------------------------------------------------------------------------


def test_birthdays_on_29_february_without_a_year_and_over_new_year(db: Database,
                                                                  owner_id: int) -> None:
    with db.transaction() as s:
        person(s, owner_id, "Lea Leap", tier="regular", birthday=date(1992, 2, 29))
        person(s, owner_id, "Yuri Yearless", tier="key", birthday=date(1604, 3, 1),
               birthday_has_year=False)
        person(s, owner_id, "Jan January", tier="supporting", birthday=date(1985, 1, 2))

    def dates_on(day: date) -> list[tuple[str, str, int, Any, float]]:
        return [(i["contact"]["name"], i["due"], i["days_until"], i["age"], i["priority"])
                for i in of_kind(build(db, owner_id, day), "date")]

    # 2026 is a common year: 29 February is celebrated on 28 February.
    assert dates_on(date(2026, 2, 25)) == [
        ("Yuri Yearless", "2026-03-01", 4, None, 4.5),   # 3 × (2 − 4/8)
        ("Lea Leap", "2026-02-28", 3, 34, 3.25),         # 2 × (2 − 3/8)
    ]
    assert dates_on(date(2028, 2, 25)) == [
        ("Yuri Yearless", "2028-03-01", 5, None, 4.125),  # 2028 is leap: 1 March is 5 days on
        ("Lea Leap", "2028-02-29", 4, 36, 3.0),
    ]
    assert dates_on(date(2027, 2, 28)) == [("Yuri Yearless", "2027-03-01", 1, None, 5.625),
                                           ("Lea Leap", "2027-02-28", 0, 35, 4.0)]
    assert dates_on(date(2026, 3, 2)) == []
    assert dates_on(date(2026, 12, 29)) == [("Jan January", "2027-01-02", 4, 42, 1.5)]
    items = of_kind(build(db, owner_id, date(2026, 2, 25)), "date")
    assert [i["reason"] for i in items] == ["Birthday in 4 days (Sun 1 Mar)",
                                            "Birthday in 3 days (Sat 28 Feb) — turns 34"]
    assert [i["key"] for i in items] == ["birthday:2026", "birthday:2026"]
    new_year = of_kind(build(db, owner_id, date(2026, 12, 29)), "date")
    assert new_year[0]["key"] == "birthday:2027"


def test_work_anniversaries_the_day_you_met_and_role_changes(db: Database,
                                                             owner_id: int) -> None:
    with db.transaction() as s:
        wanda = person(s, owner_id, "Wanda Work", tier="key", met_on=date(2023, 11, 30))
        roles.change(s, owner_id=owner_id, contact_id=wanda.id, new=roles.RoleChange(
            title="Designer", organization="Globex", since=date(2021, 12, 1)))
        rick = person(s, owner_id, "Rick Role", tier="regular", organization="Initech",
                      title="Engineer")
        roles.change(s, owner_id=owner_id, contact_id=rick.id, new=roles.RoleChange(
            title="CTO", organization="Globex", since=date(2026, 11, 20)))
        fresh = person(s, owner_id, "Fay First", tier="regular", met_on=date(2026, 11, 30))
        roles.change(s, owner_id=owner_id, contact_id=fresh.id, new=roles.RoleChange(
            title="Analyst", since=date(2025, 12, 3)))
        meet(s, owner_id, [rick, wanda, fresh], "2026-11-27 12:00")

    items = build(db, owner_id, date(2026, 11, 28))
    got = [(i["kind"], i["contact"]["name"], i.get("date_kind"), i["due"], i["priority"],
            i["reason"]) for i in items]
    assert got == [
        ("date", "Wanda Work", "met", "2026-11-30", 3.75,           # 3 × (1.5 − 2/8)
         "3 years since you met, in 2 days (Mon 30 Nov)"),
        ("date", "Wanda Work", "work", "2026-12-01", 3.375,         # 3 × (1.5 − 3/8)
         "5 years in their role (Designer · Globex) in 3 days (Tue 1 Dec)"),
        ("role_change", "Rick Role", None, "2026-11-20", 3.0,       # 2 × 1.5
         "New role: CTO · Globex since 2026-11-20 — congratulate"),
        ("date", "Fay First", "work", "2026-12-03", 1.75,           # 2 × (1.5 − 5/8)
         "1 year in their role (Analyst) in 5 days (Thu 3 Dec)"),
    ]
    # Met this very year: no anniversary yet. Rick's new role is 0 years old.
    assert items[1]["years"] == 5 and items[0]["years"] == 3


def test_project_ties_are_followed_up_30_days_after_the_end(db: Database,
                                                           owner_id: int) -> None:
    with db.transaction() as s:
        pia = person(s, owner_id, "Pia Project", tier="dormant", horizon="project",
                     project_end=date(2026, 1, 31))
        meet(s, owner_id, [pia], "2026-02-10 12:00")  # after the end, before the follow-up

    def project(day: date) -> list[tuple[str, int, float]]:
        return [(i["due"], i["days_past"], i["priority"])
                for i in of_kind(build(db, owner_id, day), "project_ended")]

    assert project(date(2026, 3, 1)) == []
    assert project(date(2026, 3, 2)) == [("2026-03-02", 0, 0.5)]     # 0.5 × 1
    assert project(date(2026, 4, 1)) == [("2026-03-02", 30, 1.0)]    # 0.5 × (1 + 30/30)
    assert project(date(2026, 9, 1)) == [("2026-03-02", 183, 1.5)]   # capped at 0.5 × 3
    with db.transaction() as s:
        meet(s, owner_id, [s.get(Contact, pia.id)], "2026-03-05 12:00")
    assert project(date(2026, 4, 1)) == []


def test_give_first_counts_the_last_twelve_months(db: Database, owner_id: int) -> None:
    from tiekeep.services import values

    with db.transaction() as s:
        gus = person(s, owner_id, "Gus Giver", tier="key")
        meet(s, owner_id, [gus], "2026-11-20 12:00")
        for direction, when in (("received", "2026-10-01"), ("received", "2026-06-01"),
                                ("received", "2025-11-25 12:00"), ("given", "2026-09-01"),
                                ("received", "2025-11-24 12:00")):  # a day too old
            values.create(s, owner_id=owner_id, data=values.ValueCreate(
                contact_id=gus.id, direction=direction, kind="information",
                description="advice", occurred_at=at(when)))
        even = person(s, owner_id, "Eve Even", tier="key")
        meet(s, owner_id, [even], "2026-11-20 12:00")
        for direction in ("received", "given"):
            values.create(s, owner_id=owner_id, data=values.ValueCreate(
                contact_id=even.id, direction=direction, kind="social", description="intro",
                occurred_at=at("2026-10-01")))

    items = build(db, owner_id, date(2026, 11, 25))
    assert [(i["contact"]["name"], i["received"], i["given"], i["priority"], i["reason"])
            for i in items] == [
        ("Gus Giver", 3, 1, 3.75,   # 3 × (1 + (2 − 1)/4)
         "Received 3, gave 1 in the last 12 months — give first")]


# --- snooze, dismiss, done ---------------------------------------------------------------


def test_snooze_hides_until_the_day_and_by_kind(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        sue = person(s, owner_id, "Sue Snooze", tier="key", birthday=date(1990, 3, 18))
        meet(s, owner_id, [sue], "2026-02-01 12:00")
        sue_id = sue.id

    def kinds(day: date) -> list[str]:
        return [i["kind"] for i in build(db, owner_id, day)]

    assert kinds(date(2026, 3, 15)) == ["overdue", "date"]
    with db.transaction() as s:
        agenda.snooze(s, owner_id=owner_id, contact_id=sue_id, until=date(2026, 3, 17),
                      today=date(2026, 3, 15), kind="date")
    assert kinds(date(2026, 3, 15)) == ["overdue"]
    assert kinds(date(2026, 3, 17)) == ["overdue", "date"]
    with db.transaction() as s:
        agenda.snooze(s, owner_id=owner_id, contact_id=sue_id, until=date(2026, 3, 20),
                      today=date(2026, 3, 15))
    assert kinds(date(2026, 3, 19)) == []
    assert kinds(date(2026, 3, 20)) == ["overdue"]
    with db.transaction() as s, pytest.raises(InvalidInput, match="a day after today"):
        agenda.snooze(s, owner_id=owner_id, contact_id=sue_id, until=date(2026, 3, 15),
                      today=date(2026, 3, 15))


def test_a_dismissed_date_reminder_returns_next_year(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        bea = person(s, owner_id, "Bea Birthday", tier="regular", birthday=date(1980, 6, 3))
        meet(s, owner_id, [bea], "2026-06-01 12:00")
        bea_id = bea.id
    with db.transaction() as s:
        gone = agenda.dismiss(s, owner_id=owner_id, contact_id=bea_id, today=date(2026, 6, 1))
    assert [(i.kind, i.key) for i in gone] == [("date", "birthday:2026")]
    assert build(db, owner_id, date(2026, 6, 2)) == []
    assert [i["key"] for i in of_kind(build(db, owner_id, date(2027, 6, 1)), "date")] == [
        "birthday:2027"]
    with db.transaction() as s, pytest.raises(InvalidInput, match="not dismissed"):
        agenda.dismiss(s, owner_id=owner_id, contact_id=bea_id, today=date(2026, 6, 1),
                       kind="overdue")


def test_done_resets_the_cadence_and_settles_todays_reminders(db: Database,
                                                              owner_id: int) -> None:
    with db.transaction() as s:
        dan = person(s, owner_id, "Dan Done", tier="key", birthday=date(1990, 3, 15),
                     organization="Initech", title="Engineer")
        meet(s, owner_id, [dan], "2026-02-01 12:00")
        roles.change(s, owner_id=owner_id, contact_id=dan.id, new=roles.RoleChange(
            title="Lead", since=date(2026, 3, 1)))
        dan_id = dan.id
    assert [i["kind"] for i in build(db, owner_id, date(2026, 3, 15))] == [
        "overdue", "date", "role_change"]
    with db.transaction() as s:
        logged = agenda.done(s, owner_id=owner_id, contact_id=dan_id, today=date(2026, 3, 15),
                             format="call", note="congratulated", at=at("2026-03-15 09:00"))
        assert logged.format == "call" and logged.notes == "congratulated"
    assert build(db, owner_id, date(2026, 3, 15)) == []
    assert [i["days_since"] for i in build(db, owner_id, date(2026, 3, 29))] == [14]


# --- under a limit -----------------------------------------------------------------------


def test_a_limit_gives_exactly_the_first_items_of_the_full_agenda(db: Database,
                                                                 owner_id: int) -> None:
    """The limited agenda skips queries and cuts early: it must still be the same top."""
    import random

    from tiekeep.services import values

    rng = random.Random(4)
    with db.transaction() as s:
        people = []
        for n in range(60):
            tier = ("key", "regular", "supporting", "dormant")[n % 4]
            birthday = date(1980 + n % 20, 3, 10 + n % 12) if n % 3 == 0 else None
            c = person(s, owner_id, f"Person {n:02d}", tier=tier, birthday=birthday,
                       cadence_days=(5 if n % 11 == 0 else None),
                       added=f"2025-{1 + n % 12:02d}-01")
            people.append(c)
            if n % 5:
                meet(s, owner_id, [c], f"2026-0{1 + n % 3}-{1 + n % 27:02d} 10:00")
            if n % 7 == 0:
                followups.create(s, owner_id=owner_id, contact_id=c.id, text=f"step {n}",
                                 due=date(2026, 3, 1 + n % 14))
            if n % 9 == 0:
                values.create(s, owner_id=owner_id, data=values.ValueCreate(
                    contact_id=c.id, direction="received", kind="resource",
                    description="help", occurred_at=at("2026-02-01")))
        for c in rng.sample(people, 6):
            agenda.snooze(s, owner_id=owner_id, contact_id=c.id, until=date(2026, 3, 20),
                          today=date(2026, 3, 15), kind=rng.choice(["*", "overdue", "date"]))

    full = build(db, owner_id, date(2026, 3, 15))
    assert len(full) > 40
    for limit in (1, 2, 3, 5, 8, 13, 21, 34):
        assert build(db, owner_id, date(2026, 3, 15), limit=limit) == full[:limit]


# --- what to talk about ------------------------------------------------------------------


def test_suggestions_come_from_the_plan_next_steps_and_matching_resources(
        db: Database, owner_id: int) -> None:
    from tiekeep.services import plans, resources

    with db.transaction() as s:
        tia = person(s, owner_id, "Tia Topics", tier="key", interests=["Hiring", "AI strategy"])
        meet(s, owner_id, [tia], "2026-02-01 12:00")
        plans.add(s, owner_id=owner_id, contact_id=tia.id, kind="topic", text="Q3 roadmap")
        plans.add(s, owner_id=owner_id, contact_id=tia.id, kind="support",
                  text="review her talk")
        followups.create(s, owner_id=owner_id, contact_id=tia.id, text="send the deck")
        guide = resources.create(s, owner_id=owner_id, data=resources.ResourceCreate(
            url="https://example.com/hiring", title="Hiring guide", topics=["hiring"]))
        resources.create(s, owner_id=owner_id, data=resources.ResourceCreate(
            url=None, title="Pricing notes", topics=["pricing"]))
        shared = resources.create(s, owner_id=owner_id, data=resources.ResourceCreate(
            url=None, title="AI memo", topics=["ai STRATEGY"]))
        resources.share(s, owner_id=owner_id, resource_id=shared.id, contact_ids=[tia.id])

    (item,) = build(db, owner_id, date(2026, 3, 15))
    assert item["suggestions"] == [
        {"kind": "topic", "text": "Q3 roadmap"},
        {"kind": "support", "text": "review her talk"},
        {"kind": "next_step", "text": "send the deck", "due": None},
        {"kind": "resource", "text": "Hiring guide", "id": guide.id,
         "url": "https://example.com/hiring", "topics": ["hiring"]},
    ]


def test_reasons_in_russian(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        ida = person(s, owner_id, "Ида Иванова", tier="key", birthday=date(1990, 3, 17))
        meet(s, owner_id, [ida], "2026-02-20 12:00")
        followups.create(s, owner_id=owner_id, contact_id=ida.id, text="отправить план",
                         due=date(2026, 3, 10))
    russian = agenda.AgendaConfig(locale="ru")
    assert [i["reason"] for i in build(db, owner_id, date(2026, 3, 15), russian)] == [
        "Следующий шаг (просрочено на 5 дней): отправить план",         # 5.5
        "День рождения через 2 дня (17 марта) — исполняется 36 лет",    # 5.25
        "Последний контакт 23 дня назад; ключевая связь, раз в 14 дней — дольше максимума "
        "в 21 день",                                                     # 4.93
    ]


def test_a_snoozed_contact_with_many_follow_ups_does_not_crowd_out_the_top(
        db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        busy = person(s, owner_id, "Busy Snoozed", tier="dormant")
        for n in range(15):
            followups.create(s, owner_id=owner_id, contact_id=busy.id, text=f"step {n}",
                             due=date(2026, 3, 1))
        agenda.snooze(s, owner_id=owner_id, contact_id=busy.id, until=date(2026, 4, 1),
                      today=date(2026, 3, 15))
        calm = person(s, owner_id, "Calm Other", tier="dormant")
        followups.create(s, owner_id=owner_id, contact_id=calm.id, text="the one",
                         due=date(2026, 3, 14))
    assert [i["text"] for i in build(db, owner_id, date(2026, 3, 15), limit=1)] == ["the one"]
