"""``tianping score``: scorecards from questionnaire, plan, frame and responses files."""

from __future__ import annotations

import typer


def score(ctx: typer.Context) -> None:
    """Compute scorecards (DESIGN §3, §4). Filled in by the scoring engine issue."""
    raise typer.BadParameter("the scoring engine is not built yet")
