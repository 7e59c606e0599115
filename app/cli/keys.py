"""``tianping keys``: the evaluation body's signing keys (Ed25519 + PAdES certificate)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import state
from app.keys_store import KeyStore

app = typer.Typer(help="Signing keys: create and rotate.", no_args_is_help=True)

_BODY = typer.Option("--body-name", help="Evaluation body's name, printed in its certificate.")


@app.command("init")
def init_command(
    ctx: typer.Context, body_name: Annotated[str, _BODY] = "Tianping evaluation body"
) -> None:
    """Create the Ed25519 key and a self-signed demo CA with a PAdES signing certificate."""
    store = KeyStore.for_settings(state(ctx).settings)
    kid = store.init(body_name)
    typer.echo(f"created signing key {kid} and a demo CA in {store.root} (files mode 0600)")
    typer.echo("for production, install a certificate from a real CA (see docs/certification.md)")


@app.command("rotate")
def rotate_command(
    ctx: typer.Context, body_name: Annotated[str, _BODY] = "Tianping evaluation body"
) -> None:
    """Make a new active Ed25519 key; old public keys stay to verify earlier reports."""
    store = KeyStore.for_settings(state(ctx).settings)
    old = store.active_key_id()
    kid = store.rotate(body_name)
    typer.echo(f"active signing key is now {kid} (was {old}; its public key is kept)")


@app.command("show")
def show_command(ctx: typer.Context) -> None:
    """List key ids (public information only)."""
    store = KeyStore.for_settings(state(ctx).settings)
    active = store.active_key_id()
    for kid in store.public_keys():
        typer.echo(f"{kid}{'  (active)' if kid == active else ''}")
