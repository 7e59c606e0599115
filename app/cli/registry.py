"""``tianping registry``: import, show and purge case registries."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Case registries: import (CSV/XLSX), show, purge personal data.", no_args_is_help=True
)
