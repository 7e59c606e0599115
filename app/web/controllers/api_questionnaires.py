"""The questionnaire designer in the JSON API: what the ``/designer`` pages offer, under
``/api/v1/questionnaires``.

Assessors and body admins only (a viewer gets 404 from the guard; another body's version is a
404 from the service). Saving calls the same ``save_draft`` and ``publish`` as the pages, so
validation and audit entries are identical; a published version never changes (409
``questionnaire_published``: open its next draft with ``POST …/{id}/drafts``). A definition is
sent as a JSON object (``definition``) or as YAML/JSON text (``source`` + ``format``); an invalid
one is a 422 ``invalid_questionnaire`` whose ``problems`` list every problem at once, each with
its ``path``, a stable ``code`` and the message in the caller's language. Authentication and
CSRF as ``api_workflow``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Response
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.db.models.questionnaire import QuestionnaireVersion
from app.domain.questionnaires.drafts import (
    QuestionnaireExistsError,
    QuestionnairePublishedError,
    StaleDraftError,
    create_questionnaire,
    open_next_draft,
    refuse_published,
    update_draft,
)
from app.domain.questionnaires.service import (
    as_questionnaire,
    get_version,
    list_versions,
    publish,
)
from app.errors import ConflictError, TianpingError
from app.web.auth import require_staff
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api_workflow import API_SECURITY, _staff
from app.web.deps import DbSession
from app.web.i18n import request_lang
from app.web.questionnaire_input import check_size, parse_questionnaire
from app.web.questionnaire_messages import invalid_summary, problem_entries
from app.web.survey.messages import GENERAL_GROUP_TITLE
from app.web.survey.screens import build_screens
from questionnaires import Item, Questionnaire, dump, from_dict, to_dict, validate
from questionnaires.errors import QuestionnaireInvalid
from questionnaires.templates import list_templates, load_template

Req = Request[Any, Any, Any]
# A questionnaire of the largest size the designer allows (200 items) is well under 256 KiB.
MAX_BODY_BYTES = 1024 * 1024
MAX_SOURCE_CHARS = 512 * 1024
Format = Literal["yaml", "json"]
# The native format's top level has nine keys; a few more still get their "unknown key" problem.
Definition = Annotated[dict[str, Any], msgspec.Meta(max_length=50)]
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SOURCE_CHARS)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
TemplateName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Sha256 = Annotated[str, msgspec.Meta(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]
VersionId = FromPath[int]  # bounded by the ``bounded_path_ids`` middleware


# ---- schemas ---------------------------------------------------------------------------------
class DefinitionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of ``definition`` (the native format as JSON) or ``source`` (its text)."""

    definition: Definition | None = None
    source: Source | None = None
    format: Format = "yaml"


class NewQuestionnaireIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of ``definition``, ``source`` or ``template`` (a bundled template's name,
    optionally under another ``code``); the new questionnaire is version 1, a draft."""

    definition: Definition | None = None
    source: Source | None = None
    format: Format = "yaml"
    template: TemplateName | None = None
    code: Code | None = None


class DraftIn(DefinitionIn, forbid_unknown_fields=True):
    """The draft's new content; its code and version number stay. ``expected_sha256`` (the
    hash read with the draft) refuses the save when someone saved in between."""

    expected_sha256: Sha256 | None = None


class ProblemOut(msgspec.Struct):
    path: str
    code: str
    severity: str
    message: str
    params: dict[str, str | int | float]


class VersionOut(msgspec.Struct):
    id: int
    code: str
    version: int
    status: str
    sha256: str
    title: dict[str, str]
    published_at: datetime | None


class VersionDetailOut(VersionOut):
    definition: dict[str, Any]
    # Warnings (advice) of a stored version; a stored version never has errors.
    problems: list[ProblemOut]


class ValidationOut(msgspec.Struct):
    valid: bool
    problems: list[ProblemOut]


class PreviewItemOut(msgspec.Struct):
    code: str
    type: str
    text: dict[str, str]
    required: bool
    allow_na: bool
    points: int | None
    labels: dict[str, list[str]]
    choices: list[dict[str, Any]]
    show_if: str | None


class ScreenOut(msgspec.Struct):
    number: int
    title: dict[str, str]
    items: list[PreviewItemOut]


class PreviewOut(msgspec.Struct):
    id: int
    code: str
    version: int
    na_label: dict[str, str]
    screens: list[ScreenOut]


# ---- helpers ---------------------------------------------------------------------------------
def _version(v: QuestionnaireVersion) -> VersionOut:
    return VersionOut(v.id or 0, v.code, v.version, v.status, v.sha256, _title(v), v.published_at)


def _title(v: QuestionnaireVersion) -> dict[str, str]:
    title = v.content.get("title")
    return {str(k): str(t) for k, t in title.items()} if isinstance(title, dict) else {}


def _problems(request: Req, problems: Any) -> list[ProblemOut]:
    return [ProblemOut(**entry) for entry in problem_entries(problems, request_lang(request))]


def _exactly_one(**given: object) -> None:
    if sum(value is not None for value in given.values()) != 1:
        raise TianpingError(f"give exactly one of: {', '.join(given)}")


def _parse(data: DefinitionIn | NewQuestionnaireIn, source: str) -> Questionnaire:
    """The questionnaire of a request body; raises ``QuestionnaireInvalid`` with every problem."""
    if data.source is not None:
        return parse_questionnaire(data.source, data.format, source)
    definition = data.definition or {}
    check_size(definition)
    return from_dict(definition, source=source)


def _item(item: Item) -> PreviewItemOut:
    return PreviewItemOut(
        code=item.code,
        type=item.type,
        text=dict(item.text),
        required=item.required,
        allow_na=item.allow_na,
        points=item.points,
        labels={lang: list(labels) for lang, labels in item.labels.items()},
        choices=[{"code": c.code, "label": dict(c.label)} for c in item.choices],
        show_if=item.show_if,
    )


def questionnaire_invalid(request: Req, exc: QuestionnaireInvalid) -> Response[dict[str, Any]]:
    """The 422 of an invalid definition: the usual error body plus every problem, located."""
    lang = request_lang(request)
    code, detail = "invalid_questionnaire", invalid_summary(exc, lang)
    body = {
        "error": code,
        "detail": detail,
        "code": code,
        "message": detail,
        "problems": problem_entries(exc.problems, lang),
    }
    return Response(body, status_code=HTTP_422_UNPROCESSABLE_ENTITY)


_CONFLICT_CODES: tuple[tuple[type[ConflictError], str], ...] = (
    (QuestionnairePublishedError, "questionnaire_published"),
    (QuestionnaireExistsError, "questionnaire_exists"),
    (StaleDraftError, "stale_draft"),
)


def questionnaire_conflict(_: Req, exc: ConflictError) -> Response[dict[str, Any]]:
    """A 409 whose ``error`` says which rule refused (published, existing code, stale copy)."""
    code = next((name for kind, name in _CONFLICT_CODES if isinstance(exc, kind)), "conflict")
    detail = str(exc)
    body = {"error": code, "detail": detail, "code": code, "message": detail}
    return Response(body, status_code=HTTP_409_CONFLICT)


# ---- endpoints -------------------------------------------------------------------------------
class QuestionnairesApi(Controller):
    path = "/api/v1/questionnaires"
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["questionnaires"]  # noqa: RUF012
    security = API_SECURITY
    exception_handlers = {  # noqa: RUF012
        QuestionnaireInvalid: questionnaire_invalid,
        ConflictError: questionnaire_conflict,
    }

    @get("/", sync_to_thread=True, summary="Questionnaire versions of the caller's body")
    def versions(
        self,
        request: Req,
        db_session: DbSession,
        code: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> list[VersionOut]:
        body_id = _staff(request).body_id or 0
        return [
            _version(v)
            for v in list_versions(db_session, body_id)
            if code is None or v.code == code
        ]

    @get("/templates", sync_to_thread=True, summary="Names of the bundled templates")
    def templates(self) -> list[str]:
        return list(list_templates())

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_BODY_BYTES,
        summary="Create a questionnaire (version 1, a draft) from a definition or a template",
    )
    def create(self, request: Req, data: JSONBody[NewQuestionnaireIn]) -> VersionDetailOut:
        user = _staff(request)
        _exactly_one(definition=data.definition, source=data.source, template=data.template)
        if data.template is not None:
            if data.template not in list_templates():
                raise TianpingError(f"template: choose one of {', '.join(list_templates())}")
            q = load_template(data.template)
            if data.code is not None:
                q = from_dict({**to_dict(q), "code": data.code}, source="the new questionnaire")
        else:
            q = _parse(data, "the new questionnaire")
        with write_session(request.app.state.engine) as s:
            created = create_questionnaire(
                s, body_id=user.body_id or 0, questionnaire=q, actor=user.username
            )
            return self._detail(request, created)

    @get("/{version_id:int}", sync_to_thread=True, summary="One version and its definition")
    def show(self, request: Req, version_id: VersionId, db_session: DbSession) -> VersionDetailOut:
        version = get_version(db_session, version_id, _staff(request).body_id or 0)
        return self._detail(request, version)

    @get(
        "/{version_id:int}/source",
        sync_to_thread=True,
        media_type="text/plain; charset=utf-8",
        summary="One version's definition as YAML or JSON text",
    )
    def source(
        self,
        request: Req,
        version_id: VersionId,
        db_session: DbSession,
        text_format: Annotated[Format, QueryParameter(name="format")] = "yaml",
    ) -> str:
        version = get_version(db_session, version_id, _staff(request).body_id or 0)
        return dump(as_questionnaire(version), text_format)

    @put(
        "/{version_id:int}",
        sync_to_thread=True,
        request_max_body_size=MAX_BODY_BYTES,
        summary="Replace a draft's definition (a published version is refused with 409)",
    )
    def update(
        self, request: Req, version_id: VersionId, data: JSONBody[DraftIn]
    ) -> VersionDetailOut:
        user = _staff(request)
        body_id = user.body_id or 0
        _exactly_one(definition=data.definition, source=data.source)
        with write_session(request.app.state.engine) as s:
            version = get_version(s, version_id, body_id)
            q = _parse(data, f"{version.code} v{version.version}")
            saved = update_draft(
                s,
                version_id=version_id,
                body_id=body_id,
                questionnaire=q,
                actor=user.username,
                expected_sha256=data.expected_sha256,
            )
            return self._detail(request, saved)

    @post(
        "/{version_id:int}/drafts",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Open the next draft of a version's code (the open one if there is one)",
    )
    def new_draft(self, request: Req, version_id: VersionId) -> VersionDetailOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            draft = open_next_draft(
                s, version_id=version_id, body_id=user.body_id or 0, actor=user.username
            )
            return self._detail(request, draft)

    @post(
        "/{version_id:int}/publish",
        sync_to_thread=True,
        status_code=200,
        summary="Publish a draft; it never changes afterwards",
    )
    def publish(self, request: Req, version_id: VersionId) -> VersionDetailOut:
        user = _staff(request)
        body_id = user.body_id or 0
        with write_session(request.app.state.engine) as s:
            refuse_published(get_version(s, version_id, body_id))
            version = publish(s, version_id=version_id, body_id=body_id, actor=user.username)
            return self._detail(request, version)

    @post(
        "/validate",
        sync_to_thread=True,
        status_code=200,
        request_max_body_size=MAX_BODY_BYTES,
        summary="Check a definition without saving it: every problem, errors and warnings",
    )
    def check(self, request: Req, data: JSONBody[DefinitionIn]) -> ValidationOut:
        _staff(request)
        _exactly_one(definition=data.definition, source=data.source)
        try:
            q = _parse(data, "the definition")
        except QuestionnaireInvalid as exc:
            return ValidationOut(False, _problems(request, exc.problems))
        return ValidationOut(True, _problems(request, validate(q)))

    @get(
        "/{version_id:int}/preview",
        sync_to_thread=True,
        summary="The consumer's screens of a version, as the survey shows them",
    )
    def preview(self, request: Req, version_id: VersionId, db_session: DbSession) -> PreviewOut:
        version = get_version(db_session, version_id, _staff(request).body_id or 0)
        q = as_questionnaire(version)
        screens = [
            ScreenOut(s.number, dict(s.title), [_item(i) for i in s.items])
            for s in build_screens(q, GENERAL_GROUP_TITLE)
        ]
        return PreviewOut(
            version.id or 0, version.code, version.version, dict(q.effective_na_label()), screens
        )

    def _detail(self, request: Req, v: QuestionnaireVersion) -> VersionDetailOut:
        return VersionDetailOut(
            v.id or 0,
            v.code,
            v.version,
            v.status,
            v.sha256,
            _title(v),
            v.published_at,
            definition=dict(v.content),
            problems=_problems(request, validate(v.content)),
        )


QUESTIONNAIRES_API_HANDLERS: list[ControllerRouterHandler] = [QuestionnairesApi]
