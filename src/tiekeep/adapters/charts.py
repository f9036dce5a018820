"""Offline charts for the HTML review: matplotlib renders SVG, inlined in one HTML file.

No script, font or stylesheet is fetched from anywhere: the SVG carries its text as paths
and the page carries its own CSS, so the file opens the same with no network.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tiekeep.services import review as review_service

COLORS = ("#3b6ea5", "#e0884a")


def _figure(width: float = 6.0, height: float = 2.8) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display, whatever the environment says
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    # The RDF metadata only names vocabularies; drop it so the page holds no outside URL.
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    return text[text.index("<svg"):]


def bars(title: str, labels: Sequence[str], now: Sequence[float],
         before: Sequence[float] | None = None) -> str:
    """A horizontal bar chart of this period (and the previous one) as inline SVG."""
    fig = _figure(6.0, max(1.6, 0.32 * len(labels) + 0.9))
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    height = 0.4 if before is not None else 0.7
    ax.barh([p - (height / 2 if before is not None else 0) for p in positions], now,
            height=height, color=COLORS[0], label="this period")
    if before is not None:
        ax.barh([p + height / 2 for p in positions], before, height=height, color=COLORS[1],
                label="previous period")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_yticks(positions, labels=list(labels), fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def review_charts(report: Mapping[str, Any]) -> dict[str, str]:
    """The five charts of the review: activity, formats, departments, reciprocity, layers."""
    metrics = report["stats"]["metrics"]
    breakdowns = report["stats"]["breakdowns"]
    charts: dict[str, str] = {}
    activity = metrics["activity"]
    charts["activity"] = bars("Activity", ["interactions", "initiated by me",
                                           "initiated by them"],
                              [activity[k]["value"] or 0 for k in
                               ("interactions", "initiated_by_me", "initiated_by_them")],
                              [activity[k]["previous"] or 0 for k in
                               ("interactions", "initiated_by_me", "initiated_by_them")])
    for key, title in (("formats", "Formats"), ("departments", "Departments of active "
                                                               "contacts")):
        rows = [r for r in breakdowns.get(key, []) if r["name"]][:12]
        charts[key] = bars(title, [r["name"] for r in rows], [r["value"] for r in rows],
                           [r["previous"] for r in rows])
    given = breakdowns.get("by_kind_given", [])
    received = {r["name"]: r["value"] for r in breakdowns.get("by_kind_received", [])}
    charts["reciprocity"] = bars("Value given (blue) and received (orange)",
                                 [r["name"] for r in given], [r["value"] for r in given],
                                 [received.get(r["name"], 0) for r in given])
    layers = metrics["layers"]
    names = ["support", "sympathy", "affinity", "active"]
    charts["layers"] = bars("Strength layers (Dunbar 5 / 15 / 50 / 150)", names,
                            [layers[n]["value"] or 0 for n in names],
                            [layers[n]["previous"] or 0 for n in names])
    return charts


CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }
table { border-collapse: collapse; } td, th { padding: .2rem .6rem;
       border-bottom: 1px solid #ddd; text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr));
          gap: 1rem; } svg { max-width: 100%; height: auto; }
"""


def review_html(report: Mapping[str, Any]) -> str:
    """The review as one self-contained HTML page: the Markdown sections plus charts."""
    charts = review_charts(report)
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(c['label'])}</td><td>{esc(review_service._fmt(c['value']))}</td>"
        f"<td>{esc(review_service._fmt(c['previous']))}</td>"
        f"<td>{esc(review_service._change(c))}</td></tr>" for c in report["changes"])

    def items(entries: Sequence[str], empty: str) -> str:
        return "<ul>" + "".join(f"<li>{esc(e)}</li>" for e in (entries or [empty])) + "</ul>"

    plan = report["plan"]
    body = [
        f"<h1>Network review — {esc(report['period'])} ending {esc(report['end'][:10])}</h1>",
        '<div class="charts">' + "".join(f"<figure>{svg}</figure>" for svg in charts.values())
        + "</div>",
        "<h2>What changed</h2><table><tr><th>metric</th><th>now</th><th>before</th>"
        f"<th>change</th></tr>{rows}</table>",
        "<h2>Neglected key ties</h2>" + items(
            [f"{n['name']}: " + (f"{n['days_since']:g} days (cadence {n['cadence_days']})"
                                 if n["days_since"] is not None else "never contacted")
             for n in report["neglected"]], "none: every key tie is within cadence"),
        "<h2>Reciprocity</h2>" + items(
            [f"{k}: {v:+d}" for k, v in report["reciprocity"]["by_kind"].items()], ""),
        "<h2>Goals</h2>" + items(
            [f"{g['description']}: {review_service._fmt(g['value'])} "
             f"({g['comparator']} {g['target']:g}, {'met' if g['met'] else 'not met yet'})"
             for g in report["goals"]], "no goals set"),
        "<h2>Plan for the next period</h2><h3>Whom to see</h3>"
        + items([f"{p['name']} ({p['tier']})" for p in plan["see"]], "nobody is overdue")
        + "<h3>What to share</h3>"
        + items([f"{s['resource']['title']} with {s['contact']['name']}"
                 for s in plan["share"]], "nothing matched")
        + "<h3>Whom to thank</h3>"
        + items([f"{t['name']} (received {t['received']}, gave {t['given']})"
                 for t in plan["thank"]], "nobody waits for thanks"),
    ]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Network review</title><style>{CSS}</style></head><body>"
            + "".join(body) + "</body></html>\n")
