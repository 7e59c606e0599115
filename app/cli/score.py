"""``tianping score``: scorecards from questionnaire, plan, frame and responses files.

File reading lives here (pandas' C CSV parser, for speed on million-row files); every
statistic is computed by the pure ``scoring`` library.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from scoring.calendar import WorkdayCalendar, load_calendar
from scoring.errors import AnswerRangeError, InputDataError
from scoring.instrument import (
    DimensionSpec,
    ItemSpec,
    general_likert_items,
    specs_from_questionnaire,
)
from scoring.kpis import COMPLAINT_CLASSES, KpiResults, frame_kpis
from scoring.plan import ScoringPlan, load_plan
from scoring.scorecard import RoundData, score_round

if TYPE_CHECKING:
    import pandas as pd


def _load_questionnaire(path: Path) -> tuple[tuple[DimensionSpec, ...], tuple[ItemSpec, ...], Any]:
    """Read and validate with ``questionnaires.load`` (its errors are one-line user errors)."""
    from questionnaires import load

    q = load(path)
    return specs_from_questionnaire(q), general_likert_items(q), (q.code, q.version)


def _read_csv(path: Path, str_cols: list[str], what: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(
            path, dtype=dict.fromkeys(str_cols, str), keep_default_na=False, na_values=[""]
        )
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputDataError(f"cannot read {what} {path}: {exc}") from exc


def _read_fast(path: Path, numeric: set[str], what: str) -> pd.DataFrame:
    """Read with pyarrow's multi-threaded CSV reader when it is installed.

    Columns outside ``numeric`` are read as text, exactly as :func:`_read_csv` does with
    pandas; numeric columns are inferred (a stray word makes the column text, which the
    numeric check then reports with its line). Any parse failure falls back to pandas,
    whose error names the line.
    """
    import pandas as pd

    try:
        import pyarrow as pa
        import pyarrow.csv as pv
    except ImportError:  # pragma: no cover - pyarrow ships with pandas' optional deps here
        return _read_csv(path, [], what)
    head = list(pd.read_csv(path, nrows=0).columns) if path.stat().st_size else []
    try:
        table = pv.read_csv(
            path,
            convert_options=pv.ConvertOptions(
                column_types={c: pa.string() for c in head if c not in numeric},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError, ValueError):
        return _read_csv(path, [c for c in head if c not in numeric], what)
    if table.column_names != head:  # duplicate or odd headers: let pandas decide
        return _read_csv(path, [c for c in head if c not in numeric], what)
    return table.to_pandas()


def _positions(values: pd.Series, universe: pd.Index) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Row of each value in ``universe`` (unique), −1 when absent; hashed by pyarrow when
    the ids are text (several times faster than ``Index.get_indexer`` on strings)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover
        return np.asarray(universe.get_indexer(values), dtype=np.intp)
    try:
        found = pc.index_in(pa.array(values), value_set=pa.array(universe))
    except (TypeError, ValueError, pa.ArrowException):
        return np.asarray(universe.get_indexer(values), dtype=np.intp)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.intp)


def _pd_factorize(values: pd.Series) -> tuple[np.ndarray[Any, np.dtype[np.intp]], Any]:
    import pandas as pd

    codes, uniq = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.intp), uniq


def _factorize_sorted(values: pd.Series) -> tuple[np.ndarray[Any, np.dtype[np.intp]], Any]:
    """``pd.factorize(values, sort=True)`` for a column without missing values."""
    import pandas as pd

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover
        return _pd_factorize(values)
    try:
        arr = pa.array(values)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = pc.dictionary_encode(arr)
    except (TypeError, ValueError, pa.ArrowException):
        return _pd_factorize(values)
    uniq = np.asarray(enc.dictionary.to_pylist(), dtype=object)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[order] = np.arange(len(uniq))
    codes = rank[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.intp)]
    return codes, pd.Index(uniq[order])


def _require(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputDataError(f"{what} lacks column(s) {', '.join(missing)}")


def _unique_ids(ids: pd.Series, what: str) -> None:
    dup = ids.duplicated()
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise InputDataError(f"{what} line {i + 2}: case {ids.iloc[i]} appears twice")


def _unique_frame_ids(ids: pd.Series) -> None:
    """As ``_unique_ids(ids, "frame")``; one hashed count when pyarrow is there."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pc.count_distinct(pa.array(ids), mode="all").as_py() == len(ids):
            return
    except (ImportError, TypeError, ValueError):
        pass
    _unique_ids(ids, "frame")


def _numeric(df: pd.DataFrame, col: str, what: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    import pandas as pd

    values: np.ndarray[Any, np.dtype[np.float64]]
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & df[col].notna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise AnswerRangeError(
            f"{what} line {i + 2}, column {col}: {df[col].iloc[i]!r} is not a number"
        )
    return values


def _times(frame: pd.DataFrame, col: str) -> np.ndarray[Any, np.dtype[np.datetime64]] | None:
    import pandas as pd

    if col not in frame.columns:
        return None
    parsed = pd.to_datetime(frame[col], errors="coerce", format="mixed")
    bad = parsed.isna().to_numpy() & frame[col].notna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"frame line {i + 2}, column {col}: bad timestamp {frame[col].iloc[i]!r}"
        )
    out: np.ndarray[Any, np.dtype[np.datetime64]] = parsed.to_numpy(dtype="datetime64[s]")
    return out


def _kpis(
    frame: pd.DataFrame, stratum: Any, pop: Any, group: Any, cal: WorkdayCalendar, conf: float
) -> KpiResults | None:
    opened = _times(frame, "opened_at")
    complaint = _numeric(frame, "complaint", "frame") if "complaint" in frame.columns else None
    if opened is None and complaint is None:
        return None
    cls = None
    if "complaint_class" in frame.columns:
        index = {c: i for i, c in enumerate(COMPLAINT_CLASSES)}
        cls = frame["complaint_class"].map(index).fillna(-1).to_numpy(dtype=np.intp)
    return frame_kpis(
        stratum=stratum,
        stratum_pop=pop,
        stratum_group=group,
        opened_at=opened,
        first_response_at=_times(frame, "first_response_at"),
        resolved_at=_times(frame, "resolved_at"),
        complaint=complaint,
        complaint_class=cls,
        calendar=cal,
        confidence=conf,
    )


def build_round(
    plan: ScoringPlan,
    items: list[ItemSpec],
    frame: pd.DataFrame,
    responses: pd.DataFrame,
    sample: pd.DataFrame | None,
    calendar: WorkdayCalendar,
) -> RoundData:
    """Join frame, sample and responses into arrays; every inconsistency is an error."""
    import pandas as pd

    strata = list(plan.strata)
    _require(frame, ["case_id", "enterprise", *strata], "frame")
    _require(responses, ["case_id", *[i.code for i in items]], "responses")
    _unique_frame_ids(frame["case_id"])
    keys = frame[["enterprise", *strata]].fillna("")
    codes = [_factorize_sorted(keys[c]) for c in keys.columns]
    combined = np.zeros(len(frame), dtype=np.int64)
    for c, uniq in codes:
        combined = combined * max(len(uniq), 1) + c
    key_ids, case_stratum = np.unique(combined, return_inverse=True)
    first = np.zeros(len(key_ids), dtype=np.intp)
    first[case_stratum[::-1]] = np.arange(len(frame))[::-1]
    pop = np.bincount(case_stratum, minlength=len(key_ids)).astype(np.float64)
    ent_codes, ent_names = codes[0]
    stratum_group = ent_codes[first].astype(np.intp)
    stratum_keys = tuple(tuple(str(keys.iat[r, j + 1]) for j in range(len(strata))) for r in first)
    frame_index = pd.Index(frame["case_id"])
    rows = _positions(responses["case_id"], frame_index)
    # Frame ids are unique, so two responses for one case share a frame row; only a
    # failing check pays for pandas' duplicate scan, which names the line.
    if (rows < 0).any() or np.bincount(rows, minlength=len(frame)).max(initial=0) > 1:
        _unique_ids(responses["case_id"], "responses")
    if (rows < 0).any():
        i = int(np.argmax(rows < 0))
        raise InputDataError(
            f"responses line {i + 2}: case {responses['case_id'].iloc[i]} is not in the frame"
        )
    sampled = None
    if sample is not None:
        _require(sample, ["case_id"], "sample")
        _unique_ids(sample["case_id"], "sample")
        s_rows = frame_index.get_indexer(sample["case_id"])
        if (s_rows < 0).any():
            i = int(np.argmax(s_rows < 0))
            raise InputDataError(
                f"sample line {i + 2}: case {sample['case_id'].iloc[i]} is not in the frame"
            )
        in_sample = pd.Index(sample["case_id"]).get_indexer(responses["case_id"])
        if (in_sample < 0).any():
            i = int(np.argmax(in_sample < 0))
            raise InputDataError(
                f"responses line {i + 2}: case {responses['case_id'].iloc[i]} is not in the sample"
            )
        sampled = np.bincount(ent_codes[s_rows], minlength=len(ent_names)).astype(np.int64)
    # Column-major: the engine reads answers one item column at a time.
    answers = np.empty((len(responses), len(items)), order="F")
    for j, it in enumerate(items):
        answers[:, j] = _numeric(responses, it.code, "responses")
    duration = (
        _numeric(responses, "duration_seconds", "responses")
        if "duration_seconds" in responses.columns
        else None
    )
    device = (
        responses["device_hash"].where(responses["device_hash"].notna(), None).tolist()
        if "device_hash" in responses.columns
        else None
    )
    return RoundData(
        enterprises=tuple(str(e) for e in ent_names),
        stratum_pop=pop,
        stratum_group=stratum_group,
        stratum_keys=stratum_keys,
        frame_size=np.bincount(ent_codes, minlength=len(ent_names)).astype(np.int64),
        sampled=sampled,
        resp_stratum=case_stratum[rows].astype(np.intp),
        answers=answers,
        item_codes=tuple(i.code for i in items),
        duration_seconds=duration,
        device_hash=device,
        kpis=_kpis(
            frame, case_stratum.astype(np.intp), pop, stratum_group, calendar, plan.confidence
        ),
    )


def json_safe(obj: Any) -> Any:
    """The scorecard as strict JSON: non-finite numbers (an SE of a census stratum's ratio,
    say) become null. Shared with the database path so both write identical documents."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


def write_atomic(path: Path, text: str) -> None:
    """Write next to the target and rename, so readers never see a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _in(flag: str, text: str) -> Any:
    return typer.Option(flag, help=text, exists=True, dir_okay=False)


def score(
    questionnaire: Annotated[Path, _in("--questionnaire", "Questionnaire YAML/JSON.")],
    plan: Annotated[Path, _in("--plan", "Scoring plan YAML/JSON.")],
    frame: Annotated[Path, _in("--frame", "Case registry CSV.")],
    responses: Annotated[Path, _in("--responses", "Responses CSV.")],
    out: Annotated[Path, typer.Option("--out", help="Scorecard JSON to write.", dir_okay=False)],
    sample: Annotated[Path | None, _in("--sample", "Sample CSV; responses must be in it.")] = None,
    previous: Annotated[Path | None, _in("--previous", "Previous round's scorecard.")] = None,
    calendar: Annotated[
        Path | None, _in("--calendar", "Working-day calendar YAML (default: mainland China).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the rank simulation.")] = 20260101,
) -> None:
    """Compute scorecards (DESIGN §3, §4) and write them as JSON."""
    import pandas as pd

    the_plan = load_plan(plan)
    dims, general, (q_code, q_version) = _load_questionnaire(questionnaire)
    if (q_code, q_version) != (the_plan.questionnaire_code, the_plan.questionnaire_version):
        raise InputDataError(
            f"plan is for questionnaire {the_plan.questionnaire_code} "
            f"v{the_plan.questionnaire_version}, got {q_code} v{q_version}"
        )
    overall = next((i for i in general if i.code == the_plan.overall_item), None)
    items = [i for d in dims for i in d.items]
    resp_head = pd.read_csv(responses, nrows=0).columns
    if overall is not None and overall.code not in resp_head:
        overall = None
    all_items = items + ([overall] if overall is not None else [])
    frame_df = _read_fast(frame, {"complaint"}, "frame")
    resp_df = _read_fast(responses, {*(i.code for i in all_items), "duration_seconds"}, "responses")
    sample_df = _read_csv(sample, ["case_id"], "sample") if sample is not None else None
    prev = None
    if previous is not None:
        try:
            prev = json.loads(previous.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputDataError(f"cannot read previous scorecard {previous}: {exc}") from exc
    data = build_round(the_plan, all_items, frame_df, resp_df, sample_df, load_calendar(calendar))
    card = score_round(data, dims, the_plan, overall_item=overall, previous=prev, seed=seed)
    # No indent: only the compact form uses the C encoder (the indented one is pure Python,
    # about a second for a 50-enterprise round).
    text = json.dumps(json_safe(card), ensure_ascii=False, allow_nan=False)
    write_atomic(out, text + "\n")
