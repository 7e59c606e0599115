"""The questionnaire designer (issue 3 item 7): create, edit, preview and publish questionnaires.

Every save posts the whole questionnaire; the server validates it and either stores it with
``save_draft`` or shows each problem next to its field (nothing is half-saved). Published
versions are read-only; "Edit" creates the next draft. Body scoping comes from the session:
another body's questionnaire id is a 404.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from app.db.engine import write_session
from app.db.models.questionnaire import QuestionnaireVersion
from app.domain.accounts.sessions import SessionUser
from app.domain.questionnaires.drafts import update_draft
from app.domain.questionnaires.service import (
    as_questionnaire,
    get_version,
    list_versions,
    publish,
    save_draft,
)
from app.errors import ConflictError
from app.web.auth import require_staff
from app.web.controllers.designer_form import (
    POINT_CHOICES,
    apply_action,
    compact,
    doc_from_form,
    field_id,
    field_names,
    nearest_field,
)
from app.web.controllers.rounds import staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import Lang, parse_lang, request_lang, translate
from app.web.questionnaire_input import parse_questionnaire
from app.web.questionnaire_messages import invalid_summary, problem_message
from app.web.survey.messages import GENERAL_GROUP_TITLE, translator
from app.web.survey.screens import build_screens
from questionnaires import (
    ITEM_TYPES,
    Problem,
    QuestionnaireError,
    QuestionnaireInvalid,
    dump,
    from_dict,
    to_dict,
    validate,
)
from questionnaires.errors import errors_of
from questionnaires.serialization import TextFormat
from questionnaires.templates import list_templates, load_template

Req = Request[Any, Any, Any]
BLANK = "blank"
# The largest questionnaire the form allows (200 questions) is far smaller.
MAX_SOURCE_CHARS = 512 * 1024
DEFAULT_LABELS = {
    "zh": ["很不满意", "不满意", "一般", "满意", "很满意"],
    "en": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
}


def blank_document(code: str, kind: str, title: dict[str, str]) -> dict[str, Any]:
    """The smallest valid questionnaire: one dimension with one question to rewrite."""
    return {
        "code": code,
        "version": 1,
        "kind": kind,
        "title": title,
        "languages": ["zh", "en"],
        "scale": {"points": 5, "labels": DEFAULT_LABELS},
        "dimensions": [
            {
                "code": "dimension1",
                "name": {"zh": "维度一", "en": "Dimension 1"},
                "items": [
                    {
                        "code": "q1",
                        "text": {"zh": "（请填写题干）", "en": "(write the question here)"},
                    }
                ],
            }
        ],
    }


def _grouped(versions: list[QuestionnaireVersion]) -> list[list[QuestionnaireVersion]]:
    groups: dict[str, list[QuestionnaireVersion]] = {}
    for v in versions:
        groups.setdefault(v.code, []).append(v)
    return [sorted(g, key=lambda v: -v.version) for _, g in sorted(groups.items())]


def _editor(
    version: QuestionnaireVersion,
    doc: dict[str, Any],
    problems: tuple[Problem, ...],
    errors: FormErrors | dict[str, str],
    lang: Lang,
    *,
    status: int = 200,
    saved: bool = False,
) -> Template:
    names = set(field_names(doc))
    by_field: dict[str, list[str]] = {}
    summary: list[tuple[str, str, str, str]] = []  # (severity, location, message, anchor)
    for field, message in errors.items():
        by_field.setdefault(field, []).append(message)
        summary.append(("error", field, message, field_id(field)))
    for p in problems:
        target = nearest_field(p.location, names)
        message = problem_message(p, lang)
        if target is not None:
            by_field.setdefault(target, []).append(message)
        summary.append((p.severity, p.location, message, field_id(target or "form")))
    return Template(
        "designer/edit.html.j2",
        context={
            "version": version,
            "doc": doc,
            "by_field": by_field,
            "summary": summary,
            "n_errors": sum(1 for s in summary if s[0] == "error"),
            "item_types": ITEM_TYPES,
            "points": POINT_CHOICES,
            "saved": saved,
            "field_id": field_id,
        },
        status_code=status,
    )


class DesignerController(Controller):
    path = "/designer"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    def _index(self, session: Session, user: SessionUser, errors: Any, form: Any) -> Template:
        return Template(
            "designer/index.html.j2",
            context={
                "groups": _grouped(list_versions(session, user.body_id or 0)),
                "templates": list_templates(),
                "errors": errors,
                "form": form,
            },
            status_code=400 if errors else 200,
        )

    @get("/", sync_to_thread=True)
    def index(self, request: Req, db_session: DbSession) -> Template:
        return self._index(db_session, staff(request), {}, {})

    @post("/", sync_to_thread=True)
    def create(
        self, request: Req, db_session: DbSession, data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        source = text(data, "source", errors, max_length=64)
        code = text(data, "code", errors, required=source == BLANK, max_length=64)
        doc: dict[str, Any] = {}
        if source == BLANK:
            title = {lang: text(data, f"title.{lang}", errors) for lang in ("zh", "en")}
            kind = text(data, "kind", errors, max_length=16)
            if kind not in ("survey", "observation"):
                errors.add("kind", "Choose from the list.")
            doc = blank_document(code, kind, title)
        elif source in list_templates():
            doc = {**load_template_dict(source), "version": 1}
            doc["code"] = code or doc["code"]
        elif source:
            errors.add("source", "Choose from the list.")
        taken = {v.code for v in list_versions(db_session, user.body_id or 0)}
        if doc and doc["code"] in taken:
            errors.add(
                "code",
                "A questionnaire with code %(code)s exists; open it from the list or choose "
                "another code.",
                code=doc["code"],
            )
        if not errors:
            try:
                q = from_dict(doc, source="the new questionnaire")
                with write_session(request.app.state.engine) as s:
                    created = save_draft(
                        s, body_id=user.body_id or 0, questionnaire=q, actor=user.username
                    )
                return Redirect(path=f"/designer/{created.id}")
            except QuestionnaireInvalid as exc:
                errors.add("code", invalid_summary(exc, errors.lang))
            except QuestionnaireError as exc:
                errors.add("code", str(exc).splitlines()[-1].strip())
        return self._index(db_session, user, errors, data)

    @get("/{version_id:int}", sync_to_thread=True)
    def show(self, request: Req, version_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        version = get_version(db_session, version_id, user.body_id or 0)
        saved = request.query_params.get("saved") == "1"
        lang = request_lang(request)
        return _editor(
            version, dict(version.content), validate(version.content), {}, lang, saved=saved
        )

    @post("/{version_id:int}", sync_to_thread=True)
    def save(
        self,
        request: Req,
        version_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        body_id = user.body_id or 0
        version = get_version(db_session, version_id, body_id)
        _refuse_published(version)
        errors = FormErrors(request_lang(request))
        doc = doc_from_form(data, version.content, errors)
        action = str(data.get("action") or "save")
        if action != "save" and not apply_action(doc, action):
            errors.add("form", "Unknown button; reload the page and try again.")
        if data.get("sha256") != version.sha256:
            errors.add(
                "form",
                "Someone saved this draft after you opened it; copy your changes, reload the "
                "page and apply them again.",
            )
        problems = validate(compact(doc))
        if errors or errors_of(problems):
            return _editor(version, doc, problems, errors, errors.lang, status=422)
        q = from_dict(compact(doc), source=f"{version.code} v{version.version}")
        with write_session(request.app.state.engine) as s:
            current = get_version(s, version_id, body_id)
            _refuse_published(current)
            if current.sha256 != version.sha256:
                raise ConflictError("someone saved this draft a moment ago; reload the page")
            saved = save_draft(s, body_id=body_id, questionnaire=q, actor=user.username)
        return Redirect(path=f"/designer/{saved.id}?saved=1")

    @get("/{version_id:int}/source", sync_to_thread=True)
    def source(self, request: Req, version_id: FromPath[int], db_session: DbSession) -> Template:
        """The whole questionnaire as YAML or JSON text, for those who prefer editing a file."""
        user = staff(request)
        version = get_version(db_session, version_id, user.body_id or 0)
        fmt = _text_format(request.query_params.get("format"))
        text_ = dump(as_questionnaire(version), fmt)
        return _source_editor(version, fmt, text_, validate(version.content), request_lang(request))

    @post("/{version_id:int}/source", sync_to_thread=True)
    def save_source(
        self,
        request: Req,
        version_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        body_id = user.body_id or 0
        version = get_version(db_session, version_id, body_id)
        _refuse_published(version)
        lang = request_lang(request)
        fmt = _text_format(str(data.get("format") or ""))
        source = str(data.get("source") or "")
        if len(source) > MAX_SOURCE_CHARS:
            message = translate(lang, "At most %(n)s characters.", n=MAX_SOURCE_CHARS)
            return _source_editor(version, fmt, "", (Problem("source", message),), lang, status=422)
        if data.get("sha256") != version.sha256:
            raise ConflictError(
                "someone saved this draft after you opened it; copy your changes, reload the "
                "page and apply them again"
            )
        where = f"{version.code} v{version.version}"
        try:
            parsed = parse_questionnaire(source, fmt, where)
        except QuestionnaireInvalid as exc:
            return _source_editor(version, fmt, source, exc.problems, lang, status=422)
        with write_session(request.app.state.engine) as s:
            saved = update_draft(
                s,
                version_id=version_id,
                body_id=body_id,
                questionnaire=parsed,
                actor=user.username,
                expected_sha256=version.sha256,
            )
        return Redirect(path=f"/designer/{saved.id}?saved=1")

    @post("/{version_id:int}/edit", sync_to_thread=True)
    def new_draft(self, request: Req, version_id: FromPath[int]) -> Redirect:
        """Editing a published version creates the next draft (or opens the open one)."""
        user = staff(request)
        body_id = user.body_id or 0
        with write_session(request.app.state.engine) as s:
            version = get_version(s, version_id, body_id)
            same_code = [v for v in list_versions(s, body_id) if v.code == version.code]
            latest = max(same_code, key=lambda v: v.version)
            if latest.status == "draft":
                return Redirect(path=f"/designer/{latest.id}")
            draft = save_draft(
                s, body_id=body_id, questionnaire=as_questionnaire(version), actor=user.username
            )
        return Redirect(path=f"/designer/{draft.id}")

    @post("/{version_id:int}/publish", sync_to_thread=True)
    def publish(self, request: Req, version_id: FromPath[int]) -> Redirect:
        user = staff(request)
        with write_session(request.app.state.engine) as s:
            publish(s, version_id=version_id, body_id=user.body_id or 0, actor=user.username)
        return Redirect(path=f"/designer/{version_id}")

    @get("/{version_id:int}/preview", sync_to_thread=True)
    def preview(self, request: Req, version_id: FromPath[int], db_session: DbSession) -> Template:
        """The consumer's screens, rendered by the survey's own template (no token needed)."""
        user = staff(request)
        version = get_version(db_session, version_id, user.body_id or 0)
        q = as_questionnaire(version)
        screens = build_screens(q, GENERAL_GROUP_TITLE)
        try:
            number = int(request.query_params.get("screen", "1"))
        except ValueError:
            number = 1
        number = max(1, min(number, len(screens)))
        lang = parse_lang(request.query_params.get("lang")) or request_lang(request)
        screen = screens[number - 1]
        return Template(
            "designer/preview.html.j2",
            context={
                "t": translator(lang),
                "lang": lang,
                "version": version,
                "screen": screen,
                # Every question of the screen, also those a show_if would hide until answered.
                "items": screen.items,
                "answers": {},
                "errors": {},
                "step": number,
                "total": len(screens),
                "na_label": q.effective_na_label(),
            },
            headers={"cache-control": "no-store"},
        )


def _text_format(value: str | None) -> TextFormat:
    return "json" if value == "json" else "yaml"


def _source_editor(
    version: QuestionnaireVersion,
    fmt: TextFormat,
    source: str,
    problems: tuple[Problem, ...],
    lang: Lang,
    *,
    status: int = 200,
) -> Template:
    return Template(
        "designer/source.html.j2",
        context={
            "version": version,
            "format": fmt,
            "source": source,
            "problems": [(p.severity, p.location, problem_message(p, lang)) for p in problems],
            "n_errors": len(errors_of(problems)),
        },
        status_code=status,
    )


def _refuse_published(version: QuestionnaireVersion) -> None:
    if version.status == "published":
        raise ConflictError(
            f"{version.code} v{version.version} is published and cannot change; use Edit to "
            f"create v{version.version + 1}"
        )


def load_template_dict(name: str) -> dict[str, Any]:
    """A bundled template as a plain dict."""
    return to_dict(load_template(name))
