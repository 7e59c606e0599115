"""Public results and open data of rounds that opted in (both engines, both languages)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, Enterprise, EvaluationRound
from app.domain.disclosure.open_data import COLUMNS
from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, csrf_token, html, login, set_state


def _publish(client: TestClient, round_id: int, public: str = "1") -> Any:  # type: ignore[type-arg]
    token = csrf_token(client, f"/rounds/{round_id}")
    return client.post(
        f"/rounds/{round_id}/results-public",
        data={"public": public, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def _page(client: TestClient, path: str, lang: str) -> Any:  # type: ignore[type-arg]
    return client.get(path, headers={"accept": "text/html", "accept-language": lang})


def test_rounds_that_did_not_opt_in_are_not_found(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    for suffix in ("", ".csv", ".json"):
        assert html(web_client, f"/results/{world.round_a}{suffix}").status_code == 404
    assert html(web_client, "/results/999999").status_code == 404
    assert html(web_client, "/results/nonsense.xml").status_code == 404
    listing = _page(web_client, "/results", "en")
    assert listing.status_code == 200
    assert "Round one" not in listing.text
    assert "No round has published its results yet." in listing.text


def test_staff_opt_in_then_public_pages_in_both_languages(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    login(web_client, "assessor1")
    overview = html(web_client, f"/rounds/{world.round_a}")
    assert 'id="disclosure-form"' in overview.text
    r = _publish(web_client, world.round_a)
    assert r.status_code in (302, 303)
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        assert rnd.results_public
        actions = [a.action for a in s.exec(select(AuditEntry)).all()]
        assert "round.results_public" in actions
    web_client.cookies.clear()

    en = _page(web_client, "/results", "en")
    assert f'href="/results/{world.round_a}"' in en.text
    page = _page(web_client, f"/results/{world.round_a}", "en")
    assert page.status_code == 200
    assert "Composite score" in page.text
    assert "95% confidence interval" in page.text
    assert "81.5" in page.text
    assert "79.5 – 83.5" in page.text
    assert "TP-E1" in page.text
    assert 'class="status-valid"' in page.text
    zh = _page(web_client, f"/results/{world.round_a}", "zh")
    assert "综合得分" in zh.text
    assert "95% 置信区间" in zh.text
    assert 'lang="zh-CN"' in zh.text
    assert "公开结果" in _page(web_client, "/results", "zh").text


def test_open_data_has_the_documented_columns_and_nothing_personal(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    login(web_client, "admin1")
    assert _publish(web_client, world.round_a).status_code in (302, 303)
    web_client.cookies.clear()
    r = web_client.get(f"/results/{world.round_a}.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["columns"] == list(COLUMNS)
    assert [set(row) for row in doc["results"]] == [set(COLUMNS)] * 2
    by = {row["enterprise_code"]: row for row in doc["results"]}
    assert by["E2"]["composite"] == 64.25
    assert by["E2"]["composite_ci_low"] == 62.25
    assert by["E2"]["certificate_status"] == "valid"
    assert by["E1"]["grade"] == "B"
    c = web_client.get(f"/results/{world.round_a}.csv")
    assert c.headers["content-type"].startswith("text/csv")
    assert "attachment" in c.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["composite"] == "81.5"
    for text in (r.text, c.text, _page(web_client, f"/results/{world.round_a}", "en").text):
        # Item-level distributions, signatures and people's names never leave the database.
        for secret in ("att1", "item_distributions", '"sig"', "assessor1", "admin1", "viewer1"):
            assert secret not in text


def test_csv_cells_are_guarded_against_formula_injection(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    with write_session(engine) as s:
        for ent_id, name in ((world.e1, '=HYPERLINK("http://x")'), (world.e2, "@SUM(A1)")):
            ent = s.get(Enterprise, ent_id)
            assert ent is not None
            ent.name = name
            s.add(ent)
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        rnd.results_public = True
        rnd.title = "-1+2 round"
        s.add(rnd)
    rows = list(csv.DictReader(io.StringIO(web_client.get(f"/results/{world.round_a}.csv").text)))
    assert [r["enterprise_name"] for r in rows] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert {r["round_title"] for r in rows} == {"'-1+2 round"}
    # JSON is data, not a spreadsheet: values stay as they are.
    doc = json.loads(web_client.get(f"/results/{world.round_a}.json").text)
    assert doc["results"][0]["enterprise_name"] == '=HYPERLINK("http://x")'


def test_withdrawing_hides_the_round_again(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "assessor1")
    _publish(web_client, world.round_a)
    assert html(web_client, f"/results/{world.round_a}").status_code == 200
    assert _publish(web_client, world.round_a, "0").status_code in (302, 303)
    assert html(web_client, f"/results/{world.round_a}.csv").status_code == 404


def test_only_issued_rounds_of_ones_own_body_can_be_published(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    login(web_client, "assessor1")
    token = csrf_token(web_client, f"/rounds/{world.round_a}")
    other = web_client.post(
        f"/rounds/{world.round_other_body}/results-public",
        data={"public": "1", "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert other.status_code == 404
    bad = web_client.post(
        f"/rounds/{world.round_a}/results-public",
        data={"public": "yes", "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert bad.status_code == 400
    assert "public: send 1" in bad.text
    set_state(engine, world.round_a, RoundState.REVIEW)
    assert 'id="disclosure-form"' not in html(web_client, f"/rounds/{world.round_a}").text
    early = web_client.post(
        f"/rounds/{world.round_a}/results-public",
        data={"public": "1", "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert early.status_code == 409
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        assert not rnd.results_public


def test_enterprise_viewer_cannot_publish(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    token = csrf_token(web_client, "/portal")
    r = web_client.post(
        f"/rounds/{world.round_a}/results-public",
        data={"public": "1", "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 404
