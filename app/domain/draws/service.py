"""Draw a round's sample from its imported registries and store the verifiable record.

One draw per round: a second draw would let someone pick the sample they like, so it is
refused. The seed combines the round's public id with a witness value entered at draw time by
a second person (or a public beacon value); the record is everything anyone needs to recompute
the draw from the registry files with ``tianping sample verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db.engine import read_session, write_session
from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.plan import ScoringPlan
from app.db.models.registry import CaseRegistry, ServiceCase
from app.db.models.round import EvaluationRound
from app.db.models.tenancy import Enterprise
from app.domain.audit.chain import append
from app.domain.rounds.lifecycle import RoundState
from app.errors import ConflictError, NotFoundError
from sampling.draw import build_frame, draw_sample
from sampling.record import DrawRecord, combined_registry_sha256
from sampling.rows import CaseRow
from sampling.seeds import SeedInputs

INSERT_BATCH = 10_000


@dataclass(frozen=True)
class DrawOutcome:
    draw_id: int
    record: DrawRecord


def public_round_id(rnd: EvaluationRound) -> str:
    """The round identifier that goes into the seed (stable, printed on reports)."""
    return f"{rnd.body_id}/{rnd.code}"


def _strata_columns(session: Session, round_id: int) -> tuple[str, ...]:
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    if plan is None or plan.sha256 is None:
        raise ConflictError("the round's scoring plan is not frozen")
    return tuple(str(c) for c in plan.content.get("strata", []))


def _case_rows(
    session: Session, round_id: int, strata: tuple[str, ...]
) -> Iterator[tuple[int, CaseRow]]:
    result = session.exec(
        select(ServiceCase.id, ServiceCase.case_id, Enterprise.code, ServiceCase.attributes)
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(ServiceCase.round_id == round_id)
        .execution_options(yield_per=20_000)
    )
    for pk, case_id, ent, attrs in result:
        yield pk or 0, CaseRow(0, case_id, ent, tuple(str(attrs.get(c, "")) for c in strata))


def draw_round(
    engine: Engine,
    *,
    round_id: int,
    witness: str,
    witness_name: str,
    actor: str,
    drawn_by: int | None = None,
    beacon: str | None = None,
    min_fraction: float = 0.5,
) -> DrawOutcome:
    with read_session(engine) as session:
        rnd = session.get(EvaluationRound, round_id)
        if rnd is None:
            raise NotFoundError(f"no round {round_id}")
        if rnd.state != RoundState.SAMPLING:
            raise ConflictError(
                f"round {rnd.code} is in state {rnd.state}; samples are drawn in the sampling "
                "state, after the registries are imported"
            )
        if session.exec(select(SampleDraw).where(SampleDraw.round_id == round_id)).first():
            raise ConflictError(
                f"round {rnd.code} already has a sample; a second draw is not allowed"
            )
        strata = _strata_columns(session, round_id)
        shas = list(
            session.exec(
                select(CaseRegistry.file_sha256).where(CaseRegistry.round_id == round_id)
            ).all()
        )
        if not shas:
            raise ConflictError(f"round {rnd.code} has no registry yet; import one first")
        pks: dict[str, int] = {}

        def rows() -> Iterator[CaseRow]:
            for pk, row in _case_rows(session, round_id, strata):
                pks[row.case_id] = pk
                yield row

        frame = build_frame(rows())
        seed_round = public_round_id(rnd)
    result = draw_sample(
        frame,
        seed_inputs=SeedInputs(seed_round, witness, beacon),
        registry_sha256=combined_registry_sha256(shas),
        stratum_columns=strata,
        min_fraction=min_fraction,
    )
    record = result.record
    with write_session(engine) as session:
        draw = SampleDraw(
            round_id=round_id,
            algorithm=record.algorithm,
            seed=record.seed,
            registry_sha256=record.registry_sha256,
            selected_sha256=record.selected_sha256,
            record=record.to_dict(),
            drawn_by=drawn_by,
            witness_name=witness_name[:200],
        )
        session.add(draw)
        session.flush()
        draw_id = draw.id or 0
        batch: list[dict[str, object]] = []
        for case in result.cases():
            batch.append(
                {
                    "draw_id": draw_id,
                    "case_pk": pks[case.case_id],
                    "selection_number": case.selection_number,
                }
            )
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(SampledCase), batch)
                batch = []
        if batch:
            session.execute(insert(SampledCase), batch)
        append(
            session,
            actor=actor,
            action="sample.draw",
            object_type="round",
            object_id=round_id,
            details={
                "seed": record.seed,
                "population": record.population,
                "sampled": record.sampled,
                "selected_sha256": record.selected_sha256,
            },
        )
    return DrawOutcome(draw_id, record)
