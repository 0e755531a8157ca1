"""Unit and property tests of :class:`relubook.PiecewiseLinear`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubook import PiecewiseLinear, ShallowNet, random_net
from relubook.piecewise import distance_to, knots_per_closed_interval, knots_per_gap, mass_near


# ----------------------------------------------------------------------------- helpers
@st.composite
def piecewise(draw, max_k=8):
    """A random PiecewiseLinear with 1..max_k strictly increasing breakpoints in [-5, 5]."""
    k = draw(st.integers(1, max_k))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = np.sort(rng.uniform(-5, 5, k)) + 0.05 * np.arange(k)     # gaps >= 0.05
    v = rng.uniform(-3, 3, k)
    left, right = rng.uniform(-2, 2, 2)
    return PiecewiseLinear(t, v, left, right)


def direct_from_jumps(x, knots, jumps, intercept, slope):
    """intercept + slope x + sum_k J_k relu(x - e_k), by a loop over knots."""
    out = intercept + slope * np.asarray(x, dtype=float)
    for e, J in zip(knots, jumps):
        out = out + J * np.maximum(np.asarray(x) - e, 0.0)
    return out


def grid_around(*pls, n=4001):
    lo = min(p.breakpoints[0] for p in pls) - 2.0
    hi = max(p.breakpoints[-1] for p in pls) + 2.0
    return np.linspace(lo, hi, n)


# ------------------------------------------------------------------------ evaluation
@settings(max_examples=50, deadline=None)
@given(piecewise())
def test_exact_at_breakpoints(pl):
    """pl(t_k) is exactly the stored value v_k."""
    np.testing.assert_array_equal(pl(pl.breakpoints), pl.values)


@settings(max_examples=50, deadline=None)
@given(piecewise(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_linear_between_breakpoints(pl, lams):
    """Between neighbouring breakpoints pl is the chord; outside it follows the outer slopes."""
    t, v = pl.breakpoints, pl.values
    for lam in lams:
        x = (1 - lam) * t[:-1] + lam * t[1:]
        np.testing.assert_allclose(pl(x), (1 - lam) * v[:-1] + lam * v[1:],
                                   rtol=1e-12, atol=1e-12)
        left, right = t[0] - 3 * lam, t[-1] + 3 * lam
        assert pl(left) == pytest.approx(v[0] - 3 * lam * pl.left_slope, rel=1e-13, abs=1e-13)
        assert pl(right) == pytest.approx(v[-1] + 3 * lam * pl.right_slope, rel=1e-13,
                                          abs=1e-13)


@settings(max_examples=50, deadline=None)
@given(piecewise())
def test_slopes_are_difference_quotients(pl):
    """slopes[k] is the difference quotient of pl over any two points of piece k."""
    t = pl.breakpoints
    edges = np.concatenate(([t[0] - 2.0], t, [t[-1] + 2.0]))
    q1 = edges[:-1] + 0.25 * np.diff(edges)
    q2 = edges[:-1] + 0.75 * np.diff(edges)
    fd = (pl(q2) - pl(q1)) / (q2 - q1)
    np.testing.assert_allclose(pl.slopes, fd, rtol=1e-9, atol=1e-9)


def test_evaluation_keeps_shape_and_docstring_example():
    """pl(x) has the shape of x; the documented hat function evaluates as stated."""
    hat = PiecewiseLinear([-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], 0.0, 0.0)
    assert hat([-2.0, 0.5]).tolist() == [0.0, 0.5]
    assert hat.curvature_mass() == 4.0
    assert hat(np.zeros((2, 3))).shape == (2, 3)
    assert hat(0.25).shape == ()
    assert hat(np.array([])).shape == (0,)


def test_breakpoints_are_read_only():
    """The stored arrays cannot be modified in place."""
    pl = PiecewiseLinear([0.0, 1.0], [0.0, 1.0], 0.0, 0.0)
    with pytest.raises(ValueError):
        pl.values[0] = 3.0


# ----------------------------------------------------------------------- from_jumps
@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10), st.integers(0, 2**32 - 1), st.booleans())
def test_from_jumps_matches_relu_sum(k, seed, repeats):
    """from_jumps equals intercept + slope x + sum J relu(x - e) (repeated, unsorted knots)."""
    rng = np.random.default_rng(seed)
    knots = rng.choice([-1.0, 0.0, 0.5, 3.0], k) if repeats else rng.uniform(-4, 4, k)
    jumps = rng.standard_normal(k)
    intercept, slope = rng.standard_normal(2)
    pl = PiecewiseLinear.from_jumps(knots, jumps, intercept=intercept, slope=slope)
    xs = np.concatenate([np.linspace(-6, 6, 1201), knots])
    np.testing.assert_allclose(pl(xs), direct_from_jumps(xs, knots, jumps, intercept, slope),
                               rtol=1e-12, atol=1e-12)
    assert pl.left_slope == slope
    assert pl.right_slope == pytest.approx(slope + jumps.sum(), rel=1e-12, abs=1e-12)
    if k:
        np.testing.assert_array_equal(pl.breakpoints, np.unique(knots))
        merged = [jumps[knots == t].sum() for t in pl.breakpoints]
        np.testing.assert_allclose(pl.slope_jumps(), merged, rtol=1e-9, atol=1e-8)
    else:                                     # affine: one breakpoint at 0, no jump
        np.testing.assert_array_equal(pl.breakpoints, [0.0])
        assert pl.slope_jumps()[0] == 0.0


@settings(max_examples=50, deadline=None)
@given(piecewise())
def test_from_jumps_round_trip(pl):
    """Rebuilding from breakpoints, slope jumps, left slope and intercept gives pl back."""
    t = pl.breakpoints
    intercept = pl.values[0] - pl.left_slope * t[0]       # left affine piece at x = 0
    back = PiecewiseLinear.from_jumps(t, pl.slope_jumps(), intercept=intercept,
                                      slope=pl.left_slope)
    np.testing.assert_array_equal(back.breakpoints, t)
    np.testing.assert_allclose(back.values, pl.values, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(back.slopes, pl.slopes, rtol=1e-9, atol=1e-9)
    assert pl.max_abs_diff(back, interval=(t[0] - 10, t[-1] + 10)) <= 1e-10


# -------------------------------------------------------------------- curvature mass
@settings(max_examples=60, deadline=None)
@given(piecewise())
def test_curvature_mass_is_total_variation_of_derivative(pl):
    """curvature_mass = TV of f' (from slopes, and from difference quotients of pl)."""
    assert pl.curvature_mass() == pytest.approx(np.abs(np.diff(pl.slopes)).sum(), rel=1e-14)
    # f' sampled from pl itself, one difference quotient per piece
    t = pl.breakpoints
    edges = np.concatenate(([t[0] - 1.0], t, [t[-1] + 1.0]))
    q1, q2 = edges[:-1] + 0.3 * np.diff(edges), edges[:-1] + 0.6 * np.diff(edges)
    deriv = (pl(q2) - pl(q1)) / (q2 - q1)
    assert pl.curvature_mass() == pytest.approx(np.abs(np.diff(deriv)).sum(), rel=1e-8,
                                                abs=1e-8)


def test_curvature_mass_of_affine_is_zero():
    """An affine function (no jumps) has no curvature mass, whatever its breakpoints."""
    t = np.array([-1.0, 0.5, 2.0])
    pl = PiecewiseLinear(t, 0.3 + 2.0 * t, 2.0, 2.0)
    assert pl.curvature_mass() == pytest.approx(0.0, abs=1e-14)
    assert pl.knots(tol=1e-12).size == 0


@settings(max_examples=60, deadline=None)
@given(piecewise(), st.floats(-7, 7), st.floats(0.01, 8))
def test_curvature_mass_on_an_interval_counts_the_jumps_inside(pl, lo, width):
    """On [lo, hi]: the jumps at breakpoints inside (ends included), by a loop; it adds up."""
    hi = lo + width
    by_loop = sum(abs(j) for t, j in zip(pl.breakpoints, pl.slope_jumps()) if lo <= t <= hi)
    assert pl.curvature_mass((lo, hi)) == pytest.approx(by_loop, rel=1e-14, abs=1e-14)
    t = pl.breakpoints
    assert pl.curvature_mass((t[0], t[-1] + 1.0)) == pytest.approx(pl.curvature_mass(),
                                                                   rel=1e-14, abs=1e-14)
    cut = np.nextafter(hi, np.inf)          # [lo, hi] and (hi, hi + 5] share no breakpoint
    assert (pl.curvature_mass((lo, hi)) + pl.curvature_mass((cut, hi + 5.0))
            == pytest.approx(pl.curvature_mass((lo, hi + 5.0)), rel=1e-12, abs=1e-14))


def test_curvature_mass_on_an_interval_of_a_network():
    """A network's mass on [lo, hi] is sum |scale a_j w_j| over the knots in [lo, hi]."""
    net = random_net(30, seed=5)
    lo, hi = -0.5, 0.7
    inside = (net.knots() >= lo) & (net.knots() <= hi)
    expected = np.abs(net.scale * net.a * net.w)[inside].sum()
    assert net.to_piecewise().curvature_mass((lo, hi)) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="interval"):
        net.to_piecewise().curvature_mass((1.0, 1.0))
    with pytest.raises(ValueError, match="interval"):
        net.to_piecewise().curvature_mass((0.0, 1.0, 2.0))


# ---------------------------------------------------------------------------- knots
def test_knots_merge_clusters_at_weighted_mean():
    """Breakpoints within `merge` form one knot at the |jump|-weighted mean, jumps added."""
    e = np.array([0.0, 1.0, 1.0 + 1e-4])
    J = np.array([1.0, 2.0, 3.0])
    pl = PiecewiseLinear.from_jumps(e, J, intercept=0.0, slope=0.0)
    pos, jumps = pl.knot_clusters()
    np.testing.assert_allclose(pos, e, rtol=0, atol=1e-15)
    np.testing.assert_allclose(jumps, J, rtol=1e-9)
    pos, jumps = pl.knot_clusters(merge=1e-3)
    np.testing.assert_allclose(pos, [0.0, (2 * 1.0 + 3 * (1 + 1e-4)) / 5], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(jumps, [1.0, 5.0], rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(piecewise())
def test_knots_without_merging_are_the_breakpoints_exactly(pl):
    """merge = 0: every breakpoint with a nonzero jump is a knot, at exactly its position."""
    pos, jumps = pl.knot_clusters()
    J = pl.slope_jumps()
    np.testing.assert_array_equal(pos, pl.breakpoints[J != 0])
    np.testing.assert_array_equal(jumps, J[J != 0])


def test_knots_opposite_jumps_cancel_and_tol_drops_small():
    """Merged jumps of opposite sign cancel; knots with |jump| <= tol are dropped."""
    e = np.array([-2.0, 1.0, 1.0 + 1e-7, 3.0])
    J = np.array([1.0, 2.0, -2.0, 1e-3])
    pl = PiecewiseLinear.from_jumps(e, J, intercept=0.5, slope=-1.0)
    pos, jumps = pl.knot_clusters(tol=1e-5)
    assert pos.size == 4                          # not merged: all four are knots
    pos, jumps = pl.knot_clusters(tol=1e-5, merge=1e-6)
    np.testing.assert_allclose(pos, [-2.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(jumps, [1.0, 1e-3], rtol=1e-6)
    pos, jumps = pl.knot_clusters(tol=1e-2, merge=1e-6)
    np.testing.assert_allclose(pos, [-2.0], atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(piecewise(), st.sampled_from([0.0, 0.1, 0.5, 1.0, 3.0, 20.0]))
def test_knots_conserve_total_jump_and_lie_in_their_cluster(pl, merge):
    """With tol = 0 the knots' jumps add up to right - left slope; more merging, fewer knots."""
    pos, jumps = pl.knot_clusters(merge=merge)
    total = pl.right_slope - pl.left_slope
    assert jumps.sum() == pytest.approx(total, abs=1e-9)
    assert np.all(pos >= pl.breakpoints[0] - 1e-12) and np.all(pos <= pl.breakpoints[-1] + 1e-12)
    assert np.all(np.diff(pos) > 0)
    assert pos.size <= pl.knots(merge=merge / 2).size
    if merge >= pl.breakpoints[-1] - pl.breakpoints[0]:
        assert pos.size <= 1


# ------------------------------------------------------------------- knots_between
def brute_force_counts(knots, x, merge=0.0):
    x = np.unique(x)
    return np.array([sum(1 for e in knots if lo + merge < e < hi - merge)
                     for lo, hi in zip(x[:-1], x[1:])])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=2, max_size=10, unique=True),
       st.lists(st.integers(-14, 14), min_size=0, max_size=8, unique=True),
       st.integers(0, 2**32 - 1))
def test_knots_between_counts_match_brute_force(xs, knot_halves, seed):
    """Counts per gap of the sorted unique data; knots on data points or outside don't count."""
    rng = np.random.default_rng(seed)
    knots = np.array(knot_halves, dtype=float) / 2          # half-integers hit data points
    jumps = rng.choice([-1.0, 1.0], knots.size) * rng.uniform(0.5, 2.0, knots.size)
    pl = PiecewiseLinear.from_jumps(knots, jumps, intercept=0.0, slope=0.3)
    x = np.array(xs + xs[:1], dtype=float)                 # a duplicate, unsorted
    rng.shuffle(x)
    counts = pl.knots_between(x)
    assert counts.dtype.kind == "i"
    np.testing.assert_array_equal(counts, brute_force_counts(knots, x))


def test_knot_exactly_on_a_data_point_is_not_counted():
    """A neuron whose knot is exactly the data point 6 adds no knot to the gap (0, 6)."""
    net = ShallowNet(a=[0.7], w=[1.0], b=[-6.0])
    assert net.knots()[0] == 6.0
    np.testing.assert_array_equal(net.to_piecewise().knots_between([0.0, 6.0]), [0])
    pl = PiecewiseLinear.from_jumps([6.0], [0.7], intercept=0.0, slope=0.3)
    np.testing.assert_array_equal(pl.knots_between([0.0, 6.0, 7.0]), [0, 0])


def test_knots_between_merge_tolerance():
    """merge joins close knots into one and ignores knots within merge of a data point."""
    x = np.array([0.0, 1.0, 2.0, 3.0])
    knots = np.array([0.5, 0.5 + 1e-4, 1.0 + 1e-5, 1.5, 2.5, 2.6, 2.999999])
    pl = PiecewiseLinear.from_jumps(knots, np.ones(knots.size), intercept=0.0, slope=0.0)
    np.testing.assert_array_equal(pl.knots_between(x), [2, 2, 3])
    np.testing.assert_array_equal(pl.knots_between(x, merge=1e-3), [1, 1, 2])
    np.testing.assert_array_equal(pl.knots_between(x, merge=0.2), [1, 1, 1])


def test_knots_between_tol_ignores_small_jumps():
    """Knots whose (merged) jump is at most tol are not counted."""
    knots = np.array([0.5, 1.5, 1.5 + 1e-6])
    pl = PiecewiseLinear.from_jumps(knots, [1e-4, 1.0, -1.0], intercept=0.0, slope=0.0)
    x = [0.0, 1.0, 2.0]
    np.testing.assert_array_equal(pl.knots_between(x), [1, 2])
    np.testing.assert_array_equal(pl.knots_between(x, tol=1e-3, merge=1e-5), [0, 0])


def test_knots_between_of_network_between_data():
    """A net's knots strictly between data are counted in their gaps."""
    net = ShallowNet(a=[1.0, -1.0, 1.0], w=[1.0, -2.0, 0.5], b=[-0.5, 3.0, 1.0])  # 0.5, 1.5, -2
    counts = net.to_piecewise().knots_between([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(counts, [1, 1])


# ------------------------------------------------------- knots in an interval, census
@settings(max_examples=50, deadline=None)
@given(piecewise(), st.sampled_from([0.0, 0.1, 1.0]), st.floats(-6, 6), st.floats(0.1, 6))
def test_knots_on_an_interval_are_the_knots_inside(pl, merge, lo, width):
    """interval filters the knots of the whole function; it does not re-cluster them."""
    pos, jumps = pl.knot_clusters(merge=merge)
    inside = (pos >= lo) & (pos <= lo + width)
    got_pos, got_jumps = pl.knot_clusters(merge=merge, interval=(lo, lo + width))
    np.testing.assert_array_equal(got_pos, pos[inside])
    np.testing.assert_array_equal(got_jumps, jumps[inside])


def brute_force_census(knots, x, away, lo, hi):
    inside = [e for e in knots if lo <= e <= hi]
    return len(inside), sum(1 for e in inside if all(abs(e - xi) > away for xi in x))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=2, max_size=10, unique=True),
       st.lists(st.integers(-28, 28), min_size=0, max_size=8, unique=True),
       st.sampled_from([0.0, 0.1, 0.3]), st.integers(0, 2**32 - 1))
def test_knot_census_matches_brute_force(xs, knot_quarters, away, seed):
    """Knots on the data range, and those farther than `away` from every data point."""
    rng = np.random.default_rng(seed)
    knots = np.array(knot_quarters, dtype=float) / 4       # some on the data, some beyond
    jumps = rng.choice([-1.0, 1.0], knots.size) * rng.uniform(0.5, 2.0, knots.size)
    pl = PiecewiseLinear.from_jumps(knots, jumps, intercept=0.0, slope=0.3)
    x = rng.permutation(np.array(xs, dtype=float))
    lo, hi = x.min(), x.max()
    assert pl.knot_census(x, away=away) == brute_force_census(knots, x, away, lo, hi)
    inner = (lo + 0.3, hi - 0.3)
    if inner[0] < inner[1]:
        assert (pl.knot_census(x, away=away, interval=inner)
                == brute_force_census(knots, x, away, *inner))


def test_knot_census_with_tol_and_merge():
    """tol drops small knots and merge joins close ones before counting."""
    x = np.array([0.0, 1.0, 2.0])
    knots = np.array([0.0, 0.5, 0.5 + 1e-5, 1.0 + 1e-3, 1.6, 5.0])
    pl = PiecewiseLinear.from_jumps(knots, [1.0, 1.0, 1.0, 2.0, 1e-4, 1.0], intercept=0.0,
                                    slope=0.0)
    assert pl.knot_census(x, away=1e-2) == (5, 3)         # 5.0 is outside [0, 2]
    assert pl.knot_census(x, away=1e-2, merge=1e-4) == (4, 2)
    assert pl.knot_census(x, away=1e-2, merge=1e-4, tol=1e-3) == (3, 1)
    assert pl.knot_census(x, away=1e-2, interval=(0.2, 10.0)) == (5, 4)
    with pytest.raises(ValueError, match="away"):
        pl.knot_census(x, away=-1.0)
    with pytest.raises(ValueError, match="x_data"):
        pl.knot_census([1.0, 1.0], away=0.1)
    with pytest.raises(ValueError, match="interval"):
        pl.knot_census(x, away=0.1, interval=(2.0, 0.0))


# --------------------------------------------------------------------- max_abs_diff
@st.composite
def pairs_same_outer_slopes(draw):
    f = draw(piecewise())
    g = draw(piecewise())
    g = PiecewiseLinear(g.breakpoints, g.values, f.left_slope, f.right_slope)
    return f, g


@settings(max_examples=60, deadline=None)
@given(pairs_same_outer_slopes())
def test_max_abs_diff_whole_line_is_exact(pair):
    """Equal outer slopes: the sup over the line equals the max over a dense grid + breakpoints."""
    f, g = pair
    grid = grid_around(f, g)
    dense = np.max(np.abs(f(grid) - g(grid)))
    with_bps = np.concatenate([grid, f.breakpoints, g.breakpoints])
    exact = np.max(np.abs(f(with_bps) - g(with_bps)))
    d = f.max_abs_diff(g)
    assert d >= dense - 1e-12
    assert d == pytest.approx(exact, rel=1e-12, abs=1e-12)
    assert g.max_abs_diff(f) == pytest.approx(d, rel=1e-12, abs=1e-12)
    assert f.max_abs_diff(f) == 0.0


@settings(max_examples=40, deadline=None)
@given(piecewise(), piecewise())
def test_max_abs_diff_infinite_with_different_outer_slopes(f, g):
    """Different outer slopes: |f - g| is unbounded on the line."""
    if f.left_slope != g.left_slope or f.right_slope != g.right_slope:
        assert f.max_abs_diff(g) == float("inf")
    shifted = PiecewiseLinear(f.breakpoints, f.values, f.left_slope + 0.5, f.right_slope)
    assert f.max_abs_diff(shifted) == float("inf")
    tilted = PiecewiseLinear(f.breakpoints, f.values, f.left_slope,
                             f.right_slope * (1 + 1e-6) + 1e-6)
    assert f.max_abs_diff(tilted) == float("inf")


@settings(max_examples=40, deadline=None)
@given(pairs_same_outer_slopes())
def test_max_abs_diff_ignores_rounding_in_outer_slopes(pair):
    """Outer slopes one ulp apart count as equal (the documented relative 1e-12)."""
    f, g = pair
    nudged = PiecewiseLinear(g.breakpoints, g.values, np.nextafter(g.left_slope, 5.0),
                             np.nextafter(g.right_slope, -5.0))
    assert f.max_abs_diff(nudged) == pytest.approx(f.max_abs_diff(g), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(piecewise(), piecewise(), st.floats(-7, 7), st.floats(0.01, 8))
def test_max_abs_diff_on_interval_is_exact(f, g, lo, width):
    """On [lo, hi] the sup equals the max over a dense grid plus the breakpoints inside."""
    hi = lo + width
    grid = np.linspace(lo, hi, 2001)
    bps = np.concatenate([f.breakpoints, g.breakpoints])
    inside = np.concatenate([grid, bps[(bps >= lo) & (bps <= hi)]])
    exact = np.max(np.abs(f(inside) - g(inside)))
    d = f.max_abs_diff(g, interval=(lo, hi))
    assert d >= np.max(np.abs(f(grid) - g(grid))) - 1e-12
    assert d == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_max_abs_diff_known_value():
    """A hat against zero: sup 1 on the line, 0.5 on [0.5, 3]."""
    hat = PiecewiseLinear([-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], 0.0, 0.0)
    zero = PiecewiseLinear([5.0], [0.0], 0.0, 0.0)
    assert hat.max_abs_diff(zero) == 1.0
    assert hat.max_abs_diff(zero, interval=(0.5, 3.0)) == 0.5


def test_max_abs_diff_same_function_from_permuted_neurons():
    """Two representations of one network (neurons permuted) are at distance ~0, not inf."""
    for seed in range(20):
        net = random_net(20, seed=seed)
        p = np.random.default_rng(seed).permutation(20)
        perm = ShallowNet(net.a[p], net.w[p], net.b[p], c=net.c, scale=net.scale)
        d = net.to_piecewise().max_abs_diff(perm.to_piecewise())
        assert d <= 1e-12, f"seed {seed}: max_abs_diff = {d}"


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("t", [[0.0, 0.0, 1.0], [1.0, 0.0], [0.0, 2.0, 1.0]])
def test_rejects_non_increasing_breakpoints(t):
    """Breakpoints must be strictly increasing."""
    with pytest.raises(ValueError, match="breakpoints"):
        PiecewiseLinear(t, np.zeros(len(t)), 0.0, 0.0)


@pytest.mark.parametrize("field", ["breakpoints", "values", "left_slope", "right_slope"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_rejects_non_finite(field, bad):
    """NaN or inf anywhere is rejected, naming the argument."""
    args = dict(breakpoints=[0.0, 1.0], values=[0.0, 1.0], left_slope=0.0, right_slope=1.0)
    if field in ("breakpoints", "values"):
        args[field] = [0.0, bad]
    else:
        args[field] = bad
    with pytest.raises(ValueError, match=field):
        PiecewiseLinear(**args)


def test_rejects_shape_mismatch_and_empty():
    """values must match breakpoints; both must be non-empty 1-d arrays."""
    with pytest.raises(ValueError, match="values"):
        PiecewiseLinear([0.0, 1.0], [0.0], 0.0, 0.0)
    with pytest.raises(ValueError, match="breakpoints"):
        PiecewiseLinear([], [], 0.0, 0.0)
    with pytest.raises(ValueError, match="breakpoints"):
        PiecewiseLinear([[0.0, 1.0]], [[0.0, 1.0]], 0.0, 0.0)
    with pytest.raises(TypeError, match="left_slope"):
        PiecewiseLinear([0.0], [0.0], "0", 0.0)


def test_from_jumps_keeps_exact_slopes_across_an_ulp():
    """Two knots an ulp apart: the slopes are the partial sums of the jumps, not noise.

    The values at the two breakpoints agree to rounding, so their difference quotient across
    the ulp would be garbage; the jumps and the curvature mass must not depend on it.
    """
    e = 5.0 / 7.0
    knots = np.array([-0.3, e, np.nextafter(e, 1.0), 0.9])
    jumps = np.array([1.5, 0.673, -7.66, 2.0])
    pl = PiecewiseLinear.from_jumps(knots, jumps, intercept=0.1, slope=-0.4)
    np.testing.assert_allclose(pl.slope_jumps(), jumps, rtol=0, atol=1e-14)
    assert abs(pl.curvature_mass() - np.abs(jumps).sum()) < 1e-13
    np.testing.assert_array_equal(pl.slopes, -0.4 + np.concatenate(([0.0], np.cumsum(jumps))))
    x = np.linspace(-2, 2, 101)
    np.testing.assert_allclose(pl(x), direct_from_jumps(x, knots, jumps, 0.1, -0.4),
                               rtol=0, atol=1e-12)


def test_explicit_slopes_are_validated():
    with pytest.raises(ValueError, match="slopes"):
        PiecewiseLinear([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 0.0, 0.0, slopes=[1.0])


# ------------------------------------------------- knots against the data
def test_knots_per_gap_counts_strictly_inside():
    x = np.array([0.0, 1.0, 3.0])
    assert list(knots_per_gap([0.5, 0.7, 1.0, 2.0, 5.0, -np.inf], x)) == [2, 1]
    assert list(knots_per_gap([1e-12], x, margin=1e-9)) == [0, 0]
    with pytest.raises(ValueError, match="two distinct"):
        knots_per_gap([0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        knots_per_gap([np.nan], x)


def test_knots_per_closed_interval_counts_end_points_twice():
    x = np.array([0.0, 1.0, 3.0])
    total, interior = knots_per_closed_interval(
        [-2.0, 0.0, 0.5, 1.0 + 1e-12, 2.0, 2.5, 7.0, np.inf], x)
    # intervals (-inf, 0], [0, 1], [1, 3], [3, inf)
    assert list(interior) == [1, 1, 2, 1]
    assert list(total) == [2, 3, 3, 1]
    total, interior = knots_per_closed_interval([], x)
    assert list(total) == [0, 0, 0, 0] and list(interior) == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="two distinct"):
        knots_per_closed_interval([0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        knots_per_closed_interval([np.nan], x)


def test_mass_near_in_x_and_in_angle():
    assert mass_near([0.0, 0.5, 100.0], [1.0, -1.0, 2.0], [0.01, 101.0], 0.02,
                     metric="angle") == 0.75          # 100 and 101 differ by 1e-4 radians
    assert mass_near([0.0, 0.5, 100.0], [1.0, -1.0, 2.0], [0.01, 101.0], 0.02) == 0.25
    assert mass_near([0.0, 0.5], [1.0, 3.0], [0.25], 0.25) == 1.0      # closed windows
    assert mass_near([1.0], [0.0], [1.0], 0.1) == 0.0
    assert mass_near([np.inf], [1.0], [1e9], 1e-6, metric="angle") == 1.0
    with pytest.raises(ValueError, match="radius"):
        mass_near([1.0], [1.0], [1.0], -0.1)
    with pytest.raises(ValueError, match="masses"):
        mass_near([1.0, 2.0], [1.0], [1.0], 0.1)
    with pytest.raises(ValueError, match="metric"):
        mass_near([1.0], [1.0], [1.0], 0.1, metric="euclid")
    with pytest.raises(ValueError, match="positions"):
        mass_near([np.inf], [1.0], [1.0], 0.1)


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_curvature_near_is_mass_near_of_the_breakpoints(seed):
    rng = np.random.default_rng(seed)
    pl = PiecewiseLinear.from_jumps(np.sort(rng.uniform(-2, 2, 6)), rng.standard_normal(6),
                                    intercept=0.0, slope=0.5)
    centres = rng.uniform(-2, 2, 3)
    near = pl.curvature_near(centres, 0.3)
    t, J = pl.breakpoints, np.abs(pl.slope_jumps())
    close = np.min(np.abs(t[:, None] - centres[None, :]), axis=1) <= 0.3
    assert near == pytest.approx(J[close].sum() / J.sum(), rel=1e-12)
    inner = pl.curvature_near(centres, 0.3, interval=(-1.0, 1.0))
    keep = (t >= -1) & (t <= 1)
    expected = J[close & keep].sum() / J[keep].sum() if J[keep].sum() else 0.0
    assert inner == pytest.approx(expected, rel=1e-12)


def test_distance_to_nearest_centre():
    np.testing.assert_array_equal(distance_to([0.0, 2.0, 5.0], [1.0, 4.5]), [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(distance_to([1.0], []), [np.inf])
    assert distance_to([np.inf], [-np.inf], metric="angle")[0] == pytest.approx(np.pi)
    with pytest.raises(ValueError, match="positions"):
        distance_to([np.nan], [0.0], metric="angle")
    with pytest.raises(ValueError, match="metric"):
        distance_to([0.0], [0.0], metric="l2")
