from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import AhpInconsistencyError, WeightsError
from scoring.weights import derive_weights, entropy_weights, fixed_weights


@given(st.lists(st.floats(0.01, 100), min_size=1, max_size=8))
def test_fixed_weights_sum_to_one(values: list[float]) -> None:
    w = fixed_weights({f"d{i}": v for i, v in enumerate(values)})
    assert sum(w.values) == pytest.approx(1.0)


def test_fixed_weight_error_names_dimension() -> None:
    with pytest.raises(WeightsError, match="content"):
        fixed_weights({"attitude": 0.5, "content": -0.1})


def test_ahp_rejects_inconsistent_and_names_pair() -> None:
    m = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(AhpInconsistencyError, match="most inconsistent pair") as err:
        derive_weights("ahp", {"order": ["a", "b", "c"], "matrix": m})
    assert err.value.cr >= 0.10


def test_ahp_rejects_non_reciprocal() -> None:
    with pytest.raises(WeightsError, match="reciprocal"):
        derive_weights("ahp", {"order": ["a", "b"], "matrix": [[1, 2], [2, 1]]})


def test_ahp_two_dimensions_cr_zero() -> None:
    w = derive_weights("ahp", {"order": ["a", "b"], "matrix": [[1, 3], [1 / 3, 1]]})
    assert w.cr == 0.0
    assert w.values == pytest.approx((0.75, 0.25))


@given(st.integers(0, 2**32 - 1))
def test_entropy_weights_sum_to_one(seed: int) -> None:
    x = np.random.default_rng(seed).uniform(1, 100, (6, 4))
    w = entropy_weights(["a", "b", "c", "d"], x)
    assert sum(w.values) == pytest.approx(1.0)
    assert min(w.values) >= 0


def test_entropy_hand_example() -> None:
    # Column b is constant: entropy 1, weight 0; all weight goes to a.
    w = entropy_weights(["a", "b"], [[1.0, 5.0], [3.0, 5.0]])
    assert w.values == pytest.approx((1.0, 0.0))


def test_unknown_method() -> None:
    with pytest.raises(WeightsError, match="accepted: fixed, ahp, entropy"):
        derive_weights("magic", {})  # type: ignore[arg-type]
