"""Questionnaire versions: drafts are edited in place, published versions never change.

Editing a published questionnaire creates the next version as a draft. Responses bind to a
version id, so a later edit cannot change what an earlier answer meant. The database refuses
UPDATE and DELETE on published rows as well (trigger in the initial migration).
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

import questionnaires
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.errors import ConflictError, NotFoundError
from questionnaires import Questionnaire


def as_questionnaire(version: QuestionnaireVersion) -> Questionnaire:
    return questionnaires.from_dict(version.content, source=f"{version.code} v{version.version}")


def list_versions(session: Session, body_id: int) -> list[QuestionnaireVersion]:
    return list(
        session.exec(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.body_id == body_id)
            .order_by(col(QuestionnaireVersion.code), col(QuestionnaireVersion.version))
        ).all()
    )


def get_version(session: Session, version_id: int, body_id: int | None) -> QuestionnaireVersion:
    version = session.get(QuestionnaireVersion, version_id)
    if version is None or (body_id is not None and version.body_id != body_id):
        raise NotFoundError(f"no questionnaire version {version_id}")
    return version


def _latest(session: Session, body_id: int, code: str) -> QuestionnaireVersion | None:
    return session.exec(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.body_id == body_id, QuestionnaireVersion.code == code)
        .order_by(col(QuestionnaireVersion.version).desc())
        .limit(1)
    ).first()


def save_draft(
    session: Session, *, body_id: int, questionnaire: Questionnaire, actor: str
) -> QuestionnaireVersion:
    """Store ``questionnaire`` as the draft of its code: the open draft is replaced, or — when
    the latest version is published — a new draft version (latest + 1) is created."""
    latest = _latest(session, body_id, questionnaire.code)
    if latest is not None and latest.status == "draft":
        number = latest.version
        target = latest
    else:
        number = latest.version + 1 if latest is not None else max(questionnaire.version, 1)
        target = None
    q = dataclasses.replace(questionnaire, version=number)
    content = questionnaires.to_dict(q)
    digest = questionnaires.canonical_sha256(q)
    if target is None:
        target = QuestionnaireVersion(
            body_id=body_id, code=q.code, version=number, content=content, sha256=digest
        )
    else:
        target.content = content
        target.sha256 = digest
    session.add(target)
    session.flush()
    append(
        session,
        actor=actor,
        action="questionnaire.save_draft",
        object_type="questionnaire",
        object_id=target.id or 0,
        details={"code": q.code, "version": number, "sha256": digest},
    )
    return target


def publish(
    session: Session, *, version_id: int, body_id: int | None, actor: str
) -> QuestionnaireVersion:
    version = get_version(session, version_id, body_id)
    if version.status == "published":
        raise ConflictError(
            f"{version.code} v{version.version} is already published; edit it to create "
            f"v{version.version + 1}"
        )
    q = as_questionnaire(version)  # re-validates: nothing invalid gets published
    version.sha256 = questionnaires.canonical_sha256(q)
    version.status = "published"
    version.published_at = utcnow()
    session.add(version)
    session.flush()
    append(
        session,
        actor=actor,
        action="questionnaire.publish",
        object_type="questionnaire",
        object_id=version.id or 0,
        details={"code": version.code, "version": version.version, "sha256": version.sha256},
    )
    return version


def published_version(
    session: Session, body_id: int, code: str, number: int
) -> QuestionnaireVersion:
    version = session.exec(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.body_id == body_id,
            QuestionnaireVersion.code == code,
            QuestionnaireVersion.version == number,
        )
    ).first()
    if version is None or version.status != "published":
        raise NotFoundError(f"no published questionnaire {code} v{number}")
    return version
