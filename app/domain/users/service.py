"""User administration used by the CLI and the web app."""

from __future__ import annotations

from sqlmodel import Session, select

from app.db.models.tenancy import Enterprise, EvaluationBody
from app.db.models.user import Role, User
from app.db.types import utcnow
from app.domain.accounts.sessions import end_all_sessions
from app.domain.audit.chain import append
from app.domain.users.passwords import hash_password
from app.errors import ConflictError, NotFoundError, TianpingError


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise TianpingError(f"unknown role {value!r}; choose one of: {known}") from None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    body_code: str | None = None,
    enterprise_code: str | None = None,
    actor: str = "cli",
) -> User:
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise ConflictError(f"user {username!r} already exists; choose another name")
    body_id = enterprise_id = None
    if role is not Role.PLATFORM_ADMIN:
        if body_code is None:
            raise TianpingError(f"a {role.value} belongs to an evaluation body; give --body CODE")
        body = session.exec(select(EvaluationBody).where(EvaluationBody.code == body_code)).first()
        if body is None:
            raise NotFoundError(f"no evaluation body with code {body_code!r}")
        body_id = body.id
    if role is Role.ENTERPRISE_VIEWER:
        if enterprise_code is None:
            raise TianpingError("an enterprise viewer sees one enterprise; give --enterprise CODE")
        ent = session.exec(
            select(Enterprise).where(
                Enterprise.body_id == body_id, Enterprise.code == enterprise_code
            )
        ).first()
        if ent is None:
            raise NotFoundError(f"no enterprise {enterprise_code!r} in body {body_code!r}")
        enterprise_id = ent.id
    elif enterprise_code is not None:
        raise TianpingError("only enterprise viewers are bound to an enterprise; drop --enterprise")
    user = User(
        username=username,
        role=role.value,
        body_id=body_id,
        enterprise_id=enterprise_id,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    append(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id or 0,
        details={"role": role.value},
    )
    return user


def _get(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def disable_user(session: Session, username: str, actor: str = "cli") -> User:
    user = _get(session, username)
    user.is_active = False
    session.add(user)
    # Ended, not merely refused: re-enabling the account must not revive old cookies.
    end_all_sessions(session, user.id or 0)
    append(session, actor=actor, action="user.disable", object_type="user", object_id=user.id or 0)
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli") -> User:
    user = _get(session, username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.add(user)
    end_all_sessions(session, user.id or 0)
    append(
        session,
        actor=actor,
        action="user.password_reset",
        object_type="user",
        object_id=user.id or 0,
    )
    return user
