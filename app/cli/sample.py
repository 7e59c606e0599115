"""``tianping sample``: sample sizes, verifiable draws, verification, assessor assignment."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Samples: size, draw (≥ 50 % per stratum), verify, assign assessors.", no_args_is_help=True
)
