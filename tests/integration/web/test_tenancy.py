"""Cross-enterprise and cross-body isolation: 404 (never 403), and no leaks through any output."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.integration.web.helpers import World, html, login

OTHER_NAME = "SECRETNAME"  # part of enterprise E2's name; viewer1 (E1) must never see it


def test_viewer_sees_own_scorecard(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    home = html(web_client, "/portal/")
    assert home.status_code == 200
    assert f"/portal/rounds/{world.round_a}" in home.text
    page = html(web_client, f"/portal/rounds/{world.round_a}")
    assert page.status_code == 200
    assert "Alpha Appliances" in page.text
    assert OTHER_NAME not in page.text
    assert "E2" not in page.text
    assert page.headers["cache-control"] == "no-store"
    data = web_client.get(f"/portal/rounds/{world.round_a}/scorecard.json").json()
    assert list(data["enterprises"]) == ["E1"]
    assert data["enterprises"]["E1"]["composite"]["estimate"] == 81.5


def test_chart_data_has_anonymous_peers_only(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    page = html(web_client, f"/portal/rounds/{world.round_a}").text
    assert 'id="chart-data"' in page
    assert "TP-E2" not in page
    assert OTHER_NAME not in page


@pytest.mark.parametrize(
    "path",
    [
        "/portal/rounds/{other}",
        "/portal/rounds/{other}/scorecard.json",
        "/portal/rounds/{other}/scorecard.csv",
        "/api/v1/portal/scorecards/{other}",
        "/portal/rounds/999999",
    ],
)
def test_other_rounds_are_not_found(web_client: TestClient, world: World, path: str) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    url = path.format(other=world.round_other_body)
    r = web_client.get(url, follow_redirects=False)
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert "Gamma" not in r.text


def test_viewer_cannot_reach_staff_pages_or_api(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    for url in (
        "/rounds/",
        f"/rounds/{world.round_a}",
        f"/rounds/{world.round_a}/scoring",
        "/api/v1/rounds/",
        f"/api/v1/rounds/{world.round_a}",
    ):
        r = web_client.get(url, follow_redirects=False)
        assert r.status_code == 404, url
        assert OTHER_NAME not in r.text


def test_viewer_lists_and_exports_hold_only_own_data(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer2")
    listing = web_client.get("/api/v1/portal/scorecards/").json()
    assert [i["round_id"] for i in listing["items"]] == [world.round_a]
    assert listing["items"][0]["certificate"] == "TP-E2"
    csv_text = web_client.get(f"/portal/rounds/{world.round_a}/scorecard.csv").text
    assert "64.25" in csv_text
    assert "81.5" not in csv_text


def test_assessor_of_another_body_gets_404(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "assessor3")
    for url in (
        f"/rounds/{world.round_a}",
        f"/rounds/{world.round_a}/draw",
        f"/api/v1/rounds/{world.round_a}",
    ):
        r = web_client.get(url, follow_redirects=False)
        assert r.status_code == 404, url
        assert "Round one" not in r.text
    rounds = web_client.get("/api/v1/rounds/").json()
    assert [r["code"] for r in rounds["items"]] == ["R9"]


def test_html_404_page_in_both_languages(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    url = f"/portal/rounds/{world.round_other_body}"
    zh = web_client.get(url, headers={"accept": "text/html", "accept-language": "zh-CN"})
    en = web_client.get(url, headers={"accept": "text/html", "accept-language": "en"})
    assert zh.status_code == en.status_code == 404
    assert "未找到" in zh.text
    assert "Not found" in en.text
