"""Entry point of the ``tianping`` command: global options, command groups, error reporting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from app.cli import audit, db, demo, questionnaire, registry, sample, score, serve, user
from app.cli.context import CliState
from app.cli.errors import USER_ERRORS


class _ReportingGroup(TyperGroup):
    """Reports user errors as one line on stderr with exit status 1.

    Anything derived from :data:`USER_ERRORS` is the user's input or environment, not a bug,
    so it gets one line; ``--debug`` (or ``TIANPING_DEBUG=1``) shows the traceback instead.
    Usage errors keep Typer's own handling (exit status 2).
    """

    def invoke(self, ctx: Any) -> Any:  # typer.Context is a subclass; the base takes click's
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            obj = ctx.obj
            if (isinstance(obj, CliState) and obj.debug) or os.environ.get(
                "TIANPING_DEBUG", ""
            ) not in ("", "0"):
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


cli = typer.Typer(
    name="tianping",
    cls=_ReportingGroup,
    help="Tianping (天平): independent evaluation of consumer-service quality.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@cli.callback()
def _global_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="TOML settings file (else $TIANPING_CONFIG).", dir_okay=False
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
) -> None:
    ctx.obj = CliState(config_file=config, debug=debug)


cli.add_typer(db.app, name="db")
cli.add_typer(questionnaire.app, name="questionnaire")
cli.add_typer(registry.app, name="registry")
cli.add_typer(sample.app, name="sample")
cli.add_typer(audit.app, name="audit")
cli.add_typer(user.app, name="user")
cli.command(name="score")(score.score)
cli.command(name="serve")(serve.serve)
cli.command(name="demo")(demo.demo)


def run() -> None:
    """Console-script entry point."""
    cli(prog_name="tianping")
