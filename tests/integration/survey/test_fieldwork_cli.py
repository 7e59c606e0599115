"""``tianping fieldwork`` end to end: invite by SMS outbox, then the status report."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.fieldwork import app
from app.config import Settings
from app.db.engine import write_session
from app.db.models import ServiceCase
from app.secrets import load_key_material
from tests.integration.survey.builders import build_sampled_round


def test_invite_writes_the_sms_outbox_and_status_counts_it(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    built = build_sampled_round(engine, enterprises=1, cases_per_stratum=2)
    env = {"TIANPING_DATA_DIR": str(tmp_path), "TIANPING_DATABASE_URL": database_url}
    keyring = load_key_material(Settings(data_dir=tmp_path, database_url=database_url)).keyring
    with write_session(engine) as s:
        for case in s.exec(select(ServiceCase)).all():
            case.phone_enc = keyring.encrypt(f"1390000{case.id:04d}")
            s.add(case)
    outbox = tmp_path / "sms.csv"
    runner = CliRunner()
    args = ["invite", "--round", str(built.round_id), "--link-base", "https://t.example"]
    result = runner.invoke(app, [*args, "--sms-outbox", str(outbox)], env=env)
    assert result.exit_code == 0, result.output
    assert "issued 4 invitations" in result.output
    assert "sent 4, skipped 0, failed 0" in result.output
    with outbox.open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 4
    again = runner.invoke(app, [*args, "--sms-outbox", str(outbox)], env=env)
    assert again.exit_code != 0
    assert "already has 4 invitations" in str(again.exception or again.output)
    status = runner.invoke(app, ["status", "--round", str(built.round_id)], env=env)
    assert status.exit_code == 0, status.output
    assert "invitation\tsent\t4" in status.output
    assert "sampled 2\tinvited 2\tresponded 0" in status.output
