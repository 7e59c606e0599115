"""``tianping serve``: run the web app under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from app.cli.context import state
from app.db.engine import make_engine
from app.db.migrate import ensure_current


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (use PostgreSQL for more than one).", min=1)
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
    typer.echo(f"Tianping listening on http://{host}:{port}/  (Ctrl+C to stop)")
    if workers == 1:
        from app.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    if cli_state.config_file is not None:
        # Worker processes read their settings from the environment.
        os.environ["TIANPING_CONFIG"] = str(cli_state.config_file.resolve())
    uvicorn.run(
        "app.web.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
