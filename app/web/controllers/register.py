"""Public register of issued certificates, per round and searchable."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from app.domain.portal.register import register_rounds, search_register
from app.web.deps import DbSession

Query = Annotated[str, QueryParameter(name="q", max_length=100)]
PageNo = Annotated[int, QueryParameter(name="page", ge=1, le=100_000)]


class RegisterController(Controller):
    tags = ["public"]  # noqa: RUF012
    include_in_schema = False

    @get("/register", sync_to_thread=True)
    def register(self, db_session: DbSession, q: Query = "", page: PageNo = 1) -> Template:
        result = search_register(db_session, today=date.today(), query=q, page=page)
        return Template(
            "register.html.j2",
            context={
                "rounds": register_rounds(db_session),
                "result": result,
                "q": q,
                "round": None,
            },
        )

    @get("/register/{round_id:int}", sync_to_thread=True)
    def register_round(
        self, round_id: FromPath[int], db_session: DbSession, q: Query = "", page: PageNo = 1
    ) -> Template:
        rounds = register_rounds(db_session)
        chosen = next((r for r in rounds if r.round_id == round_id), None)
        result = search_register(
            db_session, today=date.today(), round_id=round_id, query=q, page=page
        )
        return Template(
            "register.html.j2",
            context={"rounds": rounds, "result": result, "q": q, "round": chosen},
        )
