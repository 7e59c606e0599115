"""Public results of rounds that opted in (pages and open data), and the staff opt-in form.

``/results/{name}`` answers ``12`` (the page), ``12.csv`` and ``12.json`` (open data): one
handler, because a path segment cannot hold both an integer parameter and a suffix.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app.db.engine import write_session
from app.domain.disclosure.open_data import COLUMNS, to_csv, to_json
from app.domain.disclosure.publication import set_results_public
from app.domain.disclosure.results import public_results, public_rounds
from app.errors import NotFoundError, TianpingError
from app.web.auth import current_user, require_staff
from app.web.deps import DbSession

_NAME = re.compile(r"(\d{1,18})(?:\.(csv|json))?")
_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ResultsController(Controller):
    tags = ["public"]  # noqa: RUF012
    include_in_schema = False

    @get("/results", sync_to_thread=True)
    def index(self, db_session: DbSession) -> Template:
        return Template("results/index.html.j2", context={"rounds": public_rounds(db_session)})

    @get("/results/{name:str}", sync_to_thread=True)
    def round_results(self, name: FromPath[str], db_session: DbSession) -> Template | Response[str]:
        match = _NAME.fullmatch(name)
        if match is None:
            raise NotFoundError("no such page")
        found = public_results(db_session, int(match.group(1)), date.today())
        kind = match.group(2)
        if kind is None:
            return Template("results/round.html.j2", context={"found": found, "columns": COLUMNS})
        body = to_csv(found) if kind == "csv" else to_json(found)
        filename = f"results-{found.round.round_id}.{kind}"
        return Response(
            body,
            media_type=_MEDIA[kind],
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    @post("/rounds/{round_id:int}/results-public", guards=[require_staff], sync_to_thread=True)
    def set_public(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = current_user(request)
        if user is None or user.body_id is None:
            raise NotFoundError("no such page")
        choice = data.get("public")
        if choice not in ("0", "1"):
            raise TianpingError("public: send 1 to publish the results or 0 to withdraw them")
        with write_session(request.app.state.engine) as s:
            set_results_public(
                s,
                round_id=round_id,
                body_id=user.body_id,
                public=choice == "1",
                actor=user.username,
            )
        return Redirect(path=f"/rounds/{round_id}")
