"""``tianping findings``: mark overdue findings, escalate them per the round's rule, remind.

Meant for a daily scheduler (cron, systemd timer). Reminders are recorded in the audit chain
(one per finding and day), so a rerun on the same day reminds nobody twice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from app.cli.context import state
from app.db.engine import make_engine, write_session
from app.db.migrate import ensure_current
from app.db.types import utcnow
from app.domain.rectification.escalation import remind_overdue
from app.errors import ConfigurationError

app = typer.Typer(
    help="Findings: mark overdue ones, escalate per the round's rule, list reminders.",
    no_args_is_help=True,
)

RoundOpt = Annotated[int, typer.Option("--round", help="Round id.")]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Treat this date (YYYY-MM-DD) as today; default: today (UTC)."),
]


def _today(value: str | None) -> date:
    if value is None:
        return utcnow().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"--today {value!r}: give a date as YYYY-MM-DD") from None


@app.command("remind")
def remind_command(ctx: typer.Context, round_id: RoundOpt, today: TodayOpt = None) -> None:
    """Mark findings past their deadline overdue, escalate them if the round's rule says so,
    and record a reminder for every finding due within a week or overdue."""
    day = _today(today)
    engine = make_engine(state(ctx).settings.effective_database_url)
    try:
        ensure_current(engine)
        with write_session(engine) as session:
            outcome = remind_overdue(
                session, round_id=round_id, body_id=None, today=day, actor="cli:findings-remind"
            )
    finally:
        engine.dispose()
    typer.echo(
        f"round {round_id} on {day.isoformat()}: {len(outcome.overdue)} newly overdue, "
        f"{len(outcome.escalated)} escalated, {len(outcome.reminded)} reminded"
    )
    for r in outcome.reminded:
        typer.echo(
            f"  remind enterprise {r.enterprise_id}: finding {r.finding_id} "
            f"({r.status}, deadline {r.deadline.isoformat()})"
        )
