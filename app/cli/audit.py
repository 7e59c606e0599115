"""``tianping audit``: check the hash-chained audit log."""

from __future__ import annotations

import typer

from app.cli.context import state
from app.db.engine import make_engine, read_session
from app.db.migrate import ensure_current
from app.domain.audit.chain import verify_chain

app = typer.Typer(help="Audit log: verify the hash chain.", no_args_is_help=True)


@app.command("verify")
def verify_command(ctx: typer.Context) -> None:
    """Recompute the audit chain; name the first altered or missing entry (exit 1)."""
    engine = make_engine(state(ctx).settings.effective_database_url)
    try:
        ensure_current(engine)
        with read_session(engine) as session:
            verdict = verify_chain(session)
    finally:
        engine.dispose()
    if verdict.ok:
        typer.echo(f"audit chain intact: {verdict.checked} entries verified")
        return
    typer.echo(f"audit chain BROKEN: {verdict.problem}", err=True)
    raise typer.Exit(1)
