"""Tests of :mod:`relubook.interpolants`.

Oracles: Monte-Carlo random ReLU features and scipy quadrature for the two kernels, the
interpolation conditions, scipy's ``CubicSpline`` second derivative for the natural end
conditions, and the cubic-spline limit of the uniform-knot kernel.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from relubook import PiecewiseLinear, data
from relubook.interpolants import (
    KernelInterpolant,
    ambiguous_gaps,
    arccos_kernel,
    cubic_curvature_mass,
    kernel_interpolant,
    least_curvature_interpolant,
    least_curvature_mass,
    linear_spline,
    natural_cubic_spline,
    secant_slope_jumps,
    uniform_knot_kernel,
)

POINTS = np.array([-0.9, -0.35, 0.0, 0.4, 0.85])


def relu(z):
    return np.maximum(z, 0.0)


# ----------------------------------------------------------------------- kernels
def test_uniform_knot_kernel_against_quadrature():
    L = 1.5
    for s in POINTS:
        for t in POINTS:
            integrand = lambda e: relu(s - e) * relu(t - e) + relu(e - s) * relu(e - t)
            value = quad(integrand, -L, L, points=sorted({s, t}))[0] / (2 * L)
            assert uniform_knot_kernel(s, t, L)[0, 0] == pytest.approx(value, rel=1e-10)


def test_uniform_knot_kernel_against_random_features():
    # K_L = 2 E[relu(sigma (s - e)) relu(sigma (t - e))], e ~ U[-L, L], sigma = +-1
    rng = np.random.default_rng(0)
    L, N = 2.0, 400_000
    e, sigma = rng.uniform(-L, L, N), rng.choice([-1.0, 1.0], N)
    feats = relu(sigma[None, :] * (POINTS[:, None] - e[None, :]))     # (5, N)
    samples = 2 * feats[:, None, :] * feats[None, :, :]
    mc, se = samples.mean(axis=2), samples.std(axis=2) / np.sqrt(N)
    assert np.all(np.abs(uniform_knot_kernel(POINTS, POINTS, L) - mc) < 5 * se + 1e-12)


def test_arccos_kernel_against_random_features():
    rng = np.random.default_rng(1)
    N = 400_000
    w, b = rng.standard_normal(N), rng.standard_normal(N)
    pts = 2 * POINTS
    feats = relu(pts[:, None] * w[None, :] + b[None, :])
    samples = feats[:, None, :] * feats[None, :, :]
    mc, se = samples.mean(axis=2), samples.std(axis=2) / np.sqrt(N)
    assert np.all(np.abs(arccos_kernel(pts, pts) - mc) < 5 * se)


def test_arccos_kernel_against_quadrature_over_directions():
    # (w, b) = R (cos phi, sin phi) with E R^2 = 2: k = (2 / 2 pi) int relu(.) relu(.) dphi
    for s in POINTS:
        for t in POINTS:
            f = lambda p: relu(s * np.cos(p) + np.sin(p)) * relu(t * np.cos(p) + np.sin(p))
            kinks = np.mod(np.arctan([-s, -t])[:, None] + np.pi * np.arange(2), 2 * np.pi)
            value = quad(f, 0, 2 * np.pi, points=np.sort(kinks.ravel()), limit=200)[0] / np.pi
            assert arccos_kernel(s, t)[0, 0] == pytest.approx(value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kernel", [lambda s, t: uniform_knot_kernel(s, t, 1.0), arccos_kernel])
def test_kernels_are_symmetric_positive_definite(kernel):
    x = np.linspace(-1, 1, 9)
    K = kernel(x, x)
    np.testing.assert_allclose(K, K.T, rtol=1e-14, atol=1e-15)
    assert np.linalg.eigvalsh(K)[0] > 0
    assert kernel(x, x[:3]).shape == (9, 3) and kernel(0.5, 0.2).shape == (1, 1)


# ---------------------------------------------------------------- interpolants
@given(seed=st.integers(0, 10_000), kernel=st.sampled_from(["uniform", "arccos"]))
def test_kernel_interpolant_interpolates(seed, kernel):
    x = data.random_1d(7, seed=seed, min_gap=0.05)
    y = np.random.default_rng(seed).standard_normal(7)
    f = kernel_interpolant(x, y, kernel, L=1.5)
    assert isinstance(f, KernelInterpolant)
    np.testing.assert_allclose(f(x), y, atol=1e-7 * (1 + np.abs(y).max()))


def test_kernel_interpolant_does_not_depend_on_the_order_of_the_data():
    x, y = data.sinusoid(8)
    order = np.random.default_rng(2).permutation(8)
    t = np.linspace(-1, 1, 31)
    np.testing.assert_allclose(kernel_interpolant(x[order], y[order])(t),
                               kernel_interpolant(x, y)(t), atol=1e-10)
    assert kernel_interpolant(x, y)(0.3).shape == ()


def test_uniform_kernel_interpolant_tends_to_the_natural_cubic_spline():
    x = data.random_1d(8, seed=0, lo=-1, hi=1, min_gap=0.05)
    y = np.random.default_rng(5).standard_normal(8)
    spline = natural_cubic_spline(x, y)
    t = np.linspace(x.min(), x.max(), 2001)
    errors = [np.max(np.abs(kernel_interpolant(x, y, "uniform", L=L)(t) - spline(t))) / np.ptp(y)
              for L in (1.0, 2.0, 3.0, 6.0, 12.0)]
    assert np.all(np.diff(errors) < 0)
    assert errors[3] < 5e-4 and errors[4] < errors[3] / 1.5


def test_natural_cubic_spline_interpolates_with_natural_ends():
    x, y = data.square_wave(10)
    s = natural_cubic_spline(x[::-1], y[::-1])        # any order
    np.testing.assert_allclose(s(x), y, atol=1e-12)
    np.testing.assert_allclose(s([x.min(), x.max()], 2), 0.0, atol=1e-10)


def test_natural_cubic_spline_has_least_curvature():
    # any other interpolant, e.g. the spline plus a bump vanishing at the data, has more int f''^2
    x, y = data.sinusoid(6)
    s = natural_cubic_spline(x, y)
    t = np.linspace(x.min(), x.max(), 20001)
    bump = np.prod([t - xi for xi in x], axis=0)
    energy = lambda v: np.trapezoid(np.gradient(np.gradient(v, t), t) ** 2, t)
    assert energy(s(t)) < energy(s(t) + 0.3 * bump)


def test_natural_cubic_spline_is_linear_outside_the_data():
    x, y = data.sinusoid(6)
    s = natural_cubic_spline(x, y)
    np.testing.assert_allclose(s([x.max() + 0.5, x.min() - 0.5], 2), 0.0, atol=1e-10)


def test_linear_spline():
    x, y = np.array([0.0, 1.0, 3.0, 4.0]), np.array([1.0, 3.0, -1.0, 0.0])
    pl = linear_spline(x[[2, 0, 3, 1]], y[[2, 0, 3, 1]])
    assert isinstance(pl, PiecewiseLinear)
    np.testing.assert_allclose(pl(x), y)
    np.testing.assert_allclose(pl(np.array([-1.0, 5.0])), [-1.0, 1.0])   # outer slopes continue
    np.testing.assert_allclose(pl.knots(), [1.0, 3.0])                  # interior points only


# ------------------------------------------------------------- input validation
def test_bad_inputs_raise_readable_errors():
    with pytest.raises(ValueError, match="same length"):
        kernel_interpolant([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="at least two"):
        natural_cubic_spline([0.0], [1.0])
    with pytest.raises(ValueError, match="duplicated"):
        linear_spline([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        kernel_interpolant([0.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="'uniform' or 'arccos'"):
        kernel_interpolant([0.0, 1.0], [1.0, 2.0], kernel="gaussian")
    with pytest.raises(ValueError, match=r"\[-L, L\]"):
        kernel_interpolant([0.0, 3.0], [1.0, 2.0], "uniform", L=2.0)
    with pytest.raises(ValueError, match="positive"):
        uniform_knot_kernel([0.0], [0.0], L=0.0)
    with pytest.raises(TypeError, match="s must be"):
        arccos_kernel("0.5", [0.0])


# ------------------------------------------------- minimum variation-norm interpolant
def _secant_bound(x, y):
    order = np.argsort(x)
    x, y = np.asarray(x)[order], np.asarray(y)[order]
    return np.abs(np.diff(np.diff(y) / np.diff(x))).sum()


@given(seed=st.integers(0, 10_000), n=st.integers(2, 9), prefer=st.sampled_from(["data", "off"]))
def test_min_variation_norm_attains_the_secant_bound(seed, n, prefer):
    # oracle: the mean-value-theorem bound sum |s_(k+1) - s_k|, attained by the linear spline
    x = data.random_1d(n, seed=seed, min_gap=0.05)
    y = np.random.default_rng(seed + 1).standard_normal(n)
    f = least_curvature_interpolant(x, y, prefer=prefer)
    assert isinstance(f, PiecewiseLinear)
    scale = 1 + np.abs(y).max()
    np.testing.assert_allclose(f(x), y, atol=1e-8 * scale)
    bound = _secant_bound(x, y)
    assert abs(f.curvature_mass() - bound) <= 1e-8 * max(bound, 1.0)


def test_min_variation_norm_prefer_data_is_the_linear_spline():
    x, y = data.sinusoid(8)
    f = least_curvature_interpolant(x[::-1], y[::-1])              # any order
    assert f.max_abs_diff(linear_spline(x, y)) < 1e-10                # whole line: same slopes
    bends = np.abs(np.diff(np.diff(y) / np.diff(x))) > 1e-9
    np.testing.assert_allclose(f.knots(tol=1e-9), x[1:-1][bends])


def test_min_variation_norm_is_not_unique_on_convex_runs():
    # y = x^2 on four points: both interior jumps are positive, so the middle gap is free
    x, y = np.array([-1.0, 0.0, 1.0, 2.0]), np.array([1.0, 0.0, 1.0, 4.0])
    moved = least_curvature_interpolant(x, y, prefer="off")
    assert moved.max_abs_diff(linear_spline(x, y), (-1.0, 2.0)) > 0.05
    pos, jumps = moved.knot_clusters(tol=1e-6)
    assert np.all(jumps > 0)                                          # still convex
    assert np.min(np.abs(pos[:, None] - x[None, :])) > 0.01            # off the data
    assert moved.curvature_mass() == pytest.approx(4.0, rel=1e-8)


def test_min_variation_norm_is_unique_when_jumps_alternate():
    x, y = data.square_wave(10)
    moved = least_curvature_interpolant(x, y, prefer="off", per_gap=5)
    assert moved.max_abs_diff(linear_spline(x, y), (x[0], x[-1])) < 1e-8


def test_min_variation_norm_against_a_fine_dictionary_lp():
    # independent oracle: scipy HiGHS on a much finer dictionary, with values as unknowns
    from scipy.optimize import linprog
    x, y = data.random_1d(5, seed=4, min_gap=0.1), np.array([0.3, -1.0, 0.5, 0.8, -0.2])
    t = np.linspace(x.min(), x.max(), 801)[1:-1]
    A = np.maximum(x[:, None] - t[None, :], 0.0)
    A_eq = np.hstack([np.ones((5, 1)), x[:, None], A, -A])
    lp = linprog(np.r_[0, 0, np.ones(2 * t.size)], A_eq=A_eq, b_eq=y,
                 bounds=[(None, None)] * 2 + [(0, None)] * (2 * t.size), method="highs")
    assert least_curvature_interpolant(x, y).curvature_mass() <= lp.fun + 1e-7
    assert lp.fun >= _secant_bound(x, y) - 1e-7


def test_min_variation_norm_validation():
    with pytest.raises(ValueError, match="prefer"):
        least_curvature_interpolant([0.0, 1.0], [0.0, 1.0], prefer="middle")
    with pytest.raises(ValueError, match="per_gap"):
        least_curvature_interpolant([0.0, 1.0], [0.0, 1.0], per_gap=0)
    with pytest.raises(ValueError, match="duplicated"):
        least_curvature_interpolant([0.0, 0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        least_curvature_interpolant([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="NaN"):
        least_curvature_interpolant([0.0, np.nan], [0.0, 1.0])
    two = least_curvature_interpolant([0.0, 2.0], [1.0, 3.0])      # no interior point
    assert two.curvature_mass() == 0.0 and two(1.0) == pytest.approx(2.0)


# ------------------------------------------ what the data say about the least curvature mass
@st.composite
def univariate_data(draw, min_n=2, max_n=9):
    """Distinct inputs (shuffled) with normal values, from a seed."""
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = data.random_1d(n, seed=seed, min_gap=0.05)
    return rng.permutation(x), rng.standard_normal(n) * rng.uniform(0.1, 10)


@given(univariate_data())
def test_secant_slope_jumps_are_the_linear_splines_jumps(xy):
    # oracle: the slope jumps of the PiecewiseLinear linear spline, from its values
    x, y = xy
    jumps = secant_slope_jumps(x, y)
    assert jumps.shape == (x.size - 2,)
    spline_jumps = linear_spline(x, y).slope_jumps()       # breakpoints: all data points
    np.testing.assert_allclose(jumps, spline_jumps[1:-1], rtol=1e-12,
                               atol=1e-12 * (1 + np.abs(jumps).max(initial=0)))
    order = np.argsort(x)
    np.testing.assert_array_equal(jumps, secant_slope_jumps(x[order], y[order]))
    assert least_curvature_mass(x, y) == pytest.approx(linear_spline(x, y).curvature_mass(),
                                                       rel=1e-12, abs=1e-12)


def test_secant_slope_jumps_by_hand():
    # secant slopes 2, -1, 1 (the zigzag of chapter 7's exercise): jumps -3, 2, mass 5
    x, y = np.array([0.0, 1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0, 3.0])
    np.testing.assert_allclose(secant_slope_jumps(x, y), [-3.0, 2.0])
    assert least_curvature_mass(x, y) == 5.0
    assert secant_slope_jumps([0.0, 1.0], [3.0, 4.0]).shape == (0,)
    assert least_curvature_mass([0.0, 1.0], [3.0, 4.0]) == 0.0


@settings(max_examples=40, deadline=None)
@given(univariate_data(), st.integers(0, 2**32 - 1))
def test_least_curvature_mass_is_a_lower_bound(xy, seed):
    # any interpolant costs at least the bound: the natural cubic spline (exact mass), a
    # random piecewise-linear interpolant with extra knots, and the LP minimum (equal)
    x, y = xy
    bound = least_curvature_mass(x, y)
    scale = max(bound, 1.0)
    cubic = natural_cubic_spline(x, y)
    assert cubic_curvature_mass(cubic) >= bound - 1e-9 * scale
    rng = np.random.default_rng(seed)
    xs = np.sort(x)
    t = np.sort(np.concatenate((xs, rng.uniform(xs[0], xs[-1], 5))))
    values = np.interp(t, xs, y[np.argsort(x)])
    values[~np.isin(t, xs)] += rng.normal(0, 1, 5)           # bend it between the data
    wiggly = PiecewiseLinear(t, values, rng.normal(), rng.normal())
    np.testing.assert_allclose(wiggly(x), y, atol=1e-12 * (1 + np.abs(y).max()))
    assert wiggly.curvature_mass() >= bound - 1e-9 * scale
    lp = least_curvature_interpolant(x, y)
    assert lp.curvature_mass() == pytest.approx(bound, rel=1e-8, abs=1e-10)


def _ambiguous_by_loop(x, y):
    """Gaps whose two end jumps share a strict sign, by a loop over the sorted data."""
    order = np.argsort(x)
    x, y = np.asarray(x)[order], np.asarray(y)[order]
    s = [(y[k + 1] - y[k]) / (x[k + 1] - x[k]) for k in range(x.size - 1)]
    jumps = [s[k] - s[k - 1] for k in range(1, len(s))]
    big = max((abs(j) for j in jumps), default=0.0)
    return [k for k in range(1, len(s) - 1)
            if abs(jumps[k - 1]) > 1e-9 * big and abs(jumps[k]) > 1e-9 * big
            and jumps[k - 1] * jumps[k] > 0]


@given(univariate_data(min_n=2, max_n=12))
def test_ambiguous_gaps_match_a_loop(xy):
    x, y = xy
    gaps = ambiguous_gaps(x, y)
    assert gaps.dtype.kind == "i"
    assert gaps.tolist() == _ambiguous_by_loop(x, y)


@pytest.mark.parametrize("seed", range(12))
def test_ambiguous_gaps_are_where_another_minimiser_exists(seed):
    # oracle: the LP with prefer="off" moves mass off the data exactly in these gaps, and
    # differs from the linear spline exactly when there is one
    n = 7
    x = data.random_1d(n, seed=seed, min_gap=0.1)
    y = np.random.default_rng(seed + 100).standard_normal(n)
    gaps = ambiguous_gaps(x, y)
    moved = least_curvature_interpolant(x, y, prefer="off")
    mass = moved.curvature_mass()
    moved_gaps = np.flatnonzero(moved.knots_between(x, tol=1e-6 * mass, merge=1e-9))
    assert set(moved_gaps) <= set(gaps)
    distance = moved.max_abs_diff(linear_spline(x, y), (x.min(), x.max()))
    if gaps.size:
        assert distance > 1e-4 * np.ptp(y)
    else:
        assert distance < 1e-8 * np.ptp(y)


def test_ambiguous_gaps_examples():
    # y = x^2: every inner gap is convex on both sides; a zigzag: none; collinear middle
    # points give a zero jump that separates two same-sign jumps
    x = np.arange(6.0)
    assert ambiguous_gaps(x, x ** 2).tolist() == [1, 2, 3]
    assert ambiguous_gaps(x, (-1.0) ** x).size == 0
    assert ambiguous_gaps(x, [0.0, 1.0, 0.0, 1.0, 2.0, 1.0]).tolist() == []
    assert ambiguous_gaps(x, [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]).tolist() == []
    assert ambiguous_gaps(x, [1.0, 0.0, 0.0, 0.0, 1.0, 3.0]).tolist() == [3]
    assert ambiguous_gaps([0.0, 1.0, 2.0], [0.0, 1.0, 0.0]).size == 0
    assert ambiguous_gaps(x[::-1], x[::-1] ** 2).tolist() == [1, 2, 3]     # sorted indices


def _variation_of_derivative(spline, lo, hi):
    """Total variation of f' on [lo, hi] from scipy: f' is monotone between the roots of f''
    and the breakpoints, so the variation is the sum of |f'(b) - f'(a)| over those pieces."""
    second = spline.derivative(2)
    roots = second.roots(discontinuity=False, extrapolate=False)
    cuts = np.unique(np.concatenate(([lo, hi], spline.x, roots)))
    cuts = cuts[(cuts >= lo) & (cuts <= hi)]
    return float(np.abs(np.diff(spline(cuts, 1))).sum())


@settings(max_examples=30, deadline=None)
@given(univariate_data(min_n=3))
def test_cubic_curvature_mass_against_scipy(xy):
    # oracles: the variation of f' between the roots of f'' (scipy's PPoly.roots), and the
    # trapezoidal rule for int |f''| on a fine grid
    x, y = xy
    s = natural_cubic_spline(x, y)
    lo, hi = np.min(x), np.max(x)
    mass = cubic_curvature_mass(s, (lo, hi))
    assert mass == pytest.approx(_variation_of_derivative(s, lo, hi), rel=1e-10, abs=1e-12)
    t = np.linspace(lo, hi, 200_001)
    assert mass == pytest.approx(np.trapezoid(np.abs(s(t, 2)), t), rel=1e-6)
    # the linear extensions carry no curvature; two halves add up
    assert cubic_curvature_mass(s) == pytest.approx(mass, rel=1e-12, abs=1e-12)
    mid = (lo + hi) / 2
    parts = cubic_curvature_mass(s, (lo, mid)) + cubic_curvature_mass(s, (mid, hi))
    assert parts == pytest.approx(mass, rel=1e-12, abs=1e-12)


def test_cubic_curvature_mass_by_hand():
    from scipy.interpolate import PPoly
    # t^3 on [-1, 1], in the local variable u = t + 1: u^3 - 3u^2 + 3u - 1
    cube = PPoly(np.array([[1.0], [-3.0], [3.0], [-1.0]]), [-1.0, 1.0])
    assert cubic_curvature_mass(cube) == pytest.approx(6.0, rel=1e-15)   # int |6t| = 6
    assert cubic_curvature_mass(cube, (0.0, 0.5)) == pytest.approx(0.75, rel=1e-15)
    # f'' may jump at a breakpoint: f'' = 2 on [0, 1], then -2 on [1, 3]
    jumpy = PPoly(np.array([[1.0, -1.0], [0.0, 2.0], [0.0, 1.0]]), [0.0, 1.0, 3.0])
    assert cubic_curvature_mass(jumpy) == pytest.approx(2.0 + 4.0, rel=1e-15)


def test_curvature_helpers_validation():
    with pytest.raises(ValueError, match="duplicated"):
        secant_slope_jumps([0.0, 0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        least_curvature_mass([0.0, 1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        ambiguous_gaps([0.0, 1.0, np.inf], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="rtol"):
        ambiguous_gaps([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], rtol=-1.0)
    s = natural_cubic_spline([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    with pytest.raises(TypeError, match="spline"):
        cubic_curvature_mass(linear_spline([0.0, 1.0], [0.0, 1.0]))
    with pytest.raises(ValueError, match="interval"):
        cubic_curvature_mass(s, (0.5, 0.5))
    with pytest.raises(ValueError, match="interval"):
        cubic_curvature_mass(s, (-5.0, 1.0))
    from scipy.interpolate import PPoly
    with pytest.raises(ValueError, match="degree"):
        cubic_curvature_mass(PPoly(np.ones((5, 1)), [0.0, 1.0]))
