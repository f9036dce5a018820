"""The network graph of my contacts: introduction paths, brokers, clusters, export.

Nodes are contacts. An edge joins two contacts who (a) shared a meeting of 2–8 people
within the last 365 days, (b) are linked by a ContactLink, or (c) one introduced the other.
Its strength (0..1) combines the evidence as a noisy-OR, 1 − Π(1 − s_i), with
s = 1 − exp(−meetings / 3) for shared meetings, 0.8 for reports_to / works_with, 0.7 for an
introduction, 0.5 for knows. "Me" is implicit: I am joined to every contact I have
interacted with, with strength = tie strength / 100 (services.scoring).

A path's strength is the product of its edges' strengths (× 100), so the best introduction
path is a shortest path under cost −ln(strength).

Large networks are reduced where exact answers would be too slow, and every result says
so in ``notes``: above 200 000 interactions a year, shared meetings count over the last
90 days and from 2 upwards; brokers and clusters are computed on the 3 000 contacts with the
highest weighted degree; betweenness is estimated from 100 sampled sources above 1 000 nodes
(on the demo network its top brokers are the same as with 200, at half the time).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from tiekeep.core.models import Contact, ContactLink, Interaction, InteractionParticipant, Role
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, scoring

if TYPE_CHECKING:
    import networkx as nx

ME = "me"
WINDOW_DAYS = 365
MAX_MEETING = 8
MEETING_SCALE = 3.0
LINK_STRENGTH = {"reports_to": 0.8, "works_with": 0.8, "introduced": 0.7, "knows": 0.5}
INTRO_STRENGTH = 0.7
LARGE_INTERACTIONS = 200_000
LARGE_WINDOW_DAYS = 90
CORE_NODES = 3000
EXACT_BETWEENNESS = 1000
BETWEENNESS_SAMPLES = 100
INTRODUCER_CANDIDATES = 500


def _people(session: Session, owner_id: int) -> dict[int, dict[str, Any]]:
    """Every live contact with name, tier, current organization and department."""
    role = aliased(Role)
    current = (select(func.max(Role.id)).where(Role.contact_id == Contact.id,
                                               Role.ended.is_(None))
               .correlate(Contact).scalar_subquery())
    # Whether I met them is asked of SQL, so 100 000 timestamps are not parsed for a flag.
    rows = session.execute(
        select(Contact.id, Contact.display_name, Contact.tier,
               Contact.last_contact_at.is_not(None), role.organization, role.department)
        .outerjoin(role, role.id == current)
        .where(Contact.owner_id == owner_id, Contact.deleted_at.is_(None)))
    return {cid: {"name": name, "tier": tier, "met": bool(met),
                  "organization": org or "", "department": dept or ""}
            for cid, name, tier, met, org, dept in rows}


def build(session: Session, *, owner_id: int, now: datetime | None = None,
          notes: list[str] | None = None) -> nx.Graph:
    """The contact graph (without me), with node attributes and edge strengths."""
    import networkx as nx

    now = now or datetime.now(UTC)
    notes = notes if notes is not None else []
    people = _people(session, owner_id)
    graph = nx.Graph()
    graph.add_nodes_from(people.items())
    evidence: dict[tuple[int, int], list[float]] = {}
    why: dict[tuple[int, int], list[str]] = {}

    def add(a: int, b: int, strength: float, reason: str) -> None:
        if a == b or a not in people or b not in people:
            return
        key = (a, b) if a < b else (b, a)
        evidence.setdefault(key, []).append(strength)
        why.setdefault(key, []).append(reason)

    for a, b, meetings in _shared_meetings(session, owner_id=owner_id, now=now, notes=notes):
        add(a, b, 1 - math.exp(-meetings / MEETING_SCALE), f"{meetings} shared meetings")
    for a, b, kind in session.execute(select(ContactLink.a_id, ContactLink.b_id,
                                             ContactLink.kind)
                                      .where(ContactLink.owner_id == owner_id)):
        add(a, b, LINK_STRENGTH.get(kind, 0.5), kind)
    for cid, introducer in session.execute(select(Contact.id, Contact.introduced_by_id).where(
            Contact.owner_id == owner_id, Contact.introduced_by_id.is_not(None))):
        if introducer is not None:
            add(cid, introducer, INTRO_STRENGTH, "introduction")
    graph.add_edges_from(_edge(pair, strengths, why[pair]) for pair, strengths in evidence.items())
    return graph


def _edge(pair: tuple[int, int], strengths: list[float],
          reasons: list[str]) -> tuple[int, int, dict[str, Any]]:
    """An edge with its evidence combined as a noisy-OR, and the cost of crossing it."""
    strength = 1 - math.prod(1 - s for s in strengths)
    return (*pair, {"strength": round(strength, 4), "cost": -math.log(max(strength, 1e-9)),
                    "why": ", ".join(reasons)})


def _shared_meetings(session: Session, *, owner_id: int, now: datetime,
                     notes: list[str]) -> list[tuple[int, int, int]]:
    """Pairs of contacts with how many meetings of 2–8 people they shared in the window."""
    since = now - timedelta(days=WINDOW_DAYS)
    volume = session.scalar(select(func.count()).where(
        Interaction.owner_id == owner_id, Interaction.occurred_at >= since,
        Interaction.occurred_at <= now)) or 0
    least = 1
    if volume > LARGE_INTERACTIONS:
        least, since = 2, now - timedelta(days=LARGE_WINDOW_DAYS)
        notes.append(f"{volume} interactions in the last year: shared meetings count over the "
                     f"last {LARGE_WINDOW_DAYS} days, from 2 shared meetings upwards")
    in_window = select(Interaction.id).where(Interaction.owner_id == owner_id,
                                             Interaction.occurred_at >= since,
                                             Interaction.occurred_at <= now)
    meetings = (select(InteractionParticipant.interaction_id.label("iid"))
                .where(InteractionParticipant.interaction_id.in_(in_window))
                .group_by(InteractionParticipant.interaction_id)
                .having(func.count().between(2, MAX_MEETING)).subquery())
    one, two = aliased(InteractionParticipant), aliased(InteractionParticipant)
    query = (select(one.contact_id, two.contact_id, func.count())
             .select_from(meetings)
             .join(one, one.interaction_id == meetings.c.iid)
             .join(two, and_(two.interaction_id == meetings.c.iid,
                             one.contact_id < two.contact_id))
             .group_by(one.contact_id, two.contact_id)
             .having(func.count() >= least))
    return [(int(a), int(b), int(n)) for a, b, n in session.execute(query)]


def _node(graph: nx.Graph, cid: int) -> dict[str, Any]:
    attrs = graph.nodes[cid]
    return {"id": cid, "name": attrs["name"], "organization": attrs["organization"] or None,
            "department": attrs["department"] or None}


def _targets(session: Session, *, owner_id: int, graph: nx.Graph,
             target: str) -> tuple[str, list[int]]:
    """The contacts a target names: one contact, or everyone at org:NAME / dept:NAME."""
    kind, sep, name = target.partition(":")
    if sep and kind.strip().lower() in ("org", "dept"):
        field = "organization" if kind.strip().lower() == "org" else "department"
        wanted = name.strip().lower()
        if not wanted:
            raise InvalidInput(f"'{target}' names no {field}")
        ids = [n for n, a in graph.nodes(data=True) if a[field].lower() == wanted]
        if not ids:
            raise NotFound(f"no contact in {field} '{name.strip()}'")
        return f"{field} {name.strip()}", ids
    contact = contacts.resolve(session, owner_id=owner_id, ref=target)
    return contact.display_name, [contact.id]


def intro_path(session: Session, *, owner_id: int, target: str, limit: int = 5,
               now: datetime | None = None) -> dict[str, Any]:
    """Who can introduce me to a contact, or to anyone at an organization or department,
    ranked by the strength of the whole path."""
    import networkx as nx

    now = now or datetime.now(UTC)
    notes: list[str] = []
    graph = build(session, owner_id=owner_id, now=now, notes=notes)
    label, targets = _targets(session, owner_id=owner_id, graph=graph, target=target)
    distance, paths = nx.multi_source_dijkstra(graph, set(targets), weight="cost")
    met = [n for n in distance if graph.nodes[n]["met"]]
    met.sort(key=lambda n: distance[n])
    if len(met) > INTRODUCER_CANDIDATES:
        notes.append(f"introducers chosen among the {INTRODUCER_CANDIDATES} contacts I know "
                     "who are closest to the target")
        met = met[:INTRODUCER_CANDIDATES]
    strengths = scoring.scores(session, owner_id=owner_id, contact_ids=met, now=now)
    ranked: list[dict[str, Any]] = []
    for first in met:
        mine = strengths[first].score / 100
        if mine <= 0:
            continue
        chain = list(reversed(paths[first]))  # first … target
        edges = [{"from": ME, "to": first, "strength": round(mine, 3), "why": "my tie"}]
        for a, b in zip(chain, chain[1:], strict=False):
            data = graph.edges[a, b]
            edges.append({"from": a, "to": b, "strength": data["strength"], "why": data["why"]})
        total = mine * math.exp(-distance[first])
        ranked.append({"introducer": _node(graph, first), "direct": len(chain) == 1,
                       "hops": len(chain), "strength": round(100 * total, 1),
                       "path": [_node(graph, n) for n in chain], "edges": edges})
    ranked.sort(key=lambda r: (-r["strength"], r["hops"], r["introducer"]["name"]))
    return {"target": label, "targets": len(targets), "paths": ranked[:limit], "notes": notes}


def core(graph: nx.Graph, notes: list[str], size: int = CORE_NODES) -> nx.Graph:
    """The graph itself, or its ``size`` nodes of highest weighted degree when larger."""
    connected = [n for n in graph if graph.degree(n) > 0]
    if len(connected) <= size:
        return graph.subgraph(connected).copy()
    ranked = sorted(connected, key=lambda n: -graph.degree(n, weight="strength"))[:size]
    notes.append(f"computed on the {size} best-connected of {len(connected)} connected "
                 "contacts")
    return graph.subgraph(ranked).copy()


def brokers(session: Session, *, owner_id: int, limit: int = 20,
            now: datetime | None = None, seed: int = 7) -> dict[str, Any]:
    """Contacts who bridge departments or organizations: betweenness, Burt's constraint,
    and the groups among their neighbours."""
    import networkx as nx

    notes: list[str] = []
    graph = core(build(session, owner_id=owner_id, now=now, notes=notes), notes)
    k = None
    if graph.number_of_nodes() > EXACT_BETWEENNESS:
        k = BETWEENNESS_SAMPLES
        notes.append(f"betweenness estimated from {k} sampled sources")
    between = nx.betweenness_centrality(graph, k=k, seed=seed, weight=None)
    top = sorted(between, key=lambda n: -between[n])[:limit]
    weighted = dict(graph.degree(weight="strength"))
    constraint = {n: burt_constraint(graph, n, weighted) for n in top}
    rows = []
    for n in top:
        me = graph.nodes[n]
        departments = _groups(graph, n, "department")
        organizations = _groups(graph, n, "organization")
        rows.append({**_node(graph, n), "betweenness": round(between[n], 5),
                     "constraint": None if math.isnan(constraint.get(n, math.nan))
                     else round(constraint[n], 4),
                     "degree": graph.degree(n),
                     "departments_bridged": sorted(d for d in departments
                                                   if d != me["department"].lower()),
                     "organizations_bridged": sorted(o for o in organizations
                                                     if o != me["organization"].lower())})
    return {"brokers": rows, "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(), "notes": notes}


def burt_constraint(graph: nx.Graph, node: Any,
                    weighted: dict[Any, float] | None = None) -> float:
    """Burt's constraint c_i = Σ_j (p_ij + Σ_q p_iq·p_qj)² with strength-weighted p.

    networkx's version walks every neighbour pair, too slow for hubs; here the indirect
    term only visits the neighbours i and j share.
    """
    neighbours = set(graph[node])
    if not neighbours:
        return math.nan

    weighted = weighted if weighted is not None else dict(graph.degree(weight="strength"))

    def share(a: Any, b: Any) -> float:
        total = weighted[a]
        return graph.edges[a, b]["strength"] / total if total else 0.0

    mine = {j: share(node, j) for j in neighbours}
    result = 0.0
    for j in neighbours:
        indirect = sum(mine[q] * share(q, j) for q in neighbours & set(graph[j]) if q != j)
        result += (mine[j] + indirect) ** 2
    return result


def _groups(graph: nx.Graph, node: int, field: str) -> set[str]:
    return {graph.nodes[m][field].lower() for m in graph.neighbors(node)
            if graph.nodes[m][field]}


def clusters(session: Session, *, owner_id: int, limit: int = 20,
             now: datetime | None = None, seed: int = 7) -> dict[str, Any]:
    """Communities of contacts (Louvain modularity), largest first, with what they share."""
    import networkx as nx

    notes: list[str] = []
    graph = core(build(session, owner_id=owner_id, now=now, notes=notes), notes)
    found = (nx.community.louvain_communities(graph, weight="strength", seed=seed)
             if graph.number_of_edges() else [])
    ordered = sorted(found, key=lambda c: (-len(c), min(c)))
    rows = []
    for index, members in enumerate(ordered[:limit], start=1):
        names = sorted(members, key=lambda n: -graph.degree(n, weight="strength"))
        rows.append({"id": index, "size": len(members),
                     "organizations": _top(graph, members, "organization"),
                     "departments": _top(graph, members, "department"),
                     "members": [_node(graph, n) for n in names[:10]]})
    return {"clusters": rows, "count": len(ordered), "nodes": graph.number_of_nodes(),
            "notes": notes}


def _top(graph: nx.Graph, members: Iterable[int], field: str) -> list[dict[str, Any]]:
    counts = Counter(graph.nodes[n][field] for n in members if graph.nodes[n][field])
    return [{"name": name, "count": n} for name, n in counts.most_common(3)]


def export(session: Session, *, owner_id: int, path: str,
           now: datetime | None = None) -> dict[str, Any]:
    """Write the graph, with me and my ties, as GraphML (.graphml) or GEXF (.gexf)."""
    import networkx as nx

    lower = path.lower()
    if not lower.endswith((".graphml", ".gexf")):
        raise InvalidInput(f"cannot tell the format of '{path}' (use .graphml or .gexf)")
    now = now or datetime.now(UTC)
    notes: list[str] = []
    graph = build(session, owner_id=owner_id, now=now, notes=notes)
    strengths = scoring.scores(session, owner_id=owner_id, now=now)
    out = nx.Graph()
    out.add_node(ME, label="me", organization="", department="", tier="", strength=100.0)
    for n, attrs in graph.nodes(data=True):
        strength = strengths[n].score if n in strengths else 0.0
        out.add_node(str(n), label=attrs["name"], organization=attrs["organization"],
                     department=attrs["department"], tier=attrs["tier"], strength=strength)
        if attrs["met"]:
            out.add_edge(ME, str(n), weight=round(strength / 100, 4), why="my tie")
    for a, b, data in graph.edges(data=True):
        out.add_edge(str(a), str(b), weight=data["strength"], why=data["why"])
    if lower.endswith(".graphml"):
        nx.write_graphml(out, path)
    else:
        nx.write_gexf(out, path)
    return {"path": path, "nodes": out.number_of_nodes(), "edges": out.number_of_edges(),
            "format": "graphml" if lower.endswith(".graphml") else "gexf", "notes": notes}
