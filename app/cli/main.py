"""Entry point of the ``tianping`` command: global options, command groups, error reporting."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli import audit, db, demo, questionnaire, registry, sample, score, serve
from app.cli.context import CliState
from app.cli.errors import USER_ERRORS

cli = typer.Typer(
    name="tianping",
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
cli.command(name="score")(score.score)
cli.command(name="serve")(serve.serve)
cli.command(name="demo")(demo.demo)


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("TIANPING_DEBUG", "") not in ("", "0")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: user errors become one line on stderr and exit status 1.

    Typer's standalone mode already turns usage errors into exit status 2; anything derived
    from :data:`USER_ERRORS` is the user's input or environment, not a bug, so it gets one line
    (``--debug`` or ``TIANPING_DEBUG=1`` shows the traceback).
    """
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(cli)
    try:
        command.main(args=args, prog_name="tianping")
    except USER_ERRORS as exc:
        if _debug_requested(args):
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
