"""``tianping user``: create, disable and reset accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import state
from app.db.engine import make_engine, write_session
from app.db.migrate import ensure_current
from app.domain.users.service import create_user, disable_user, parse_role, set_password

app = typer.Typer(help="Users: create, disable, reset password.", no_args_is_help=True)

_CREDENTIAL_HELP = "At least 12 characters; asked for when omitted."


def _engine(ctx: typer.Context):  # type: ignore[no-untyped-def]
    engine = make_engine(state(ctx).settings.effective_database_url)
    ensure_current(engine)
    return engine


@app.command("create")
def create_command(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str, typer.Option(help="platform_admin, body_admin, assessor or enterprise_viewer.")
    ],
    body: Annotated[str | None, typer.Option(help="Evaluation body code.")] = None,
    enterprise: Annotated[str | None, typer.Option(help="Enterprise code (viewers).")] = None,
    password: Annotated[str | None, typer.Option(help=_CREDENTIAL_HELP, hide_input=True)] = None,
) -> None:
    """Create an account."""
    parsed_role = parse_role(role)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _engine(ctx)
    try:
        with write_session(engine) as session:
            user = create_user(
                session,
                username=username,
                password=password,
                role=parsed_role,
                body_code=body,
                enterprise_code=enterprise,
            )
    finally:
        engine.dispose()
    typer.echo(f"created {user.role} {user.username!r}")


@app.command("disable")
def disable_command(ctx: typer.Context, username: str) -> None:
    """Disable an account (it can no longer log in)."""
    engine = _engine(ctx)
    try:
        with write_session(engine) as session:
            disable_user(session, username)
    finally:
        engine.dispose()
    typer.echo(f"disabled {username!r}")


@app.command("reset")
def reset_command(
    ctx: typer.Context,
    username: str,
    password: Annotated[str | None, typer.Option(help=_CREDENTIAL_HELP, hide_input=True)] = None,
) -> None:
    """Set a new password for an account."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    engine = _engine(ctx)
    try:
        with write_session(engine) as session:
            set_password(session, username, password)
    finally:
        engine.dispose()
    typer.echo(f"password of {username!r} changed")


@app.command("reset-link")
def reset_link_command(ctx: typer.Context, username: str) -> None:
    """Print a one-time password-reset path (valid 24 h) to hand to the user."""
    from app.domain.accounts.passwords import issue_reset_token

    engine = _engine(ctx)
    try:
        with write_session(engine) as session:
            token = issue_reset_token(session, username, actor="cli")
    finally:
        engine.dispose()
    typer.echo(f"/password/reset/{token}")
