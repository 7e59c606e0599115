"""Every refusal of the re-evaluation service reaches the user in Chinese, named for its field:
next to the field on the page, as ``field: message`` from the API (issue #6), on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import write_session
from app.db.models import RoundEnterprise, ScoringPlan
from app.web.app import create_app
from tests.integration.reevaluation.test_follow_up_web import (
    FollowWorld,
    _follow_ups,
    _form,
    _post,
    build,
)
from tests.integration.reevaluation.world import publish_version, renamed_dimension
from tests.integration.web.helpers import BASE_URL, login
from tests.integration.web.test_api_tokens import bearer, make_token

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def fw(engine: Engine) -> FollowWorld:
    return build(engine)


@pytest.fixture
def client(engine: Engine, tmp_path: Path, fw: FollowWorld) -> Iterator[TestClient[Any]]:
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        c.cookies.set("tianping_lang", "zh")
        yield c


def _unscored_member(engine: Engine, fw: FollowWorld) -> dict[str, Any]:
    """E4 joins the issued round late: a member without a scorecard."""
    with write_session(engine) as s:
        s.add(RoundEnterprise(round_id=fw.round_id, enterprise_id=fw.outsider))
    return {"enterprises": [str(fw.outsider)]}


def _unfreeze_plan(engine: Engine, fw: FollowWorld) -> dict[str, Any]:
    with write_session(engine) as s:
        plan = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == fw.round_id)).one()
        plan.sha256 = None
        s.add(plan)
    return {}


def _outsider(engine: Engine, fw: FollowWorld) -> dict[str, Any]:
    return {"enterprises": [str(fw.outsider)]}


def _incomparable(engine: Engine, fw: FollowWorld) -> dict[str, Any]:
    other = publish_version(engine, fw.body_id, renamed_dimension("environment", "premises"))
    return {"questionnaire_version_id": str(other)}


def _fixed(**overrides: Any) -> Callable[[Engine, FollowWorld], dict[str, Any]]:
    return lambda engine, fw: overrides


# (set-up returning form overrides, the page's field, the Chinese message; ``{outsider}`` is
# the outside enterprise's id). "form" is the message above the form: the round as a whole.
PAGE_REFUSALS = [
    pytest.param(
        _fixed(period_start="2026-03-15"),
        "period_start",
        "复评针对轮次 R1 之后的服务，该轮次于 2026-03-31 结束；请选择更晚的开始日期。",
        id="period-start",
    ),
    pytest.param(_outsider, "enterprises", "企业 {outsider} 未参加轮次 R1。", id="outsider"),
    pytest.param(
        _unscored_member,
        "enterprises",
        "轮次 R1 中没有 E4 的评分卡，复评无从比较。",
        id="unscored",
    ),
    pytest.param(
        _unfreeze_plan,
        "form",
        "轮次 R1 的评分方案尚未冻结；只有已评分的轮次才能复评。",
        id="plan-not-frozen",
    ),
    pytest.param(
        _incomparable,
        "questionnaire_version_id",
        "与上一轮的问卷不可比（缺少维度：environment；多出维度：premises）；复评要求维度代码完全相同。",
        id="incomparable",
    ),
    pytest.param(
        _fixed(questionnaire_version_id="999999"),
        "questionnaire_version_id",
        "不存在问卷版本 999999，请选择已发布的版本。",
        id="unknown-version",
    ),
    pytest.param(
        _fixed(code="R1"), "code", "代码为 R1 的轮次已存在，请换一个代码。", id="code-taken"
    ),
]


def _shown(page: str, field: str) -> str:
    if field == "form":
        found = re.search(r'<p class="form-error" role="alert">([^<]*)<', page)
    else:
        found = re.search(rf'id="error-{field}" role="alert">([^<]*)<', page)
    assert found is not None, f"no message for {field}: {page}"
    return found.group(1)


@pytest.mark.parametrize(("setup", "field", "message"), PAGE_REFUSALS)
def test_each_refusal_is_shown_in_chinese_next_to_its_field(
    client: TestClient[Any],
    fw: FollowWorld,
    engine: Engine,
    setup: Callable[[Engine, FollowWorld], dict[str, Any]],
    field: str,
    message: str,
) -> None:
    overrides = setup(engine, fw)
    login(client, "assessor1")
    r = _post(client, fw, _form(fw, **overrides))
    assert r.status_code == 400
    assert _shown(r.text, field) == message.format(outsider=fw.outsider)
    assert _follow_ups(engine) == []


@pytest.mark.parametrize(
    ("overrides", "status", "detail"),
    [
        (
            {"period_start": "2026-06-01", "period_end": "2026-05-01"},
            400,
            "period_end: 结束日期不能早于开始日期。",
        ),
        ({"enterprise_ids": "OUTSIDER"}, 404, "enterprise_ids: 企业 {outsider} 未参加轮次 R1。"),
        (
            {"questionnaire_version_id": 999999},
            404,
            "questionnaire_version_id: 不存在问卷版本 999999，请选择已发布的版本。",
        ),
        ({"code": "R1"}, 409, "code: 代码为 R1 的轮次已存在，请换一个代码。"),
    ],
)
def test_api_refusals_name_the_field_in_the_callers_language(
    client: TestClient[Any],
    fw: FollowWorld,
    engine: Engine,
    overrides: dict[str, Any],
    status: int,
    detail: str,
) -> None:
    if overrides.get("enterprise_ids") == "OUTSIDER":
        overrides = {"enterprise_ids": [fw.outsider]}
    body: dict[str, Any] = {
        "code": "R1-API",
        "title": "Re-evaluation by script",
        "period_start": "2026-06-01",
        "period_end": "2026-07-31",
        "enterprise_ids": [fw.world.e2],
        **overrides,
    }
    token = make_token(engine, "assessor1")
    path = f"/api/v1/rounds/{fw.round_id}/follow-up"
    r = client.post(path, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    assert r.json()["detail"] == detail.format(outsider=fw.outsider)
    # Without a language cookie the Accept-Language header decides.
    client.cookies.delete("tianping_lang")
    english = client.post(path, json=body, headers={**bearer(token), "accept-language": "en"})
    assert english.status_code == status
    assert not CJK.search(english.json()["detail"])
    assert english.json()["detail"].split(":")[0] == detail.split(":")[0]
    assert _follow_ups(engine) == []
