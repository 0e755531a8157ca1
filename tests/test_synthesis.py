"""Tests of chapter 7's explorer and exercise checkers (relubook.widgets.synthesis,
relubook.exercises.synthesis).

Oracles: the secant bound sum |s_(k+1) - s_k| computed by hand for the exercise data, exact
piecewise-linear constructions, and the closed form of the two-point mean-field problem.
"""


import matplotlib
import numpy as np
import pytest

from relubook import PiecewiseLinear, data, interpolants
from relubook import mean_field as mf
from relubook import regimes as rg
from relubook.exercises import synthesis as ex
from relubook.widgets import synthesis as wid
from tests.feedback_checks import assert_malformed
from tests.widget_checks import assert_controls_update, assert_draws_quickly, control_values

matplotlib.use("Agg")


# ------------------------------------------------------------------ widget
def test_every_control_value_draws_a_figure_quickly():
    w = wid.explorer()
    controls = {c.description: c for c in w.children[:-1]}
    assert set(controls) == {"data", "log10 λ"}
    assert control_values(controls["data"]) == list(wid.DATASETS)
    assert control_values(controls["log10 λ"]) == list(wid.LOG10_LAMBDAS)
    cases = ([(name, lam) for name in wid.DATASETS for lam in (min(wid.LOG10_LAMBDAS),
                                                               max(wid.LOG10_LAMBDAS))]
             + [("sinusoid, 8 points", lam) for lam in wid.LOG10_LAMBDAS])
    assert_draws_quickly(lambda s: wid.draw_biases(*s), cases,
                         lambda fig: (len(fig.axes) == 2 and fig.axes[0].lines
                                      and fig.axes[1].lines))


def test_explorer_updates_when_controls_change(caplog):
    assert_controls_update(wid.explorer(), caplog)


def test_widget_rejects_unknown_settings():
    with pytest.raises(ValueError, match="dataset"):
        data.named("nope")
    with pytest.raises(ValueError, match="log10_lam"):
        wid.draw_biases("sinusoid, 8 points", -3.3)


@pytest.mark.parametrize("name", wid.DATASETS)
def test_datasets_are_sorted_with_distinct_inputs(name):
    x, y = data.named(name)
    assert x.shape == y.shape and x.size >= 2 and np.all(np.diff(x) > 0)


# ------------------------------------------------------------------ exercises
def test_check_min_curvature():
    x, y = ex.ZIGZAG
    s = np.diff(y) / np.diff(x)                       # 2, -1, 1 by hand
    np.testing.assert_allclose(s, [2.0, -1.0, 1.0])
    assert ex.check_min_curvature(5.0)
    assert ex.check_min_curvature(np.float64(5.0))
    fb = ex.check_min_curvature(1.0)
    assert not fb and "net change" in fb.message
    fb = ex.check_min_curvature(4.0)
    assert not fb and "secant" in fb.message
    assert_malformed(ex.check_min_curvature("five"), '')
    assert_malformed(ex.check_min_curvature([5.0, 5.0]), '')
    assert_malformed(ex.check_min_curvature(np.nan), '')


def test_check_other_minimiser():
    x, y = ex.CONVEX
    other = PiecewiseLinear([-1.0, 0.25, 0.75, 2.0], [1.0, -0.25, 0.25, 4.0], -1.0, 3.0)
    assert ex.check_other_minimiser(other)
    # an equivalent answer: the same function with a redundant breakpoint
    same = PiecewiseLinear([-1.0, 0.0, 0.25, 0.75, 2.0], [1.0, 0.0, -0.25, 0.25, 4.0], -1.0, 3.0)
    assert ex.check_other_minimiser(same)
    assert ex.check_other_minimiser(
        interpolants.least_curvature_interpolant(x, y, prefer="off"))
    fb = ex.check_other_minimiser(interpolants.linear_spline(x, y))
    assert not fb and "linear spline itself" in fb.message
    wiggly = PiecewiseLinear([-1.0, -0.5, 0.0, 1.0, 2.0], [1.0, 1.0, 0.0, 1.0, 4.0], 0.0, 3.0)
    fb = ex.check_other_minimiser(wiggly)
    assert not fb and "above the least" in fb.message
    fb = ex.check_other_minimiser(PiecewiseLinear([0.0], [0.0], 0.0, 0.0))
    assert not fb and "misses the data" in fb.message
    assert_malformed(ex.check_other_minimiser(lambda t: t ** 2), "PiecewiseLinear")


def test_check_bias_map():
    assert ex.check_bias_map(dict(ex.BIASES))
    wrong = dict(ex.BIASES)
    wrong["large input weights, small output weights"] = "linear spline"
    fb = ex.check_bias_map(wrong)
    assert not fb and "knots freeze" in fb.message
    assert_malformed(ex.check_bias_map([("a", "b")]), "dict")
    assert_malformed(
        ex.check_bias_map({"large input weights, small output weights": "cubic spline"}), "keys")
    bad = dict(ex.BIASES)
    bad["small input weights, large output weights"] = "quintic spline"
    assert_malformed(ex.check_bias_map(bad), "must be one of")


def test_tv_solution_is_one_function_whatever_the_weights():
    """On the eight-point sine the TV minimisers form a family of weights, one function.

    minimisers() says (2, 0); moving the weights along the kernel of the atoms' data values
    on the contact set leaves the function unchanged everywhere (brute force on a grid), and
    its curvature mass is the least for its fitted values.
    """
    x, y = data.sinusoid(8)
    sol = mf.tv_lasso(x, y, 1e-5)
    assert sol.minimisers() == (2, 0)
    phi = sol.contact_directions()
    assert phi.size == 8 and np.all(np.isin(np.round(sol.phi, 12), np.round(phi, 12)))
    kernel = np.linalg.svd(mf.atoms(phi, x).T)[2][6:]          # (2, 8): null directions
    grid = np.linspace(-3, 3, 6001)
    for direction in kernel:
        moved = mf.atoms(phi, grid).T @ direction
        assert np.max(np.abs(moved)) < 1e-12
    pl = sol.to_piecewise()
    least = interpolants.least_curvature_mass(x, sol.f_data)
    inner = (x[0] + 1e-3, x[-1] - 1e-3)
    assert abs(pl.curvature_mass(inner) / least - 1) < 1e-12
    # the knots at the data points +-5/7 sit exactly there, one breakpoint each
    assert np.sum(pl.breakpoints == x[1]) == 1 and np.sum(pl.breakpoints == x[-2]) == 1
    assert pl.breakpoints.size == 4


def test_tv_solution_minimisers_detects_a_unique_minimiser():
    two = mf.two_point_solution(10.0, 2.0, 0.1)
    assert two.minimisers() == (0, 0)
    with pytest.raises(ValueError, match="rtol"):
        two.minimisers(rtol=0.0)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_side_by_side_adaptive_item_with_other_seeds(seed):
    """claim-synthesis-side-by-side, item 2, with the chapter's bounds and other seeds (the
    kernel-regime network's knots lie on a grid: its item does not depend on a seed)."""
    x, y = data.sinusoid(7)
    run = rg.train(rg.regime_net(160, 2, L=1.2, seed=seed), x, y, 100_000, chunk=1000,
                   loss_tol=1e-10)
    assert run.loss[-1] <= 1e-9
    linear = rg.relative_sup_distance(run.net, interpolants.linear_spline(x, y), x)
    cubic = rg.relative_sup_distance(run.net, interpolants.natural_cubic_spline(x, y), x)
    assert linear <= 1e-2 and cubic >= 10 * linear
    inner = (x[0] + 1e-3, x[-1] - 1e-3)
    pl = run.net.to_piecewise()
    mass = pl.curvature_mass(inner)
    assert abs(mass / interpolants.least_curvature_mass(x, run.net(x)) - 1) <= 1e-3
    assert pl.knot_census(x, away=1e-2, tol=1e-3 * mass, merge=1e-3, interval=inner)[1] == 0
