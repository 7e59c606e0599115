"""A failing enterprise is re-evaluated and the public result changes (both engines).

Warning and rectification are decided by the rectification workflow; it hands the enterprises
under rectification to ``create_follow_up_round`` — here, the failing enterprise E2.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import Certificate, Scorecard
from app.domain.disclosure.publication import set_results_public
from app.domain.plans.service import freeze_plan
from app.domain.reevaluation.change import change_since_previous
from app.domain.reevaluation.follow_up import create_follow_up_round
from app.domain.rounds.lifecycle import RoundState
from app.web.app import create_app
from tests.integration.reevaluation.world import (
    Previous,
    build_previous,
    section,
    set_state,
    store_scorecards,
)
from tests.integration.web.helpers import BASE_URL


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as c:
        yield c


def _certify(engine: Engine, round_id: int) -> None:
    with write_session(engine) as s:
        for card in s.exec(select(Scorecard).where(Scorecard.round_id == round_id)).all():
            s.add(
                Certificate(
                    number=f"TP-{round_id}-{card.enterprise_id}",
                    round_id=round_id,
                    enterprise_id=card.enterprise_id,
                    scorecard_id=card.id or 0,
                    signature="sig",
                    key_id="k1",
                    valid_until=date(2099, 1, 1),
                    facts={"grade": card.content["enterprise"]["grade"]["grade"]},
                )
            )


def _publish(engine: Engine, round_id: int, body_id: int) -> None:
    with write_session(engine) as s:
        set_results_public(s, round_id=round_id, body_id=body_id, public=True, actor="admin")


def _row(client: TestClient, round_id: int, code: str) -> dict[str, object]:  # type: ignore[type-arg]
    doc = client.get(f"/results/{round_id}.json").json()
    found: dict[str, object] = next(r for r in doc["results"] if r["enterprise_code"] == code)
    return found


def test_failing_enterprise_reevaluated_changes_the_public_result(
    engine: Engine,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    prev: Previous = build_previous(engine)
    _certify(engine, prev.round_id)
    _publish(engine, prev.round_id, prev.body_id)
    before = _row(client, prev.round_id, "E2")
    assert (before["grade"], before["composite"], before["reevaluated_in_round_code"]) == (
        "E", 52.0, None,
    )  # fmt: skip

    with write_session(engine) as s:
        follow_up = create_follow_up_round(
            s,
            prev.round_id,
            [prev.failing],
            "alice",
            code="R1-RE",
            title="Round one, re-evaluation",
            period_start=date(2026, 6, 1),
            period_end=date(2026, 7, 31),
            body_id=prev.body_id,
        )
        rid = follow_up.id or 0
        freeze_plan(s, round_id=rid, body_id=prev.body_id, actor="alice", user_id=None)
    # Sampling, fieldwork, scoring and issuance are the ordinary round's steps (tested there).
    store_scorecards(engine, rid, {prev.failing: section(68.0, {"attitude": 70.0})})
    set_state(engine, rid, RoundState.ISSUED)
    _certify(engine, rid)
    with read_session(engine) as s:
        change = {r.measure: r for r in change_since_previous(s, rid, prev.failing).rows}
    assert change["composite"].difference.estimate == pytest.approx(16.0)
    assert change["composite"].difference.significant

    # Until the body publishes the re-evaluation, the public sees the old result only.
    assert client.get(f"/results/{rid}.json").status_code == 404
    assert _row(client, prev.round_id, "E2")["reevaluated_in_round_code"] is None
    _publish(engine, rid, prev.body_id)

    after = _row(client, rid, "E2")
    assert (after["grade"], after["composite"], after["follows_round_code"]) == ("C", 68.0, "R1")
    assert after["certificate_status"] == "valid"
    assert _row(client, prev.round_id, "E2")["reevaluated_in_round_code"] == "R1-RE"
    assert _row(client, prev.round_id, "E1")["reevaluated_in_round_code"] is None
    headers = {"accept": "text/html", "accept-language": "en"}
    old_page = client.get(f"/results/{prev.round_id}", headers=headers).text
    assert f'href="/results/{rid}"' in old_page
    assert "Re-evaluated in R1-RE" in old_page
    new_page = client.get(f"/results/{rid}", headers={**headers, "accept-language": "zh"}).text
    assert "复评对象" in new_page
    assert f'href="/results/{prev.round_id}"' in new_page
    listing = client.get("/results", headers=headers).text
    assert "R1-RE" in listing
    assert "re-evaluation" in listing
