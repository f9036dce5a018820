"""The statistics page (network health with charts) and the network view (introduction
paths drawn as a graph, brokers, clusters)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tiekeep.errors import TiekeepError
from tiekeep.services import graph
from tiekeep.web.api.stats import stats_for
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep
from tiekeep.web.rendering import render

router = APIRouter()
PERIODS = ("30d", "90d", "6m", "1y")


@router.get("/stats", name="stats_page")
def stats_page(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
               period: Annotated[str, Query(pattern="^(30d|90d|6m|1y)$")] = "90d") -> Response:
    """Network health with trends and charts (JSON twin: GET /api/v1/stats)."""
    data = stats_for(session, state, user.id, period)
    return render(request, "stats.html", {
        "data": data, "period": period, "periods": PERIODS,
        "json_twin": request.url_for("get_stats").include_query_params(period=period)},
        user=user)


def layout(paths: list[dict[str, Any]]) -> dict[str, Any]:
    """Positions for drawing the paths: me on the left, the target on the right, and every
    contact in the column of its distance (in hops) from the target."""
    farthest = max((len(found["path"]) - 1 for found in paths), default=0)
    columns: dict[int, list[int]] = {}
    nodes: dict[int, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    for rank, found in enumerate(paths):
        chain = found["path"]
        for index, node in enumerate(chain):
            column = farthest - (len(chain) - 1 - index)
            if node["id"] not in nodes:
                columns.setdefault(column, []).append(node["id"])
                nodes[node["id"]] = {**node, "paths": []}
            nodes[node["id"]]["paths"].append(rank)
        edges += [{**edge, "path": rank} for edge in found["edges"]]
    width = 180 * (farthest + 2) + 80
    height = max(70 * max((len(ids) for ids in columns.values()), default=1), 160)
    for column, ids in columns.items():
        for index, node_id in enumerate(ids):
            nodes[node_id]["x"] = 180 * (column + 1) + 60
            nodes[node_id]["y"] = round((index + 0.5) * height / len(ids))
    me = {"x": 40, "y": height // 2}
    drawn = []
    for edge in edges:
        start = me if edge["from"] == graph.ME else nodes.get(edge["from"])
        end = nodes.get(edge["to"])
        if start and end:
            drawn.append({**edge, "x1": start["x"], "y1": start["y"], "x2": end["x"],
                          "y2": end["y"]})
    return {"me": me, "nodes": list(nodes.values()), "edges": drawn, "width": width,
            "height": height}


@router.get("/network", name="network_page")
def network_page(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
                 target: Annotated[str, Query(max_length=300)] = "",
                 view: Annotated[str, Query(pattern="^(paths|brokers|clusters)$")] = "paths"
                 ) -> Response:
    """Who can introduce me to someone (or to an organization), drawn; brokers; clusters."""
    from tiekeep.web.api.stats import get_brokers, get_clusters, get_intro_paths

    context: dict[str, Any] = {"target": target, "view": view, "result": None,
                               "error": None, "drawing": None}
    try:
        if view == "brokers":
            context["result"] = get_brokers(user, state, session)
        elif view == "clusters":
            context["result"] = get_clusters(user, state, session)
        elif target.strip():
            context["result"] = get_intro_paths(user, state, session, target=target, limit=5)
            context["drawing"] = layout(context["result"]["paths"])
            context["json_twin"] = request.url_for("get_intro_paths").include_query_params(
                target=target)
    except TiekeepError as exc:
        if exc.http_status != 404 and exc.http_status != 409:
            raise
        context["error"] = exc.message
    return render(request, "network.html", context, user=user)


@router.get("/review", name="review_page")
def review_page(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
                period: Annotated[str, Query(pattern="^(week|quarter)$")] = "week"
                ) -> Response:
    """The weekly or quarterly network review (JSON twin: GET /api/v1/review)."""
    from tiekeep.web.api.stats import review_for

    data = review_for(session, state, user.id, period)
    return render(request, "review.html", {
        "data": data, "period": period,
        "json_twin": request.url_for("get_review").include_query_params(period=period)},
        user=user)
