"""``tianping keys`` and ``tianping report`` end to end (the lead registers them in main)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import keys as keys_cli
from app.cli import report as report_cli
from tests.integration.reports.conftest import FIXTURE

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("TIANPING_DATA_DIR", str(path))
    for name in ("TIANPING_CONFIG", "TIANPING_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def signed_pdf(data_dir: Path, tmp_path: Path) -> Path:
    out = runner.invoke(keys_cli.app, ["init", "--body-name", "天平评价中心"])
    assert out.exit_code == 0, out.output
    pdf = tmp_path / "report.pdf"
    res = runner.invoke(
        report_cli.app,
        ["render", str(FIXTURE), "--enterprise", "E002", "--lang", "en", "--out", str(pdf),
         "--name", "Beichen Home Appliance Service", "--number", "TP-CLI-1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return pdf


def test_keys_init_never_prints_private_material(data_dir: Path) -> None:
    out = runner.invoke(keys_cli.app, ["init"])
    assert out.exit_code == 0
    assert "PRIVATE" not in out.output
    assert "BEGIN" not in out.output
    again = runner.invoke(keys_cli.app, ["init"])
    assert again.exit_code != 0
    rotated = runner.invoke(keys_cli.app, ["rotate"])
    assert rotated.exit_code == 0
    assert "active signing key is now" in rotated.output
    shown = runner.invoke(keys_cli.app, ["show"])
    assert shown.output.count("ed25519-") == 2


def test_render_then_verify_offline(signed_pdf: Path) -> None:
    res = runner.invoke(report_cli.app, ["verify", str(signed_pdf), "--offline"])
    assert res.exit_code == 0, res.output
    assert "VERIFIED" in res.output
    assert "TP-CLI-1" in res.output


def test_verify_names_a_changed_byte(signed_pdf: Path) -> None:
    data = bytearray(signed_pdf.read_bytes())
    data[len(data) // 3] ^= 0x20
    signed_pdf.write_bytes(bytes(data))
    res = runner.invoke(report_cli.app, ["verify", str(signed_pdf), "--offline"])
    assert res.exit_code == 1
    assert "changed after signing" in res.output


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {"number": "TP-CLI-1", "status": "revoked", "reason": "complaint upheld"}
        ).encode()
        self.send_response(200 if self.path == "/api/v1/certificates/TP-CLI-1/status" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def status_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_verify_online_reports_revocation(signed_pdf: Path, status_server: str) -> None:
    res = runner.invoke(report_cli.app, ["verify", str(signed_pdf), "--online", status_server])
    assert res.exit_code == 1
    assert "revoked: complaint upheld" in res.output


def test_render_rejects_unknown_language(data_dir: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        report_cli.app,
        ["render", str(FIXTURE), "--enterprise", "E001", "--lang", "fr", "--out",
         str(tmp_path / "x.pdf"), "--draft"],
    )  # fmt: skip
    assert res.exit_code != 0
    assert isinstance(res.exception, Exception)
    assert "zh or en" in str(res.exception)
