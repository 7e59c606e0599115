"""``tianping serve``: run the web app under uvicorn."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer
import uvicorn
from uvicorn.supervisors import Multiprocess

from app.cli.context import state
from app.cli.listeners import reserve, reuse_port_supported
from app.db.engine import make_engine
from app.db.migrate import ensure_current
from app.errors import ConfigurationError


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes; each listens on its own socket (SO_REUSEPORT), so the "
            "kernel spreads connections evenly across them.",
            min=1,
        ),
    ] = 1,
) -> None:
    """Serve the web app. Checks the database schema first and refuses an outdated one."""
    cli_state = state(ctx)
    settings = cli_state.settings
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
    finally:
        engine.dispose()
    listening = f"Tianping listening on http://{host}:{port}/  (Ctrl+C to stop)"
    if workers == 1:
        typer.echo(listening)
        from app.web.app import create_app
        from app.web.heap import freeze_heap_at_startup

        uvicorn.run(
            freeze_heap_at_startup(create_app(settings)),
            host=host,
            port=port,
            log_level="warning",
        )
        return
    if cli_state.config_file is not None:
        # Worker processes read their settings from the environment.
        os.environ["TIANPING_CONFIG"] = str(cli_state.config_file.resolve())
    config = uvicorn.Config(
        "app.web.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    if not reuse_port_supported():
        typer.echo(listening)
        uvicorn.run(
            config.app, factory=True, host=host, port=port, workers=workers, log_level="warning"
        )
        return
    try:
        placeholder = reserve(host, port, config.backlog)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or stop "
            "the program using it"
        ) from None
    typer.echo(listening)
    with placeholder, contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[placeholder]).run()
