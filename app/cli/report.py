"""``tianping report``: render a signed report from a scorecard file, verify a report PDF."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from app.cli.context import state
from app.domain.certificates.verification import (
    ReportCheck,
    Verification,
    check_report,
    verify_number,
)
from app.errors import ConfigurationError
from app.keys_store import KeyStore
from reports.batch import write_atomic
from reports.context import DEFAULT_VERIFY_BASE, ReportContext
from reports.errors import ReportError
from reports.facts import FactsInput, build_facts, sign_facts
from reports.pades import sign_pdf
from reports.render import render_report
from reports.verify import verify_report_pdf

app = typer.Typer(help="Assessment reports: render and verify.", no_args_is_help=True)


def _load_scorecard(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read scorecard {path}: {exc}") from None
    if not isinstance(doc, dict) or "enterprises" not in doc:
        raise ReportError(f"{path} is not a scorecard document (no 'enterprises' key)")
    return doc


@app.command("render")
def render_command(
    ctx: typer.Context,
    scorecard: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    enterprise: Annotated[str, typer.Option("--enterprise", help="Enterprise code.")],
    out: Annotated[Path, typer.Option("--out", help="PDF to write.", dir_okay=False)],
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
    name: Annotated[str, typer.Option("--name", help="Enterprise name (default: code).")] = "",
    body_name: Annotated[str, typer.Option("--body-name")] = "Tianping evaluation body",
    round_code: Annotated[str, typer.Option("--round-code")] = "ROUND",
    round_title: Annotated[str, typer.Option("--round-title")] = "",
    period_start: Annotated[str, typer.Option("--period-start", help="YYYY-MM-DD")] = "",
    period_end: Annotated[str, typer.Option("--period-end", help="YYYY-MM-DD")] = "",
    number: Annotated[str, typer.Option("--number", help="Certificate number.")] = "",
    valid_days: Annotated[int, typer.Option("--valid-days", min=1)] = 365,
    verify_base_url: Annotated[str, typer.Option("--verify-base-url")] = DEFAULT_VERIFY_BASE,
    draft: Annotated[bool, typer.Option("--draft", help="Unsigned draft, no keys needed.")] = False,
) -> None:
    """Render one enterprise's report; signed with the local keys unless --draft.

    A file-rendered report is not in the register; certificates that third parties rely on
    are issued from the database (round in review, four eyes)."""
    if lang not in ("zh", "en"):
        raise ReportError(f"--lang must be zh or en, got {lang!r}")
    the_lang: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
    doc = _load_scorecard(scorecard)
    today = date.today()
    try:
        start = date.fromisoformat(period_start) if period_start else today
        end = date.fromisoformat(period_end) if period_end else today
    except ValueError as exc:
        raise ReportError(f"--period-start/--period-end: {exc}; use YYYY-MM-DD") from None
    info = FactsInput(
        number=number or f"TP-LOCAL-{today:%Y%m%d}-{enterprise}",
        enterprise_code=enterprise,
        enterprise_name=name or enterprise,
        round_code=round_code,
        round_title=round_title or round_code,
        period_start=start,
        period_end=end,
        issue_date=today,
        valid_until=today + timedelta(days=valid_days),
        key_id="",
        body_name=body_name,
    )
    store = KeyStore.for_settings(state(ctx).settings)
    signed = None
    if not draft:
        kid, key = store.private_key()
        info = replace(info, key_id=kid)
        signed = sign_facts(build_facts(doc, info), key, kid)
    context = ReportContext(
        body_name=body_name,
        enterprise_name=info.enterprise_name,
        round_code=round_code,
        round_title=info.round_title,
        period_start=start,
        period_end=end,
        issue_date=today,
        valid_until=info.valid_until,
        certificate=signed,
        verify_base_url=verify_base_url,
    )
    pdf = render_report(doc, enterprise, the_lang, context)
    if signed is not None:
        pdf = sign_pdf(
            pdf, store.pades_signer(), reason=f"Certificate {info.number}", name=body_name
        )
    write_atomic(out, pdf)
    kind = "signed report" if signed else "DRAFT report"
    typer.echo(f"wrote {kind} {out} ({len(pdf) // 1024} KiB)")


def _online(base: str, number: str) -> Verification:
    if not base.startswith(("http://", "https://")):
        raise ConfigurationError(f"--online needs an http(s) URL, got {base!r}")
    # The JSON twin of the public /verify/{number} page.
    quoted = urllib.parse.quote(number, safe="")
    url = f"{base.rstrip('/')}/api/v1/certificates/{quoted}/status"
    req = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 (http(s) only)
            data = json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot ask {url} for the certificate status: {exc}") from None
    until = data.get("valid_until")
    return Verification(
        number=str(data.get("number", number)),
        status=data.get("status", "unknown"),
        enterprise=data.get("enterprise"),
        valid_until=date.fromisoformat(until) if until else None,
        reason=data.get("reason"),
        superseded_by=data.get("superseded_by"),
        facts=data.get("facts"),
    )


def _local(ctx: typer.Context, number: str) -> Verification:
    from app.db.engine import make_engine, read_session
    from app.db.migrate import ensure_current

    engine = make_engine(state(ctx).settings.effective_database_url)
    try:
        ensure_current(engine)  # a one-line hint (run `tianping db upgrade`) instead of SQL
        with read_session(engine) as session:
            return verify_number(session, number, date.today())
    finally:
        engine.dispose()


def _print(result: ReportCheck) -> None:
    f = result.file
    facts = f.facts or {}
    typer.echo(f"certificate: {facts.get('number', '—')}")
    ent = facts.get("enterprise") or {}
    if ent:
        comp = facts.get("composite") or {}
        typer.echo(f"enterprise:  {ent.get('name')} ({ent.get('code')})")
        typer.echo(
            f"grade:       {facts.get('grade')}  composite {comp.get('estimate')} "
            f"[{comp.get('ci_low')}, {comp.get('ci_high')}]"
        )
        typer.echo(f"valid until: {facts.get('valid_until')}")
    typer.echo(
        f"PAdES:       {'valid' if f.pades.ok else 'INVALID'}"
        + (f" — signed by {f.pades.signer}" if f.pades.signer else "")
    )
    if result.registry is not None:
        typer.echo(f"register:    {result.registry.status}")


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    pdf: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    online: Annotated[str, typer.Option("--online", help="Base URL of a Tianping server.")] = "",
    offline: Annotated[bool, typer.Option("--offline", help="Skip the status check.")] = False,
) -> None:
    """Check the PAdES signature, the Ed25519-signed facts and (unless --offline) the
    certificate's status — online (--online URL) or in the local database. Exit 1 on any
    problem, each one named."""
    store = KeyStore.for_settings(state(ctx).settings)
    data = pdf.read_bytes()
    file = verify_report_pdf(data, store.public_keys(), store.trust_roots())
    registry = None
    if not offline and file.number:
        registry = _online(online, file.number) if online else _local(ctx, file.number)
    result = check_report(file, registry)
    _print(result)
    if result.ok:
        typer.echo("VERIFIED: signatures hold and the certificate is valid")
        return
    for problem in result.problems:
        typer.echo(f"problem: {problem}", err=True)
    raise typer.Exit(1)
