"""Issue #9 item 3: hostile text through every kind of text field, hostile files.

The corpus (``corpus/xss.txt``) goes through enterprise names, round titles, questionnaire
texts, observation outlets and notes, and scorecard measure names; every HTML page that shows
them must contain the escaped text and never the raw markup, SQL-looking text must be stored
verbatim, CSV and XLSX exports must not carry formulas. PDF reports escape through the same
Jinja autoescape; that is tested on rendered PDFs in ``tests/unit/reports/test_safety.py`` and
``tests/integration/reports`` and not repeated here.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import ObservationVisit, Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.domain.questionnaires.service import save_draft
from app.web.spreadsheet import FORMULA_START, safe_cell
from questionnaires import dump_xlsform, from_dict, to_dict
from questionnaires.templates import load_template
from sampling.archive_limits import MAX_RATIO
from sampling.errors import RegistryError
from sampling.sources import RawRows
from tests.integration.web.helpers import World, csrf_token, html, login, section
from tests.security.conftest import SweepWorld

CORPUS = [
    line
    for line in (Path(__file__).parent / "corpus" / "xss.txt").read_text("utf-8").splitlines()
    if line
]
MARKUP = set("<>\"'&")


def assert_escaped(page: str, payloads: list[str], where: str, shown: int | None = None) -> None:
    """Each payload shows as text: its escaped form is on the page, its raw markup is not.
    ``shown``: only the first so many must be on this page (e.g. the first preview screen)."""
    problems = []
    for number, payload in enumerate(payloads):
        if (shown is None or number < shown) and str(escape(payload)) not in page:
            problems.append(f"{payload!r}: escaped text missing")
        if MARKUP & set(payload) and payload in page:
            problems.append(f"{payload!r}: raw markup on the page")
    assert problems == [], f"{where}:\n" + "\n".join(problems)


def test_corpus_is_hostile_enough() -> None:
    assert len(CORPUS) >= 15
    assert any("<script>" in p for p in CORPUS)
    assert any(p.startswith(FORMULA_START) for p in CORPUS)


def test_enterprise_names_and_round_titles(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "assessor1")
    token = csrf_token(web_client, "/rounds/")
    for i, payload in enumerate(CORPUS):
        r = web_client.post(
            "/rounds/enterprises",
            data={"ent_code": f"X{i}", "ent_name": payload, "_csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code in (302, 303), (payload, r.status_code)
    r = web_client.post(
        "/rounds/",
        data={
            "code": "HOSTILE",
            "title": CORPUS[0] + CORPUS[1],
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "enterprises": str(world.e1),
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text
    assert_escaped(html(web_client, "/rounds/").text, CORPUS, "/rounds/")
    assert_escaped(html(web_client, r.headers["location"]).text, [CORPUS[0] + CORPUS[1]], "round")
    # SQL-looking names are data: stored verbatim, and the table is still there.
    with read_session(engine) as s:
        names = set(s.exec(select(Enterprise.name)).all())
        assert set(CORPUS) <= names
        assert s.exec(select(func.count()).select_from(Enterprise)).one() == 3 + len(CORPUS)


def test_questionnaire_texts_in_designer_and_preview(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    doc = to_dict(load_template("after-sales"))
    doc["code"] = "hostile"
    doc["title"] = {"zh": CORPUS[0], "en": CORPUS[1]}
    items = [item for dim in doc["dimensions"] for item in dim["items"]]
    used = CORPUS[: len(items)]
    for item, payload in zip(items, used, strict=False):
        item["text"] = {"zh": payload, "en": payload}
    doc["dimensions"][0]["name"] = {"zh": CORPUS[2], "en": CORPUS[3]}
    with write_session(engine) as s:
        body = s.exec(select(EvaluationBody).where(EvaluationBody.code == "B1")).one()
        version = save_draft(s, body_id=body.id or 0, questionnaire=from_dict(doc), actor="t")
        version_id = version.id
    login(web_client, "assessor1")
    page = html(web_client, f"/designer/{version_id}")
    assert page.status_code == 200
    assert_escaped(page.text, used, "designer")
    # The preview shows the first screen of the survey as a consumer sees it.
    preview = html(web_client, f"/designer/{version_id}/preview")
    assert preview.status_code == 200
    assert_escaped(preview.text, used, "preview", shown=1)


def test_observation_outlet_and_notes(
    web_client: TestClient[Any], sweep_world: SweepWorld, engine: Engine
) -> None:
    base = sweep_world.base
    with write_session(engine) as s:
        visit = ObservationVisit(
            round_id=base.round_a,
            enterprise_id=base.e1,
            questionnaire_version_id=sweep_world.version_id,
            assessor_id=None,
            outlet=CORPUS[1],
            visit_date=date(2026, 2, 2),
            answers={},
            notes="\n".join(CORPUS),
        )
        s.add(visit)
        s.flush()
        visit_id = visit.id
    login(web_client, "assessor1")
    listing = html(web_client, f"/rounds/{base.round_a}/observations")
    assert listing.status_code == 200
    assert_escaped(listing.text, [CORPUS[1]], "visit list")
    page = html(web_client, f"/rounds/{base.round_a}/observations/{visit_id}")
    assert page.status_code == 200
    assert_escaped(page.text, CORPUS, "visit page")


def _hostile_scorecard(engine: Engine, world: World, names: list[str]) -> None:
    with write_session(engine) as s:
        card = s.exec(
            select(Scorecard).where(
                Scorecard.round_id == world.round_a, Scorecard.enterprise_id == world.e1
            )
        ).one()
        content = dict(card.content)
        part = section(81.5)
        part["dimensions"] = dict.fromkeys(names, part["composite"])
        content["enterprise"] = part
        card.content = content
        s.add(card)


def test_csv_export_neutralises_formulas(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    formulas = [p for p in CORPUS if p.startswith(FORMULA_START)]
    _hostile_scorecard(engine, world, formulas)
    login(web_client, "viewer1")
    r = web_client.get(f"/portal/rounds/{world.round_a}/scorecard.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    measures = [row["measure"] for row in rows]
    assert sorted(measures) == sorted(["composite", *("'" + f for f in formulas)])
    for row in rows:
        for value in row.values():
            assert (
                not value.startswith(FORMULA_START) or value.lstrip("-").replace(".", "").isdigit()
            )
    # The page shows the same names as text.
    page = html(web_client, f"/portal/rounds/{world.round_a}")
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        (-2.0, -2.0),
        ("plain", "plain"),
    ],
)
def test_safe_cell(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_xlsx_export_holds_no_formulas() -> None:
    doc = to_dict(load_template("after-sales"))
    formulas = [p for p in CORPUS if p.startswith(FORMULA_START)]
    doc["title"] = {"zh": formulas[0], "en": formulas[1]}
    items = [item for dim in doc["dimensions"] for item in dim["items"]]
    for item, payload in zip(items, formulas, strict=False):
        item["text"] = {"zh": payload, "en": payload}
    book = load_workbook(io.BytesIO(dump_xlsform(from_dict(doc))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells}
    assert "=cmd|' /C calc'!A0" in texts  # kept as text, not dropped


# ---- hostile files -------------------------------------------------------------------------


def test_oversized_form_is_refused_with_a_clear_answer(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "assessor1")
    token = csrf_token(web_client, "/rounds/")
    before = _enterprise_count(engine)
    r = web_client.post(
        "/rounds/enterprises",
        data={"ent_code": "BIG", "ent_name": "x" * 11_000_000, "_csrf_token": token},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 413
    assert "too large" in r.json()["message"].lower()
    assert _enterprise_count(engine) == before


def _enterprise_count(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(Enterprise)).one())


def _zip_bomb() -> bytes:
    """A well-formed XLSX whose one sheet expands ~1000 times: 64 MiB from ~64 KiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
        )
        z.writestr("xl/worksheets/sheet1.xml", b" " * (64 << 20))
    return out.getvalue()


def test_zip_bomb_workbook_is_refused_before_decompression() -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 1 << 20
    with pytest.raises(RegistryError) as caught, RawRows(io.BytesIO(bomb), label="cases.xlsx"):
        pass
    message = str(caught.value)
    assert "cases.xlsx" in message
    assert "zip bomb" in message
    assert f"limit {MAX_RATIO}" in message
