"""``tianping questionnaire``: validate, show, import, export, diff and publish instruments."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import typer

import questionnaires
from questionnaires.errors import QuestionnaireError, errors_of
from questionnaires.files import check_file
from questionnaires.model import Item, Questionnaire
from questionnaires.templates import list_templates, load_template, template_text

app = typer.Typer(
    help="Questionnaires: validate, show, import/export (YAML, JSON, XLSForm), diff.",
    no_args_is_help=True,
)

OutputFormat = Literal["yaml", "json", "xlsx"]
_SUFFIXES: dict[str, OutputFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_SUFFIXES[".xlsx"] = "xlsx"

ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="File to write.", dir_okay=False)]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")]


def _write_atomically(path: Path, content: bytes, force: bool) -> None:
    """Write next to the target and rename, so a failure never leaves a half-written file."""
    if path.exists() and not force:
        raise QuestionnaireError(f"{path} already exists; choose another --out or add --force")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _output_format(out: Path, requested: str | None) -> OutputFormat:
    if requested is not None:
        if requested not in ("yaml", "json", "xlsx"):
            raise QuestionnaireError(f"unknown --format {requested!r}; use yaml, json or xlsx")
        return requested  # type: ignore[return-value]
    fmt = _SUFFIXES.get(out.suffix.lower())
    if fmt is None:
        raise QuestionnaireError(
            f"cannot tell the format of {out.name}; end it with .yaml, .json or .xlsx "
            "or give --format"
        )
    return fmt


def _render(q: Questionnaire, fmt: OutputFormat) -> bytes:
    if fmt == "xlsx":
        return questionnaires.dump_xlsform(q)
    return questionnaires.dump(q, fmt).encode("utf-8")


@app.command()
def validate(file: ExistingFile) -> None:
    """Print every problem with its location; exit 1 when there are errors."""
    q, problems = check_file(file)
    for problem in problems:
        typer.echo(str(problem), err=problem.severity == "error")
    n_errors = len(errors_of(problems))
    if q is None or n_errors:
        typer.echo(f"{file}: {n_errors or 1} error(s), {len(problems) - n_errors} warning(s)")
        raise typer.Exit(1)
    summary = f"{len(q.dimensions)} dimensions, {len(q.all_items())} items"
    typer.echo(f"{file}: valid ({summary}, {len(problems)} warning(s))")


def _item_line(item: Item, lang: str) -> str:
    details = [item.type if item.type != "likert" else f"likert {item.points}"]
    details += [flag for flag in ("reverse", "required", "allow_na") if getattr(item, flag)]
    if item.show_if:
        details.append(f"show if {item.show_if}")
    text = item.text.get(lang) or next(iter(item.text.values()), "")
    return f"    {item.code:<12} {text}  [{', '.join(details)}]"


@app.command()
def show(
    file: ExistingFile,
    lang: Annotated[str, typer.Option("--lang", help="Language of the texts (zh, en, ...).")] = "",
) -> None:
    """A readable outline of a questionnaire."""
    q = questionnaires.load(file)
    lang = lang or q.languages[0]
    if lang not in q.languages:
        raise QuestionnaireError(f"--lang {lang!r} is not one of {', '.join(q.languages)}")
    typer.echo(f"{q.title.get(lang, q.code)}  ({q.code} v{q.version}, {q.kind})")
    typer.echo(f"languages: {', '.join(q.languages)}; sha256 {questionnaires.canonical_sha256(q)}")
    if q.scale is not None:
        typer.echo(f"scale: {q.scale.points} points: {' / '.join(q.scale.labels.get(lang, ()))}")
    for dim in q.dimensions:
        weight = f" weight {dim.weight}" if dim.weight is not None else ""
        typer.echo(f"  [{dim.code}] {dim.name.get(lang, '')}{weight}")
        for item in dim.items:
            typer.echo(_item_line(item, lang))
    if q.general_items:
        typer.echo("  general items")
        for item in q.general_items:
            typer.echo(_item_line(item, lang))


@app.command("import")
def import_(
    file: ExistingFile,
    out: OutOption,
    fmt: Annotated[str | None, typer.Option("--format", help="yaml or json.")] = None,
    force: ForceOption = False,
) -> None:
    """Convert an XLSForm workbook (.xlsx) to the native YAML/JSON format."""
    q = questionnaires.load(file)
    target = _output_format(out, fmt)
    _write_atomically(out, _render(q, target), force)
    typer.echo(f"wrote {out} ({len(q.all_items())} items)")


@app.command()
def export(
    file: ExistingFile,
    out: OutOption,
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx, yaml or json.")] = None,
    force: ForceOption = False,
) -> None:
    """Write a questionnaire as XLSForm (.xlsx), YAML or JSON."""
    q = questionnaires.load(file)
    _write_atomically(out, _render(q, _output_format(out, fmt)), force)
    typer.echo(f"wrote {out}")


@app.command()
def diff(old: ExistingFile, new: ExistingFile) -> None:
    """What changed from OLD to NEW, and whether their scores are comparable."""
    change = questionnaires.diff(questionnaires.load(old), questionnaires.load(new))
    lines = [f"+ item {c}" for c in change.items_added]
    lines += [f"- item {c}" for c in change.items_removed]
    lines += [f"+ dimension {c}" for c in change.dimensions_added]
    lines += [f"- dimension {c}" for c in change.dimensions_removed]
    lines += [f"~ {r.code} reworded ({', '.join(r.languages)})" for r in change.reworded]
    lines += [f"~ {r.code} new anchor labels ({', '.join(r.languages)})" for r in change.relabelled]
    lines += [f"~ {r.code} rescaled {r.before} → {r.after} points" for r in change.rescaled]
    lines += [f"~ {c} reverse scoring flipped" for c in change.reverse_flipped]
    lines += [f"~ {m.code} moved {m.before or 'general'} → {m.after or 'general'}"
              for m in change.moved]  # fmt: skip
    lines += [f"~ {t.code} type {t.before} → {t.after}" for t in change.retyped]
    for line in lines or ["no changes"]:
        typer.echo(line)
    if change.comparable:
        typer.echo("comparable: yes — scores of both versions can be compared")
    else:
        typer.echo("comparable: no")
        for reason in change.reasons:
            typer.echo(f"  because {reason}")
    for warning in change.warnings:
        typer.echo(f"warning: {warning}")


@app.command()
def templates() -> None:
    """List the bundled templates."""
    for name in list_templates():
        q = load_template(name)
        typer.echo(f"{name:<20} {q.kind:<12} {q.title.get('en', '')} / {q.title.get('zh', '')}")


@app.command()
def new(
    template: Annotated[str, typer.Option("--template", "-t", help="Name from `templates`.")],
    out: OutOption,
    force: ForceOption = False,
) -> None:
    """Start a questionnaire from a bundled template."""
    target = _output_format(out, None)
    if target == "yaml":
        content = template_text(template).encode("utf-8")  # keeps the template's comments
    else:
        content = _render(load_template(template), target)
    _write_atomically(out, content, force)
    typer.echo(f"wrote {out} from template {template}")


@app.command()
def publish(
    ctx: typer.Context,
    file: ExistingFile,
    body: Annotated[str, typer.Option("--body", help="Evaluation body code.")],
) -> None:
    """Store FILE as the next version of its questionnaire and publish it (immutable from now).

    The version number is assigned by the database: one more than the latest published
    version of the same code (the file's own ``version`` is used for the first one).
    """
    from sqlmodel import select

    from app.cli.context import state
    from app.db.engine import make_engine, write_session
    from app.db.migrate import ensure_current
    from app.db.models.tenancy import EvaluationBody
    from app.domain.questionnaires.service import publish as publish_version
    from app.domain.questionnaires.service import save_draft
    from app.errors import NotFoundError

    q = questionnaires.load(file)
    engine = make_engine(state(ctx).settings.effective_database_url)
    try:
        ensure_current(engine)
        with write_session(engine) as session:
            found = session.exec(select(EvaluationBody).where(EvaluationBody.code == body)).first()
            if found is None:
                raise NotFoundError(f"no evaluation body with code {body!r}")
            draft = save_draft(session, body_id=found.id or 0, questionnaire=q, actor="cli")
            version = publish_version(
                session, version_id=draft.id or 0, body_id=found.id, actor="cli"
            )
    finally:
        engine.dispose()
    typer.echo(f"published {version.code} v{version.version} (sha256 {version.sha256[:16]}…)")
