"""The one least-l1 linear program: optimality against feasible points, duality, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubook.least_l1 import least_l1


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
def test_least_l1_is_feasible_and_beats_every_feasible_point(seed):
    rng = np.random.default_rng(seed)
    n, k = 5, 12
    F, G = rng.standard_normal((n, k)), np.column_stack((np.ones(n), rng.standard_normal(n)))
    y = rng.standard_normal(n)
    fit = least_l1(F, y, free=G)
    np.testing.assert_allclose(F @ fit.coef + G @ fit.free, y, atol=1e-8)
    assert fit.value == pytest.approx(np.abs(fit.coef).sum(), rel=1e-9, abs=1e-12)
    # every feasible point: a least-squares solution plus anything in the null space
    full = np.hstack((F, G))
    base = np.linalg.lstsq(full, y, rcond=None)[0]
    null = np.linalg.svd(full)[2][n:].T
    for _ in range(20):
        z = base + null @ rng.standard_normal(null.shape[1])
        assert fit.value <= np.abs(z[:k]).sum() * (1 + 1e-9) + 1e-9
    # weak duality: any g with |F^T g| <= 1 and G^T g = 0 bounds the value from below
    g = rng.standard_normal(n)
    g -= G @ np.linalg.lstsq(G, g, rcond=None)[0]
    g /= max(np.abs(F.T @ g).max(), 1e-300)
    assert g @ y <= fit.value * (1 + 1e-9) + 1e-9


def test_cost_and_budget_select_among_minimisers():
    # y = 1 at x = 1 from relu(x - 0) (jump 1) or relu(x - 0.5) (jump 2): l1 prefers the first
    F = np.array([[1.0, 0.5]])
    assert least_l1(F, [1.0]).coef == pytest.approx([1.0, 0.0])
    cheap_second = least_l1(F, [1.0], cost=[1.0, 0.0])
    assert cheap_second.value == pytest.approx(0.0, abs=1e-12)
    within = least_l1(F, [1.0], cost=[1.0, 0.0], budget=1.5)      # |J1| + |J2| <= 1.5
    assert np.abs(within.coef).sum() <= 1.5 + 1e-9
    assert within.coef == pytest.approx([0.5, 1.0])


def test_least_l1_reports_infeasible_dictionaries_and_bad_input():
    with pytest.raises(ValueError, match="cannot interpolate"):
        least_l1(np.zeros((2, 3)), [1.0, 0.0], what="here")
    with pytest.raises(ValueError, match="targets"):
        least_l1(np.ones((2, 3)), [1.0])
    with pytest.raises(ValueError, match="free"):
        least_l1(np.ones((2, 3)), [1.0, 1.0], free=np.ones((3, 1)))
    with pytest.raises(ValueError, match="cost"):
        least_l1(np.ones((2, 3)), [1.0, 1.0], cost=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="budget"):
        least_l1(np.ones((2, 3)), [1.0, 1.0], budget=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        least_l1([[np.nan]], [1.0])
