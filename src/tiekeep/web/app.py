"""The web app: ``create_app()`` builds the JSON API (/api/v1), the pages and the assets.

Nothing happens at import time; settings and the database are read or opened here, or
handed in (tests and `tiekeep serve` do). Errors become ``{"detail": message}`` with the
status their ``TiekeepError`` class names; pages show them as a page, or after a form post,
as a message on the page the form came from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tiekeep.core.db import Database
from tiekeep.errors import TiekeepError
from tiekeep.settings import Settings
from tiekeep.web import i18n, security
from tiekeep.web.cache import ViewCache
from tiekeep.web.deps import CsrfFailed, LoginRequired, WebState
from tiekeep.web.middleware import BodyLimit, SecurityHeaders

STATIC = Path(__file__).parent / "static"
DEFAULT_BODY_LIMIT = 2 * 1024 * 1024
UPLOAD_PATHS = ("/api/v1/imports", "/import")


def database_target(settings: Settings) -> str:
    """The configured database, else tiekeep.db in the user data directory."""
    if configured := settings.get("db"):
        return str(configured)
    from tiekeep.settings import default_data_dir

    folder = default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "tiekeep.db")


def signing_key(settings: Settings, db: Database) -> str:
    """``web.secret_key``, else the key stored in the database (made on first start)."""
    if configured := settings.get("web.secret_key"):
        return str(configured)
    from tiekeep.services import accounts

    try:
        with db.transaction() as session:
            return accounts.app_secret(session, name="cookie-signing-key")
    except IntegrityError:  # another worker made it at the same moment
        with db.transaction() as session:
            return accounts.app_secret(session, name="cookie-signing-key")


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the whole app: state, routes, error handling, assets and translations."""
    from tiekeep.settings import load_settings
    from tiekeep.web.rendering import make_templates

    settings = settings or load_settings()
    owns_database = database is None
    if database is None:
        from tiekeep.core.schema import open_database

        database = open_database(database_target(settings))
    state = WebState(settings=settings, db=database,
                     signer=security.Signer(signing_key(settings, database)),
                     templates=make_templates(), translations=i18n.load_translations(),
                     cache=ViewCache(database))

    from tiekeep.web.jobs import ImportJobs

    state.extras["imports"] = ImportJobs(database, settings, on_change=state.cache.changed)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.extras["imports"].shutdown()
        state.cache.close()
        if owns_database:
            database.dispose()

    import tiekeep

    app = FastAPI(title="tiekeep", version=getattr(tiekeep, "__version__", "0.1.0"),
                  description="The JSON API of tiekeep, a local-first personal CRM. "
                  "Authenticate with `Authorization: Bearer TOKEN` (`tiekeep token create "
                  "NAME`) or the session cookie of the web pages.",
                  # No Swagger UI: it loads its script from a CDN. /openapi.json is complete.
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.tiekeep = state
    _add_error_handlers(app)
    app.add_middleware(BodyLimit, default_limit=DEFAULT_BODY_LIMIT,
                       upload_limit=state.max_upload_bytes, upload_paths=UPLOAD_PATHS)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from tiekeep.web import api, pages

    app.include_router(api.build_router())
    app.include_router(pages.build_router())
    table = route_table(app)
    names = {route.name for route in table}
    app.state.url_index = {}
    for info in table:
        if info.route is not None:
            app.state.url_index.setdefault(info.name, info.path)
    app.state.nav = [(name, label) for name, label in pages.NAV if name in names]

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """A trivial endpoint (no database), for health checks and benchmark baselines."""
        return Response("ok", media_type="text/plain")

    return app


@dataclass(frozen=True)
class RouteInfo:
    """One route of the app, as served: full path, name, methods and its APIRoute."""

    path: str
    name: str
    methods: frozenset[str]
    route: APIRoute | None


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every route with its full path (FastAPI nests included routers; this flattens them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before nested routers: app.routes is already flat
        return [RouteInfo(getattr(r, "path_format", getattr(r, "path", "")),
                          getattr(r, "name", "") or "", frozenset(getattr(r, "methods", ()) or ()),
                          r if isinstance(r, APIRoute) else None) for r in app.routes]
    return [RouteInfo(ctx.path_format or ctx.path or "", ctx.name or "",
                      frozenset(ctx.methods or ()),
                      ctx.original_route if isinstance(ctx.original_route, APIRoute) else None)
            for ctx in iter_route_contexts(app.routes)]


def wants_json(request: Request) -> bool:
    """API paths, and scripts that ask for JSON, get JSON errors; browsers get pages."""
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _error(request: Request, status: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    from tiekeep.web.deps import UNSAFE_METHODS
    from tiekeep.web.rendering import redirect, render, safe_next

    if request.method in UNSAFE_METHODS and status not in (401, 403, 404, 413, 429):
        referer = request.headers.get("referer", "")
        host = request.headers.get("host", "")
        back = referer.split(host, 1)[1] if host and f"//{host}/" in referer else "/"
        return redirect(request, safe_next(back), flash=message)
    principal = getattr(request.state, "principal", None)
    response = render(request, "error.html", {"status": status, "message": message},
                      user=principal, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else
                     str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid input"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TiekeepError)
    async def tiekeep_error(request: Request, exc: TiekeepError) -> Response:
        return _error(request, exc.http_status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else None
        return _error(request, exc.status_code, str(exc.detail), headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        from urllib.parse import quote

        from tiekeep.web.rendering import redirect

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, "/login?next=" + quote(target, safe=""))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> Response:
        return _error(request, 409, "this was changed by someone else at the same time; "
                      "reload and retry")

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> Response:
        return _error(request, 409, "this conflicts with existing data; reload and retry")

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError) -> Response:
        return _error(request, 422, "a value cannot be stored as given (too large, or with "
                      "a NUL character)")

    @app.exception_handler(OperationalError)
    async def operational(request: Request, exc: OperationalError) -> Response:
        return _error(request, 503, "the database is busy or unavailable; retry shortly",
                      {"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        return _error(request, 500, "internal error; the server log has the details")
