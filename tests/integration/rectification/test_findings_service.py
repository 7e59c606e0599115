"""Findings through the services on both engines: the state machine, refused transitions,
bad input that names its field and saves nothing, evidence storage and the overdue clock."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.db.engine import read_session, write_session
from app.db.models import (
    AuditEntry,
    Evidence,
    Finding,
    FindingDecision,
    ObservationVisit,
    RectificationPlan,
)
from app.domain.audit.chain import verify_chain
from app.domain.observations.service import publish_bundled_checklist
from app.domain.rectification.errors import EvidenceRejectedError, RectificationInputError
from app.domain.rectification.evidence import CheckedFile, check_file, evidence_dir
from app.domain.rectification.findings import (
    decide,
    finding_detail,
    is_overdue,
    mark_overdue,
    record_finding,
    submit_plan,
)
from app.domain.rectification.states import (
    FindingStatus,
    FindingTransitionError,
    check_transition,
)
from app.errors import NotFoundError
from tests.integration.rectification.setup import EXE, PDF, PNG, TODAY, RectWorld, build


@pytest.fixture
def rw(engine: Engine) -> RectWorld:
    return build(engine)


def _record(engine: Engine, rw: RectWorld, **overrides: object) -> int:
    args: dict[str, object] = {
        "round_id": rw.round_id,
        "body_id": rw.body_id,
        "enterprise_id": rw.failing,
        "target_kind": "dimension",
        "target_code": "attitude",
        "severity": "major",
        "required_action": "Retrain the service desk staff.",
        "deadline": TODAY + timedelta(days=30),
        "today": TODAY,
        "actor": "assessor1",
        "user_id": None,
        **overrides,
    }
    with write_session(engine) as s:
        return record_finding(s, **args).id or 0  # type: ignore[arg-type]


def _submit(
    engine: Engine, rw: RectWorld, finding_id: int, data_dir: Path, files: list[CheckedFile]
) -> int:
    with write_session(engine) as s:
        plan = submit_plan(
            s,
            finding_id=finding_id,
            enterprise_id=rw.failing,
            text="Weekly coaching; new greeting script.",
            files=files,
            data_dir=data_dir,
            today=TODAY,
            actor="viewer2",
            user_id=None,
        )
        return plan.id or 0


def _decide(engine: Engine, rw: RectWorld, finding_id: int, outcome: str) -> None:
    with write_session(engine) as s:
        decide(
            s,
            finding_id=finding_id,
            body_id=rw.body_id,
            outcome=outcome,
            reason=f"{outcome}: checked on site",
            actor="assessor1",
            user_id=None,
        )


def _status(engine: Engine, finding_id: int) -> str:
    with read_session(engine) as s:
        finding = s.get(Finding, finding_id)
        assert finding is not None
        return finding.status


def _count(s: Session, model: type) -> int:
    return int(s.exec(select(func.count()).select_from(model)).one())


def _pdf(name: str = "training.pdf", content: bytes = PDF) -> CheckedFile:
    return check_file(name, io.BytesIO(content), max_bytes=1024 * 1024)


def test_transition_table() -> None:
    assert check_transition("open", FindingStatus.PLAN_SUBMITTED) is FindingStatus.PLAN_SUBMITTED
    assert check_transition("rejected", FindingStatus.PLAN_SUBMITTED)
    assert check_transition("overdue", FindingStatus.ESCALATED) is FindingStatus.ESCALATED
    for current, target in [
        ("open", FindingStatus.ACCEPTED),
        ("open", FindingStatus.ESCALATED),
        ("plan_submitted", FindingStatus.OVERDUE),
        ("accepted", FindingStatus.PLAN_SUBMITTED),
        ("escalated", FindingStatus.OPEN),
        ("overdue", FindingStatus.PLAN_SUBMITTED),
    ]:
        with pytest.raises(FindingTransitionError, match=f"from {current} to {target.value}"):
            check_transition(current, target)


def test_plan_reject_resubmit_accept(engine: Engine, rw: RectWorld, data_dir: Path) -> None:
    finding_id = _record(engine, rw)
    assert _status(engine, finding_id) == "open"
    with pytest.raises(FindingTransitionError, match="from open to accepted"):
        _decide(engine, rw, finding_id, "accept")

    _submit(engine, rw, finding_id, data_dir, [_pdf()])
    assert _status(engine, finding_id) == "plan_submitted"
    with pytest.raises(FindingTransitionError, match="from plan_submitted to plan_submitted"):
        _submit(engine, rw, finding_id, data_dir, [])
    _decide(engine, rw, finding_id, "reject")
    assert _status(engine, finding_id) == "rejected"
    with pytest.raises(FindingTransitionError):
        _decide(engine, rw, finding_id, "accept")

    _submit(engine, rw, finding_id, data_dir, [])
    _decide(engine, rw, finding_id, "accept")
    assert _status(engine, finding_id) == "accepted"
    with pytest.raises(FindingTransitionError, match="accepted is final"):
        _submit(engine, rw, finding_id, data_dir, [])

    with read_session(engine) as s:
        detail = finding_detail(s, finding_id, body_id=rw.body_id, enterprise_id=None, today=TODAY)
        assert [p.decision.outcome for p in detail.plans if p.decision] == ["reject", "accept"]
        assert [e.original_filename for e in detail.plans[0].evidence] == ["training.pdf"]
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.object_type == "finding")).all()
        assert actions == [
            "finding.record",
            "rectification.plan_submitted",
            "rectification.reject",
            "rectification.plan_submitted",
            "rectification.accept",
        ]
        assert verify_chain(s).ok
        with pytest.raises(NotFoundError):
            finding_detail(s, finding_id, body_id=None, enterprise_id=rw.good, today=TODAY)
        with pytest.raises(NotFoundError):
            finding_detail(s, finding_id, body_id=rw.body_id + 1, enterprise_id=None, today=TODAY)
    stored = evidence_dir(data_dir) / _pdf().sha256
    assert stored.read_bytes() == PDF
    assert [p.name for p in evidence_dir(data_dir).iterdir()] == [stored.name]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": TODAY - timedelta(days=1)}, "deadline", "2026-05-03 is not in the future"),
        ({"deadline": TODAY}, "deadline", "not in the future"),
        ({"target_kind": "item", "target_code": "att99"}, "target_code", "no item att99"),
        ({"target_code": "speed"}, "target_code", "no dimension speed"),
        ({"target_kind": "kpi", "target_code": "first_response_24h"}, "target_code", "no KPI"),
        ({"target_kind": "observation", "target_code": "999"}, "target_code", "visit 999"),
        ({"target_kind": "mood"}, "target_kind", "Choose one of"),
        ({"severity": "huge"}, "severity", "Choose one of"),
        ({"required_action": "  "}, "required_action", "required"),
        ({"enterprise_id": 10_000}, "enterprise_id", "enterprise of this round"),
    ],
)
def test_bad_finding_names_the_field_and_saves_nothing(
    engine: Engine, rw: RectWorld, overrides: dict[str, object], field: str, message: str
) -> None:
    with read_session(engine) as s:
        audit_before = _count(s, AuditEntry)
    with pytest.raises(RectificationInputError, match=message) as caught:
        _record(engine, rw, **overrides)
    assert caught.value.field == field
    with read_session(engine) as s:
        assert _count(s, Finding) == 0
        assert _count(s, AuditEntry) == audit_before


def test_other_body_round_is_not_found(engine: Engine, rw: RectWorld) -> None:
    with pytest.raises(NotFoundError):
        _record(engine, rw, round_id=rw.world.round_other_body)


def test_items_kpis_and_observation_targets(engine: Engine, rw: RectWorld) -> None:
    with write_session(engine) as s:
        version = publish_bundled_checklist(s, body_id=rw.body_id, actor="test")
        visit = ObservationVisit(
            round_id=rw.round_id,
            enterprise_id=rw.failing,
            questionnaire_version_id=version,
            outlet="North",
            visit_date=date(2026, 2, 1),
            answers={},
        )
        s.add(visit)
        s.flush()
        visit_id = visit.id or 0
    assert _record(engine, rw, target_kind="item", target_code="att3")
    assert _record(engine, rw, target_kind="observation", target_code=f"{visit_id}:obs_env_clean")
    with pytest.raises(RectificationInputError, match="no item obs_nope"):
        _record(engine, rw, target_kind="observation", target_code=f"{visit_id}:obs_nope")
    # The visit is E2's: a finding for E1 cannot point at it.
    with pytest.raises(RectificationInputError, match=f"visit {visit_id}"):
        _record(
            engine, rw, enterprise_id=rw.good, target_kind="observation", target_code=str(visit_id)
        )
    with read_session(engine) as s:
        assert set(s.exec(select(Finding.target_code)).all()) == {
            "att3",
            f"{visit_id}:obs_env_clean",
        }


@pytest.mark.parametrize(
    ("name", "content", "limit", "message"),
    [
        ("setup.pdf", EXE, 1024, "setup.pdf is not a PDF, PNG or JPEG"),
        ("photo.pdf", PNG, 1024, "photo.pdf is not a PDF"),
        ("notes.txt", b"%PDF-1.4 but a text file", 1024, "notes.txt is not a PDF"),
        ("big.pdf", PDF + b"x" * 2048, 1024, "big.pdf is larger than the limit"),
        ("empty.png", b"", 1024, "empty.png is empty"),
    ],
)
def test_evidence_file_checks(name: str, content: bytes, limit: int, message: str) -> None:
    with pytest.raises(EvidenceRejectedError, match=message) as caught:
        check_file(name, io.BytesIO(content), max_bytes=limit)
    assert caught.value.field == "evidence"


def test_default_limit_is_ten_mebibytes() -> None:
    from app.config import Settings

    limit = Settings().evidence_max_bytes
    assert limit == 10 * 1024 * 1024
    ok = check_file("scan.pdf", io.BytesIO(PDF + b"0" * (limit - len(PDF))), max_bytes=limit)
    assert ok.size == limit
    with pytest.raises(EvidenceRejectedError, match="limit of 10 MiB"):
        check_file("scan.pdf", io.BytesIO(PDF + b"0" * (limit + 1 - len(PDF))), max_bytes=limit)
    photo = check_file(r"C:\Users\x\photo.JPG", io.BytesIO(b"\xff\xd8\xff\xe0rest"), max_bytes=64)
    assert (photo.filename, photo.media_type) == ("photo.JPG", "image/jpeg")


def test_refused_plan_saves_nothing(engine: Engine, rw: RectWorld, data_dir: Path) -> None:
    finding_id = _record(engine, rw)
    with pytest.raises(RectificationInputError) as caught, write_session(engine) as s:
        submit_plan(
            s,
            finding_id=finding_id,
            enterprise_id=rw.failing,
            text="   ",
            files=[_pdf()],
            data_dir=data_dir,
            today=TODAY,
            actor="viewer2",
            user_id=None,
        )
    assert caught.value.field == "plan_text"
    with pytest.raises(NotFoundError), write_session(engine) as s:
        submit_plan(
            s,
            finding_id=finding_id,
            enterprise_id=rw.good,
            text="Not ours",
            files=[_pdf()],
            data_dir=data_dir,
            today=TODAY,
            actor="viewer1",
            user_id=None,
        )
    assert _status(engine, finding_id) == "open"
    with read_session(engine) as s:
        assert _count(s, RectificationPlan) == 0
        assert _count(s, Evidence) == 0
        assert _count(s, FindingDecision) == 0
    assert not evidence_dir(data_dir).exists() or not any(evidence_dir(data_dir).iterdir())


def test_overdue_by_the_clock(engine: Engine, rw: RectWorld, data_dir: Path) -> None:
    deadline = TODAY + timedelta(days=10)
    waiting = _record(engine, rw, deadline=deadline)
    submitted = _record(engine, rw, deadline=deadline, target_code="efficiency")
    _submit(engine, rw, submitted, data_dir, [])
    with read_session(engine) as s:
        f = s.get(Finding, waiting)
        assert f is not None
        assert not is_overdue(f, deadline)
        assert is_overdue(f, deadline + timedelta(days=1))
    with write_session(engine) as s:
        assert mark_overdue(s, round_id=rw.round_id, today=deadline, actor="cli") == []
    with write_session(engine) as s:
        marked = mark_overdue(s, round_id=rw.round_id, today=deadline + timedelta(1), actor="cli")
        assert [f.id for f in marked] == [waiting]
    assert _status(engine, waiting) == "overdue"
    # Waiting for the assessor is not the enterprise's delay.
    assert _status(engine, submitted) == "plan_submitted"
    with pytest.raises(FindingTransitionError, match="overdue"):
        _submit(engine, rw, waiting, data_dir, [])
