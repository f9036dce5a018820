"""`tiekeep stats`, `graph …`, `goal …` and `review`: how the network is doing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tiekeep.cli import context, render
from tiekeep.cli.context import AppContext

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

graph_app = typer.Typer(help="The network graph: introduction paths, brokers, clusters.",
                        no_args_is_help=True)
goal_app = typer.Typer(help="Goals on network metrics, with their progress.",
                       no_args_is_help=True)


def _rules(app: AppContext) -> dict[str, Any]:
    """The settings the metrics read: tier cadences and what counts as qualifying."""
    from tiekeep.services import metrics

    return metrics.rules_from_settings(app.settings)


def _notes(app: AppContext, notes: list[str]) -> None:
    for note in notes:
        render.plain(app, f"note: {note}")


def stats(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="Length of the period compared with "
                                        "the one before, e.g. 90d, 12w, 6m.")] = "90d",
    json_out: JsonOpt = False,
) -> None:
    """Network health: every metric, with its trend against the previous period."""
    from tiekeep.services import metrics, parsing

    app = context.get(ctx)
    days = parsing.period(period).days
    owner_id = app.owner_id()
    with app.db().reading() as session:
        result = metrics.stats(session, owner_id=owner_id, period_days=days, **_rules(app))
    if json_out:
        render.emit_json(app, result)
        return
    rows = [[f"{section}.{key}", _cell(e["value"]), _cell(e["previous"]), _delta(e["change"])]
            for section, figures in result["metrics"].items() for key, e in figures.items()]
    app.out.print(render.table(f"Network, last {days} days vs the {days} before",
                               ["metric", "now", "before", "change"], rows))
    if result.get("goals"):
        app.out.print(_goal_table(result["goals"]))
    _notes(app, result["notes"])


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _delta(value: Any) -> str:
    return "" if value is None else f"{value:+g}"


def _goal_table(rows: list[dict[str, Any]]) -> Any:
    return render.table("Goals", ["id", "goal", "metric", "target", "value", "status"],
                        [[g["id"], g["description"],
                          g["metric"] + "".join(f" {k}={v}" for k, v in g["scope"].items()),
                          f"{g['comparator']} {g['target']:g} per {g['period']}",
                          _cell(g["value"]),
                          "met" if g["met"] else "—" if g["met"] is None else "not yet"]
                         for g in rows])


@goal_app.command("add")
def goal_add(
    ctx: typer.Context,
    description: Annotated[str, typer.Argument(help="What the goal is, in words.")],
    metric: Annotated[str, typer.Option("--metric", help="A metric key from `tiekeep stats "
                                        "--json`, e.g. cadence_health.key.")],
    target: Annotated[float, typer.Option("--target", help="The target value.")],
    comparator: Annotated[str, typer.Option("--comparator", help=">=, <=, >, < or ==.")]
    = ">=",
    period: Annotated[str, typer.Option("--period", help="week, month, quarter or year.")]
    = "quarter",
    scope: Annotated[list[str] | None, typer.Option("--scope", help="KEY=VALUE: department, "
                                                    "organization or tier.")] = None,
) -> None:
    """Set a goal on a network metric."""
    from tiekeep.errors import InvalidInput
    from tiekeep.services import goals

    app = context.get(ctx)
    pairs = {}
    for item in scope or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(f"malformed scope '{item}' (expected KEY=VALUE)")
        pairs[key] = value
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        goal = goals.create(session, owner_id=owner_id, data=goals.GoalCreate(
            description=description, metric=metric, target=target, comparator=comparator,
            period=period, scope=pairs))
        message = f"Goal #{goal.id}: {goal.description}"
    render.plain(app, message)


@goal_app.command("list")
def goal_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List goals with their progress."""
    from tiekeep.services import goals

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        rows = goals.progress(session, owner_id=owner_id, **_rules(app))
    if json_out:
        render.emit_json(app, rows)
        return
    app.out.print(_goal_table(rows))


@goal_app.command("remove")
def goal_remove(ctx: typer.Context,
                goal_id: Annotated[int, typer.Argument(help="The goal's id.")]) -> None:
    """Remove a goal."""
    from tiekeep.services import goals

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        goals.delete(session, owner_id=owner_id, goal_id=goal_id)
    render.plain(app, f"Removed goal #{goal_id}")


@graph_app.command("intro-path")
def intro_path(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A contact, or org:NAME / dept:NAME.")],
    limit: Annotated[int, typer.Option("--limit", help="How many paths.")] = 5,
    json_out: JsonOpt = False,
) -> None:
    """Who can introduce me to a contact, an organization or a department."""
    from tiekeep.services import graph

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        result = graph.intro_path(session, owner_id=owner_id, target=target, limit=limit)
    if json_out:
        render.emit_json(app, result)
        return
    app.out.print(render.table(
        f"Paths to {result['target']}", ["strength", "introducer", "path"],
        [[f"{p['strength']:g}", p["introducer"]["name"] + (" (direct)" if p["direct"] else ""),
          " → ".join(["me", *(n["name"] for n in p["path"])])] for p in result["paths"]]))
    _notes(app, result["notes"])


@graph_app.command("brokers")
def brokers(ctx: typer.Context,
            limit: Annotated[int, typer.Option("--limit", help="How many brokers.")] = 20,
            json_out: JsonOpt = False) -> None:
    """Contacts who bridge departments or organizations."""
    from tiekeep.services import graph

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        result = graph.brokers(session, owner_id=owner_id, limit=limit)
    if json_out:
        render.emit_json(app, result)
        return
    app.out.print(render.table(
        "Brokers", ["name", "betweenness", "constraint", "bridges departments",
                    "bridges organizations"],
        [[b["name"], f"{b['betweenness']:.4f}", _cell(b["constraint"]),
          ", ".join(b["departments_bridged"][:4]), ", ".join(b["organizations_bridged"][:4])]
         for b in result["brokers"]]))
    _notes(app, result["notes"])


@graph_app.command("clusters")
def clusters(ctx: typer.Context,
             limit: Annotated[int, typer.Option("--limit", help="How many clusters.")] = 20,
             json_out: JsonOpt = False) -> None:
    """Communities in the network."""
    from tiekeep.services import graph

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        result = graph.clusters(session, owner_id=owner_id, limit=limit)
    if json_out:
        render.emit_json(app, result)
        return
    app.out.print(render.table(
        f"{result['count']} clusters", ["#", "size", "organizations", "departments", "members"],
        [[c["id"], c["size"], ", ".join(o["name"] for o in c["organizations"]),
          ", ".join(d["name"] for d in c["departments"]),
          ", ".join(m["name"] for m in c["members"][:5])] for c in result["clusters"]]))
    _notes(app, result["notes"])


@graph_app.command("export")
def graph_export(ctx: typer.Context,
                 path: Annotated[Path, typer.Argument(help="Output file: .graphml or .gexf.")],
                 json_out: JsonOpt = False) -> None:
    """Write the network for Gephi (GraphML or GEXF, by the file's extension)."""
    from tiekeep.services import graph

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        result = graph.export(session, owner_id=owner_id, path=str(path))
    if json_out:
        render.emit_json(app, result)
        return
    render.plain(app, f"Wrote {result['nodes']} nodes and {result['edges']} edges to {path}")
    _notes(app, result["notes"])


def review(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="week or quarter.")] = "week",
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file "
                                                "instead of stdout.")] = None,
) -> None:
    """The periodic network review, with a plan for the next period."""
    from tiekeep.errors import InvalidInput
    from tiekeep.services import review as review_service

    app = context.get(ctx)
    if fmt not in ("md", "html"):
        raise InvalidInput(f"unknown format '{fmt}' (choose from: md, html)")
    owner_id = app.owner_id()
    with app.db().reading() as session:
        report = review_service.build(session, owner_id=owner_id, period=period, **_rules(app))
    if fmt == "html":
        from tiekeep.adapters import charts

        text = charts.review_html(report)
    else:
        text = review_service.to_markdown(report)
    if output is None:
        app.out.file.write(text)
        app.out.file.flush()
    else:
        output.write_text(text, encoding="utf-8")
        render.plain(app, f"Wrote the {period}ly review to {output}")


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("review")(review)
    app.add_typer(graph_app, name="graph")
    app.add_typer(goal_app, name="goal")
