"""Shared fixtures. Database tests take ``engine`` and run once per configured engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.db.engine import make_engine
from tests.databases import PostgresFactory, SqliteFactory, postgres_admin_url

# After the run, every log line is scanned for phone numbers and e-mails (issue #9 item 9).
pytest_plugins = ("tests.pii_log_scan",)

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteFactory]:
    factory = SqliteFactory(tmp_path_factory.mktemp("sqlite"))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory | None]:
    url = postgres_admin_url()
    if url is None:
        yield None
        return
    factory = PostgresFactory(url)
    yield factory
    factory.close()


def _factory(
    name: str, sqlite: SqliteFactory, postgres: PostgresFactory | None
) -> SqliteFactory | PostgresFactory:
    if name == "sqlite":
        return sqlite
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must test PostgreSQL but no server answers on 127.0.0.1:5432; "
                "start it or set TIANPING_TEST_POSTGRES_URL"
            )
        pytest.skip("no PostgreSQL server (set TIANPING_TEST_POSTGRES_URL to test it)")
    return postgres


@pytest.fixture(params=ENGINES)
def database_url(
    request: pytest.FixtureRequest,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | None,
) -> Iterator[str]:
    """URL of a fresh, migrated database of each engine."""
    factory = _factory(request.param, sqlite_factory, postgres_factory)
    url = factory.url()
    yield url
    factory.drop(url)


@pytest.fixture(params=ENGINES)
def empty_database_url(
    request: pytest.FixtureRequest,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | None,
) -> Iterator[str]:
    """URL of a fresh database of each engine with no schema at all."""
    factory = _factory(request.param, sqlite_factory, postgres_factory)
    url = factory.empty_url()
    yield url
    factory.drop(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Real-browser tests run last (each group still in random order).

    Playwright's sync API keeps an event loop running in the main thread while the
    session-scoped browser lives, which breaks ``asyncio.run()`` (pyHanko signing, aiosmtplib)
    in any test scheduled after it.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
