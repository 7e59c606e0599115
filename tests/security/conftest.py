"""Fixtures of the security tests: the web tests' app and world, plus the extra actors a sweep
needs (an admin of another body, a viewer of another body's enterprise) and owned objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.db.models import Finding, ObservationVisit
from app.db.models.user import Role
from app.domain.observations.service import publish_bundled_checklist
from app.domain.rounds.service import get_or_create_body
from app.domain.users.service import create_user
from tests.integration.web.conftest import web_client, world  # noqa: F401  (re-exported fixtures)
from tests.integration.web.helpers import PASSWORD, World, build_world


@dataclass(frozen=True)
class SweepWorld:
    """Objects of body B1 (round, enterprise E1, questionnaire version, visit, certificate)."""

    base: World
    version_id: int
    visit_id: int
    finding_id: int
    certificate: str = "TP-E1"


@pytest.fixture
def sweep_world(engine: Engine) -> SweepWorld:
    base = build_world(engine)
    with write_session(engine) as s:
        b1 = get_or_create_body(s, "B1", "Body one", "test")
        for name, role, body, ent in [
            ("admin2", Role.BODY_ADMIN, "B2", None),
            ("viewer3", Role.ENTERPRISE_VIEWER, "B2", "E3"),
        ]:
            create_user(
                s,
                username=name,
                password=PASSWORD,
                role=role,
                body_code=body,
                enterprise_code=ent,
                actor="test",
            )
        version_id = publish_bundled_checklist(s, body_id=b1.id or 0, actor="test")
        visit = ObservationVisit(
            round_id=base.round_a,
            enterprise_id=base.e1,
            questionnaire_version_id=version_id,
            assessor_id=None,
            outlet="Main street",
            visit_date=date(2026, 2, 1),
            answers={},
            notes="",
        )
        s.add(visit)
        finding = Finding(
            round_id=base.round_a,
            enterprise_id=base.e1,
            target_kind="composite",
            target_code="composite",
            severity="major",
            required_action="Answer complaints within a week",
            deadline=date(2026, 6, 30),
        )
        s.add(finding)
        s.flush()
        visit_id, finding_id = visit.id or 0, finding.id or 0
    return SweepWorld(base=base, version_id=version_id, visit_id=visit_id, finding_id=finding_id)
