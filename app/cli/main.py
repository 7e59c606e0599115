"""Entry point of the ``tianping`` command: global options, command groups, error reporting."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from app.cli.context import CliState
from app.cli.errors import USER_ERRORS

# Command modules are imported only when their command runs: `tianping --help` and a light
# command such as `tianping db current` must not pay for scipy, pandas and the web app.
# name: (module, attribute, one-line help; attribute "app" means a command group)
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "db": ("app.cli.db", "app", "Database: upgrade (migrate), current, backup, restore."),
    "serve": ("app.cli.serve", "serve", "Serve the web app (checks the schema first)."),
    "demo": ("app.cli.demo", "demo", "Run a realistic demo round end to end, then serve it."),
    "user": ("app.cli.user", "app", "Users: create, disable, reset password."),
    "audit": ("app.cli.audit", "app", "Audit log: verify the hash chain, sign its head."),
    "questionnaire": (
        "app.cli.questionnaire",
        "app",
        "Questionnaires: validate, show, import/export (YAML, JSON, XLSForm), diff, publish.",
    ),
    "registry": (
        "app.cli.registry",
        "app",
        "Case registries: import (CSV/XLSX), show, purge personal data.",
    ),
    "sample": (
        "app.cli.sample",
        "app",
        "Samples: size, draw (≥ 50 % per stratum), verify, assign assessors.",
    ),
    "score": (
        "app.cli.score",
        "score",
        "Scorecards (JSON) from questionnaire, plan, frame, responses.",
    ),
    "fieldwork": (
        "app.cli.fieldwork",
        "app",
        "Fieldwork: invite sampled consumers, remind non-respondents, delivery status.",
    ),
    "report": ("app.cli.report", "app", "Assessment reports: render and verify."),
    "findings": (
        "app.cli.findings",
        "app",
        "Findings: mark overdue ones, escalate per the round's rule, list reminders.",
    ),
    "keys": ("app.cli.keys", "app", "Signing keys: create and rotate."),
}


def load_command(name: str) -> Any:
    """The real click command behind ``name`` (imports its module)."""
    module_name, attribute, _help = LAZY_COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        holder = typer.Typer()
        holder.command(name=name)(target)
        command = typer.main.get_command(holder)
    command.name = name
    return command


class _TianpingGroup(TyperGroup):
    """Lazily loaded commands, and user errors reported as one line.

    Anything derived from :data:`USER_ERRORS` is the user's input or environment, not a bug,
    so it gets one line on stderr and exit status 1; ``--debug`` (or ``TIANPING_DEBUG=1``)
    shows the traceback instead. Usage errors keep Typer's own handling (exit status 2).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resolving = False
        for name, (_module, _attr, short_help) in LAZY_COMMANDS.items():
            # Placeholders carry the help line for listings; resolve_command swaps in the real one.
            self.commands[name] = TyperCommand(name, help=short_help, short_help=short_help)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        self._resolving = True
        try:
            return super().resolve_command(ctx, args)
        finally:
            self._resolving = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._resolving and cmd_name in LAZY_COMMANDS:
            current = self.commands.get(cmd_name)
            if current is None or current.callback is None:
                self.commands[cmd_name] = load_command(cmd_name)
        return super().get_command(ctx, cmd_name)

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
    cls=_TianpingGroup,
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


def run() -> None:
    """Console-script entry point."""
    cli(prog_name="tianping")
