"""The re-evaluation form and its JSON API (issue #10 item 4), on both engines: enterprises under
rectification preselected, the round created with ``follows_round_id``, refusals shown next to
their field (zh and en) with nothing saved, and tenancy (404 for viewers and other bodies)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, EvaluationRound, ScoringPlan
from app.db.models.tenancy import EvaluationBody
from app.demo.plan import PLAN
from app.domain.plans.service import freeze_plan, set_plan
from app.domain.questionnaires.service import publish, save_draft
from app.domain.rectification.findings import record_finding
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import add_enterprise, round_enterprises
from app.web.app import create_app
from questionnaires.templates import load_template
from tests.integration.reevaluation.world import publish_version, renamed_dimension
from tests.integration.web.helpers import (
    BASE_URL,
    World,
    build_world,
    csrf_token,
    html,
    login,
    set_state,
)
from tests.integration.web.test_api_tokens import bearer, make_token


@dataclass(frozen=True)
class FollowWorld:
    world: World  # R1 (body B1, E1 and E2 scored, issued), R9 of body B2
    body_id: int
    version_id: int
    outsider: int  # E4: body B1, not in R1

    @property
    def round_id(self) -> int:
        return self.world.round_a


def build(engine: Engine) -> FollowWorld:
    """``build_world``'s R1 with a frozen plan and an open finding for E2 (under rectification)."""
    world = build_world(engine)
    set_state(engine, world.round_a, RoundState.DRAFT)
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        body = s.get(EvaluationBody, rnd.body_id)
        assert body is not None
        outsider = add_enterprise(s, body, "E4", "Delta Outside", actor="test")
        draft = save_draft(
            s, body_id=rnd.body_id, questionnaire=load_template("after-sales"), actor="test"
        )
        version = publish(s, version_id=draft.id or 0, body_id=rnd.body_id, actor="test")
        set_plan(
            s,
            round_id=rnd.id or 0,
            body_id=rnd.body_id,
            questionnaire_version_id=version.id or 0,
            plan=PLAN,
            actor="test",
        )
        freeze_plan(s, round_id=rnd.id or 0, body_id=rnd.body_id, actor="test", user_id=None)
        body_id, version_id, outsider_id = rnd.body_id, version.id or 0, outsider.id or 0
    set_state(engine, world.round_a, RoundState.ISSUED)
    with write_session(engine) as s:
        record_finding(
            s,
            round_id=world.round_a,
            body_id=body_id,
            enterprise_id=world.e2,
            target_kind="composite",
            target_code="",
            severity="major",
            required_action="Retrain the front desk.",
            deadline=date(2026, 6, 30),
            today=date(2026, 5, 4),
            actor="test",
            user_id=None,
        )
    return FollowWorld(world, body_id, version_id, outsider_id)


@pytest.fixture
def fw(engine: Engine) -> FollowWorld:
    return build(engine)


@pytest.fixture
def client(engine: Engine, tmp_path: Path, fw: FollowWorld) -> Iterator[TestClient[Any]]:
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        c.cookies.set("tianping_lang", "en")
        yield c


def _form(fw: FollowWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "R1-RE",
        "title": "Round one, re-evaluation",
        "period_start": "2026-06-01",
        "period_end": "2026-07-31",
        "enterprises": [str(fw.world.e2)],
        "questionnaire_version_id": "",
    }
    data.update(overrides)
    return data


def _post(client: TestClient[Any], fw: FollowWorld, data: dict[str, Any]) -> Any:
    path = f"/rounds/{fw.round_id}/follow-up"
    token = csrf_token(client, path)
    return client.post(
        path,
        data={**data, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def _follow_ups(engine: Engine) -> list[EvaluationRound]:
    with read_session(engine) as s:
        return list(
            s.exec(
                select(EvaluationRound).where(col(EvaluationRound.follows_round_id).is_not(None))
            ).all()
        )


def _checkbox(page: str, enterprise_id: int) -> str:
    found = re.search(
        rf'<input type="checkbox" name="enterprises" value="{enterprise_id}"[^>]*>', page
    )
    assert found is not None, f"no checkbox for enterprise {enterprise_id}"
    return found.group(0)


# ---- page ------------------------------------------------------------------------------------
def test_page_preselects_the_enterprises_under_rectification(
    client: TestClient[Any], fw: FollowWorld
) -> None:
    login(client, "assessor1")
    overview = html(client, f"/rounds/{fw.round_id}")
    assert f'href="/rounds/{fw.round_id}/follow-up"' in overview.text
    page = html(client, f"/rounds/{fw.round_id}/follow-up")
    assert page.status_code == 200
    assert " checked" in _checkbox(page.text, fw.world.e2)
    assert " checked" not in _checkbox(page.text, fw.world.e1)
    assert page.text.count('data-flag="under-rectification"') == 1
    assert "1 open finding(s)" in page.text
    # Prefilled: a free code, the title, and a period right after the previous one.
    assert 'name="code" value="R1-RE"' in page.text
    assert 'value="Round one (re-evaluation)"' in page.text
    assert 'name="period_start" value="2026-04-01"' in page.text
    assert 'name="period_end" value="2026-06-29"' in page.text
    assert f'<option value="{fw.version_id}">' in page.text  # listed, not forced


def test_page_still_preselects_an_enterprise_whose_rectification_was_accepted(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    # Acceptance rests on a plan and evidence; the re-evaluation is what measures the change,
    # so accepting the plan must not drop the enterprise from the follow-up round.
    from sqlalchemy import update

    from app.db.models.finding import Finding

    with write_session(engine) as s:
        s.execute(
            update(Finding)
            .where(Finding.round_id == fw.world.round_a)  # type: ignore[arg-type]
            .values(status="accepted")
        )
    login(client, "assessor1")
    page = html(client, f"/rounds/{fw.round_id}/follow-up")
    assert " checked" in _checkbox(page.text, fw.world.e2)
    assert " checked" not in _checkbox(page.text, fw.world.e1)
    assert 'data-flag="under-rectification"' not in page.text
    assert page.text.count('data-flag="rectified"') == 1


def test_page_is_in_chinese_by_default(client: TestClient[Any], fw: FollowWorld) -> None:
    login(client, "admin1")
    client.cookies.set("tianping_lang", "zh")
    page = html(client, f"/rounds/{fw.round_id}/follow-up")
    assert page.status_code == 200
    assert "创建复评轮次" in page.text
    assert "整改中" in page.text
    assert 'value="Round one（复评）"' in page.text


@pytest.mark.parametrize("who", ["viewer1", "viewer2", "assessor3"])
def test_page_and_post_are_404_outside_the_rounds_body(
    client: TestClient[Any], fw: FollowWorld, engine: Engine, who: str
) -> None:
    login(client, who)
    assert html(client, f"/rounds/{fw.round_id}/follow-up").status_code == 404
    token = csrf_token(client, "/account")
    r = client.post(
        f"/rounds/{fw.round_id}/follow-up",
        data={**_form(fw), "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 404
    assert _follow_ups(engine) == []


def test_post_creates_the_follow_up_round(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    r = _post(client, fw, _form(fw))
    assert r.status_code in (302, 303), r.text
    [rnd] = _follow_ups(engine)
    assert r.headers["location"] == f"/rounds/{rnd.id}"
    assert rnd.follows_round_id == fw.round_id
    assert (rnd.code, rnd.title, rnd.state) == ("R1-RE", "Round one, re-evaluation", "draft")
    assert (rnd.period_start, rnd.period_end) == (date(2026, 6, 1), date(2026, 7, 31))
    with read_session(engine) as s:
        assert [e.id for e in round_enterprises(s, rnd.id or 0)] == [fw.world.e2]
        plan = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == rnd.id)).one()
        assert plan.questionnaire_version_id == fw.version_id
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "round.follow_up")).one()
        assert entry.actor == "assessor1"
    assert html(client, f"/rounds/{rnd.id}").status_code == 200
    # The next follow-up of R1 is offered a code not yet taken.
    assert 'name="code" value="R1-RE2"' in html(client, f"/rounds/{fw.round_id}/follow-up").text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"enterprises": ["OUTSIDER"]},
            "enterprises",
            "did not take part in round R1.",
        ),
        (
            {"period_start": "2026-03-15"},
            "period_start",
            "A re-evaluation covers service after round R1, which ends on 2026-03-31; start later.",
        ),
        ({"enterprises": []}, "enterprises", "Choose at least one enterprise."),
        ({"period_end": "2026-05-01"}, "period_end", "The period cannot end before it starts."),
        ({"code": "R1"}, "code", "A round with code R1 already exists; choose another code."),
    ],
)
def test_refusals_are_shown_next_to_the_field_and_nothing_is_saved(
    client: TestClient[Any],
    fw: FollowWorld,
    engine: Engine,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    if overrides.get("enterprises") == ["OUTSIDER"]:
        overrides = {"enterprises": [str(fw.outsider)]}
    login(client, "assessor1")
    r = _post(client, fw, _form(fw, **overrides))
    assert r.status_code == 400
    error = re.search(rf'id="error-{field}" role="alert">([^<]*)<', r.text)
    assert error is not None, r.text
    assert message in error.group(1).replace("&#39;", "'")
    assert 'name="title" value="Round one, re-evaluation"' in r.text  # the input is kept
    assert _follow_ups(engine) == []


def test_refusal_in_chinese_and_incomparable_questionnaire(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    other = publish_version(engine, fw.body_id, renamed_dimension("environment", "premises"))
    login(client, "assessor1")
    client.cookies.set("tianping_lang", "zh")
    r = _post(client, fw, _form(fw, period_start="2026-03-15"))
    assert r.status_code == 400
    assert "复评针对轮次 R1 之后的服务，该轮次于 2026-03-31 结束" in r.text
    client.cookies.set("tianping_lang", "en")
    r = _post(client, fw, _form(fw, questionnaire_version_id=str(other)))
    assert r.status_code == 400
    error = re.search(r'id="error-questionnaire_version_id" role="alert">([^<]*)<', r.text)
    assert error is not None
    assert "missing dimensions: environment; extra dimensions: premises" in error.group(1)
    assert f'<option value="{other}" selected>' in r.text
    assert _follow_ups(engine) == []


def test_comparable_questionnaire_version_can_be_chosen(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    v2 = publish_version(engine, fw.body_id, load_template("after-sales"))
    login(client, "admin1")
    r = _post(client, fw, _form(fw, questionnaire_version_id=str(v2)))
    assert r.status_code in (302, 303), r.text
    [rnd] = _follow_ups(engine)
    with read_session(engine) as s:
        plan = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == rnd.id)).one()
        assert plan.questionnaire_version_id == v2


# ---- JSON API --------------------------------------------------------------------------------
def _api(client: TestClient[Any], fw: FollowWorld, token: str, **overrides: Any) -> Any:
    body: dict[str, Any] = {
        "code": "R1-API",
        "title": "Re-evaluation by script",
        "period_start": "2026-06-01",
        "period_end": "2026-07-31",
        "enterprise_ids": [fw.world.e2],
    }
    body.update(overrides)
    return client.post(f"/api/v1/rounds/{fw.round_id}/follow-up", json=body, headers=bearer(token))


def test_api_creates_the_follow_up_round(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    r = _api(client, fw, make_token(engine, "assessor1"))
    assert r.status_code == 201, r.text
    out = r.json()
    [rnd] = _follow_ups(engine)
    assert out == {
        "id": rnd.id,
        "code": "R1-API",
        "state": "draft",
        "follows_round_id": fw.round_id,
        "enterprise_ids": [fw.world.e2],
        "questionnaire_version_id": fw.version_id,
    }


@pytest.mark.parametrize(
    ("overrides", "status", "detail"),
    [
        ({"period_start": "2026-03-15"}, 400, "period_start: A re-evaluation covers service"),
        ({"enterprise_ids": "OUTSIDER"}, 404, "did not take part in round R1"),
        ({"enterprise_ids": []}, 400, "enterprise_ids"),
        ({"questionnaire_version_id": 999999}, 404, "no questionnaire version 999999"),
        ({"code": "R1"}, 409, "already exists"),
    ],
)
def test_api_refusals_save_nothing(
    client: TestClient[Any],
    fw: FollowWorld,
    engine: Engine,
    overrides: dict[str, Any],
    status: int,
    detail: str,
) -> None:
    if overrides.get("enterprise_ids") == "OUTSIDER":
        overrides = {"enterprise_ids": [fw.outsider]}
    r = _api(client, fw, make_token(engine, "assessor1"), **overrides)
    assert r.status_code == status, r.text
    assert detail in r.json()["detail"]
    assert _follow_ups(engine) == []


@pytest.mark.parametrize("who", ["viewer1", "assessor3"])
def test_api_is_404_outside_the_rounds_body(
    client: TestClient[Any], fw: FollowWorld, engine: Engine, who: str
) -> None:
    r = _api(client, fw, make_token(engine, who))
    assert r.status_code == 404
    assert _follow_ups(engine) == []


def test_api_with_the_session_cookie_needs_the_csrf_header(
    client: TestClient[Any], fw: FollowWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    body = {
        "code": "R1-API",
        "title": "Re-evaluation by script",
        "period_start": "2026-06-01",
        "period_end": "2026-07-31",
        "enterprise_ids": [fw.world.e2],
    }
    r = client.post(f"/api/v1/rounds/{fw.round_id}/follow-up", json=body)
    assert r.status_code == 403
    assert _follow_ups(engine) == []


def test_openapi_describes_the_endpoint_and_not_the_page(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/rounds/{round_id}/follow-up"]
    assert "/rounds/{round_id}/follow-up" not in schema["paths"]
    body = schema["components"]["schemas"]["FollowUpIn"]
    assert body["properties"]["enterprise_ids"]["minItems"] == 1
    assert "questionnaire_version_id" not in body["required"]
