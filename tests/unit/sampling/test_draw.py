"""Verifiable draw, record, verification and the coverage rule (with property tests)."""

from __future__ import annotations

import dataclasses
import hmac
import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sampling.coverage import check_coverage, enterprise_coverage
from sampling.draw import build_frame, draw_sample
from sampling.errors import CoverageError, DrawRecordError, SamplingError
from sampling.record import DrawRecord
from sampling.registry import CaseRow
from sampling.seeds import DRAW_ALGORITHM, SeedInputs, make_seed, selection_number
from sampling.verify import verify

from .helpers import csv_bytes, draw_bytes, frame_and_hash

Rows = list[tuple[str, str, str]]

registries = st.lists(
    st.tuples(st.sampled_from(["E1", "E2", "E3"]), st.sampled_from(["web", "tel", "shop"])),
    min_size=1,
    max_size=80,
).map(lambda pairs: [(f"C{i:04d}", e, c) for i, (e, c) in enumerate(pairs)])
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_seed_is_hash_of_canonical_inputs() -> None:
    seed = make_seed("2026Q4", "4711")
    assert len(seed) == 64
    assert seed == make_seed("2026Q4", "4711", None)
    assert seed != make_seed("2026Q4", "4712") != make_seed("2026Q4", "4711", "beacon")
    with pytest.raises(SamplingError, match="witness value is empty"):
        make_seed("2026Q4", " ")


def test_selection_number_is_standard_hmac() -> None:
    seed = make_seed("R", "w")
    digest = hmac.digest(
        bytes.fromhex(seed), DRAW_ALGORITHM.encode() + b"\0" + "工单-1".encode(), "sha256"
    )
    expected = (int.from_bytes(digest[:8], "big") >> 11) / 2**53
    assert selection_number("工单-1", seed) == expected
    assert 0 <= expected < 1


def test_each_stratum_takes_smallest_numbers() -> None:
    rows = [(f"C{i}", "E1", "web" if i % 3 else "tel") for i in range(30)]
    result = draw_bytes(csv_bytes(rows))
    seed = result.record.seed
    for stratum in ("web", "tel"):
        ids = [r[0] for r in rows if r[2] == stratum]
        ranked = sorted(ids, key=lambda c: (selection_number(c, seed), c))
        chosen = [c.case_id for c in result.cases() if c.stratum == ("E1", stratum)]
        assert chosen == ranked[: len(chosen)]
        assert len(chosen) == (len(ids) + 1) // 2


@FAST
@given(registries)
def test_every_stratum_at_least_half(rows: Rows) -> None:
    record = draw_bytes(csv_bytes(rows)).record
    for stratum in record.strata:
        assert 2 * stratum.sampled >= stratum.population
    assert all(2 * e.sampled >= e.population for e in enterprise_coverage(record))


@FAST
@given(registries, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows: Rows, rng: random.Random) -> None:
    shuffled = rows[:]
    rng.shuffle(shuffled)
    first = draw_bytes(csv_bytes(rows))
    second = draw_bytes(csv_bytes(shuffled))
    assert first.record.selected_sha256 == second.record.selected_sha256
    assert sorted(first.case_ids) == sorted(second.case_ids)


large_registries = st.lists(
    st.tuples(st.sampled_from(["E1"]), st.sampled_from(["web", "tel"])), min_size=60, max_size=120
).map(lambda pairs: [(f"C{i:04d}", e, c) for i, (e, c) in enumerate(pairs)])


@FAST
@given(large_registries)
def test_changed_seed_changes_sample(rows: Rows) -> None:
    # ≥ 60 cases in 2 strata: one stratum has N_h ≥ 30, so two seeds pick the same half with
    # probability ≤ 1 / C(30, 15) ≈ 6.5e-9 per example — a non-trivial registry.
    assert draw_bytes(csv_bytes(rows), "a").case_ids != draw_bytes(csv_bytes(rows), "b").case_ids


def _mutations(rows: Rows, data: st.DataObject) -> Rows:
    kind = data.draw(st.sampled_from(["add", "remove", "alter_id", "alter_stratum"]))
    index = data.draw(st.integers(0, len(rows) - 1))
    changed = rows[:]
    if kind == "add":
        changed.append(("NEW-1", rows[index][1], rows[index][2]))
    elif kind == "remove":
        del changed[index]
    elif kind == "alter_id":
        changed[index] = (rows[index][0] + "x", rows[index][1], rows[index][2])
    else:
        other = "tel" if rows[index][2] != "tel" else "web"
        changed[index] = (rows[index][0], rows[index][1], other)
    return changed


@FAST
@given(registries.filter(lambda r: len(r) >= 2), st.data())
def test_verify_detects_single_change(rows: Rows, data: st.DataObject) -> None:
    record = draw_bytes(csv_bytes(rows)).record
    frame, sha = frame_and_hash(csv_bytes(rows))
    assert verify(frame, record, registry_sha256=sha).identical
    changed_frame, changed_sha = frame_and_hash(csv_bytes(_mutations(rows, data)))
    result = verify(changed_frame, record, registry_sha256=changed_sha)
    assert not result.identical
    assert result.first is not None
    assert result.first.kind == "registry"


def test_verify_messages_are_precise() -> None:
    rows = [(f"E001-{i:06d}", "E001", "web") for i in range(1200)]
    draw = draw_bytes(csv_bytes(rows))
    frame, _ = frame_and_hash(csv_bytes([*rows, ("E001-999999", "E001", "web")]))
    result = verify(frame, draw.record, sample_ids=draw.case_ids)
    assert result.first is not None
    assert result.first.message == "stratum E001 / web has N_h 1201 now vs 1200 recorded"
    # Replace a selected case by a new id: the verifier names both cases.
    gone = draw.case_ids[0]
    altered = [(("Z-NEW" if cid == gone else cid), e, c) for cid, e, c in rows]
    frame, _ = frame_and_hash(csv_bytes(altered))
    messages = [d.message for d in verify(frame, draw.record, sample_ids=draw.case_ids).differences]
    assert f"case {gone} is in the record's sample but no longer in the registry" in messages
    assert any(
        m.startswith("case ") and "selected now but not in the record" in m for m in messages
    )
    summary = verify(frame, draw.record).summary()
    assert "stratum E001 / web: the selected cases differ" in summary


def test_verify_reports_tampered_seed() -> None:
    draw = draw_bytes(csv_bytes([("A", "E", "web"), ("B", "E", "web")]))
    forged = dataclasses.replace(draw.record, seed_inputs=SeedInputs("2026Q4", "other"))
    frame, _ = frame_and_hash(csv_bytes([("A", "E", "web"), ("B", "E", "web")]))
    assert verify(frame, forged).first.kind == "seed"  # type: ignore[union-attr]


def test_record_json_round_trip_and_errors() -> None:
    record = draw_bytes(csv_bytes([("A", "E", "web"), ("B", "E", "tel")])).record
    assert DrawRecord.from_json(record.to_json()) == record
    with pytest.raises(DrawRecordError, match="not valid JSON"):
        DrawRecord.from_json("{")
    with pytest.raises(DrawRecordError, match="schema version 9"):
        DrawRecord.from_json(record.to_json().replace('"schema_version": 1', '"schema_version": 9'))
    with pytest.raises(DrawRecordError, match="incomplete"):
        DrawRecord.from_json(record.to_json().replace('"seed_inputs"', '"x"'))


def test_coverage_refuses_manual_allocation_below_half() -> None:
    rows = [CaseRow(i, f"C{i}", "E7", ("web",)) for i in range(10)]
    with pytest.raises(CoverageError, match=r"stratum E7 / web .* 4 of 10"):
        draw_sample(
            build_frame(rows),
            seed_inputs=SeedInputs("R", "w"),
            registry_sha256="0" * 64,
            stratum_columns=("channel",),
            allocation={("E7", "web"): 4},
        )


def test_check_coverage_on_edited_record() -> None:
    record = draw_bytes(csv_bytes([(f"C{i}", "E", "web") for i in range(10)])).record
    assert check_coverage(record)[0].share == 0.5
    stratum = dataclasses.replace(record.strata[0], sampled=3)
    with pytest.raises(CoverageError, match="E / web"):
        check_coverage(dataclasses.replace(record, strata=(stratum,)))


def test_duplicates_and_empty_frames_refused() -> None:
    with pytest.raises(SamplingError, match="duplicate"):
        build_frame([CaseRow(2, "A", "E", ()), CaseRow(3, "A", "E", ())])
    with pytest.raises(SamplingError, match="no valid cases"):
        draw_sample(
            build_frame([]),
            seed_inputs=SeedInputs("R", "w"),
            registry_sha256="0" * 64,
            stratum_columns=(),
        )


def test_drawn_at_and_ranks() -> None:
    rows = [CaseRow(i, f"C{i}", "E", ()) for i in range(6)]
    result = draw_sample(
        build_frame(rows),
        seed_inputs=SeedInputs("R", "w"),
        registry_sha256="0" * 64,
        stratum_columns=(),
        drawn_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert result.record.drawn_at == "2026-01-02T03:04:05+00:00"
    cases = list(result.cases())
    assert [c.rank for c in cases] == [1, 2, 3]
    assert [c.selection_number for c in cases] == sorted(c.selection_number for c in cases)
