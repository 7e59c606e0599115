"""Read a round's complaints from the case registry into the arrays of :mod:`scoring.complaints`.

Only the columns the analysis needs are read; contact details are not (they are fetched, for
the few breaching cases an assessor is shown, by :func:`masked_contacts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.db.models.registry import ServiceCase
from app.domain.scoring_runs.frames import LOCAL
from app.pii import Keyring, mask_email, mask_phone
from scoring.complaints import ComplaintCases
from scoring.kpis import COMPLAINT_CLASSES

EVENTS = ("first_response_at", "assessed_at", "followed_up_at", "resolved_at", "closed_at")


@dataclass(frozen=True)
class LoadedComplaints:
    """The analysis input and, by position, which database row each complaint came from."""

    cases: ComplaintCases
    pk: tuple[int, ...]
    case_id: tuple[str, ...]
    opened_local: tuple[datetime | None, ...]


def local_naive(moment: datetime | None) -> datetime | None:
    """Time limits are in local hours and working days, and registries record local times."""
    return None if moment is None else moment.astimezone(LOCAL).replace(tzinfo=None)


def _times(values: Sequence[datetime | None]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array(
        [np.datetime64("NaT") if v is None else np.datetime64(v, "s") for v in values],
        dtype="datetime64[s]",
    )


def is_complaint() -> Any:
    """A case flagged as a complaint, or classified as one when the flag is blank."""
    return or_(
        col(ServiceCase.complaint).is_(True),
        and_(col(ServiceCase.complaint).is_(None), col(ServiceCase.complaint_class).isnot(None)),
    )


def load_complaints(
    session: Session, round_id: int, enterprise_ids: Sequence[int]
) -> LoadedComplaints:
    """Complaints of the given enterprises of a round; ``group`` indexes ``enterprise_ids``."""
    group_of = {e: i for i, e in enumerate(enterprise_ids)}
    rows = session.execute(
        sa_select(
            col(ServiceCase.id),
            col(ServiceCase.enterprise_id),
            col(ServiceCase.case_id),
            col(ServiceCase.stratum),
            col(ServiceCase.complaint_class),
            col(ServiceCase.opened_at),
            col(ServiceCase.first_response_at),
            col(ServiceCase.assessed_at),
            col(ServiceCase.followed_up_at),
            col(ServiceCase.resolved_at),
            col(ServiceCase.closed_at),
            col(ServiceCase.extended),
            col(ServiceCase.category),
        )
        .where(col(ServiceCase.round_id) == round_id)
        .where(col(ServiceCase.enterprise_id).in_(list(enterprise_ids)))
        .where(is_complaint())
        .order_by(col(ServiceCase.enterprise_id), col(ServiceCase.id))
    ).all()
    class_index = {c: i for i, c in enumerate(COMPLAINT_CLASSES)}
    strata: dict[str, int] = {}
    opened = [local_naive(r[5]) for r in rows]
    events = {e: _times([local_naive(r[6 + j]) for r in rows]) for j, e in enumerate(EVENTS)}
    cases = ComplaintCases(
        group=np.array([group_of[r[1]] for r in rows], dtype=np.intp),
        stratum=np.array([strata.setdefault(r[3], len(strata)) for r in rows], dtype=np.intp),
        complaint_class=np.array([class_index.get(r[4], -1) for r in rows], dtype=np.intp),
        opened_at=_times(opened),
        n_groups=len(enterprise_ids),
        first_response_at=events["first_response_at"],
        assessed_at=events["assessed_at"],
        followed_up_at=events["followed_up_at"],
        resolved_at=events["resolved_at"],
        closed_at=events["closed_at"],
        extended=np.array([bool(r[11]) for r in rows], dtype=np.bool_),
        category=tuple(r[12] for r in rows),
    )
    return LoadedComplaints(
        cases=cases,
        pk=tuple(int(r[0]) for r in rows),
        case_id=tuple(str(r[2]) for r in rows),
        opened_local=tuple(opened),
    )


def masked_contacts(
    session: Session, pks: Sequence[int], ring: Keyring
) -> dict[int, tuple[str | None, str | None]]:
    """Masked phone and e-mail of just these cases: nothing else is decrypted."""
    if not pks:
        return {}
    rows = session.execute(
        sa_select(
            col(ServiceCase.id), col(ServiceCase.phone_enc), col(ServiceCase.email_enc)
        ).where(col(ServiceCase.id).in_(list(pks)))
    ).all()
    return {
        int(pk): (
            mask_phone(ring.decrypt(phone)) if phone else None,
            mask_email(ring.decrypt(email)) if email else None,
        )
        for pk, phone, email in rows
    }
