"""``tianping db``: migrate, back up and restore the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.context import state
from app.cli.progress import progress_callback
from app.db import backup as backups
from app.db.engine import make_engine
from app.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(
    help="Database: upgrade (migrate), current, backup, restore.", no_args_is_help=True
)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Create or migrate the schema to this release's version (safe to run repeatedly)."""
    settings = state(ctx).settings
    engine = make_engine(settings.effective_database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"database already at {after} (current)")
    else:
        typer.echo(f"database migrated from {before or 'empty'} to {after}")


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the one this release needs."""
    settings = state(ctx).settings
    engine = make_engine(settings.effective_database_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    verdict = "up to date" if current == head else "run `tianping db upgrade`"
    typer.echo(f"database: {current or 'empty'}  release needs: {head}  ({verdict})")


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="File to write; must not exist yet.")],
) -> None:
    """Back up the live database (SQLite backup API, or pg_dump for PostgreSQL)."""
    settings = state(ctx).settings
    with progress_callback("backing up") as progress:
        path = backups.backup(settings.effective_database_url, target, progress)
    typer.echo(f"backup written to {path}")


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A file written by `tianping db backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask before replacing the database's contents.")
    ] = False,
) -> None:
    """Replace the database's contents with a backup (SQLite backup API, or pg_restore)."""
    settings = state(ctx).settings
    if not yes:
        typer.confirm("This replaces everything in the configured database. Continue?", abort=True)
    with progress_callback("restoring") as progress:
        backups.restore(settings.effective_database_url, source, progress)
    typer.echo(f"restored from {source}")
