"""Rich rendering of a contact's profile (`contact show`)."""

from __future__ import annotations

from typing import Any

from rich.panel import Panel
from rich.text import Text

from tiekeep.cli import render
from tiekeep.cli.context import AppContext


def print_profile(app: AppContext, d: dict[str, Any]) -> None:
    """Profile, roles, plan, timeline, values, follow-ups and the strength explained."""
    lines = [f"{d['name']}  (#{d['id']}, {d['tier']}, {d['horizon']})"]
    role = " · ".join(x for x in (d["title"], d["department"], d["organization"]) if x)
    if role:
        lines.append(role)
    for label, key in (("emails", "emails"), ("phones", "phones"), ("tags", "tags"),
                       ("interests", "interests")):
        if d[key]:
            lines.append(f"{label}: {', '.join(d[key])}")
    for label, key in (("birthday", "birthday"), ("location", "location"),
                       ("trust", "trust"), ("cadence", "cadence_days"),
                       ("last contact", "last_contact"), ("how we met", "how_met"),
                       ("goals", "goals"), ("challenges", "challenges"),
                       ("notes", "personal_notes")):
        if d.get(key):
            lines.append(f"{label}: {d[key]}")
    if d["introduced_by"]:
        lines.append(f"introduced by: {d['introduced_by']['name']}")
    app.out.print(Panel(Text("\n".join(lines)), title="contact"))

    strength = d["strength"]
    parts = ", ".join(f"{c['name']} {c['points']:.1f}" for c in strength["components"])
    override = " (set by hand)" if strength["override"] is not None else ""
    render.plain(app, f"Tie strength {strength['score']:.0f}/100{override}: {parts}")

    if d["roles"]:
        app.out.print(render.table("Roles", ["title", "department", "organization", "from", "to"],
                                   [[r["title"], r["department"], r["organization"],
                                     r["started"] or "", r["ended"] or "now"]
                                    for r in d["roles"]]))
    plan = d["plan"]
    plan_rows = [["topic", t["text"]] for t in plan["topics"]]
    plan_rows += [["support", s["text"]] for s in plan["support"]]
    if plan["next_meeting"]:
        plan_rows.append(["next meeting", plan["next_meeting"]])
    if plan_rows:
        app.out.print(render.table("Plan", ["kind", "item"], plan_rows))
    open_followups = [f for f in d["followups"] if not f["done_at"]]
    if open_followups:
        app.out.print(render.table("Follow-ups", ["id", "due", "text"],
                                   [[f["id"], f["due"] or "", f["text"]]
                                    for f in open_followups]))
    if d["values"]:
        b = d["balance"]
        app.out.print(render.table(
            f"Value ledger (given {b['given']}, received {b['received']})",
            ["date", "direction", "kind", "description"],
            [[v["occurred_at"][:10], v["direction"], v["kind"], v["description"]]
             for v in d["values"][:20]]))
    if d["interactions"]:
        app.out.print(render.table(
            f"Timeline ({d['interaction_count']} interactions)",
            ["date", "format", "by", "topics", "summary"],
            [[i["occurred_at"][:16].replace("T", " "), i["format"], i["initiated_by"],
              ", ".join(i["topics"]), i["summary"] or ""] for i in d["interactions"][:20]]))
