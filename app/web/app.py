"""Application factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from litestar import Litestar
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.engine import Engine

from app.config import Settings, load_settings
from app.db.engine import make_engine
from app.db.migrate import ensure_current
from app.web.auth import session_middleware
from app.web.controllers.account import AccountController
from app.web.controllers.api import API_HANDLERS
from app.web.controllers.api_assignments import ASSIGNMENTS_API_HANDLERS
from app.web.controllers.api_complaints import COMPLAINTS_API_HANDLERS
from app.web.controllers.api_findings import FINDINGS_API_HANDLERS
from app.web.controllers.api_follow_up import FOLLOW_UP_API_HANDLERS
from app.web.controllers.api_observations import OBSERVATIONS_API_HANDLERS
from app.web.controllers.api_questionnaires import QUESTIONNAIRES_API_HANDLERS
from app.web.controllers.api_reports import REPORTS_API_HANDLERS
from app.web.controllers.api_tokens import ApiTokensController
from app.web.controllers.api_workflow import API_COMPONENTS, WORKFLOW_API_HANDLERS
from app.web.controllers.assignments import AssignmentsController
from app.web.controllers.complaints import ComplaintsController
from app.web.controllers.designer import DesignerController
from app.web.controllers.findings import FindingsController
from app.web.controllers.follow_up import FollowUpController
from app.web.controllers.jobs import JobsController
from app.web.controllers.observations import ObservationsController
from app.web.controllers.portal import PortalController
from app.web.controllers.portal_findings import PortalFindingsController
from app.web.controllers.public import PublicController
from app.web.controllers.register import RegisterController
from app.web.controllers.results import ResultsController
from app.web.controllers.rounds import ROUND_HANDLERS
from app.web.deps import provide_session
from app.web.errors import exception_handlers
from app.web.heap import freeze_heap_at_startup
from app.web.i18n import JINJA_GLOBALS
from app.web.jobs import JobRunner
from app.web.openapi_errors import document_error_responses
from app.web.path_ids import bounded_path_ids
from app.web.security import security_headers
from app.web.survey.routes import SURVEY_HANDLERS
from app.workdays import workday_calendar

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PLOTLY_JS_DIR = Path(plotly.__file__).parent / "package_data"
# Consumer survey submissions by integrators are token-authenticated, not cookie-authenticated.
CSRF_EXEMPT = ["/api/v1/responses"]


def _template_engine(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals.update(JINJA_GLOBALS)
    # `tojson` shows Chinese as written (not \uXXXX); <, >, & and ' are still escaped.
    engine.engine.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Litestar:
    settings = settings or load_settings()
    owned_engine = engine is None
    db_engine = engine or make_engine(settings.effective_database_url)
    # Refuse to start on an unmigrated schema rather than fail on the first request.
    ensure_current(db_engine)
    workday_calendar(settings)  # likewise a configured calendar file that cannot be read

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = db_engine
        app.state.settings = settings
        app.state.jobs = JobRunner(db_engine)
        app.state.jobs.fail_stale()
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            if owned_engine:
                db_engine.dispose()

    production = settings.is_production
    hosts = settings.host_allowlist
    csrf = CSRFConfig(
        # Without a configured secret (development) tokens last as long as the process.
        secret=settings.secret_key or secrets.token_urlsafe(32),
        cookie_name="__Host-csrf" if production else "tianping_csrf",
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=CSRF_EXEMPT,
    )
    return Litestar(
        route_handlers=[
            PublicController,
            AccountController,
            ApiTokensController,
            JobsController,
            PortalController,
            RegisterController,
            ResultsController,
            DesignerController,
            ObservationsController,
            FindingsController,
            PortalFindingsController,
            AssignmentsController,
            ComplaintsController,
            *ROUND_HANDLERS,
            FollowUpController,
            *API_HANDLERS,
            *WORKFLOW_API_HANDLERS,
            *FOLLOW_UP_API_HANDLERS,
            *OBSERVATIONS_API_HANDLERS,
            *QUESTIONNAIRES_API_HANDLERS,
            *FINDINGS_API_HANDLERS,
            *COMPLAINTS_API_HANDLERS,
            *ASSIGNMENTS_API_HANDLERS,
            *REPORTS_API_HANDLERS,
            *SURVEY_HANDLERS,
            create_static_files_router(path="/static", directories=[STATIC], name="static"),
            create_static_files_router(
                path="/static/vendor", directories=[PLOTLY_JS_DIR], name="vendor"
            ),
        ],
        dependencies={"db_session": Provide(provide_session)},
        lifespan=[lifespan],
        template_config=TemplateConfig(
            directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_template_engine
        ),
        exception_handlers=exception_handlers(),  # type: ignore[arg-type]
        middleware=[
            security_headers(production),
            session_middleware(db_engine, production),
            bounded_path_ids,
        ],
        csrf_config=csrf,
        # A forged Host header must not steer absolute links (password reset, QR codes).
        allowed_hosts=AllowedHostsConfig(allowed_hosts=hosts) if hosts else None,
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        on_startup=[document_error_responses],
        openapi_config=OpenAPIConfig(
            title="Tianping API", version="1", path="/schema", components=API_COMPONENTS
        ),
        debug=False,
    )


def create_app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory`` in ``tianping serve``'s worker processes (settings
    from the environment)."""
    config = os.environ.get("TIANPING_CONFIG")
    return freeze_heap_at_startup(create_app(load_settings(Path(config) if config else None)))
