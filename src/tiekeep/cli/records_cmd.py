"""`tiekeep role`, `value …`, `followup …` and `plan …`: what we keep about each tie."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RefArg = Annotated[str, typer.Argument(help="Contact: id, email or name.")]

value_app = typer.Typer(help="The value ledger: what you gave and received.",
                        no_args_is_help=True)
followup_app = typer.Typer(help="Next steps with due dates.", no_args_is_help=True)
plan_app = typer.Typer(help="Per contact: topics to raise, ways to support, next meeting.",
                       no_args_is_help=True)


def role(
    ctx: typer.Context,
    ref: RefArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    dept: Annotated[str | None, typer.Option("--dept", help="New department.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="New organization.")] = None,
    location: Annotated[str | None, typer.Option("--location", help="New location.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Start date (default: today).")]
    = None,
) -> None:
    """Record a role change; the previous role is closed."""
    from tiekeep.services import contacts, parsing, roles

    app = context.get(ctx)
    owner_id, username = app.owner()
    change = roles.RoleChange(title=title, department=dept, organization=org,
                              location=location,
                              since=parsing.calendar_date(since, what="date") if since else None)
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        new = roles.change(session, owner_id=owner_id, contact_id=contact.id, new=change,
                           actor=username)
        text = " · ".join(x for x in (new.title, new.department, new.organization) if x)
        message = f"{contact.display_name}: now {text} (since {new.started})"
    render.plain(app, message)


@value_app.command("add")
def value_add(
    ctx: typer.Context,
    ref: RefArg,
    direction: Annotated[str, typer.Argument(help="given or received.")],
    spec: Annotated[str, typer.Argument(help="KIND:TEXT, e.g. 'social:introduced to Ivan'.")],
    category: Annotated[str | None, typer.Option(help="For career impact: recommendation, "
                                                 "referral, advice or opportunity.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When (default: now).")] = None,
) -> None:
    """Record value given to or received from a contact."""
    from tiekeep.services import contacts, interactions, parsing, values

    app = context.get(ctx)
    owner_id = app.owner_id()
    kind, description = interactions.parse_value(spec)
    tz = app.settings.get("me.time_zone") or None
    when = parsing.moment(at, tz=tz) if at else None
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        row = values.create(session, owner_id=owner_id, data=values.ValueCreate(
            contact_id=contact.id, direction=direction, kind=kind, description=description,
            occurred_at=when, category=category))
        message = f"Recorded {row.kind} value {row.direction} ({contact.display_name})"
    render.plain(app, message)


@value_app.command("list")
def value_list(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this contact.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List value exchanges and the balance (given − received)."""
    from tiekeep.services import contacts, values

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        contact_id = contacts.resolve(session, owner_id=owner_id, ref=ref).id if ref else None
        rows = [values.to_dict(v) for v in values.list(session, owner_id=owner_id,
                                                        contact_id=contact_id)]
        balance = values.balance(session, owner_id=owner_id, contact_id=contact_id)
    if json_out:
        render.emit_json(app, {"values": rows, "balance": balance})
        return
    app.out.print(render.table(
        f"Given {balance['given']}, received {balance['received']}, "
        f"balance {balance['balance']:+d}",
        ["date", "contact", "direction", "kind", "description"],
        [[r["occurred_at"][:10], r["contact_id"], r["direction"], r["kind"], r["description"]]
         for r in rows]))


@followup_app.command("add")
def followup_add(
    ctx: typer.Context,
    ref: RefArg,
    text: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[str | None, typer.Option("--due", help="Due date, YYYY-MM-DD.")] = None,
) -> None:
    """Add a follow-up for a contact."""
    from tiekeep.services import contacts, followups, parsing

    app = context.get(ctx)
    owner_id = app.owner_id()
    due_date = parsing.calendar_date(due, what="due date") if due else None
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        row = followups.create(session, owner_id=owner_id, contact_id=contact.id, text=text,
                               due=due_date)
        message = f"Follow-up #{row.id} for {contact.display_name}" + (
            f", due {due_date}" if due_date else "")
    render.plain(app, message)


@followup_app.command("list")
def followup_list(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this contact.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include done ones.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List open follow-ups, soonest first."""
    from tiekeep.services import contacts, followups

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        contact_id = contacts.resolve(session, owner_id=owner_id, ref=ref).id if ref else None
        rows = followups.list(session, owner_id=owner_id, contact_id=contact_id,
                              include_done=all_)
        items = [followups.to_dict(f) | {"contact": {"id": f.contact.id,
                                                     "name": f.contact.display_name}}
                 for f in rows]
    if json_out:
        render.emit_json(app, items)
        return
    app.out.print(render.table(f"{len(items)} follow-ups", ["id", "due", "contact", "text",
                                                            "done"],
                               [[i["id"], i["due"] or "", i["contact"]["name"], i["text"],
                                 (i["done_at"] or "")[:10]] for i in items]))


@followup_app.command("done")
def followup_done(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(help="The follow-up's id.")],
) -> None:
    """Close a follow-up."""
    from tiekeep.services import followups

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        row = followups.complete(session, owner_id=owner_id, followup_id=followup_id)
        message = f"Done: #{row.id} {row.text}"
    render.plain(app, message)


@followup_app.command("snooze")
def followup_snooze(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(help="The follow-up's id.")],
    until: Annotated[str, typer.Option("--until", help="Hide until this date.")],
) -> None:
    """Hide a follow-up until a date."""
    from tiekeep.services import followups, parsing

    app = context.get(ctx)
    owner_id = app.owner_id()
    day = parsing.calendar_date(until, what="date")
    with app.db().transaction() as session:
        followups.snooze(session, owner_id=owner_id, followup_id=followup_id, until=day)
    render.plain(app, f"Snoozed follow-up #{followup_id} until {day}")


@plan_app.command("add")
def plan_add(
    ctx: typer.Context,
    ref: RefArg,
    text: Annotated[str, typer.Argument(help="The topic or the way to support.")],
    support: Annotated[bool, typer.Option("--support", help="A way to support them (default: "
                                          "a topic to raise).")] = False,
) -> None:
    """Add a topic to raise next time, or (--support) a way to support the contact."""
    from tiekeep.services import contacts, plans

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        item = plans.add(session, owner_id=owner_id, contact_id=contact.id,
                         kind="support" if support else "topic", text=text)
        message = f"Plan item #{item.id} for {contact.display_name}"
    render.plain(app, message)


@plan_app.command("show")
def plan_show(ctx: typer.Context, ref: RefArg, json_out: JsonOpt = False) -> None:
    """Show a contact's plan."""
    from tiekeep.services import contacts, plans

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        plan = plans.view(session, owner_id=owner_id, contact_id=contact.id)
    if json_out:
        render.emit_json(app, plan)
        return
    rows = [[t["id"], "topic", t["text"]] for t in plan["topics"]]
    rows += [[s["id"], "support", s["text"]] for s in plan["support"]]
    app.out.print(render.table(f"Plan for {contact.display_name} (next meeting: "
                               f"{plan['next_meeting'] or '—'})", ["id", "kind", "item"], rows))


@plan_app.command("done")
def plan_done(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="The plan item's id.")],
) -> None:
    """Mark a plan item done."""
    from tiekeep.services import plans

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        item = plans.complete(session, owner_id=owner_id, item_id=item_id)
        message = f"Done: #{item.id} {item.text}"
    render.plain(app, message)


@plan_app.command("next")
def plan_next(
    ctx: typer.Context,
    ref: RefArg,
    when: Annotated[str | None, typer.Argument(help="When, e.g. 2026-12-03 15:00; omit to "
                                               "clear.")] = None,
) -> None:
    """Set the next planned meeting with a contact."""
    from tiekeep.services import contacts, parsing, plans

    app = context.get(ctx)
    owner_id = app.owner_id()
    tz = app.settings.get("me.time_zone") or parsing.local_zone_name()
    at = parsing.moment(when, tz=tz) if when else None
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        plans.set_next_meeting(session, owner_id=owner_id, contact_id=contact.id, at=at)
        message = (f"Next meeting with {contact.display_name}: "
                   f"{at.isoformat() if at else 'none'}")
    render.plain(app, message)


def register(app: typer.Typer) -> None:
    app.command("role")(role)
    app.add_typer(value_app, name="value")
    app.add_typer(followup_app, name="followup")
    app.add_typer(plan_app, name="plan")
