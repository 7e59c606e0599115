"""The package dependency direction of DESIGN §2, checked on the source's import statements.

``app → reports → scoring → questionnaires`` and ``app → sampling`` (both readers of uploaded
workbooks may use the leaf ``archives``); the domain packages never
import ``app`` and never reach for the database, HTTP or settings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ALLOWED: dict[str, set[str]] = {
    # A leaf shared by both readers of uploaded workbooks (the zip bomb guard).
    "archives": set(),
    "questionnaires": {"archives"},
    "sampling": {"archives"},
    "scoring": {"questionnaires"},
    "reports": {"scoring", "questionnaires"},
}
FIRST_PARTY = {"app", "archives", "questionnaires", "sampling", "scoring", "reports"}
# Infrastructure that only app/ may touch.
FORBIDDEN_IN_DOMAIN = {
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",
    "litestar",
    "uvicorn",
    "httpx",
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_domain_package_imports_only_what_it_may(package: str) -> None:
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        imported = _imported_top_levels(path)
        bad_first_party = (imported & FIRST_PARTY) - ALLOWED[package] - {package}
        bad_infra = imported & FORBIDDEN_IN_DOMAIN
        for name in sorted(bad_first_party | bad_infra):
            offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import app.config\nfrom sqlalchemy import text\n", encoding="utf-8")
    assert {"app", "sqlalchemy"} <= _imported_top_levels(probe)
