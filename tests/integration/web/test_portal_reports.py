"""Portal: the enterprise downloads its own signed PDF report(s) and sees the on-site observation
findings of its round; assessors of the round download the same file (issue #6)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import write_session
from app.db.models import Certificate, EvaluationRound, ObservationVisit
from app.domain.observations.service import publish_bundled_checklist
from app.web.app import create_app
from tests.integration.web.helpers import BASE_URL, World, html, login

PDF = b"%PDF-1.7\n% stand-in for the signed report of TP-E1\n%%EOF\n"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


def _store_report(engine: Engine, data_dir: Path, number: str, content: bytes = PDF) -> Path:
    path = data_dir / "reports" / f"{number}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with write_session(engine) as s:
        cert = s.exec(select(Certificate).where(Certificate.number == number)).one()
        cert.pdf_sha256 = hashlib.sha256(content).hexdigest()
        s.add(cert)
    return path


def test_viewer_downloads_its_own_report_only(
    client: TestClient,
    world: World,
    engine: Engine,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    _store_report(engine, tmp_path, "TP-E1")
    _store_report(engine, tmp_path, "TP-E2", b"%PDF-1.7 E2\n")
    login(client, "viewer1")
    page = html(client, f"/portal/rounds/{world.round_a}")
    assert "/portal/certificates/TP-E1/report.pdf" in page.text
    assert "TP-E2" not in page.text
    r = client.get("/portal/certificates/TP-E1/report.pdf")
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment")
    assert "TP-E1.pdf" in r.headers["content-disposition"]
    assert client.get("/portal/certificates/TP-E2/report.pdf").status_code == 404
    assert client.get("/portal/certificates/NOPE/report.pdf").status_code == 404


def test_report_of_an_unpublished_round_is_not_shown(
    client: TestClient,
    world: World,
    engine: Engine,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    _store_report(engine, tmp_path, "TP-E1")
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        rnd.state = "review"
        s.add(rnd)
    login(client, "viewer1")
    assert client.get("/portal/certificates/TP-E1/report.pdf").status_code == 404


def test_assessors_of_the_round_download_it_other_bodies_do_not(
    client: TestClient,
    world: World,
    engine: Engine,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    _store_report(engine, tmp_path, "TP-E2", b"%PDF-1.7 E2\n")
    url = f"/rounds/{world.round_a}/certificates/TP-E2/report.pdf"
    login(client, "assessor3")
    assert client.get(url).status_code == 404
    client.cookies.clear()
    login(client, "assessor1")
    assert 'href="' + url + '"' in html(client, f"/rounds/{world.round_a}/scoring").text
    r = client.get(url)
    assert r.status_code == 200
    assert r.content == b"%PDF-1.7 E2\n"
    assert r.headers["content-disposition"].startswith("attachment")
    assert (
        client.get(f"/rounds/{world.round_other_body}/certificates/TP-E2/report.pdf").status_code
        == 404
    )


def test_a_changed_or_missing_file_is_refused(
    client: TestClient,
    world: World,
    engine: Engine,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    path = _store_report(engine, tmp_path, "TP-E1")
    path.write_bytes(PDF + b"tampered")
    login(client, "viewer1")
    r = client.get("/portal/certificates/TP-E1/report.pdf", headers={"accept": "application/json"})
    assert r.status_code == 409
    assert "does not match" in r.json()["detail"]
    path.unlink()
    assert client.get("/portal/certificates/TP-E1/report.pdf").status_code == 404


def test_observation_findings_show_on_the_own_scorecard_only(
    client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        version_id = publish_bundled_checklist(s, body_id=rnd.body_id, actor="test")
        s.add(
            ObservationVisit(
                round_id=world.round_a,
                enterprise_id=world.e1,
                questionnaire_version_id=version_id,
                assessor_id=None,
                outlet="Outlet <North> 7",
                visit_date=date(2026, 2, 3),
                answers={"obs_staff_badge": "no", "obs_info_prices": "yes"},
                notes="",
            )
        )
    login(client, "viewer1")
    client.get("/lang/en")
    page = html(client, f"/portal/rounds/{world.round_a}")
    assert 'id="findings"' in page.text
    assert "All staff on duty wore the uniform and a name badge" in page.text
    assert "Outlet &lt;North&gt; 7" in page.text
    assert "Services and their prices are displayed" not in page.text
    client.cookies.clear()
    login(client, "viewer2")
    client.get("/lang/en")
    other = html(client, f"/portal/rounds/{world.round_a}")
    assert "name badge" not in other.text
    assert 'id="no-findings"' in other.text
