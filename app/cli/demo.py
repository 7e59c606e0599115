"""``tianping demo``: build a realistic demo round end to end, then serve it."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from app.cli.progress import make_progress
from app.demo import runner
from app.demo.plan import ROUND_CODE

Tick = Callable[[int, int], None]


@contextmanager
def _step(title: str, *, bar: bool = False) -> Iterator[Tick]:
    """One demo step: a title, a progress bar for long steps, and its duration."""
    started = time.perf_counter()
    if not bar:
        typer.echo(f"• {title} …")
        yield lambda _done, _total: None
    else:
        with make_progress() as progress:
            task = progress.add_task(f"• {title}", total=None)
            yield lambda done, total: progress.update(task, completed=done, total=total)
    typer.echo(f"  done in {time.perf_counter() - started:.1f} s")


def demo(
    data_dir: Annotated[
        Path, typer.Option(help="Fresh demo data directory (its contents are replaced).")
    ] = Path("demo-data"),
    out: Annotated[Path, typer.Option(help="Where scorecards and reports are written.")] = Path(
        "out"
    ),
    scale: Annotated[
        float,
        typer.Option(min=0.01, max=20.0, help="Multiply the registry sizes (1.0 ≈ 30,000 cases)."),
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 2026,
    serve: Annotated[bool, typer.Option(help="Serve the web app when the round is done.")] = True,
    host: Annotated[str, typer.Option(help="Interface for the web app.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the web app.", min=1, max=65535)] = 8000,
) -> None:
    """Run a home-appliance after-sales round on a fresh SQLite database, then serve it.

    Ten enterprises, the bundled after-sales questionnaire, a frozen plan, case registries
    with realistic channels and service times, a verifiable ≥ 50 % draw, simulated consumer
    answers with non-response, scorecards and certified reports — all through the same code
    the web app and the CLI use.
    """
    rng = np.random.default_rng(seed)
    result = runner.DemoResult()
    runner.prepare_data_dir(data_dir)
    settings = runner.demo_settings(data_dir)
    typer.echo(f"Tianping demo — data in {data_dir.resolve()}, output in {out.resolve()}")
    password = secrets.token_urlsafe(9)
    with runner.open_engine(settings) as engine:
        with _step("creating the database schema"):
            runner.create_schema(engine)
        with _step("evaluation body, people, questionnaire, round and frozen plan"):
            runner.set_up_people_and_round(engine, result, password)
        typer.echo(f"  plan frozen, sha256 {result.plan_sha256}")
        with _step("importing case registries (validated, contact data encrypted)", bar=True) as t:
            runner.import_registries(engine, settings, result, rng, scale, t)
        typer.echo(f"  {result.cases:,} cases imported")
        with _step("drawing the ≥ 50 % stratified sample (verifiable seed)"):
            runner.draw(engine, result, rng)
        typer.echo(f"  {result.sampled:,} cases sampled; witness value {result.witness}")
        with _step("fieldwork: invitations and simulated answers (exactly-once)", bar=True) as t:
            runner.fieldwork(engine, result, rng, t)
        typer.echo(f"  {result.responses:,} responses")
        with _step("computing scorecards (design-based, with confidence intervals)"):
            runner.score(engine, result, out)
        typer.echo(f"  scorecard written to {result.scorecard_path}")
        with _step("review by a second assessor; certificates and signed PDF reports"):
            runner.issue(engine, settings, result, out)
        typer.echo(f"  {len(result.reports)} signed reports in {out / 'reports'}")
    typer.echo("")
    typer.echo(f"Round {ROUND_CODE} is issued. Verify a certificate at /verify. Demo logins:")
    for username, role, password in result.logins:
        typer.echo(f"  {username:<16} {role:<28} password: {password}")
    if serve:
        import uvicorn

        from app.web.app import create_app

        typer.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
