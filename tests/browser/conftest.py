"""Browser-test fixtures: one Chromium per test session, a live app per test.

* ``browser``: Debian's Chromium through Playwright, started once per session (never
  downloaded); every test opens its own context.
* ``live_app``: ``create_app(settings, engine)`` served by uvicorn on 127.0.0.1 and a free port,
  on the test's fresh database (both engines), with signing keys and PII keys in ``tmp_path``.

Session and CSRF cookies are ``Secure``: Chromium treats http://127.0.0.1 as a secure context
and keeps Secure cookies there, so the app runs with its ordinary (development) settings.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from sqlalchemy.engine import Engine

from app.config import Settings
from app.keys_store import KeyStore
from app.web.app import create_app
from reports.chart_export import ChartSession

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    engine: Engine
    settings: Settings
    db: str  # "sqlite" or "postgresql", for artefact names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="browser-test-secret-" + "s" * 32,
        pii_keys=f"t1:{base64.b64encode(b'k' * 32).decode()}",
        pii_active_key="t1",
        contact_hash_key=base64.b64encode(b"h" * 32).decode(),
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def report_charts() -> Iterator[ChartSession]:
    # Issuing certificates renders charts with Kaleido; its Chromium opens on first use and is
    # closed here, while pytest still captures output (not at interpreter exit).
    charts = ChartSession()
    yield charts
    charts.close()


@pytest.fixture
def live_app(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    report_charts: ChartSession,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveApp]:
    monkeypatch.setattr("reports.chart_export._shared", report_charts)
    settings = app_settings(tmp_path / "data", database_url)
    KeyStore.for_settings(settings).init("Browser Test Evaluation Centre")
    app = create_app(settings, engine=engine)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the test server did not answer /health in 20 s"
        time.sleep(0.05)
    db = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    yield LiveApp(base, engine, settings, db)
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def context(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_app.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()
