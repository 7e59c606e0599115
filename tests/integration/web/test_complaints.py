"""The assessor's complaint page: figures, masked breaching cases, filter, guards."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.errors import ConfigurationError
from app.pii import Keyring
from app.web.app import create_app
from tests.integration.complaints.builders import Case, add_cases
from tests.integration.web.helpers import BASE_URL, World, html, login

CASES = [
    Case("C-OK", first=2, assessed=3, resolved=4, closed=5, phone="+8613812345678"),
    Case("C-LATE", first=30, assessed=3, resolved=4, closed=5, category="billing",
         phone="+8613900001111"),
]  # fmt: skip


def _page(client: TestClient[Any], path: str, lang: str = "zh") -> Any:
    return client.get(
        path, headers={"accept": "text/html", "accept-language": lang}, follow_redirects=False
    )


def _setup(client: TestClient[Any], engine: Engine, world: World, cases: list[Case]) -> None:
    ring = Keyring(keys={"k1": os.urandom(32)}, active="k1")
    client.app.state.keyring = ring  # the app decrypts with the key the cases were sealed with
    add_cases(engine, world.round_a, world.e1, cases, ring)


def test_assessor_sees_figures_and_masked_breaches(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    _setup(web_client, engine, world, CASES)
    login(web_client, "assessor1")
    base = f"/rounds/{world.round_a}/complaints/"
    page = _page(web_client, base, "en")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert 'id="complaints-E1"' in text
    assert 'id="complaints-E2"' in text
    assert "50.0%" in text  # one of the two answered within 24 h (census)
    assert "C-LATE" in text
    assert "139****1111" in text
    assert "13900001111" not in text
    assert "C-OK" not in text  # a case within every limit is not listed
    assert "billing" in text
    zh = _page(web_client, base)
    assert "投诉处理与时效" in zh.text
    assert "24小时内首次响应" in zh.text
    only_e2 = _page(web_client, f"{base}?enterprise={world.e2}", "en")
    assert only_e2.status_code == 200
    assert 'id="complaints-E1"' not in only_e2.text
    assert "C-LATE" not in only_e2.text
    nav = _page(web_client, f"/rounds/{world.round_a}/observations/", "en")
    assert f'href="/rounds/{world.round_a}/complaints/"' in nav.text


def test_bad_filter_gets_a_localised_message(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "admin1")
    base = f"/rounds/{world.round_a}/complaints/"
    for value in ("abc", "999999"):
        bad = _page(web_client, f"{base}?enterprise={value}")
        assert bad.status_code == 422
        assert 'id="error-enterprise"' in bad.text
        assert "请选择参加本轮评价的企业。" in bad.text
    english = _page(web_client, f"{base}?enterprise=abc", "en")
    assert "Choose an enterprise of this round." in english.text


def test_contradictory_registry_times_are_explained(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    _setup(web_client, engine, world, [Case("BAD-1", first=-2)])
    login(web_client, "assessor1")
    page = _page(web_client, f"/rounds/{world.round_a}/complaints/")
    assert page.status_code == 422
    assert "案例 BAD-1：first_response_at 早于受理时间" in page.text


def test_viewers_other_bodies_and_anonymous_get_nothing(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    _setup(web_client, engine, world, CASES)
    base = f"/rounds/{world.round_a}/complaints/"
    anonymous = html(web_client, base)
    assert anonymous.status_code in (302, 303)
    assert "/login" in anonymous.headers["location"]
    login(web_client, "viewer1")  # E1's own viewer: still no case list
    viewer = html(web_client, base)
    assert viewer.status_code == 404
    assert "C-LATE" not in viewer.text
    assert "139****1111" not in viewer.text
    web_client.cookies.clear()
    login(web_client, "assessor3")  # another body
    other = html(web_client, base)
    assert other.status_code == 404
    assert "C-LATE" not in other.text
    own = html(web_client, f"/rounds/{world.round_other_body}/complaints/")
    assert own.status_code == 200


def test_the_configured_working_day_calendar_is_the_one_used(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    # A calendar file for 2027 only: the round's 2026 cases are outside it, and the page says
    # so, which shows that the app counts with the configured file and not the bundled one.
    path = tmp_path / "cal2027.yaml"
    path.write_text("years: [2027]\nholidays: []\nworkdays: []\n", encoding="utf-8")
    app = create_app(Settings(workday_calendar=str(path)), engine=engine)
    with TestClient(app, base_url=BASE_URL) as client:
        _setup(client, engine, world, CASES)
        login(client, "assessor1")
        page = _page(client, f"/rounds/{world.round_a}/complaints/", "en")
    assert page.status_code == 422
    assert "does not cover these complaints" in page.text
    assert "[2027]" in page.text


def test_an_unreadable_calendar_file_stops_the_app_at_start(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="workday_calendar"):
        create_app(Settings(workday_calendar=str(tmp_path / "missing.yaml")), engine=engine)
