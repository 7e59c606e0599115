"""Complaint analysis of a round read from the database (both engines)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy.engine import Engine

from app.db.engine import read_session, write_session
from app.domain.complaints.service import (
    ComplaintDataError,
    complaint_summaries,
    round_complaints,
)
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.errors import NotFoundError
from app.pii import Keyring
from tests.integration.complaints.builders import MONDAY, Case, add_cases

AS_OF = MONDAY + timedelta(days=60)
DECRYPTED: list[str] = []


@dataclass(frozen=True)
class CountingRing(Keyring):
    """Records what is decrypted, to prove only listed cases' contacts are."""

    def decrypt(self, token: str) -> str:
        plain = super().decrypt(token)
        DECRYPTED.append(plain)
        return plain


@dataclass(frozen=True)
class Setup:
    round_id: int
    other_round: int
    e1: int
    e2: int
    ring: Keyring


E1_CASES = [
    # meets every limit (resolved Tue 11:00, inside the 3 working days to Thu 5 March)
    Case("C1", first=2, assessed=20, resolved=26, closed=48, category="repair",
         phone="+8613812345678"),
    # first response after 30 h; resolved Fri 6 March 13:00, after the Thu deadline
    Case("C2", first=30, assessed=40, resolved=100, closed=200, category="billing",
         phone="+8613900001111"),
    # complex, followed up after 80 h (limit 72 h)
    Case("C3", cls="complex", first=1, assessed=10, followed=80, resolved=50, closed=100,
         category="repair"),
    # urgent, closure extended with consent: not judged against 30 days
    Case("C4", cls="urgent", first=1, assessed=2, resolved=3, extended=True, category="repair"),
    # not a complaint: left out although it breaches everything
    Case("N1", cls=None, complaint=False, first=500),
]  # fmt: skip
E2_CASES = [
    Case("D1", first=1, assessed=2, resolved=3, closed=4, category="delivery"),
    Case("D2", opened=None),  # times collected for sampled cases only
]


@pytest.fixture
def setup(engine: Engine) -> Setup:
    ring = CountingRing(keys={"k1": os.urandom(32)}, active="k1")
    with write_session(engine) as s:
        body = get_or_create_body(s, "B1", "Body one", "test")
        other = get_or_create_body(s, "B2", "Body two", "test")
        e1 = add_enterprise(s, body, "E1", "Alpha", actor="test")
        e2 = add_enterprise(s, body, "E2", "Beta", actor="test")
        e3 = add_enterprise(s, other, "E3", "Gamma", actor="test")
        kw = {"industry": "x", "period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31)}
        rnd = create_round(
            s, body, code="R1", title="R1", enterprises=[e1, e2], created_by=None, actor="t", **kw
        )
        rnd9 = create_round(
            s, other, code="R9", title="R9", enterprises=[e3], created_by=None, actor="t", **kw
        )
        s.flush()
        ids = (rnd.id or 0, rnd9.id or 0, e1.id or 0, e2.id or 0)
    add_cases(engine, ids[0], ids[2], E1_CASES, ring)
    add_cases(engine, ids[0], ids[3], E2_CASES, ring)
    return Setup(*ids, ring=ring)


def _cell(view_ent, cls: str, limit: str):  # type: ignore[no-untyped-def]
    row = next(r for r in view_ent.classes if r.complaint_class == cls)
    return row, next(c for c in row.cells if c.limit == limit)


def test_round_figures_breaches_and_categories(engine: Engine, setup: Setup) -> None:
    DECRYPTED.clear()
    with read_session(engine) as s:
        view = round_complaints(s, setup.round_id, None, ring=setup.ring, as_of=AS_OF)
    assert view.limits == (
        "first_response_24h", "first_response_48h", "assessed_48h", "followed_up_72h",
        "result_3_working_days", "closed_30_days",
    )  # fmt: skip
    e1, e2 = view.enterprises
    assert (e1.code, e1.complaints, e1.extended, e1.breaching) == ("E1", 4, 1, 2)
    row, cell = _cell(e1, "general", "first_response_24h")
    # census: 1 of the 2 general complaints answered within 24 h, no sampling error
    assert (row.complaints, cell.estimate, cell.se, cell.ci_low, cell.ci_high) == (
        2, 0.5, 0.0, 0.5, 0.5,
    )  # fmt: skip
    assert cell.census
    assert _cell(e1, "all", "first_response_24h")[1].estimate == 0.75  # C1, C3, C4 of 4
    assert _cell(e1, "complex", "followed_up_72h")[1].estimate == 0.0
    assert _cell(e1, "general", "followed_up_72h")[1].n == 0  # complex cases only
    closed = _cell(e1, "all", "closed_30_days")[1]
    assert (closed.estimate, closed.n) == (1.0, 3)  # C4's extension leaves the denominator
    # E2: one of two complaints has times; a sample, not a census
    row2, cell2 = _cell(e2, "general", "first_response_24h")
    assert (row2.complaints, row2.observed, cell2.n, cell2.estimate) == (2, 1, 1, 1.0)
    assert not cell2.census
    assert cell2.ci_low is None  # one case in one stratum: df 0, no interval

    assert view.breach_total == 2
    assert [(b.case_id, b.limits) for b in view.breaches] == [
        ("C2", ("first_response_24h", "result_3_working_days")),
        ("C3", ("followed_up_72h",)),
    ]
    c2 = view.breaches[0]
    assert (c2.enterprise_code, c2.complaint_class, c2.phone) == ("E1", "general", "139****1111")
    assert c2.opened_at is not None
    assert c2.opened_at.hour == 9  # shown in local (Beijing) time
    assert DECRYPTED == ["+8613900001111"]  # C1's phone is never decrypted

    assert e1.categories is not None
    assert e1.categories.months == ("2026-03",)
    assert [(c.category, c.count, c.share) for c in e1.categories.top] == [
        ("repair", 3, 0.75),
        ("billing", 1, 0.25),
    ]


def test_enterprise_filter_and_scoping(engine: Engine, setup: Setup) -> None:
    with read_session(engine) as s:
        only = round_complaints(s, setup.round_id, None, enterprise_id=setup.e2, as_of=AS_OF)
        assert [e.code for e in only.enterprises] == ["E2"]
        assert only.breaches == ()
        no_ring = round_complaints(s, setup.round_id, None, as_of=AS_OF)
        assert no_ring.breaches[0].phone is None  # without a keyring nothing is decrypted
        with pytest.raises(NotFoundError):
            round_complaints(s, setup.other_round, 1, as_of=AS_OF)
        with pytest.raises(NotFoundError, match="does not take part"):
            round_complaints(s, setup.round_id, None, enterprise_id=999_999, as_of=AS_OF)
        limited = round_complaints(s, setup.round_id, None, as_of=AS_OF, max_listed=1)
        assert (len(limited.breaches), limited.breach_total) == (1, 2)


def test_contradictory_times_name_the_case(engine: Engine, setup: Setup) -> None:
    add_cases(engine, setup.round_id, setup.e2, [Case("BAD-7", first=-3)], setup.ring)
    with read_session(engine) as s:
        with pytest.raises(ComplaintDataError, match="case BAD-7: first_response_at") as exc:
            round_complaints(s, setup.round_id, None, as_of=AS_OF)
        assert exc.value.case_id == "BAD-7"
        notes = complaint_summaries(s, setup.round_id, as_of=AS_OF)
    assert set(notes) == {"E1", "E2"}
    assert "BAD-7" in notes["E1"].note
    assert notes["E1"].classes == ()


def test_report_summaries_hold_aggregates_only(engine: Engine, setup: Setup) -> None:
    with read_session(engine) as s:
        summaries = complaint_summaries(s, setup.round_id, as_of=AS_OF)
    e1 = summaries["E1"]
    assert (e1.complaints, e1.breaching, e1.extended, e1.note) == (4, 2, 1, "")
    assert [c.complaint_class for c in e1.classes] == ["general", "complex", "urgent", "all"]
    general = e1.classes[0].shares[0]
    assert (general.limit, general.estimate, general.census) == ("first_response_24h", 0.5, True)
    assert [(c.category, c.count, c.monthly) for c in e1.categories] == [
        ("repair", 3, (3,)),
        ("billing", 1, (1,)),
    ]
    text = repr(summaries)
    for private in ("C1", "C2", "138", "139", "1111"):
        assert private not in text


def test_default_cutoff_is_the_registry_snapshot(engine: Engine, setup: Setup) -> None:
    """Without ``as_of`` an open case is judged at the latest registry import, not at "now",
    so a report issued today and one re-issued next month show the same figures."""
    from sqlalchemy import update

    from app.db.models.registry import CaseRegistry
    from app.domain.complaints.service import snapshot_time

    imported = AS_OF.astimezone(UTC)
    with write_session(engine) as s:
        s.execute(
            update(CaseRegistry)
            .where(CaseRegistry.round_id == setup.round_id)  # type: ignore[arg-type]
            .values(imported_at=imported)
        )
    with read_session(engine) as s:
        assert snapshot_time(s, setup.round_id) == imported
        default = round_complaints(s, setup.round_id, None)
        explicit = round_complaints(s, setup.round_id, None, as_of=imported)
        assert snapshot_time(s, setup.other_round) > imported  # no registry: now
    assert default.as_of == explicit.as_of
    assert default.enterprises == explicit.enterprises
