"""The end-of-run log scan (tests/pii_log_scan.py) finds phones and e-mails, not lookalikes,
and really fails a pytest run that logged one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pii_log_scan import scan_text

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("sent to 13812345678", "phone"),
        ("sent to +8613812345678.", "phone"),
        ("sent to +86 138 1234 5678", "phone"),
        ("sent to 0086 19912345678", "phone"),
        ("sent to 138-1234-5678", "phone"),
        ("contact=zhang.san@example.com;", "e-mail"),
        ("To: <user123456@mail.example.cn>", "e-mail"),
    ],
)
def test_personal_data_is_found(line: str, kind: str) -> None:
    found = scan_text(f"first line\n{line}\n", Path("x.log"))
    assert [(f.line, f.kind) for f in found] == [(2, kind)]
    assert "1234" not in found[0].masked[3:7]  # shown masked, not repeated in clear


@pytest.mark.parametrize(
    "line",
    [
        "account=acct-c71da955411cb316 client=client-5c0033ac2e971556",
        "hash=a13812345678b2 seq=13812345678901",  # inside hex or a longer number
        "masked 138****5678 and z***@example.com",
        "epoch 1763826430123 at 2026-11-22 15:47:10,492",
        "from survey@localhost",
        "landline 010-12345678",
    ],
)
def test_lookalikes_are_not_reported(line: str) -> None:
    assert scan_text(line, Path("x.log")) == []


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(
        "import logging\n\ndef test_probe():\n" + body + "\n", encoding="utf-8"
    )
    # Our own interpreter on our own files.
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", "/dev/null", "-p", "tests.pii_log_scan",
         "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", str(tmp_path),
         "--basetemp", str(tmp_path / "basetemp"), str(tmp_path / "test_probe.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def test_a_run_that_logs_a_phone_fails(tmp_path: Path) -> None:
    leaky = _run(tmp_path, "    logging.getLogger('tianping.x').debug('to 13812345678')")
    assert leaky.returncode == 1, leaky.stdout + leaky.stderr
    assert "1 passed" in leaky.stdout
    assert "personal data found in logs" in leaky.stdout
    assert "all-records.log:1: phone 138****5678" in leaky.stdout
    assert "13812345678" not in leaky.stdout


def test_a_clean_run_passes(tmp_path: Path) -> None:
    clean = _run(tmp_path, "    logging.getLogger('tianping.x').warning('user_id=5')")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "personal-data log scan: clean" in clean.stdout
