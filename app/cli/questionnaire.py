"""``tianping questionnaire``: validate, show, import, export, diff and publish instruments."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Questionnaires: validate, show, import/export (YAML, JSON, XLSForm), diff.",
    no_args_is_help=True,
)
