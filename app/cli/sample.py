"""``tianping sample``: sample sizes, verifiable draws, verification, assessor assignment."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from sampling.allocation import PrecisionTarget, sample_size
from sampling.assignment import assign as assign_assessors
from sampling.assignment import assignment_to_json, make_tasks
from sampling.draw import Frame, build_frame, draw_sample
from sampling.errors import AllocationError, AssignmentError, RegistryError
from sampling.outputs import atomic_text, read_sample_ids, write_problems_csv, write_sample_csv
from sampling.record import DrawRecord, combined_registry_sha256
from sampling.registry import RegistryOptions, RegistryReport, RegistryStream, open_registry
from sampling.rows import CaseRow
from sampling.seeds import SeedInputs
from sampling.verify import verify as verify_draw

app = typer.Typer(
    help="Samples: size, draw (≥ 50 % per stratum), verify, assign assessors.", no_args_is_help=True
)

_PROGRESS_EVERY = 20_000

RegistryArg = Annotated[
    Path, typer.Option("--registry", help="Case registry (.csv or .xlsx).", dir_okay=False)
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="Header mapping 'their=ours', e.g. '工单号=case_id' (repeatable)."),
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="CSV encoding (default: detect UTF-8/GB18030).")
]


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``['工单号=case_id']`` → ``{'工单号': 'case_id'}``; refuses items without ``=``."""
    mapping: dict[str, str] = {}
    for item in items or []:
        theirs, sep, ours = item.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise RegistryError(f"--map {item!r} must look like 'their header=our column'")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def _progress_rows(stream: RegistryStream) -> Iterator[CaseRow]:
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(f"reading {stream.label}", total=stream.size)
        for count, row in enumerate(stream, start=1):
            if count % _PROGRESS_EVERY == 0:
                progress.update(task, completed=stream.bytes_read)
            yield row


def _read_frame(path: Path, options: RegistryOptions) -> tuple[Frame, RegistryReport]:
    with open_registry(path, options) as stream:
        frame = build_frame(_progress_rows(stream))
        return frame, stream.report()


def _refuse_problems(report: RegistryReport, errors_path: Path) -> None:
    if report.ok:
        return
    write_problems_csv(report.problems, errors_path)
    first = report.problems[0]
    raise RegistryError(
        f"{report.source}: {report.problem_count} problems in {report.invalid_rows} rows "
        f"(first: {first}); fix them and retry — the full list is in {errors_path}"
    )


@app.command()
def size(
    population: Annotated[int, typer.Argument(help="Cases N in the enterprise (or stratum).")],
    margin: Annotated[float, typer.Option(help="Margin of error e (score points or share).")],
    p: Annotated[
        float | None, typer.Option("--p", help="Expected proportion (default 0.5).")
    ] = None,
    s: Annotated[
        float | None, typer.Option("--s", help="Standard deviation S instead of p.")
    ] = None,
    confidence: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
    response_rate: Annotated[float, typer.Option(help="Expected response rate.")] = 1.0,
    scale: Annotated[str, typer.Option(help="points (0–100) or proportion.")] = "points",
    min_fraction: Annotated[float, typer.Option(help="Floor share, ≥ 0.5.")] = 0.5,
) -> None:
    """Sample size for a precision target (DESIGN §4.13), never below the 50 % floor."""
    if scale not in ("points", "proportion"):
        raise AllocationError(f"--scale must be points or proportion, got {scale!r}")
    target = PrecisionTarget(
        margin=margin,
        p=None if s is not None else (0.5 if p is None else p),
        s=s,
        confidence=confidence,
        response_rate=response_rate,
        scale="points" if scale == "points" else "proportion",
    )
    result = sample_size(population, target, min_fraction=min_fraction)
    typer.echo(f"n = {result.n}")
    typer.echo(result.formula)


@app.command()
def draw(
    registry: RegistryArg,
    seed_round: Annotated[str, typer.Option(help="Evaluation round id (part of the seed).")],
    witness: Annotated[str, typer.Option(help="Value entered now by a second person.")],
    out: Annotated[Path, typer.Option(help="Sample CSV to write.", dir_okay=False)],
    record: Annotated[Path, typer.Option(help="Draw record JSON to write.", dir_okay=False)],
    strata: Annotated[str, typer.Option(help="Stratum columns, comma-separated.")] = "",
    beacon: Annotated[str | None, typer.Option(help="Public beacon value.")] = None,
    min_fraction: Annotated[float, typer.Option(help="Share of every stratum, ≥ 0.5.")] = 0.5,
    mapping: MapOpt = None,
    encoding: EncodingOpt = None,
    errors: Annotated[
        Path | None, typer.Option(help="Where to write row problems (default: next to --out).")
    ] = None,
) -> None:
    """Draw at least half of every enterprise × stratum; write the sample and its record."""
    columns = tuple(c.strip() for c in strata.split(",") if c.strip())
    options = RegistryOptions(
        mapping=parse_mapping(mapping), stratum_columns=columns, encoding=encoding
    )
    frame, report = _read_frame(registry, options)
    _refuse_problems(report, errors or out.with_name(out.stem + ".errors.csv"))
    result = draw_sample(
        frame,
        seed_inputs=SeedInputs(seed_round, witness, beacon),
        registry_sha256=report.sha256,
        stratum_columns=columns,
        min_fraction=min_fraction,
    )
    text = result.record.to_json()
    write_sample_csv(result, out)
    with atomic_text(record) as handle:
        handle.write(text)
    rec = result.record
    typer.echo(
        f"drew {rec.sampled} of {rec.population} cases in {len(rec.strata)} strata; "
        f"seed {rec.seed}; registry SHA-256 {rec.registry_sha256}"
    )
    typer.echo(f"sample: {out}  record: {record}")


@app.command()
def verify(
    registry: Annotated[
        list[Path],
        typer.Option(
            "--registry",
            help="Case registry (.csv or .xlsx); repeat it for a round made of several files.",
            dir_okay=False,
        ),
    ],
    record: Annotated[Path, typer.Option(help="Draw record JSON.", dir_okay=False)],
    sample: Annotated[
        Path | None, typer.Option(help="The sample CSV, to name differing cases.")
    ] = None,
    mapping: MapOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """Recompute a draw; print *identical* or the first difference (exit status 1)."""
    try:
        recorded = DrawRecord.from_json(record.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{record}: cannot read the draw record ({exc.strerror})") from exc
    options = RegistryOptions(
        mapping=parse_mapping(mapping),
        stratum_columns=recorded.stratum_columns,
        encoding=encoding,
    )
    reports: list[RegistryReport] = []

    def rows() -> Iterator[CaseRow]:
        for path in registry:
            with open_registry(path, options) as stream:
                yield from _progress_rows(stream)
                reports.append(stream.report())

    frame = build_frame(rows())
    for report in reports:
        if not report.ok:
            typer.echo(
                f"warning: {report.source}: {report.problem_count} rows were rejected; "
                "they are left out",
                err=True,
            )
    result = verify_draw(
        frame,
        recorded,
        registry_sha256=combined_registry_sha256([r.sha256 for r in reports]),
        sample_ids=read_sample_ids(sample) if sample else None,
    )
    typer.echo(result.summary())
    if not result.identical:
        raise typer.Exit(1)


def _read_column_file(path: Path, wanted: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in wanted if c not in header]
            if missing:
                raise AssignmentError(
                    f"{path.name}: line 1 needs the column(s) {', '.join(missing)} "
                    f"(found: {', '.join(header) or 'nothing'})"
                )
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except OSError as exc:
        raise AssignmentError(f"{path.name}: cannot read the file ({exc.strerror})") from exc


def _visits(rows: list[dict[str, str]], path: Path) -> dict[str, int]:
    visits: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        text = row.get("visits", "") or "0"
        if not text.isdigit():
            raise AssignmentError(
                f"{path.name}, line {line}, column 'visits': {text!r} is not a count"
            )
        visits[row["enterprise"]] = int(text)
    return visits


@app.command()
def assign(
    assessors: Annotated[Path, typer.Option(help="CSV with an assessor_id column.")],
    enterprises: Annotated[Path, typer.Option(help="CSV with enterprise [, visits] columns.")],
    seed_round: Annotated[str, typer.Option(help="Evaluation round id (part of the seed).")],
    witness: Annotated[str, typer.Option(help="Value entered now by a second person.")],
    out: Annotated[Path, typer.Option(help="Assignment record JSON to write.", dir_okay=False)],
    conflicts: Annotated[
        Path | None, typer.Option(help="CSV of forbidden assessor_id, enterprise pairs.")
    ] = None,
    beacon: Annotated[str | None, typer.Option(help="Public beacon value.")] = None,
) -> None:
    """Assign assessors to enterprises and on-site visits at random (双随机)."""
    people = [r["assessor_id"] for r in _read_column_file(assessors, ("assessor_id",))]
    firms = _read_column_file(enterprises, ("enterprise",))
    pairs = (
        [
            (r["assessor_id"], r["enterprise"])
            for r in _read_column_file(conflicts, ("assessor_id", "enterprise"))
        ]
        if conflicts
        else []
    )
    tasks = make_tasks([r["enterprise"] for r in firms], _visits(firms, enterprises))
    result = assign_assessors(people, tasks, pairs, SeedInputs(seed_round, witness, beacon))
    with atomic_text(out) as handle:
        handle.write(assignment_to_json(result))
    for item in result.assignments:
        typer.echo(f"{item.task_id}\t{item.assessor}")
    typer.echo(result.note)
