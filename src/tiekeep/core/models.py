"""The domain model: SQLAlchemy 2 typed ORM classes for every entity of DESIGN.md.

Every row a user owns carries ``owner_id`` (directly, or through its contact), and every
query in the services is scoped by it. Times are stored in UTC; dates are calendar dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite keeps no zone, so values are written as naive UTC and tagged on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- accounts ---------------------------------------------------------------------------


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Where numbers written without a '+' are read (ISO 3166-1 alpha-2); NULL: not set, the
    # system locale's territory applies (services.users.phone_region).
    phone_region: Mapped[str | None] = mapped_column(String(2))
    organization: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AppSecret(Base):
    """Installation-wide secrets generated on first use (the cookie signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


# --- contacts ---------------------------------------------------------------------------

class Contact(Timestamped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_owner_name", "owner_id", "display_name"),
        Index("ix_contacts_owner_last_contact", "owner_id", "last_contact_at"),
        # The agenda's overdue ties: one range per tier (see services.agenda_query.overdue).
        Index("ix_contacts_owner_tier_cadence_anchor", "owner_id", "tier", "cadence_days",
              text("coalesce(last_qualifying_at, created_at)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(default=list)
    birthday: Mapped[date | None] = mapped_column(Date)
    # A birthday known without its year is stored in year 1604 (as vCard 4 does) and flagged.
    birthday_has_year: Mapped[bool] = mapped_column(Boolean, default=True)
    location: Mapped[str | None] = mapped_column(String(300))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16), default="regular")
    horizon: Mapped[str] = mapped_column(String(16), default="long_term")
    project_end: Mapped[date | None] = mapped_column(Date)
    cadence_days: Mapped[int | None] = mapped_column(Integer)
    trust: Mapped[int | None] = mapped_column(Integer)
    strength_override: Mapped[int | None] = mapped_column(Integer)
    interests: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[str | None] = mapped_column(Text)
    challenges: Mapped[str | None] = mapped_column(Text)
    personal_notes: Mapped[str | None] = mapped_column(Text)
    how_met: Mapped[str | None] = mapped_column(Text)
    met_on: Mapped[date | None] = mapped_column(Date)
    introduced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    next_meeting_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    deleted_at: Mapped[datetime | None]
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(64))
    # Denormalized from interactions so the agenda and lists need no aggregate over millions
    # of rows: the latest interaction of any kind, and the latest that resets the cadence.
    last_contact_at: Mapped[datetime | None]
    last_qualifying_at: Mapped[datetime | None]
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactEmail.id"
    )
    phones: Mapped[list[ContactPhone]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactPhone.id"
    )
    urls: Mapped[list[ContactUrl]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactUrl.id"
    )
    roles: Mapped[list[Role]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Role.id"
    )
    tags: Mapped[list[Tag]] = relationship(secondary="contact_tags", order_by="Tag.name")
    plan_items: Mapped[list[PlanItem]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="PlanItem.id"
    )
    sources: Mapped[list[ContactSource]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )
    introduced_by: Mapped[Contact | None] = relationship(remote_side=[id])

    @property
    def current_role(self) -> Role | None:
        """The open role, else the latest one."""
        open_roles = [r for r in self.roles if r.ended is None]
        pool = open_roles or self.roles
        return max(pool, key=lambda r: (r.started or date.min, r.id)) if pool else None


class ContactEmail(Base):
    __tablename__ = "contact_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    label: Mapped[str | None] = mapped_column(String(40))
    contact: Mapped[Contact] = relationship(back_populates="emails")


class ContactPhone(Base):
    __tablename__ = "contact_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    phone: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str | None] = mapped_column(String(40))
    contact: Mapped[Contact] = relationship(back_populates="phones")


class ContactUrl(Base):
    __tablename__ = "contact_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(40), default="website")
    url: Mapped[str] = mapped_column(String(1000), index=True)
    contact: Mapped[Contact] = relationship(back_populates="urls")


class ContactSource(Base):
    """Where a contact came from: an importer's stable key (vCard UID, LinkedIn URL, Slack id)."""

    __tablename__ = "contact_sources"
    __table_args__ = (UniqueConstraint("owner_id", "source", "key",
                                       name="uq_contact_sources_owner_source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    source: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(500))
    contact: Mapped[Contact] = relationship(back_populates="sources")


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_tags_owner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))


class ContactTag(Base):
    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(300))
    organization: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(300))
    started: Mapped[date | None] = mapped_column(Date)
    ended: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    # A role change raises a "congratulate" agenda item until it is acknowledged.
    is_change: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contact: Mapped[Contact] = relationship(back_populates="roles")


class ContactLink(Base):
    """A known tie between two of my contacts (who knows, introduced or reports to whom)."""

    __tablename__ = "contact_links"
    __table_args__ = (
        UniqueConstraint("a_id", "b_id", "kind", name="uq_contact_links_a_b_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="knows")
    source: Mapped[str] = mapped_column(String(32), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustChange(Base):
    """The history of a contact's trust rating."""

    __tablename__ = "trust_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    trust: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class PlanItem(Base):
    """A topic to raise next time, or a way to support the contact."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "topic" or "support"
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    contact: Mapped[Contact] = relationship(back_populates="plan_items")


# --- interactions and what flows through them ---------------------------------------------


class Interaction(Timestamped, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_owner_occurred", "owner_id", "occurred_at"),
        # The metrics count a period's interactions per format and initiator as ranges of
        # this index (SQLite would otherwise sort every row of the period to group them).
        Index("ix_interactions_owner_format", "owner_id", "format", "initiated_by",
              "occurred_at"),
        Index("uq_interactions_owner_source_key", "owner_id", "source", "source_key",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(32))
    initiated_by: Mapped[str] = mapped_column(String(8), default="mutual")
    topics: Mapped[list[str]] = mapped_column(default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    source_key: Mapped[str | None] = mapped_column(String(500))
    # Everyone present or addressed, contacts or not; large meetings and mass mails do not
    # reset a cadence.
    attendee_count: Mapped[int] = mapped_column(Integer, default=1)
    # Mail and chat threads: the message this one answers, for reply rates and times.
    thread_key: Mapped[str | None] = mapped_column(String(500), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    participants: Mapped[list[Contact]] = relationship(
        secondary="interaction_participants", order_by="Contact.display_name"
    )


class InteractionParticipant(Base):
    __tablename__ = "interaction_participants"
    __table_args__ = (Index("ix_interaction_participants_contact_occurred", "contact_id",
                            "occurred_at", "interaction_id"),)

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    # Denormalized from interactions.occurred_at so that a contact's interactions in a window
    # are one index range. Database triggers (migration 0002) set it on every insert and
    # follow changes of the interaction's time, so writers need not set it (a bulk writer
    # may, which spares SQLite's trigger the correction).
    occurred_at: Mapped[datetime | None]


class ValueExchange(Base):
    __tablename__ = "value_exchanges"
    __table_args__ = (Index("ix_value_exchanges_owner_occurred", "owner_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    # For professional value: recommendation, referral, advice or opportunity (career impact).
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contact: Mapped[Contact] = relationship()


class FollowUp(Base):
    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_owner_due", "owner_id", "done_at", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contact: Mapped[Contact] = relationship()


class Resource(Timestamped, Base):
    """Something worth sharing: an article, a link, a document."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    topics: Mapped[list[str]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)


class ResourceShare(Base):
    __tablename__ = "resource_shares"
    __table_args__ = (UniqueConstraint("resource_id", "contact_id",
                                       name="uq_resource_shares_resource_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)


class Goal(Timestamped, Base):
    """A goal on a network metric, e.g. key ties within cadence >= 90 %."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    description: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(100))
    comparator: Mapped[str] = mapped_column(String(2), default=">=")
    target: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(16), default="quarter")
    # Optional filter of the metric, e.g. {"department": "Sales"}.
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReminderState(Base):
    """Snoozes and dismissals of agenda items, per contact and kind of item."""

    __tablename__ = "reminder_states"
    __table_args__ = (
        UniqueConstraint("owner_id", "contact_id", "kind", "key",
                         name="uq_reminder_states_owner_contact_kind_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(32))  # an agenda kind, or "*" for every kind
    key: Mapped[str] = mapped_column(String(200), default="")
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    dismissed_at: Mapped[datetime | None]
    dismissed_until: Mapped[date | None] = mapped_column(Date)


class Notification(Base):
    """A digest (or other notice) and whether it went out, so failures are retried."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Who changed what on a contact, and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_contact_at", "contact_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportRun(Base):
    """One import: its kind, file and summary."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
