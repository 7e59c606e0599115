"""``tianping score`` end to end on files written per DESIGN §3."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import typer

from app.cli.main import cli

QUESTIONNAIRE = """
code: after-sales
version: 3
kind: survey
title: {zh: 售后, en: After-sales}
languages: [zh, en]
scale:
  points: 5
  labels: {zh: [很不满意, 不满意, 一般, 满意, 很满意], en: [v. bad, bad, so-so, good, v. good]}
dimensions:
  - code: attitude
    name: {zh: 态度, en: Attitude}
    items:
      - {code: att1, text: {zh: 礼貌, en: Polite}}
      - {code: att2, text: {zh: 耐心, en: Patient}}
      - {code: att3, text: {zh: 不耐烦, en: Impatient}, reverse: true}
  - code: efficiency
    name: {zh: 效率, en: Efficiency}
    items:
      - {code: eff1, text: {zh: 及时, en: On time}}
      - {code: eff2, text: {zh: 快速, en: Fast}}
      - {code: eff3, text: {zh: 合理, en: Reasonable}}
general_items:
  - {code: overall, text: {zh: 总体满意, en: Overall satisfied}}
"""
PLAN = """
questionnaire: {code: after-sales, version: 3}
strata: [channel]
weights: {attitude: 0.6, efficiency: 0.4}
min_answered_share: 0.5
confidence: 0.95
grades: [{grade: A, min: 90}, {grade: B, min: 80}, {grade: C, min: 70}, {grade: E, min: 0}]
kpis: {first_response_24h: {weight: 0.1}}
exclusions: {straightlining: true, duplicate_device: keep_first}
"""
ITEMS = ["att1", "att2", "att3", "eff1", "eff2", "eff3", "overall"]


def _files(tmp_path: Path, extra_response: str = "") -> list[str]:
    rng = np.random.default_rng(7)
    frame = ["case_id,enterprise,channel,opened_at,first_response_at"]
    resp = ["case_id," + ",".join(ITEMS) + ",device_hash"]
    k = 0
    for ent in ("E001", "E002", "E003"):
        for channel in ("phone", "store"):
            for i in range(40):
                k += 1
                hours = int(rng.integers(1, 48))
                opened = dt.datetime(2026, 3, 2, 9, 0)
                first = opened + dt.timedelta(hours=hours)
                frame.append(f"C{k},{ent},{channel},{opened:%Y-%m-%d %H:%M},{first:%Y-%m-%d %H:%M}")
                if i < 25:
                    ans = rng.integers(1, 6, len(ITEMS)).astype(str).tolist()
                    if i == 3:
                        ans[1] = ""
                    resp.append(f"C{k}," + ",".join(ans) + f",dev{k if i != 5 else 1}")
    files = {
        "q.yaml": QUESTIONNAIRE,
        "plan.yaml": PLAN,
        "frame.csv": "\n".join(frame) + "\n",
        "responses.csv": "\n".join(resp) + "\n" + extra_response,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [
        "score", "--questionnaire", str(tmp_path / "q.yaml"), "--plan", str(tmp_path / "plan.yaml"),
        "--frame", str(tmp_path / "frame.csv"), "--responses", str(tmp_path / "responses.csv"),
        "--out", str(tmp_path / "card.json"),
    ]  # fmt: skip


def _run(args: list[str]) -> int:
    command = typer.main.get_command(cli)
    try:
        command.main(args=args, prog_name="tianping")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_scorecard_contract(tmp_path: Path) -> None:
    assert _run(_files(tmp_path)) == 0
    card = json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))
    assert len(card["plan_sha256"]) == 64
    assert card["confidence"] == 0.95
    e = card["enterprises"]["E001"]
    assert (e["frame_size"], e["sampled"]) == (80, None)
    assert e["responded"] + e["exclusions"]["excluded_total"] == 50
    for block in [e["composite"], *e["dimensions"].values()]:
        assert set(block) >= {"estimate", "se", "ci_low", "ci_high", "df", "n"}
        assert block["ci_low"] <= block["estimate"] <= block["ci_high"]
    assert e["grade"]["grade"] in {"A", "B", "C", "E"}
    assert set(e["benchmark"]) == {"attitude", "efficiency", "composite"}
    assert "alpha" in e["reliability"]["attitude"]
    assert e["kpis"]["first_response_24h"]["se"] == 0.0  # census of the frame
    assert set(e["domains"]["channel"]) == {"phone", "store"}
    assert e["drivers"]["n_complete"] > 0


def test_response_not_in_frame_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _files(tmp_path, extra_response="C9999,1,2,3,4,5,1,2,x\n")
    assert _run(args) == 1
    err = capsys.readouterr().err
    assert "C9999" in err
    assert "not in the frame" in err
    assert len(err.strip().splitlines()) == 1


def test_duplicate_response_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(_files(tmp_path, extra_response="C1,1,2,3,4,5,1,2,x\n")) == 1
    assert "C1 appears twice" in capsys.readouterr().err


def test_out_of_range_answer_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _files(tmp_path)
    p = tmp_path / "responses.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[4] = "6"
    lines[3] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _run(args) == 1
    assert "line 4, column eff1" in capsys.readouterr().err
