"""A whole round through the services, on both engines: plan → registries → draw → fieldwork
→ scores; then the same data scored from files with `tianping score` gives the same numbers."""

from __future__ import annotations

import base64
import csv
import json
import math
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli.main import cli
from app.config import Settings
from app.db.engine import read_session
from app.db.models import (
    Answer,
    EvaluationRound,
    Invitation,
    SampledCase,
    SampleDraw,
    Scorecard,
    ServiceCase,
    SurveyResponse,
)
from app.demo import runner
from app.demo.plan import PLAN
from app.domain.audit.chain import verify_chain
from app.domain.rounds.lifecycle import RoundState
from questionnaires.templates import template_text


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, pii_keys=f"t1:{base64.b64encode(b'k' * 32).decode()}",
        pii_active_key="t1", contact_hash_key=base64.b64encode(b"h" * 32).decode(),
        secret_key="s" * 40,
    )  # fmt: skip


def _export_responses(engine: Engine, path: Path) -> None:
    with read_session(engine) as s:
        rows = s.exec(
            select(ServiceCase.case_id, Answer.item_code, Answer.value)
            .join(SampledCase, col(SampledCase.case_pk) == col(ServiceCase.id))
            .join(Invitation, col(Invitation.sampled_case_id) == col(SampledCase.id))
            .join(SurveyResponse, col(SurveyResponse.invitation_id) == col(Invitation.id))
            .join(Answer, col(Answer.response_id) == col(SurveyResponse.id))
        ).all()
        meta = s.exec(
            select(ServiceCase.case_id, SurveyResponse.duration_seconds, SurveyResponse.device_hash)
            .join(SampledCase, col(SampledCase.case_pk) == col(ServiceCase.id))
            .join(Invitation, col(Invitation.sampled_case_id) == col(SampledCase.id))
            .join(SurveyResponse, col(SurveyResponse.invitation_id) == col(Invitation.id))
        ).all()
    answers: dict[str, dict[str, object]] = {
        cid: {"duration_seconds": d, "device_hash": h} for cid, d, h in meta
    }
    codes: set[str] = set()
    for case_id, code, value in rows:
        answers[case_id][code] = value
        codes.add(code)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["case_id", *sorted(codes), "duration_seconds", "device_hash"])
        writer.writeheader()
        for case_id, values in sorted(answers.items()):
            writer.writerow({"case_id": case_id, **values})


def _export_sample(engine: Engine, path: Path) -> None:
    with read_session(engine) as s:
        ids = s.exec(
            select(ServiceCase.case_id).join(
                SampledCase, col(SampledCase.case_pk) == col(ServiceCase.id)
            )
        ).all()
    path.write_text("case_id\n" + "".join(f"{i}\n" for i in sorted(ids)), encoding="utf-8")


def _close(a: object, b: object, path: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_round_pipeline_and_file_equivalence(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    result = runner.DemoResult()
    rng = np.random.default_rng(7)
    runner.set_up_people_and_round(engine, result, "pipeline password 1")
    runner.import_registries(engine, settings, result, rng, 0.03, lambda _d, _t: None)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, lambda _d, _t: None)
    runner.score(engine, result, tmp_path / "out")

    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, result.round_id)
        assert rnd is not None
        assert rnd.state == RoundState.REVIEW
        assert rnd.scored_by is not None
        assert verify_chain(s).ok
        draw = s.exec(select(SampleDraw)).one()
        cards = s.exec(select(Scorecard)).all()
    assert len(cards) == 10
    for stratum in draw.record["strata"]:
        assert stratum["n"] >= math.ceil(0.5 * stratum["N"])
    assert result.responses > 0

    db_card = json.loads(result.scorecard_path.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    for section in db_card["enterprises"].values():
        c = section["composite"]
        assert c["ci_low"] <= c["estimate"] <= c["ci_high"]

    # The same round from files: the registry CSVs that were imported, sample and responses.
    frame = tmp_path / "frame.csv"
    files = sorted((tmp_path / "registries").glob("*.csv"))
    with frame.open("w", encoding="utf-8") as out:
        out.write(files[0].read_text(encoding="utf-8").splitlines(keepends=True)[0])
        for f in files:
            out.writelines(f.read_text(encoding="utf-8").splitlines(keepends=True)[1:])
    _export_sample(engine, tmp_path / "sample.csv")
    _export_responses(engine, tmp_path / "responses.csv")
    (tmp_path / "q.yaml").write_text(template_text("after-sales"), encoding="utf-8")
    plan = {**PLAN, "questionnaire": {"code": "after-sales", "version": 1}}
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        ["score", "--questionnaire", str(tmp_path / "q.yaml"),
         "--plan", str(tmp_path / "plan.json"), "--frame", str(frame),
         "--responses", str(tmp_path / "responses.csv"),
         "--sample", str(tmp_path / "sample.csv"), "--out", str(tmp_path / "file-card.json")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    file_card = json.loads((tmp_path / "file-card.json").read_text(encoding="utf-8"))
    _close(db_card, file_card)
