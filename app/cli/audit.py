"""``tianping audit``: verify the hash-chained audit log and sign its head."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import state
from app.db.engine import make_engine, read_session, write_session
from app.db.migrate import ensure_current
from app.domain.audit.heads import head_count, sign_head_if_due, verify_all
from app.keys_store import KeyStore

app = typer.Typer(help="Audit log: verify the hash chain, sign its head.", no_args_is_help=True)


@app.command("verify")
def verify_command(ctx: typer.Context) -> None:
    """Recompute the audit chain and check every signed head; name the first altered or
    missing entry (exit 1)."""
    settings = state(ctx).settings
    public_keys = KeyStore.for_settings(settings).public_keys()
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        with read_session(engine) as session:
            verdict = verify_all(session, public_keys)
            heads = head_count(session)
    finally:
        engine.dispose()
    if verdict.ok:
        typer.echo(
            f"audit chain intact: {verdict.checked} entries verified, "
            f"{heads} signed head(s) checked"
        )
        return
    typer.echo(f"audit chain BROKEN: {verdict.problem}", err=True)
    raise typer.Exit(1)


@app.command("sign-head")
def sign_head_command(
    ctx: typer.Context,
    every: Annotated[
        int,
        typer.Option(
            min=1, help="Sign only if at least this many entries arrived since the last head."
        ),
    ] = 1,
) -> None:
    """Sign the newest audit entry with the active Ed25519 key (run it from cron)."""
    settings = state(ctx).settings
    key_id, key = KeyStore.for_settings(settings).private_key()
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        with write_session(engine) as session:
            head = sign_head_if_due(session, key_id, key, every=every)
    finally:
        engine.dispose()
    if head is None:
        typer.echo("nothing to sign: no entries since the last signed head")
        return
    typer.echo(f"signed audit head: entry {head.entry_seq} with key {head.key_id}")
