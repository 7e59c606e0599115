"""``tianping serve``: run the web app."""

from __future__ import annotations

import typer


def serve(ctx: typer.Context) -> None:
    """Serve the web app."""
    raise typer.BadParameter("not built yet")
