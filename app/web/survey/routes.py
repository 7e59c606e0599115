"""Route handlers of the consumer survey, registered by ``app.web.app``.

``/s/{token}`` checks the token, puts it in an HttpOnly cookie and redirects to the token-free
``/survey`` (so the token leaves the address bar, the history and any Referer). ``/survey``
shows one screen at a time and saves each screen (save-and-resume); the last POST submits.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from app.db.engine import read_session
from app.db.types import utcnow
from app.domain.fieldwork.drafts import load_draft, save_screen
from app.domain.fieldwork.errors import AnswersInvalidError, InvalidTokenError, TokenExpiredError
from app.domain.fieldwork.lookup import OpenInvitation, open_invitation
from app.domain.fieldwork.reminders import opt_out
from app.domain.fieldwork.submission import submit_response
from app.errors import ConflictError
from app.web.survey.api import SurveyApiController
from app.web.survey.messages import GENERAL_GROUP_TITLE, MESSAGES
from app.web.survey.pages import (
    NO_STORE,
    SURVEY_COOKIE,
    SURVEY_PATH,
    device_hash,
    engine_of,
    is_production,
    lang_cookie,
    note_failed_token,
    page,
    request_lang,
    throttled,
)
from app.web.survey.screens import Screen, build_screens, next_screen, parse_screen

Req = Request[Any, Any, Any]


def _open(request: Req, token: str) -> OpenInvitation | Template:
    """The invitation, or the friendly page to show instead."""
    if throttled(request):
        return page(request, "message", status=429, key="throttled")
    try:
        with read_session(engine_of(request)) as session:
            return open_invitation(session, token)
    except InvalidTokenError:
        note_failed_token(request, "invalid")
        return page(request, "message", status=404, key="invalid")
    except TokenExpiredError:
        return page(request, "message", status=410, key="expired")


def _open_link(request: Req, token: str) -> Template | Redirect:
    opened = _open(request, token)
    if isinstance(opened, Template):
        return opened
    max_age = max(60, int((opened.expires_at - utcnow()).total_seconds()))
    cookie = Cookie(
        key=SURVEY_COOKIE,
        value=token,
        path=SURVEY_PATH,
        max_age=max_age,
        httponly=True,
        secure=is_production(request),
        samesite="lax",
    )
    cookies = [cookie, lang_cookie(request_lang(request))]
    return Redirect(path=SURVEY_PATH, status_code=303, cookies=cookies, headers=NO_STORE)


def _screens(opened: OpenInvitation) -> tuple[Screen, ...]:
    return build_screens(opened.questionnaire, GENERAL_GROUP_TITLE)


def _show(
    request: Req,
    opened: OpenInvitation,
    number: int,
    answers: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    screens = _screens(opened)
    total = len(screens) + 1
    if number <= 0:
        return page(request, "intro", title=opened.questionnaire.title, total=total)
    if number > len(screens):
        return page(request, "review", step=total, total=total)
    screen = screens[number - 1]
    return page(
        request,
        "screen",
        status=status,
        screen=screen,
        items=screen.shown(answers),
        answers=answers,
        errors=errors or {},
        step=number,
        total=total,
        na_label=opened.questionnaire.effective_na_label(),
    )


def _current(request: Req) -> tuple[str, OpenInvitation] | Template:
    token = request.cookies.get(SURVEY_COOKIE)
    if not token:
        return page(request, "message", status=400, key="no_session")
    opened = _open(request, token)
    if isinstance(opened, Template):
        return opened
    if opened.status == "answered":
        return page(request, "message", key="answered")
    return token, opened


def _survey_page(request: Req) -> Template:
    current = _current(request)
    if isinstance(current, Template):
        return current
    _, opened = current
    draft = load_draft(engine_of(request), opened.invitation_id)
    return _show(request, opened, draft.screen, draft.answers)


def _error_texts(request: Req, exc: AnswersInvalidError) -> dict[str, str]:
    lang = request_lang(request)
    return {p.item_code: MESSAGES[f"err_{p.problem}"][lang] for p in exc.problems}


def _survey_save(request: Req, data: dict[str, str]) -> Template:
    current = _current(request)
    if isinstance(current, Template):
        return current
    token, opened = current
    engine = engine_of(request)
    screens = _screens(opened)
    draft = load_draft(engine, opened.invitation_id)
    action = data.get("action", "next")
    number = draft.screen
    if data.get("screen") != str(number):
        # A stale form (browser back button, a second tab): show where the consumer really is.
        return _show(request, opened, number, draft.answers)
    if action == "submit" and number > len(screens):
        return _submit(request, token, opened, screens, draft.answers)
    if action == "back":
        target = next_screen(screens, number, draft.answers, -1)
        save_screen(
            engine,
            invitation_id=opened.invitation_id,
            questionnaire_items={},
            answers={},
            next_screen=target,
        )
        return _show(request, opened, target, draft.answers)
    given: dict[str, Any] = {}
    if 1 <= number <= len(screens):
        items = screens[number - 1].shown(draft.answers)
        given = parse_screen(items, data)
    merged = {**draft.answers, **given}
    target = next_screen(screens, number, merged, 1)
    try:
        saved = save_screen(
            engine,
            invitation_id=opened.invitation_id,
            questionnaire_items={i.code: i for i in opened.questionnaire.all_items()},
            answers=given,
            next_screen=target,
        )
    except AnswersInvalidError as exc:
        return _show(request, opened, number, merged, errors=_error_texts(request, exc), status=422)
    return _show(request, opened, target, saved.answers)


def _submit(
    request: Req,
    token: str,
    opened: OpenInvitation,
    screens: tuple[Screen, ...],
    answers: dict[str, Any],
) -> Template:
    try:
        receipt = submit_response(
            engine_of(request),
            token=token,
            answers=answers,
            idempotency_key=f"web-{opened.invitation_id}",
            device_hash=device_hash(request),
        )
    except AnswersInvalidError as exc:
        codes = {p.item_code for p in exc.problems}
        first = next((s.number for s in screens if codes & {i.code for i in s.items}), 1)
        return _show(request, opened, first, answers, errors=_error_texts(request, exc), status=422)
    except ConflictError:
        return page(request, "message", key="answered")
    return page(request, "thanks", receipt=receipt.receipt)


def _optout_form(request: Req, token: str) -> Template:
    opened = _open(request, token)
    if isinstance(opened, Template):
        return opened
    return page(request, "optout", token=token)


def _optout(request: Req, token: str) -> Template:
    try:
        opt_out(engine_of(request), token)
    except InvalidTokenError:
        note_failed_token(request, "invalid")
        return page(request, "message", status=404, key="invalid")
    except TokenExpiredError:
        return page(request, "message", status=410, key="expired")
    return page(request, "message", key="optout_done")


class SurveyController(Controller):
    """The consumer pages (a controller, so each app gets its own handler instances)."""

    tags = ["survey"]  # noqa: RUF012
    include_in_schema = False

    @get("/s/{token:str}", sync_to_thread=True, name="survey_link")
    def open_link(self, request: Req, token: FromPath[str]) -> Template | Redirect:
        return _open_link(request, token)

    @get(SURVEY_PATH, sync_to_thread=True, name="survey_page")
    def survey_page(self, request: Req) -> Template:
        return _survey_page(request)

    @post(SURVEY_PATH, sync_to_thread=True, name="survey_save")
    def survey_save(self, request: Req, data: URLEncodedBody[dict[str, str]]) -> Template:
        return _survey_save(request, data)

    # A GET only shows the question: link scanners and previews must not opt anyone out.
    @get("/optout/{token:str}", sync_to_thread=True, name="survey_optout_form")
    def optout_form(self, request: Req, token: FromPath[str]) -> Template:
        return _optout_form(request, token)

    @post("/optout/{token:str}", sync_to_thread=True, name="survey_optout")
    def optout(self, request: Req, token: FromPath[str]) -> Template:
        return _optout(request, token)


SURVEY_HANDLERS: list[ControllerRouterHandler] = [SurveyController, SurveyApiController]
