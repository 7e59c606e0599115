"""``tianping registry``: import, show and purge case registries."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from app.cli.context import state
from app.cli.progress import make_progress
from app.db.engine import make_engine, read_session, write_session
from app.db.migrate import ensure_current
from app.domain.registry.importer import RegistryRejectedError, import_registry
from app.domain.registry.queries import (
    find_round,
    masked_cases,
    purge_contact_data,
    registries,
    stratum_totals,
)
from app.errors import TianpingError
from app.secrets import load_key_material
from sampling.outputs import write_problems_csv

app = typer.Typer(
    help="Case registries: import (CSV/XLSX), show, purge personal data, rotate keys.",
    no_args_is_help=True,
)

RoundOpt = Annotated[str, typer.Option("--round", help="Round code.")]
BodyOpt = Annotated[str | None, typer.Option("--body", help="Evaluation body code.")]


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs or not ours:
            raise typer.BadParameter(f"{pair!r}: write --map 'their header=our column'")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def _plain_progress(name: str) -> Callable[[int, int | None], None]:
    """Progress as text lines on stderr when it is not a terminal (cron, CI, a supervisor):
    the bar is invisible there, and a long import would otherwise look hung. One line per
    5 % of the file, and one after the first batch is written."""
    if sys.stderr.isatty():
        return lambda done, total: None  # the bar shows it
    last = -1

    def update(done: int, total: int | None) -> None:
        nonlocal last
        step = done * 20 // total if total else 0
        if step > last:
            last = step
            typer.echo(f"importing {name}: {step * 5} % read, batches written", err=True)

    return update


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX registry.")],
    round_code: RoundOpt,
    body: BodyOpt = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Header mapping 'their header=our column' (repeatable)."),
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the CSV encoding.")] = None,
    accept_valid: Annotated[
        bool,
        typer.Option(
            help="Import the valid rows and quarantine the others (default: all or none)."
        ),
    ] = False,
    errors: Annotated[
        Path | None, typer.Option(help="Where to write the error report (default FILE.errors.csv).")
    ] = None,
) -> None:
    """Import a case registry into a round (after its plan is frozen)."""
    settings = state(ctx).settings
    keys = load_key_material(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        with read_session(engine) as session:
            rnd = find_round(session, round_code, body)
        with make_progress() as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            plain = _plain_progress(file.name)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)
                plain(done, total)

            try:
                outcome = import_registry(
                    engine,
                    round_id=rnd.id or 0,
                    source=file,
                    keys=keys,
                    actor="cli",
                    mapping=_parse_mapping(map_ or []),
                    encoding=encoding,
                    accept_valid=accept_valid,
                    progress=progress,
                )
            except RegistryRejectedError as exc:
                target = errors or file.with_name(file.name + ".errors.csv")
                write_problems_csv(exc.report.problems, target)
                raise TianpingError(f"{exc} — all problems are listed in {target}") from None
    finally:
        engine.dispose()
    if outcome.already_imported:
        typer.echo(
            f"{file.name} (sha256 {outcome.sha256[:12]}…) was already imported; nothing done"
        )
        return
    typer.echo(f"imported {outcome.imported} cases from {file.name} into round {round_code}")
    if outcome.quarantined:
        typer.echo(f"{outcome.quarantined} invalid rows quarantined (see `tianping registry show`)")


@app.command("show")
def show_command(
    ctx: typer.Context,
    round_code: RoundOpt,
    body: BodyOpt = None,
    cases: Annotated[int, typer.Option(help="Also list the first N cases (masked).")] = 0,
) -> None:
    """Registries of a round, case counts per enterprise and stratum, masked contact data."""
    settings = state(ctx).settings
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        with read_session(engine) as session:
            rnd = find_round(session, round_code, body)
            regs = registries(session, rnd.id or 0)
            totals = stratum_totals(session, rnd.id or 0)
            listed = (
                masked_cases(session, rnd.id or 0, load_key_material(settings), cases)
                if cases
                else []
            )
    finally:
        engine.dispose()
    typer.echo(f"round {rnd.code} ({rnd.state}): {len(regs)} registry file(s)")
    for reg in regs:
        typer.echo(
            f"  {reg.file_name}  sha256 {reg.file_sha256[:12]}…  {reg.row_count} cases"
            f"  {reg.quarantined_count} quarantined  imported {reg.imported_at:%Y-%m-%d %H:%M} UTC"
        )
    for t in totals:
        typer.echo(f"  {t.enterprise:<10} {t.stratum or '(one stratum)':<24} {t.cases:>8}")
    for c in listed:
        typer.echo(
            f"  {c.case_id:<20} {c.enterprise:<8} {c.stratum:<16} {c.phone or ''} {c.email or ''}"
        )


_DURATION = re.compile(r"^(\d+)([dwy])$")


def _parse_age(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r}: write a number of days, weeks or years, e.g. 365d, 8w, 1y"
        )
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(days=n * {"d": 1, "w": 7, "y": 365}[unit])


@app.command("purge")
def purge_command(
    ctx: typer.Context,
    older_than: Annotated[
        str | None,
        typer.Option(help="Age such as 365d, 8w or 1y (default: the retention_days setting)."),
    ] = None,
) -> None:
    """Erase phone numbers and e-mails of cases imported longer ago than the retention period."""
    settings = state(ctx).settings
    age = _parse_age(older_than) if older_than else timedelta(days=settings.retention_days)
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        with write_session(engine) as session:
            cases, rows = purge_contact_data(session, age, actor="cli")
    finally:
        engine.dispose()
    typer.echo(
        f"contact data erased from {cases} cases and {rows} quarantined rows "
        f"(imported more than {age.days} days ago)"
    )


@app.command("rotate-keys")
def rotate_keys_command(
    ctx: typer.Context,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
) -> None:
    """Re-encrypt stored contact data (and TOTP secrets) under the active personal-data key."""
    from app.domain.registry.rekey import count_stale, rotate_keys

    settings = state(ctx).settings
    keyring = load_key_material(settings).keyring
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_current(engine)
        result = rotate_keys(engine, keyring, actor="cli", batch_size=batch_size)
        left = sum(count_stale(engine, keyring).values())
    finally:
        engine.dispose()
    for column, n in result.rotated.items():
        typer.echo(f"  {column:<32} {n:>8} re-encrypted")
    typer.echo(
        f"{result.total} values now under key {result.active_key!r}; {left} left under other "
        "keys" + ("" if left else " (the old keys may be removed from pii_keys)")
    )
