"""``tianping demo``: build a realistic demo round end to end, then serve it."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from sqlalchemy.engine import Engine

from app.cli.progress import make_progress
from app.config import Settings
from app.demo import runner, supervision
from app.demo.plan import FOLLOW_UP_CODE, ROUND_CODE
from app.demo.synthetic import FOLLOW_UP_DAYS, FOLLOW_UP_START

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
    the web app and the CLI use. Then the supervision loop: public results, a warning for the
    failing enterprise, its accepted rectification plan, and a small follow-up round that
    re-evaluates it, issued and public as well.
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
        follow = _supervision_loop(engine, settings, result, rng, scale, out)
    typer.echo("")
    typer.echo(f"Round {ROUND_CODE} is issued. Verify a certificate at /verify.")
    if follow is not None:
        typer.echo(f"Re-evaluation {FOLLOW_UP_CODE} is issued. Public results at /results.")
    typer.echo("Demo logins:")
    for username, role, password in result.logins:
        typer.echo(f"  {username:<16} {role:<28} password: {password}")
    if serve:
        import uvicorn

        from app.web.app import create_app
        from app.web.heap import freeze_heap_at_startup

        typer.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
        uvicorn.run(
            freeze_heap_at_startup(create_app(settings)),
            host=host,
            port=port,
            log_level="warning",
        )


def _supervision_loop(
    engine: Engine,
    settings: Settings,
    result: runner.DemoResult,
    rng: np.random.Generator,
    scale: float,
    out: Path,
) -> runner.DemoResult | None:
    """Warning → rectification → follow-up round → public results (issue #10)."""
    today = date.today()
    with _step("publishing the round's results (opt-in, /results)"):
        supervision.publish(engine, result)
    with _step("escalation rule: a warning with a rectification deadline per shortfall"):
        warned = supervision.warn(engine, result, today)
    for w in warned:
        typer.echo(f"  {w.enterprise_code} warned ({w.reason}); rectify by {w.deadline}")
    if not warned:
        typer.echo("  no enterprise fell short of the rule; no follow-up round")
        return None
    with _step("rectification plans with evidence, accepted by the assessor"):
        supervision.rectify(engine, result, warned, settings.data_dir, today)
    with _step(f"follow-up round {FOLLOW_UP_CODE} for the enterprises under rectification"):
        follow = supervision.follow_up(engine, result, [w.enterprise_id for w in warned])
    typer.echo(f"  plan copied and frozen, sha256 {follow.plan_sha256}")
    rectified = supervision.rectified(warned, scale)
    with _step("follow-up: importing its case registries", bar=True) as t:
        runner.import_registries(
            engine,
            settings,
            follow,
            rng,
            1.0,
            t,
            enterprises=rectified,
            start=FOLLOW_UP_START,
            days=FOLLOW_UP_DAYS,
            folder_name="registries-follow-up",
        )
    with _step("follow-up: drawing the ≥ 50 % sample"):
        runner.draw(engine, follow, rng)
    typer.echo(f"  {follow.sampled:,} of {follow.cases:,} cases sampled")
    with _step("follow-up: fieldwork", bar=True) as t:
        runner.fieldwork(engine, follow, rng, t, quality={e.code: e.quality for e in rectified})
    typer.echo(f"  {follow.responses:,} responses")
    with _step("follow-up: scorecards with the change since the round"):
        runner.score(engine, follow, out)
    with _step("follow-up: review, certificates and signed reports"):
        runner.issue(engine, settings, follow, out)
    with _step("publishing the follow-up's results"):
        supervision.publish(engine, follow)
    before = supervision.grades(engine, result.round_id)
    for code, (grade, composite) in sorted(supervision.grades(engine, follow.round_id).items()):
        was, was_composite = before[code]
        typer.echo(
            f"  {code}: grade {was} ({_num(was_composite)}) in {ROUND_CODE} → "
            f"{grade} ({_num(composite)}) in {FOLLOW_UP_CODE}"
        )
    return follow


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
