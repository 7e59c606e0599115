"""``tianping db``: migrate, back up and restore the database."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Database: upgrade (migrate), current, backup, restore.", no_args_is_help=True
)
