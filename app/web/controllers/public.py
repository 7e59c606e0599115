"""Public pages and endpoints: health, landing page, certificate verification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from urllib.parse import quote

from litestar import Controller, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.certificates.verification import verify_number
from app.web.deps import DbSession


class PublicController(Controller):
    tags = ["public"]  # noqa: RUF012

    @get("/health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/", sync_to_thread=False)
    def index(self) -> Template:
        return Template(template_name="index.html.j2")

    @get("/verify", sync_to_thread=False)
    def verify_form(self, number: FromQuery[str]) -> Redirect:
        return Redirect(path=f"/verify/{quote(number.strip(), safe='')}")

    @get("/verify/{number:str}", sync_to_thread=True)
    def verify_page(self, number: FromPath[str], db_session: DbSession) -> Template:
        result = verify_number(db_session, number, date.today())
        return Template(template_name="verify.html.j2", context={"result": result})

    @get("/api/v1/certificates/{number:str}/status", sync_to_thread=True)
    def verify_api(self, number: FromPath[str], db_session: DbSession) -> dict[str, Any]:
        result = verify_number(db_session, number, date.today())
        data = asdict(result)
        data["valid_until"] = result.valid_until.isoformat() if result.valid_until else None
        return data
