"""`tiekeep serve`: the web app and JSON API under uvicorn."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from tiekeep.cli import context, render
from tiekeep.errors import ConfigError

HostOpt = Annotated[str | None, typer.Option("--host", help="Address to listen on (default: "
                                             "setting web.host, 127.0.0.1).")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port (default: setting "
                                             "web.port, 8130).", min=1, max=65535)]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Server processes (for a team "
                                         "behind a reverse proxy).", min=1, max=64)]


def is_loopback(host: str) -> bool:
    """True for localhost and the loopback ranges (127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(app: context.AppContext, host: str) -> None:
    """Refuse a non-loopback address while no account has a password."""
    if is_loopback(host):
        return
    from tiekeep.services import accounts

    with app.db().reading() as session:
        protected = accounts.any_password_set(session)
    if not protected:
        raise ConfigError(
            f"refusing to serve on {host}: no user has a password yet, so anyone on the "
            "network could read your contacts. Set one with `tiekeep user add NAME` (password "
            "on stdin) or in Settings after `tiekeep run`, or serve on 127.0.0.1.")


def start(app: context.AppContext, host: str, port: int, workers: int = 1,
          access_log: bool = True) -> None:
    """Run uvicorn with the app factory (each worker builds its own app and engine)."""
    import uvicorn

    os.environ["TIEKEEP_DB"] = app.database_target
    if app.settings.path is not None:
        os.environ.setdefault("TIEKEEP_CONFIG", str(app.settings.path))
    app.close()
    uvicorn.run("tiekeep.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, proxy_headers=True, server_header=False,
                log_level="info", access_log=access_log)


def serve(ctx: typer.Context, host: HostOpt = None, port: PortOpt = None,
          workers: WorkersOpt = 1,
          access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                                   help="Log every request.")] = True) -> None:
    """Serve the web app and the JSON API (/api/v1, described at /openapi.json)."""
    app = context.get(ctx)
    host = host or str(app.settings["web.host"])
    port = port or int(app.settings["web.port"])
    check_exposure(app, host)
    render.plain(app, f"tiekeep on http://{_shown(host)}:{port}/  (database: "
                      f"{app.database_target})")
    start(app, host, port, workers, access_log)


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
