"""``tianping demo``: build a realistic demo round end to end, then serve it."""

from __future__ import annotations

import typer


def demo(ctx: typer.Context) -> None:
    """Run the demo."""
    raise typer.BadParameter("not built yet")
