"""`tiekeep contact …`: add, edit, show, list, search, link, archive, delete, merge."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render

contact_app = typer.Typer(help="Add, find, show and change contacts.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _birthday(value: str | None) -> tuple[object, bool]:
    """YYYY-MM-DD, or --MM-DD for a birthday without its year."""
    from datetime import date

    from tiekeep.services import parsing

    if value is None:
        return None, True
    if value.startswith("--"):
        parsed = parsing.calendar_date("1604-" + value[2:], what="birthday")
        return date(1604, parsed.month, parsed.day), False
    return parsing.calendar_date(value, what="birthday"), True


@contact_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name, e.g. 'Anna Petrova'.")],
    email: Annotated[list[str], typer.Option("--email", help="Email (repeatable).")] = [],  # noqa: B006
    phone: Annotated[list[str], typer.Option("--phone", help="Phone (repeatable).")] = [],  # noqa: B006
    org: Annotated[str | None, typer.Option("--org", help="Organization.")] = None,
    dept: Annotated[str | None, typer.Option("--dept", help="Department.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    tier: Annotated[str, typer.Option(help="key, regular, supporting or dormant.")] = "regular",
    horizon: Annotated[str, typer.Option(help="long_term or project.")] = "long_term",
    project_end: Annotated[str | None, typer.Option(help="End of the project (YYYY-MM-DD).")]
    = None,
    tag: Annotated[list[str], typer.Option("--tag", help="Tag (repeatable).")] = [],  # noqa: B006
    cadence: Annotated[int | None, typer.Option(help="Days between contacts (overrides the "
                                                "tier default).")] = None,
    birthday: Annotated[str | None, typer.Option(help="YYYY-MM-DD, or --MM-DD without year.")]
    = None,
    trust: Annotated[int | None, typer.Option(help="Trust, 1 to 5.")] = None,
    location: Annotated[str | None, typer.Option(help="City or place.")] = None,
    how_met: Annotated[str | None, typer.Option(help="How you met.")] = None,
    interest: Annotated[list[str], typer.Option("--interest", help="Interest (repeatable).")]
    = [],  # noqa: B006
    notes: Annotated[str | None, typer.Option(help="Personal notes.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a contact."""
    from tiekeep.services import contacts, parsing

    app = context.get(ctx)
    day, has_year = _birthday(birthday)
    data = contacts.ContactCreate(
        name=name, emails=email, phones=phone, organization=org, department=dept, title=title,
        tier=tier, horizon=horizon, tags=tag, cadence_days=cadence, birthday=day,  # type: ignore[arg-type]
        birthday_has_year=has_year, trust=trust, location=location, how_met=how_met,
        interests=interest, personal_notes=notes,
        project_end=parsing.calendar_date(project_end, what="project end")
        if project_end else None,
    )
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        contact = contacts.create(session, owner_id=owner_id, data=data, actor=username)
        result = contacts.to_dict(contact)
    if json_out:
        render.emit_json(app, result)
    else:
        render.plain(app, f"Added #{result['id']} {result['name']}")


@contact_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or name.")],
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    email: Annotated[list[str], typer.Option("--email", help="Add an email.")] = [],  # noqa: B006
    phone: Annotated[list[str], typer.Option("--phone", help="Add a phone.")] = [],  # noqa: B006
    tier: Annotated[str | None, typer.Option(help="key, regular, supporting or dormant.")]
    = None,
    horizon: Annotated[str | None, typer.Option(help="long_term or project.")] = None,
    project_end: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    tag: Annotated[list[str], typer.Option("--tag", help="Add a tag.")] = [],  # noqa: B006
    untag: Annotated[list[str], typer.Option("--untag", help="Remove a tag.")] = [],  # noqa: B006
    cadence: Annotated[int | None, typer.Option(help="Days between contacts.")] = None,
    birthday: Annotated[str | None, typer.Option(help="YYYY-MM-DD or --MM-DD.")] = None,
    trust: Annotated[int | None, typer.Option(help="Trust, 1 to 5.")] = None,
    strength: Annotated[int | None, typer.Option(help="Override tie strength (0-100).")] = None,
    location: Annotated[str | None, typer.Option(help="City or place.")] = None,
    interest: Annotated[list[str], typer.Option("--interest", help="Set interests.")] = [],  # noqa: B006
    goals: Annotated[str | None, typer.Option(help="Their goals.")] = None,
    challenges: Annotated[str | None, typer.Option(help="Their challenges.")] = None,
    notes: Annotated[str | None, typer.Option(help="Personal notes.")] = None,
    how_met: Annotated[str | None, typer.Option(help="How you met.")] = None,
    alias: Annotated[list[str], typer.Option("--alias", help="Add an alias.")] = [],  # noqa: B006
    introduced_by: Annotated[str | None, typer.Option(help="Who introduced you (a ref).")]
    = None,
) -> None:
    """Change a contact's profile."""
    from tiekeep.services import contacts, parsing

    app = context.get(ctx)
    day, has_year = _birthday(birthday)
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        intro_id = (contacts.resolve(session, owner_id=owner_id, ref=introduced_by).id
                    if introduced_by else None)
        changes = contacts.ContactUpdate(
            name=name, tier=tier, horizon=horizon, cadence_days=cadence, trust=trust,
            strength_override=strength, location=location, goals=goals, challenges=challenges,
            personal_notes=notes, how_met=how_met, birthday=day,  # type: ignore[arg-type]
            interests=interest or None, add_emails=email, add_phones=phone, add_tags=tag,
            remove_tags=untag, add_aliases=alias, introduced_by_id=intro_id,
            project_end=parsing.calendar_date(project_end, what="project end")
            if project_end else None,
        )
        if birthday is not None:
            contact.birthday_has_year = has_year
        contacts.update(session, owner_id=owner_id, contact_id=contact.id, changes=changes,
                        actor=username)
        label = f"#{contact.id} {contact.display_name}"
    render.plain(app, f"Updated {label}")


def _contact_rows(items: list[dict]) -> list[list[object]]:
    return [[c["id"], c["name"], c["tier"], c["organization"] or "", c["title"] or "",
             ", ".join(c["tags"]), (c["last_contact"] or "—")[:10]] for c in items]


CONTACT_COLUMNS = ["id", "name", "tier", "organization", "title", "tags", "last contact"]


@contact_app.command("list")
def list_(
    ctx: typer.Context,
    tier: Annotated[str | None, typer.Option(help="Only this tier.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only contacts with this tag.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only this organization.")] = None,
    dept: Annotated[str | None, typer.Option("--dept", help="Only this department.")] = None,
    sort: Annotated[str, typer.Option(help="name, last-contact or strength.")] = "name",
    archived: Annotated[bool, typer.Option("--archived", help="Include archived.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List contacts."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        found = contacts.list(session, owner_id=owner_id, tier=tier, tag=tag, organization=org,
                              department=dept, sort=sort, include_archived=archived,
                              limit=limit)
        items = [contacts.to_dict(c) for c in found]
    if json_out:
        render.emit_json(app, items)
    else:
        app.out.print(render.table(f"{len(items)} contacts", CONTACT_COLUMNS,
                                   _contact_rows(items)))


@contact_app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to look for: names, emails, "
                                         "organizations, notes, topics.")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Search contacts (typo-tolerant, Cyrillic and Latin)."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        found = contacts.search_contacts(session, owner_id=owner_id, query=query, limit=limit)
        items = [contacts.to_dict(c) for c in found]
    if json_out:
        render.emit_json(app, items)
    else:
        app.out.print(render.table(f"{len(items)} found", CONTACT_COLUMNS, _contact_rows(items)))


@contact_app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or name.")],
    json_out: JsonOpt = False,
) -> None:
    """Show a contact: profile, roles, timeline, plan, value ledger, follow-ups, strength."""
    from tiekeep.services import contacts, profile

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        detail = profile.detail(session, owner_id=owner_id, contact_id=contact.id)
    if json_out:
        render.emit_json(app, detail)
    else:
        from tiekeep.cli.profile_view import print_profile

        print_profile(app, detail)


@contact_app.command("link")
def link(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="First contact.")],
    b: Annotated[str, typer.Argument(help="Second contact.")],
    kind: Annotated[str, typer.Option(help="knows, introduced, reports_to or works_with.")]
    = "knows",
) -> None:
    """Record that two contacts know each other (or one introduced or reports to the other)."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        first = contacts.resolve(session, owner_id=owner_id, ref=a)
        second = contacts.resolve(session, owner_id=owner_id, ref=b)
        contacts.link(session, owner_id=owner_id, a_id=first.id, b_id=second.id, kind=kind)
        message = f"Linked {first.display_name} —{kind}→ {second.display_name}"
    render.plain(app, message)


@contact_app.command("archive")
def archive(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or name.")],
    undo: Annotated[bool, typer.Option("--undo", help="Bring an archived contact back.")]
    = False,
) -> None:
    """Archive a contact: it leaves lists and the agenda, and keeps its history."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        contacts.archive(session, owner_id=owner_id, contact_id=contact.id, actor=username,
                         restore=undo)
        message = f"{'Unarchived' if undo else 'Archived'} #{contact.id} {contact.display_name}"
    render.plain(app, message)


@contact_app.command("delete")
def delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or name.")],
) -> None:
    """Delete a contact (restorable for 30 days with `contact restore ID`)."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        contacts.delete_contact(session, owner_id=owner_id, contact_id=contact.id,
                                actor=username)
        message = f"Deleted #{contact.id} {contact.display_name} (restorable for 30 days)"
    render.plain(app, message)


@contact_app.command("restore")
def restore(
    ctx: typer.Context,
    contact_id: Annotated[int, typer.Argument(help="Id of the deleted contact.")],
) -> None:
    """Restore a contact deleted in the last 30 days."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        contact = contacts.undelete(session, owner_id=owner_id, contact_id=contact_id,
                                    actor=username)
        message = f"Restored #{contact.id} {contact.display_name}"
    render.plain(app, message)


@contact_app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The contact to keep.")],
    other: Annotated[str, typer.Argument(help="The duplicate to merge into it.")],
) -> None:
    """Merge a duplicate into a contact, keeping all history, roles, values and follow-ups."""
    from tiekeep.services import contacts

    app = context.get(ctx)
    owner_id, username = app.owner()
    with app.db().transaction() as session:
        kept = contacts.resolve(session, owner_id=owner_id, ref=keep)
        dup = contacts.resolve(session, owner_id=owner_id, ref=other)
        dup_label = f"#{dup.id} {dup.display_name}"
        result = contacts.merge(session, owner_id=owner_id, keep_id=kept.id, other_id=dup.id,
                                actor=username)
        message = f"Merged {dup_label} into #{result.id} {result.display_name}"
    render.plain(app, message)


def register(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact")
