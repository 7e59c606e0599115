"""A Litestar app holding only the survey routes, as ``app.web.app`` mounts them.

Used so these tests do not depend on the rest of the web app; the survey handlers read the
same ``app.state.engine`` / ``app.state.settings`` that ``create_app`` provides.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.engine import Engine

from app.config import Settings
from app.web.security import security_headers
from app.web.survey.routes import SURVEY_HANDLERS

WEB = Path(__file__).resolve().parents[3] / "app" / "web"


def survey_app(engine: Engine, settings: Settings) -> Litestar:
    return Litestar(
        route_handlers=[
            *SURVEY_HANDLERS,
            create_static_files_router(path="/static", directories=[WEB / "static"]),
        ],
        state=State({"engine": engine, "settings": settings}),
        template_config=TemplateConfig(directory=WEB / "templates", engine=JinjaTemplateEngine),
        middleware=[security_headers(settings.is_production)],
    )
