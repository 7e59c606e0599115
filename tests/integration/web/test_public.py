"""Public pages: health, verification answers and escaping, security headers, JSON errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db.engine import write_session
from app.db.models import Certificate, Enterprise, EvaluationBody, EvaluationRound, Scorecard
from app.web.app import create_app


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(), engine=engine)
    with TestClient(app) as c:
        yield c


def _issue(
    engine: Engine, number: str, *, status: str = "valid", days: int = 30, name: str = "企业"
) -> None:
    with write_session(engine) as s:
        body = EvaluationBody(code=f"B-{number}", name="Body")
        s.add(body)
        s.flush()
        assert body.id is not None
        ent = Enterprise(body_id=body.id, code=number, name=name)
        s.add(ent)
        rnd = EvaluationRound(
            body_id=body.id,
            code=f"R-{number}",
            title="t",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
        )
        s.add(rnd)
        s.flush()
        assert ent.id is not None
        assert rnd.id is not None
        card = Scorecard(round_id=rnd.id, enterprise_id=ent.id, plan_sha256="0" * 64)
        s.add(card)
        s.flush()
        assert card.id is not None
        s.add(
            Certificate(
                number=number,
                round_id=rnd.id,
                enterprise_id=ent.id,
                scorecard_id=card.id,
                status=status,
                signature="sig",
                key_id="k1",
                valid_until=date.today() + timedelta(days=days),
                revoke_reason="data falsified" if status == "revoked" else None,
            )
        )


def test_health_and_security_headers(client: TestClient) -> None:  # type: ignore[type-arg]
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        ("valid", 30, "valid"),
        ("revoked", 30, "revoked"),
        ("valid", -1, "expired"),
        ("superseded", 30, "superseded"),
    ],
)
def test_verify_answers_status(
    client: TestClient,
    engine: Engine,
    status: str,
    days: int,
    expected: str,  # type: ignore[type-arg]
) -> None:
    _issue(engine, "TP-2026-0001", status=status, days=days)
    body = client.get("/api/v1/certificates/TP-2026-0001/status").json()
    assert body["status"] == expected
    if expected == "revoked":
        assert body["reason"] == "data falsified"
    page = client.get("/verify/TP-2026-0001").text
    assert f"<strong>{expected}</strong>" in page


def test_unknown_certificate(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/api/v1/certificates/NOPE/status").json()["status"] == "unknown"


def test_enterprise_name_is_escaped(client: TestClient, engine: Engine) -> None:  # type: ignore[type-arg]
    _issue(engine, "TP-X", name='"><img src=x onerror=alert(1)><script>')
    page = client.get("/verify/TP-X").text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_unknown_route_is_json_with_code(client: TestClient) -> None:  # type: ignore[type-arg]
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
