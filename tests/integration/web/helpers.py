"""Shared set-up for web tests: two bodies, enterprises, users of every role, a login helper."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.db.models import Certificate, EvaluationRound, Scorecard
from app.db.models.user import Role
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.domain.users.service import create_user

PASSWORD = "correct horse battery staple"
BASE_URL = "https://testserver.local"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class World:
    round_a: int  # body B1, enterprises E1 and E2, issued, scorecards for both
    round_other_body: int  # body B2
    e1: int
    e2: int


def section(estimate: float, responded: int = 40) -> dict[str, Any]:
    est = {
        "estimate": estimate,
        "se": 1.0,
        "ci_low": estimate - 2,
        "ci_high": estimate + 2,
        "df": responded - 1,
    }
    return {
        "frame_size": 100,
        "sampled": 60,
        "responded": responded,
        "composite": est,
        "dimensions": {"attitude": est, "efficiency": est},
        "grade": {"grade": "B", "borderline": False},
        "benchmark": {},
        "item_distributions": {"att1": [0.1, 0.1, 0.2, 0.3, 0.3]},
        "domains": {"channel": {"phone": {"suppressed": True}}},
    }


def build_world(engine: Engine) -> World:
    with write_session(engine) as s:
        b1 = get_or_create_body(s, "B1", "Body one", "test")
        b2 = get_or_create_body(s, "B2", "Body two", "test")
        e1 = add_enterprise(s, b1, "E1", "Alpha Appliances", actor="test")
        e2 = add_enterprise(s, b1, "E2", "Beta Repairs SECRETNAME", actor="test")
        e3 = add_enterprise(s, b2, "E3", "Gamma", actor="test")
        for name, role, body, ent in [
            ("admin1", Role.BODY_ADMIN, "B1", None),
            ("assessor1", Role.ASSESSOR, "B1", None),
            ("assessor2", Role.ASSESSOR, "B1", None),
            ("assessor3", Role.ASSESSOR, "B2", None),
            ("viewer1", Role.ENTERPRISE_VIEWER, "B1", "E1"),
            ("viewer2", Role.ENTERPRISE_VIEWER, "B1", "E2"),
            ("platform", Role.PLATFORM_ADMIN, None, None),
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
        rnd = create_round(
            s,
            b1,
            code="R1",
            title="Round one",
            industry="appliances",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            enterprises=[e1, e2],
            created_by=None,
            actor="test",
        )
        other = create_round(
            s,
            b2,
            code="R9",
            title="Other body",
            industry="x",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            enterprises=[e3],
            created_by=None,
            actor="test",
        )
        s.flush()
        rnd.state = RoundState.ISSUED.value
        s.add(rnd)
        for ent, est, number in [(e1, 81.5, "TP-E1"), (e2, 64.25, "TP-E2")]:
            card = Scorecard(
                round_id=rnd.id or 0,
                enterprise_id=ent.id or 0,
                plan_sha256="a" * 64,
                content={
                    "plan_sha256": "a" * 64,
                    "confidence": 0.95,
                    "weights": {},
                    "enterprise": section(est),
                },
            )
            s.add(card)
            s.flush()
            s.add(
                Certificate(
                    number=number,
                    round_id=rnd.id or 0,
                    enterprise_id=ent.id or 0,
                    scorecard_id=card.id or 0,
                    signature="sig",
                    key_id="k1",
                    valid_until=date(2099, 1, 1),
                    facts={"grade": "B"},
                )
            )
        return World(
            round_a=rnd.id or 0, round_other_body=other.id or 0, e1=e1.id or 0, e2=e2.id or 0
        )


def csrf_token(client: TestClient, path: str = "/login") -> str:  # type: ignore[type-arg]
    page = client.get(path, headers={"accept": "text/html"})
    match = _CSRF.search(page.text)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:  # type: ignore[type-arg]
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def html(client: TestClient, path: str) -> Any:  # type: ignore[type-arg]
    return client.get(path, headers={"accept": "text/html"}, follow_redirects=False)


def set_state(engine: Engine, round_id: int, state: RoundState) -> None:
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        rnd.state = state.value
        s.add(rnd)
