"""The API's schema families (Base / Create / Update / Public), with a length limit on every
field. Create and Update models turn into the services' own dataclasses; Public models
describe the services' JSON forms (``contacts.to_dict`` and friends) without re-deriving them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tiekeep.core.enums import Format, Horizon, Initiator, Tier, ValueKind
from tiekeep.services import contacts as contact_service
from tiekeep.services import interactions as interaction_service
from tiekeep.services import parsing
from tiekeep.services import roles as role_service
from tiekeep.services import values as value_service

MAX_TEXT = parsing.MAX_NOTES
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def _sane_year(value: Any) -> Any:
    """Dates and times between 1900 and 2999: arithmetic on them cannot overflow."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("the year must be from 1900 to 2999")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Day = Annotated[date, AfterValidator(_sane_year)]
Moment = Annotated[datetime, AfterValidator(_sane_year)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
Short = Annotated[str, Field(max_length=300)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Email = Annotated[str, Field(max_length=320)]
Phone = Annotated[str, Field(max_length=40)]
TagName = Annotated[str, Field(min_length=1, max_length=100)]
Zone = Annotated[str, Field(max_length=64)]
Birthday = Annotated[str, Field(pattern=r"^(\d{4}|-)-\d{2}-\d{2}$", max_length=10,
                                description="YYYY-MM-DD, or --MM-DD without the year")]
TierName = Literal["key", "regular", "supporting", "dormant"]
HorizonName = Literal["long_term", "project"]
FormatName = Literal[
    "one_on_one", "team_meeting", "project_sync", "status_update", "discussion", "feedback",
    "lunch", "coffee", "corporate_event", "offsite", "chat", "email", "call", "video_call",
    "online_event", "virtual_coffee", "social_post", "letter", "other"]
InitiatorName = Literal["me", "them", "mutual"]
KindName = Literal["information", "resource", "social", "professional"]

assert set(FormatName.__args__) == {f.value for f in Format}  # type: ignore[attr-defined]
assert set(TierName.__args__) == {t.value for t in Tier}  # type: ignore[attr-defined]
assert set(HorizonName.__args__) == {h.value for h in Horizon}  # type: ignore[attr-defined]
assert set(InitiatorName.__args__) == {i.value for i in Initiator}  # type: ignore[attr-defined]
assert set(KindName.__args__) == {k.value for k in ValueKind}  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    """Every error: one clear message."""

    detail: str


def parse_birthday(value: str | None) -> tuple[date | None, bool]:
    """YYYY-MM-DD, or --MM-DD (stored in year 1604, as vCard does) without the year."""
    from tiekeep.services import parsing

    if not value:
        return None, True
    if value.startswith("--"):
        day = parsing.calendar_date("1604-" + value[2:], what="birthday")
        return day, False
    return parsing.calendar_date(value, what="birthday"), True


# --- contacts ----------------------------------------------------------------------------


class ContactBase(Strict):
    """Profile fields a contact may be created or edited with."""

    tier: TierName | None = None
    horizon: HorizonName | None = None
    project_end: Day | None = None
    cadence_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    birthday: Birthday | None = None
    trust: Annotated[int, Field(ge=1, le=5)] | None = None
    location: Short | None = None
    time_zone: Zone | None = None
    interests: Annotated[list[Short], Field(max_length=100)] | None = None
    goals: Text | None = None
    challenges: Text | None = None
    personal_notes: Text | None = None
    how_met: Text | None = None
    met_on: Day | None = None


class ContactCreate(ContactBase):
    """A new contact; only the name is required."""

    name: Name
    emails: Annotated[list[Email], Field(max_length=50)] = []
    phones: Annotated[list[Phone], Field(max_length=50)] = []
    organization: Short | None = None
    department: Short | None = None
    title: Short | None = None
    tags: Annotated[list[TagName], Field(max_length=100)] = []

    def to_service(self) -> contact_service.ContactCreate:
        day, has_year = parse_birthday(self.birthday)
        return contact_service.ContactCreate(
            name=self.name, emails=self.emails, phones=self.phones,
            organization=self.organization, department=self.department, title=self.title,
            location=self.location, tier=self.tier or Tier.REGULAR.value,
            horizon=self.horizon or Horizon.LONG_TERM.value, project_end=self.project_end,
            tags=self.tags, cadence_days=self.cadence_days, birthday=day,
            birthday_has_year=has_year, trust=self.trust, interests=self.interests or [],
            goals=self.goals, challenges=self.challenges, personal_notes=self.personal_notes,
            how_met=self.how_met, met_on=self.met_on, time_zone=self.time_zone)


class ContactUpdate(ContactBase):
    """A partial update; send the ``version`` you read to detect a concurrent edit (409)."""

    name: Name | None = None
    version: int | None = Field(None, description="The contact's version when you read it.")
    strength_override: Annotated[int, Field(ge=0, le=100)] | None = None
    add_emails: Annotated[list[Email], Field(max_length=50)] = []
    add_phones: Annotated[list[Phone], Field(max_length=50)] = []
    add_tags: Annotated[list[TagName], Field(max_length=100)] = []
    remove_tags: Annotated[list[TagName], Field(max_length=100)] = []
    add_aliases: Annotated[list[Name], Field(max_length=50)] = []
    introduced_by_id: Id | None = None

    def to_service(self) -> contact_service.ContactUpdate:
        day, _ = parse_birthday(self.birthday)
        return contact_service.ContactUpdate(
            name=self.name, tier=self.tier, horizon=self.horizon, project_end=self.project_end,
            cadence_days=self.cadence_days, birthday=day, trust=self.trust,
            strength_override=self.strength_override, location=self.location,
            time_zone=self.time_zone, interests=self.interests, goals=self.goals,
            challenges=self.challenges, personal_notes=self.personal_notes,
            how_met=self.how_met, met_on=self.met_on, add_emails=self.add_emails,
            add_phones=self.add_phones, add_tags=self.add_tags, remove_tags=self.remove_tags,
            add_aliases=self.add_aliases, introduced_by_id=self.introduced_by_id,
            expected_version=self.version)


class ContactPublic(BaseModel):
    """A contact as lists show it (``contacts.to_dict``)."""

    id: int
    name: str
    emails: list[str]
    phones: list[str]
    tier: str
    horizon: str
    organization: str | None
    department: str | None
    title: str | None
    location: str | None
    tags: list[str]
    last_contact: str | None = Field(description="ISO 8601, or null")
    status: str
    cadence_days: int | None
    birthday: str | None
    trust: int | None
    version: int


class ContactPage(BaseModel):
    """One page of contacts; ask for the next with ``offset=next_offset``."""

    items: list[ContactPublic]
    limit: int
    offset: int
    next_offset: int | None


class RolePublic(BaseModel):
    id: int
    title: str | None
    department: str | None
    organization: str | None
    location: str | None
    started: str | None
    ended: str | None
    current: bool


class Participant(BaseModel):
    id: int
    name: str


class InteractionPublic(BaseModel):
    id: int
    occurred_at: str
    format: str
    initiated_by: str
    participants: list[Participant]
    topics: list[str]
    summary: str | None
    notes: str | None
    depth: int | None
    duration_minutes: int | None
    source: str


class PlanEntry(BaseModel):
    id: int
    text: str


class PlanPublic(BaseModel):
    topics: list[PlanEntry]
    support: list[PlanEntry]
    next_meeting: str | None
    cadence_days: int | None


class ValuePublic(BaseModel):
    id: int
    contact_id: Id
    direction: str
    kind: str
    category: str | None
    description: str
    occurred_at: str
    interaction_id: int | None


class KindBalance(BaseModel):
    given: int
    received: int
    balance: int


class BalancePublic(KindBalance):
    by_kind: dict[str, KindBalance]


class FollowUpPublic(BaseModel):
    id: int
    contact_id: Id
    text: str
    due: str | None
    done_at: str | None
    snoozed_until: str | None
    contact: Participant | None = None


class LinkPublic(BaseModel):
    id: int
    name: str
    kind: str
    direction: str


class StrengthPart(BaseModel):
    name: str
    value: float
    weight: float
    points: float


class StrengthPublic(BaseModel):
    score: float
    override: int | None
    components: list[StrengthPart]


class AuditPublic(BaseModel):
    id: int
    actor: str
    action: str
    changes: dict[str, Any]
    at: str


class ContactDetail(ContactPublic):
    """Everything about one contact (``profile.detail``), as on the contact page."""

    given_name: str | None
    family_name: str | None
    aliases: list[str]
    urls: list[dict[str, str]]
    interests: list[str]
    goals: str | None
    challenges: str | None
    personal_notes: str | None
    how_met: str | None
    met_on: str | None
    introduced_by: Participant | None
    project_end: str | None
    time_zone: str | None
    roles: list[RolePublic]
    interactions: list[InteractionPublic]
    interaction_count: int
    plan: PlanPublic
    values: list[ValuePublic]
    balance: BalancePublic
    followups: list[FollowUpPublic]
    links: list[LinkPublic]
    strength: StrengthPublic
    audit: list[AuditPublic] = []


class MergeIn(Strict):
    """Merge another contact into this one; the other is removed."""

    other_id: Id


class BulkEdit(Strict):
    """The same tier and tag change for many contacts."""

    ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]
    tier: TierName | None = None
    add_tags: Annotated[list[TagName], Field(max_length=20)] = []
    remove_tags: Annotated[list[TagName], Field(max_length=20)] = []


class LinkCreate(Strict):
    other_id: Id
    kind: Literal["knows", "introduced", "reports_to", "works_with"] = "knows"


# --- roles, interactions, values, follow-ups, plans ----------------------------------------


class RoleCreate(Strict):
    """A role change; fields left out are carried over from the current role."""

    title: Short | None = None
    department: Short | None = None
    organization: Short | None = None
    location: Short | None = None
    since: Day | None = None

    def to_service(self) -> role_service.RoleChange:
        return role_service.RoleChange(title=self.title, department=self.department,
                                       organization=self.organization, location=self.location,
                                       since=self.since)


class ValueIn(Strict):
    kind: KindName
    description: Annotated[str, Field(min_length=1, max_length=2000)]


class NextStep(Strict):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    due: Day | None = None


class InteractionCreate(Strict):
    """One interaction with one or more contacts, with what was exchanged and next steps."""

    participant_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    occurred_at: Moment | None = Field(None, description="Default: now. A time without a "
                                         "zone is read in your time zone.")
    format: FormatName = "other"
    initiated_by: InitiatorName = "mutual"
    topics: Annotated[list[Short], Field(max_length=50)] = []
    summary: Annotated[str, Field(max_length=2000)] | None = None
    notes: Text | None = None
    depth: Annotated[int, Field(ge=1, le=5)] | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=100_000)] | None = None
    gave: Annotated[list[ValueIn], Field(max_length=20)] = []
    received: Annotated[list[ValueIn], Field(max_length=20)] = []
    next_steps: Annotated[list[NextStep], Field(max_length=20)] = []

    def to_service(self, occurred_at: datetime) -> interaction_service.InteractionCreate:
        return interaction_service.InteractionCreate(
            participant_ids=self.participant_ids, occurred_at=occurred_at, format=self.format,
            initiated_by=self.initiated_by, topics=self.topics, summary=self.summary,
            notes=self.notes, depth=self.depth, duration_minutes=self.duration_minutes,
            gave=[(v.kind, v.description) for v in self.gave],
            received=[(v.kind, v.description) for v in self.received],
            next_steps=[(s.text, s.due) for s in self.next_steps])


class ValueCreate(Strict):
    """One exchange of value with a contact."""

    contact_id: Id
    direction: Literal["given", "received"]
    kind: KindName
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    occurred_at: Moment | None = None
    category: Literal["recommendation", "referral", "advice", "opportunity"] | None = None

    def to_service(self, occurred_at: datetime | None) -> value_service.ValueCreate:
        return value_service.ValueCreate(
            contact_id=self.contact_id, direction=self.direction, kind=self.kind,
            description=self.description, occurred_at=occurred_at, category=self.category)


class ValueLedger(BaseModel):
    values: list[ValuePublic]
    balance: BalancePublic


class FollowUpCreate(Strict):
    contact_id: Id
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    due: Day | None = None


class SnoozeIn(Strict):
    until: Day


class PlanItemCreate(Strict):
    kind: Literal["topic", "support"] = "topic"
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class PlanItemPublic(BaseModel):
    id: int
    contact_id: Id
    kind: str
    text: str
    done: bool


class NextMeetingIn(Strict):
    at: Moment | None = Field(None, description="Null clears it.")


# --- the account ---------------------------------------------------------------------------


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    locale: str = Field(description="en, ru, or empty to follow the browser")
    time_zone: str
    phone_region: str | None = Field(
        description="where numbers without a '+' are read, e.g. DE; null: not set, the "
                    "server's locale decides (else US)")
    has_password: bool


class PreferencesUpdate(Strict):
    locale: Literal["en", "ru", ""] | None = None
    time_zone: Zone | None = None
    display_name: Annotated[str, Field(max_length=200)] | None = None
    phone_region: Annotated[str, Field(max_length=2, description=(
        "a country code such as DE or US; empty to unset"))] | None = None


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=1000)] | None = None
    new_password: Annotated[str, Field(min_length=8, max_length=1000)]


class CalendarPublic(BaseModel):
    """The calendar subscription URL (secret), or null when it is off."""

    url: str | None


class ImportJobPublic(BaseModel):
    """An import job: its progress, then the import summary or the error."""

    id: str
    kind: str
    filename: str
    dry_run: bool
    status: Literal["queued", "running", "done", "failed"]
    bytes_total: int
    bytes_done: int
    records: int
    progress: float = Field(description="0 to 1")
    summary: dict[str, Any] | None
    error: str | None


# --- the agenda ----------------------------------------------------------------------------

AgendaKind = Literal["overdue", "followup", "date", "role_change", "project_ended",
                     "give_first"]


class AgendaItemPublic(BaseModel):
    """One thing to act on (``AgendaItem.to_dict``); kinds add their own details."""

    model_config = ConfigDict(extra="allow")

    kind: str
    contact: Participant
    reason: str
    priority: float
    tier: str
    due: str | None
    urgent: bool
    key: str
    suggestions: list[dict[str, Any]]


class AgendaPublic(BaseModel):
    date: str
    items: list[AgendaItemPublic]


class AgendaDone(Strict):
    format: FormatName = "other"
    note: Annotated[str, Field(max_length=2000)] | None = None
    at: Moment | None = None


class AgendaSnooze(Strict):
    until: Day
    kind: Literal["*", "overdue", "followup", "date", "role_change", "project_ended",
                  "give_first"] = "*"


class AgendaSnoozed(BaseModel):
    contact_id: Id
    kind: str
    until: str


class AgendaDismiss(Strict):
    kind: Literal["date", "role_change", "project_ended", "give_first"] | None = None


# --- goals and resources -------------------------------------------------------------------


class GoalCreate(Strict):
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    metric: Annotated[str, Field(max_length=100, description="e.g. cadence_health.key")]
    target: float
    comparator: Literal[">=", "<=", ">", "<", "=="] = ">="
    period: Literal["week", "month", "quarter", "year"] = "quarter"
    scope: Annotated[dict[str, Annotated[str, Field(max_length=300)]],
                     Field(max_length=5)] = {}


class ResourceCreate(Strict):
    url: Annotated[str, Field(max_length=2000)] | None = None
    title: Annotated[str, Field(max_length=500)] | None = None
    topics: Annotated[list[Short], Field(max_length=30)] = []
    notes: Text | None = None


class ShareIn(Strict):
    contact_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    at: Moment | None = None
