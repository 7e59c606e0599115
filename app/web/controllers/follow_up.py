"""The form that opens a re-evaluation (follow-up) round of a scored round (issue #10 item 4).

The enterprises with findings in the round (open or already rectified) are preselected; the new
round gets a copy of the previous round's scoring plan (``app.domain.reevaluation.follow_up``).
Body scoping comes from the session: another body's round is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app.db.engine import write_session
from app.domain.reevaluation.choices import FollowUpChoices, follow_up_choices
from app.domain.reevaluation.errors import FollowUpRefusedError
from app.domain.reevaluation.follow_up import create_follow_up_round
from app.errors import TianpingError
from app.web.auth import require_staff
from app.web.controllers.rounds import staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, integer_list, iso_date, text
from app.web.i18n import Lang, request_lang, translate
from scoring.errors import ScoringError

Req = Request[Any, Any, Any]
MAX_TITLE = 200
TEMPLATE = "rounds/follow_up.html.j2"

# The service names its request's fields; the form calls two of them differently.
FORM_FIELDS = {"enterprise_ids": "enterprises", "round_id": "form"}


def refusal(errors: FormErrors, exc: Exception) -> None:
    """A refusal shown next to its field in the page's language, anything else above the form."""
    if isinstance(exc, FollowUpRefusedError):
        errors.add(FORM_FIELDS.get(exc.field, exc.field), exc.message, **exc.values)
    else:
        errors.add("form", str(exc))


def default_form(choices: FollowUpChoices, lang: Lang) -> dict[str, Any]:
    title = translate(lang, "%(title)s (re-evaluation)", title=choices.previous.title)
    return {
        "code": choices.suggested_code,
        "title": title[:MAX_TITLE],
        "period_start": choices.suggested_start.isoformat(),
        "period_end": choices.suggested_end.isoformat(),
        "questionnaire_version_id": "",
    }


def _page(
    choices: FollowUpChoices,
    form: Mapping[str, Any],
    chosen: list[int],
    errors: Mapping[str, str],
) -> Template:
    return Template(
        TEMPLATE,
        context={
            "choices": choices,
            "form": form,
            "chosen": set(chosen),
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


def _optional_version(form: Mapping[str, Any], errors: FormErrors) -> int | None:
    """Empty means "the previous round's version"."""
    raw = form.get("questionnaire_version_id", "")
    if isinstance(raw, str) and not raw.strip():
        return None
    ids = integer_list(form, "questionnaire_version_id", errors)
    return ids[0] if len(ids) == 1 else None


class FollowUpController(Controller):
    path = "/rounds/{round_id:int}/follow-up"
    guards = [require_staff]  # noqa: RUF012
    tags = ["workflow"]  # noqa: RUF012
    include_in_schema = False

    @get(sync_to_thread=True)
    def form(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        choices = follow_up_choices(db_session, round_id, user.body_id or 0)
        return _page(choices, default_form(choices, request_lang(request)), choices.preselected, {})

    @post(sync_to_thread=True)
    def create(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        # First: another body's round is a 404 before anything is looked at.
        choices = follow_up_choices(db_session, round_id, user.body_id or 0)
        errors = FormErrors(request_lang(request))
        code = text(data, "code", errors, max_length=64)
        title = text(data, "title", errors, max_length=MAX_TITLE)
        start = iso_date(data, "period_start", errors)
        end = iso_date(data, "period_end", errors)
        chosen = integer_list(data, "enterprises", errors)
        version_id = _optional_version(data, errors)
        if not chosen:
            errors.add("enterprises", "Choose at least one enterprise.")
        if start and end and end < start:
            errors.add("period_end", "The period cannot end before it starts.")
        new_id: int | None = None
        # Dates are None only when ``errors`` already says so.
        if not errors and start is not None and end is not None:
            try:
                with write_session(request.app.state.engine) as s:
                    rnd = create_follow_up_round(
                        s,
                        round_id,
                        chosen,
                        user.username,
                        code=code,
                        title=title,
                        period_start=start,
                        period_end=end,
                        body_id=user.body_id,
                        questionnaire_version_id=version_id,
                        created_by=user.id,
                    )
                    new_id = rnd.id
            except (TianpingError, ScoringError) as exc:
                refusal(errors, exc)
        if errors or new_id is None:
            return _page(choices, data, chosen, errors)
        return Redirect(path=f"/rounds/{new_id}")
