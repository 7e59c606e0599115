"""The designer's write steps as services, for callers other than the pages (the JSON API).

They wrap ``save_draft`` and ``publish`` of :mod:`app.domain.questionnaires.service` with the
rules the designer pages apply: a code is created once, a published version never changes
(editing it opens the next draft), and a save made on a stale copy is refused.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from app.db.models.questionnaire import QuestionnaireVersion
from app.domain.questionnaires.service import (
    as_questionnaire,
    get_version,
    list_versions,
    save_draft,
)
from app.errors import ConflictError
from questionnaires import Questionnaire


class QuestionnaireExistsError(ConflictError):
    """A new questionnaire was asked for with a code the body already uses."""


class QuestionnairePublishedError(ConflictError):
    """A published version was asked to change; only its next draft can."""


class StaleDraftError(ConflictError):
    """The draft changed since the caller read it (its hash differs)."""


def create_questionnaire(
    session: Session, *, body_id: int, questionnaire: Questionnaire, actor: str
) -> QuestionnaireVersion:
    """Version 1 of a new code, as a draft."""
    if any(v.code == questionnaire.code for v in list_versions(session, body_id)):
        raise QuestionnaireExistsError(
            f"a questionnaire with code {questionnaire.code} exists; update its draft or "
            "choose another code"
        )
    first = dataclasses.replace(questionnaire, version=1)
    return save_draft(session, body_id=body_id, questionnaire=first, actor=actor)


def refuse_published(version: QuestionnaireVersion) -> None:
    if version.status == "published":
        raise QuestionnairePublishedError(
            f"{version.code} v{version.version} is published and cannot change; open the next "
            f"draft (v{version.version + 1}) and edit that"
        )


def update_draft(
    session: Session,
    *,
    version_id: int,
    body_id: int,
    questionnaire: Questionnaire,
    actor: str,
    expected_sha256: str | None = None,
) -> QuestionnaireVersion:
    """Replace the draft ``version_id``; its code and number stay (they are not edited)."""
    version = get_version(session, version_id, body_id)
    refuse_published(version)
    if expected_sha256 is not None and expected_sha256 != version.sha256:
        raise StaleDraftError(
            f"{version.code} v{version.version} was saved by someone else since you read it; "
            "read it again and apply your changes to that"
        )
    same = dataclasses.replace(questionnaire, code=version.code, version=version.version)
    return save_draft(session, body_id=body_id, questionnaire=same, actor=actor)


def open_next_draft(
    session: Session, *, version_id: int, body_id: int, actor: str
) -> QuestionnaireVersion:
    """The open draft of the version's code, created from ``version_id`` when there is none
    (what the designer's "Edit as a new draft" button does)."""
    version = get_version(session, version_id, body_id)
    latest = max(
        (v for v in list_versions(session, body_id) if v.code == version.code),
        key=lambda v: v.version,
    )
    if latest.status == "draft":
        return latest
    return save_draft(
        session, body_id=body_id, questionnaire=as_questionnaire(version), actor=actor
    )
