"""`tiekeep resource add|list|share`: things worth sharing, and whom they went to."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render

resource_app = typer.Typer(help="Articles, links and documents worth sharing.",
                           no_args_is_help=True)


@resource_app.command("add")
def resource_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The link (http or https).")],
    title: Annotated[str | None, typer.Option("--title", help="Title (default: the URL).")]
    = None,
    topic: Annotated[list[str], typer.Option("--topic", help="Topic (repeatable); matched to "
                                             "contacts' interests.")] = [],  # noqa: B006
    notes: Annotated[str | None, typer.Option("--notes", help="Notes.")] = None,
) -> None:
    """Add a resource, and show who would value it."""
    from tiekeep.services import resources

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        row = resources.create(session, owner_id=owner_id, data=resources.ResourceCreate(
            url=url, title=title, topics=list(topic), notes=notes))
        fans = resources.interested(session, owner_id=owner_id, resource_id=row.id, limit=5)
        message = f"Resource #{row.id}: {row.title}"
        if fans:
            message += "\nInterested: " + ", ".join(f"{c.display_name} (#{c.id})"
                                                    for c in fans)
    render.plain(app, message)


@resource_app.command("list")
def resource_list(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List resources, newest first, with whom each was shared."""
    from tiekeep.services import resources

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        rows = resources.list(session, owner_id=owner_id)
        shared = resources.shared_with(session, resource_ids=[r.id for r in rows])
        items = [resources.to_dict(r, shared.get(r.id)) for r in rows]
    if json_out:
        render.emit_json(app, items)
        return
    app.out.print(render.table(f"{len(items)} resources", ["id", "title", "topics", "url",
                                                           "shared with"],
                               [[i["id"], i["title"], ", ".join(i["topics"]), i["url"] or "",
                                 ", ".join(s["name"] for s in i["shared_with"])]
                                for i in items]))


@resource_app.command("share")
def resource_share(
    ctx: typer.Context,
    resource_id: Annotated[int, typer.Argument(help="The resource's id.")],
    refs: Annotated[list[str], typer.Argument(help="Contacts: ids, emails or names.")],
) -> None:
    """Record that you shared a resource (an `information` value given to each)."""
    from tiekeep.services import contacts, resources

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        ids = [contacts.resolve(session, owner_id=owner_id, ref=ref).id for ref in refs]
        result = resources.share(session, owner_id=owner_id, resource_id=resource_id,
                                 contact_ids=ids)
        lines = [f"Shared “{result.resource.title}” with "
                 + (", ".join(c.display_name for c in result.shared) or "nobody new")]
        if result.already:
            lines.append("Already had it: " + ", ".join(c.display_name for c in result.already))
    render.plain(app, "\n".join(lines))


def register(app: typer.Typer) -> None:
    app.add_typer(resource_app, name="resource")
