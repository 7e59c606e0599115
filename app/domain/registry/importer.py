"""Import a case registry into a round: validated, all-or-nothing, idempotent by SHA-256.

The file is streamed (constant memory in its length). Valid rows go straight into the open
write transaction in batches; if any row is invalid the whole transaction is rolled back —
unless ``accept_valid`` is set, in which case the invalid rows are kept aside, encrypted, in
``quarantined_row`` (never silently dropped). Contact details are normalised by the parser,
then stored only encrypted plus a keyed hash for de-duplication. Large files are read,
validated and encrypted in a worker process while this one inserts
(:mod:`app.domain.registry.pipeline`); the transaction stays here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.engine import read_session, write_session
from app.db.models.plan import ScoringPlan
from app.db.models.registry import CaseRegistry, QuarantinedRow
from app.db.models.round import EvaluationRound
from app.db.outage import unavailable_as_domain_error
from app.domain.audit.chain import append
from app.domain.registry.bulk import CaseTuple, CaseWriter
from app.domain.registry.encode import EncodingContext
from app.domain.registry.pipeline import EncodedBatches, worth_a_worker
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import move, round_enterprises
from app.errors import ConflictError, NotFoundError, TianpingError
from app.pii import keyed_hash
from app.secrets import KeyMaterial
from sampling.registry import CaseRow, RegistryOptions, RegistryReport
from sampling.sources import RawRows

BATCH_ROWS = 5000
Progress = Callable[[int, int | None], None]


class RegistryRejectedError(TianpingError):
    """The registry has invalid rows and was not imported; ``report`` lists them."""

    def __init__(self, report: RegistryReport) -> None:
        self.report = report
        first = report.problems[0] if report.problems else None
        super().__init__(
            f"{report.source}: {report.problem_count} problem(s) in {report.invalid_rows} "
            f"row(s), nothing imported; first: {first}. Fix the file, or import the valid "
            "rows with --accept-valid (the others are quarantined)"
        )


@dataclass(frozen=True)
class ImportOutcome:
    registry_id: int
    sha256: str
    imported: int
    quarantined: int
    already_imported: bool
    report: RegistryReport | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class _RoundContext:
    round_id: int
    strata: tuple[str, ...]
    enterprise_ids: Mapping[str, int]
    # Stratum values → (stored stratum label, attributes); a file has few distinct ones.
    strata_memo: dict[tuple[str, ...], tuple[str, dict[str, str]]] = field(
        default_factory=dict, compare=False
    )


def _context(session: Session, round_id: int) -> _RoundContext:
    rnd = session.get(EvaluationRound, round_id)
    if rnd is None:
        raise NotFoundError(f"no round {round_id}")
    if rnd.state not in (RoundState.PLAN_FROZEN, RoundState.SAMPLING):
        raise ConflictError(
            f"registries are imported after the plan is frozen and before fieldwork; round "
            f"{rnd.code} is in state {rnd.state}"
        )
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    if plan is None or plan.sha256 is None:
        raise ConflictError(f"round {rnd.code} has no frozen scoring plan yet")
    strata = tuple(str(s) for s in plan.content.get("strata", []))
    ents = {e.code: e.id or 0 for e in round_enterprises(session, round_id)}
    return _RoundContext(round_id, strata, ents)


def _to_tuple(
    row: CaseRow,
    registry_id: int,
    ctx: _RoundContext,
    keys: KeyMaterial,
) -> CaseTuple:
    """One row as the ORM's values (the benchmark's naive baseline builds objects from it)."""
    seal = keys.keyring.encrypt
    contact = row.phone or row.email
    stratum = ctx.strata_memo.get(row.strata)
    if stratum is None:
        stratum = ctx.strata_memo[row.strata] = (
            "|".join(row.strata),
            dict(zip(ctx.strata, row.strata, strict=True)),
        )
    return (
        registry_id,
        ctx.round_id,
        ctx.enterprise_ids[row.enterprise],
        row.case_id,
        stratum[0],
        dict(stratum[1]),
        seal(row.phone) if row.phone else None,
        seal(row.email) if row.email else None,
        keyed_hash(contact, keys.contact_hash_key) if contact else None,
        row.opened_at,
        row.first_response_at,
        row.resolved_at,
        row.complaint,
        row.complaint_class,
        row.outcome,
        row.assessed_at,
        row.followed_up_at,
        row.closed_at,
        row.extended,
        row.category,
    )


def import_registry(
    engine: Engine,
    *,
    round_id: int,
    source: Path,
    keys: KeyMaterial,
    actor: str,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    accept_valid: bool = False,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> ImportOutcome:
    """Import ``source`` into the round; see the module docstring.

    ``parallel`` runs reading/validation/encryption in a worker process while this one
    inserts (default: for files of at least ``PARALLEL_MIN_BYTES`` on a multi-core machine).
    """
    if not source.is_file():
        raise TianpingError(f"registry file {source} does not exist")
    sha = file_sha256(source)
    with read_session(engine) as session:
        ctx = _context(session, round_id)
        existing = session.exec(
            select(CaseRegistry).where(
                CaseRegistry.round_id == round_id, CaseRegistry.file_sha256 == sha
            )
        ).first()
    if existing is not None:
        return ImportOutcome(existing.id or 0, sha, 0, 0, True, None)

    options = RegistryOptions(
        mapping=dict(mapping or {}),
        stratum_columns=ctx.strata,
        known_enterprises=frozenset(ctx.enterprise_ids),
        encoding=encoding,
    )
    # A full or read-only database rolls the whole import back: say so, not a driver error.
    with unavailable_as_domain_error(), write_session(engine) as session:
        registry = CaseRegistry(round_id=round_id, file_name=source.name[:255], file_sha256=sha)
        session.add(registry)
        session.flush()
        registry_id = registry.id or 0
        connection = session.connection()
        encode_ctx = EncodingContext(
            registry_id, round_id, ctx.strata, ctx.enterprise_ids, connection.dialect.name, keys
        )
        if parallel is None:
            parallel = worth_a_worker(source)
        batches = EncodedBatches(
            source, options, encode_ctx, batch_rows=BATCH_ROWS, parallel=parallel
        )
        with CaseWriter(connection) as writer, batches as stream:
            for batch in stream:
                writer.write(batch)
                if progress is not None:
                    progress(stream.bytes_read, stream.size)
            report = stream.report()
        quarantined = 0
        if not report.ok:
            if not accept_valid:
                raise RegistryRejectedError(report)
            quarantined = _quarantine(session, registry_id, source, options, report, keys)
        registry.row_count = report.valid_rows
        registry.quarantined_count = quarantined
        session.add(registry)
        rnd = session.get(EvaluationRound, round_id)
        assert rnd is not None
        if rnd.state == RoundState.PLAN_FROZEN:
            move(session, rnd, RoundState.SAMPLING, actor=actor, reason="first registry imported")
        append(
            session,
            actor=actor,
            action="registry.import",
            object_type="registry",
            object_id=registry_id,
            details={"sha256": sha, "rows": report.valid_rows, "quarantined": quarantined},
        )
    return ImportOutcome(registry_id, sha, report.valid_rows, quarantined, False, report)


def _quarantine(
    session: Session,
    registry_id: int,
    source: Path,
    options: RegistryOptions,
    report: RegistryReport,
    keys: KeyMaterial,
) -> int:
    if report.problem_count > len(report.problems):
        raise RegistryRejectedError(report)  # more problems than we kept: cannot quarantine all
    by_line: dict[int, list[dict[str, str]]] = {}
    for p in report.problems:
        by_line.setdefault(p.line, []).append(
            {"column": p.column, "code": str(p.code), "message": p.message}
        )
    # A second pass over the file picks up the raw cells of the rejected lines only.
    with RawRows(source, encoding=options.encoding, sheet=options.sheet) as raw:
        header = list(raw.header)
        for line, cells in raw:
            problems = by_line.get(line)
            if problems is None:
                continue
            row = dict(zip(header, cells, strict=False))
            session.add(
                QuarantinedRow(
                    registry_id=registry_id,
                    line=line,
                    problems=problems,
                    raw_enc=keys.keyring.encrypt(json.dumps(row, ensure_ascii=False)),
                )
            )
    session.flush()
    return len(by_line)
