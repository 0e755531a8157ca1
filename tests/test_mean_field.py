"""Tests of relubook.mean_field (chapter 3), its explorer and its exercise checkers.

Independent oracles: brute-force grids for the certificate, scipy's dblquad for the Gaussian
integrals of the polar reduction, scipy's root on the fixed-point map, scipy's HiGHS linear
program for the total variation of a fit, long Langevin runs of the compiled engine, and the
closed form of the two-point data set.
"""


import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad
from scipy.optimize import linprog, root

import relubook.mean_field as mf
from relubook import data, langevin, random_net
from relubook.exercises import mean_field as ex
from relubook.piecewise import knots_per_closed_interval, knots_per_gap, mass_near
from relubook.widgets import mean_field as wid
from tests.feedback_checks import assert_malformed
from tests.widget_checks import assert_controls_update, assert_draws_quickly, control_values

matplotlib.use("Agg")

TWO_X, TWO_Y = np.array([-10.0, 10.0]), np.array([2.0, 2.0])
X6, Y6 = data.random_dataset(6, seed=0)


def datasets(draw_n=st.integers(2, 9)):  # noqa: B008 (hypothesis strategies are values)
    """Random data sets with distinct inputs, and a regularisation."""
    @st.composite
    def build(draw):
        seed = draw(st.integers(0, 10 ** 6))
        n = draw(draw_n)
        lam = 10 ** draw(st.floats(-2.5, -0.5))
        x, y = data.random_dataset(n, seed=seed)
        return x, y, lam
    return build()


# ------------------------------------------------------------------ certificate
def test_atoms_match_the_definition():
    phi, x = np.array([0.0, np.pi / 2, np.pi, -np.pi / 4]), np.array([-1.0, 0.5, 2.0])
    expected = np.maximum(np.cos(phi)[:, None] * x + np.sin(phi)[:, None], 0)
    assert np.array_equal(mf.atoms(phi, x), expected)
    assert mf.atoms([], x).shape == (0, 3)


@settings(max_examples=30, deadline=None)
@given(datasets())
def test_sup_certificate_is_the_supremum_over_a_dense_grid(case):
    x, y, _ = case
    f = y + np.random.default_rng(0).normal(size=y.size)
    sup, at = mf.sup_certificate(x, y, f)
    phi = np.linspace(-np.pi, np.pi, 200_001)
    grid = np.abs(mf.certificate(phi, x, y, f))
    assert grid.max() <= sup * (1 + 1e-12) + 1e-15
    lipschitz = np.sum(np.abs(f - y) / y.size * np.hypot(1, x))    # |G'| <= this
    assert sup <= grid.max() + lipschitz * (phi[1] - phi[0])
    assert abs(abs(mf.certificate([at], x, y, f)[0]) - sup) <= 1e-12 * max(1.0, sup)


# ------------------------------------------------------------------ Gibbs
@pytest.mark.parametrize("G", [0.0, 0.07, -0.095])
def test_polar_reduction_integrals_against_dblquad(G):
    """Moments of a r under exp(-beta [a r G + lam (a^2 + r^2) / 2]) r da dr."""
    beta, lam = 50.0, 0.1
    density = lambda a, r: r * np.exp(-beta * (a * r * G + lam * (a * a + r * r) / 2))
    lim = 12 / np.sqrt(beta * (lam - abs(G)))
    Z = dblquad(density, 0, lim, -lim, lim, epsabs=0, epsrel=1e-11)[0]
    M1 = dblquad(lambda a, r: a * r * density(a, r), 0, lim, -lim, lim, epsrel=1e-11)[0]
    M2 = dblquad(lambda a, r: (a * r) ** 2 * density(a, r), 0, lim, -lim, lim,
                 epsrel=1e-11)[0]
    h = 1 / (lam ** 2 - G ** 2)
    assert M1 / Z == pytest.approx(-2 * G * h / beta, rel=1e-7, abs=1e-12)
    assert M2 / Z == pytest.approx(2 * h * (4 * G * G * h + 1) / beta ** 2, rel=1e-7)
    # and the law of the direction is proportional to h: Z = lam h sqrt(2 pi / beta lam) / beta
    assert Z == pytest.approx(lam * h / beta * np.sqrt(2 * np.pi / (beta * lam)), rel=1e-7)


@pytest.mark.parametrize("beta", [10.0, 1e3, 1e5])
def test_fixed_point_solves_the_map_and_agrees_with_scipy_root(beta):
    lam = 0.05
    sol = mf.gibbs_fixed_point(X6, Y6, beta, lam)
    assert sol.sup_G < lam
    T = mf.gibbs_map(sol.f_data, X6, Y6, beta, lam)
    assert np.max(np.abs(T - sol.f_data)) < 1e-8

    def residual(f):             # outside the admissible set, a large value pushes root back
        try:
            return mf.gibbs_map(f, X6, Y6, beta, lam) - f
        except ValueError:
            return np.full(f.size, 1e3)

    if beta > 1e3:
        return                   # T is too stiff there for a generic root finder
    # scipy's root on T(f) = f, started between y (G = 0) and the solution
    start = Y6 + 0.99 * (sol.f_data - Y6)
    other = root(residual, start, method="hybr", options={"xtol": 1e-14})
    assert np.max(np.abs(other.x - sol.f_data)) < 1e-7


def test_quadrature_is_converged_and_evaluation_matches_the_sum():
    sol = mf.gibbs_fixed_point(X6, Y6, 1e4, 0.02)
    finer = mf.gibbs_fixed_point(X6, Y6, 1e4, 0.02, grid=4 * sol.grid)
    assert np.max(np.abs(finer.f_data - sol.f_data)) < 1e-8
    t = np.concatenate([np.linspace(-20, 20, 301), X6])
    direct = mf.atoms(sol.phi, t).T @ sol.masses
    assert np.max(np.abs(sol(t) - direct)) < 1e-11
    assert np.max(np.abs(sol(X6) - sol.f_data)) < 1e-8


def test_curvature_density_is_the_second_derivative():
    """f'(b) - f'(a) equals the integral of the curvature density over [a, b]."""
    sol = mf.gibbs_fixed_point(X6, Y6, 300.0, 0.05)
    d = 0.02                       # spans several grid knots of the discretised measure
    slope = lambda t: (sol(t + d) - sol(t - d)) / (2 * d)
    edges = np.linspace(-5, 5, 11)
    s = np.linspace(-5, 5, 100_001)
    density = sol.curvature_density(s)
    trapezoids = (density[1:] + density[:-1]) / 2 * (s[1] - s[0])
    cumulative = np.concatenate([[0.0], np.cumsum(trapezoids)])
    integral = np.diff(np.interp(edges, s, cumulative))
    assert np.max(np.abs(np.diff(slope(edges)) - integral)) < 1e-3 * np.max(np.abs(slope(edges)))
    pos, mass = sol.curvature_measure()
    wide = np.linspace(-60, 60, 240_001)
    numeric = np.sum(np.abs(sol.curvature_density(wide))) * (wide[1] - wide[0])
    assert 0.95 * mass.sum() < numeric <= mass.sum() + 1e-6


def test_fluctuation_matches_independent_draws():
    """Sample neurons from the Gibbs law (direction, then a and r) and compare moments."""
    sol = mf.gibbs_fixed_point(X6, Y6, 50.0, 0.1)
    rng = np.random.default_rng(0)
    G = mf.certificate(sol.phi, X6, Y6, sol.f_data)
    h = 1 / (sol.lam ** 2 - G ** 2)
    N = 400_000
    k = rng.choice(sol.grid, size=N, p=h / h.sum())
    kappa = sol.beta * (sol.lam ** 2 - G[k] ** 2) / sol.lam
    r = np.sqrt(rng.gamma(1.0, 2.0 / kappa))              # density r exp(-kappa r^2 / 2)
    a = -G[k] * r / sol.lam + rng.normal(size=N) / np.sqrt(sol.beta * sol.lam)
    out = a * r * np.maximum(np.outer(np.cos(sol.phi[k]), X6) + np.sin(sol.phi[k])[:, None], 0).T
    assert np.max(np.abs(out.mean(axis=1) - sol.f_data)) < 4 * out.std(axis=1).max() / np.sqrt(N)
    assert np.allclose(out.std(axis=1), sol.fluctuation(X6, 1), rtol=0.02)


def test_fixed_point_against_a_long_langevin_run():
    x = np.array([-1.5, -0.7, 0.2, 0.9, 1.6])
    y = np.array([0.8, -0.4, 0.6, 0.1, 1.0])
    beta, lam, m = 30.0, 0.1, 500
    gibbs = mf.gibbs_fixed_point(x, y, beta, lam)
    net = random_net(m, seed=1, init_scale=0.5, a_scale=1.0, scale=1 / m)
    run = langevin(net, x, y, lr=0.01, steps=6000, beta=beta, weight_decay=lam, seed=2,
                   record=np.linspace(20, 60, 9))
    values = np.array([snap(x) for snap in run.nets[1:]])
    gap = np.sqrt(np.mean((values - gibbs.f_data) ** 2))
    assert gap < np.sqrt(np.mean(gibbs.fluctuation(x, m) ** 2))
    limit = mf.tv_lasso(x, y, lam)
    assert gap < 0.5 * np.sqrt(np.mean((values - limit.f_data) ** 2))


def test_gibbs_errors_are_clear():
    with pytest.raises(ValueError, match="no normalisable Gibbs density"):
        mf.gibbs_map(np.zeros(2), TWO_X, TWO_Y, 1e3, 0.1)
    with pytest.raises(ValueError, match="no normalisable Gibbs density"):
        mf.gibbs_fixed_point(TWO_X, TWO_Y, 1e3, 0.1, start=[0.0, 0.0])
    with pytest.raises(ValueError, match="beta must be positive"):
        mf.gibbs_fixed_point(TWO_X, TWO_Y, -1.0, 0.1)
    with pytest.raises(ValueError, match="lam must be positive"):
        mf.gibbs_fixed_point(TWO_X, TWO_Y, 10.0, 0.0)
    with pytest.raises(ValueError, match="same length"):
        mf.gibbs_fixed_point([0.0, 1.0], [1.0], 10.0, 0.1)
    with pytest.raises(ValueError, match="NaN"):
        mf.gibbs_fixed_point([0.0, np.nan], [1.0, 2.0], 10.0, 0.1)
    with pytest.raises(ValueError, match="even"):
        mf.gibbs_fixed_point(TWO_X, TWO_Y, 10.0, 0.1, grid=4097)
    with pytest.raises(ValueError, match="quadrature angles"):
        mf.default_grid_size(1e12)
    with pytest.raises(TypeError, match="beta"):
        mf.gibbs_fixed_point(TWO_X, TWO_Y, "hot", 0.1)
    with pytest.raises(ValueError, match="f_data"):
        mf.gibbs_map([1.0], TWO_X, TWO_Y, 10.0, 0.1)


# ------------------------------------------------------------------ beta = infinity
def test_two_point_closed_form_and_solvers_agree():
    closed = mf.two_point_solution(10.0, 2.0, 0.1)
    assert closed.f_data == pytest.approx([1.9800992562] * 2, abs=1e-10)
    assert closed.sup_G == pytest.approx(0.1, rel=1e-14)
    assert closed.gap < 1e-14
    assert np.allclose(np.sort(closed.knots()), [-0.1, 0.1], atol=1e-15)
    solved = mf.tv_lasso(TWO_X, TWO_Y, 0.1)
    assert np.max(np.abs(solved.f_data - closed.f_data)) < 1e-12
    assert np.allclose(solved.knots(), closed.knots(), atol=1e-12)
    pl = solved.to_piecewise()
    assert abs(pl(np.array([0.05]))[0] - pl(np.array([-0.05]))[0]) < 1e-12  # flat middle
    errors = [np.max(np.abs(mf.gibbs_fixed_point(TWO_X, TWO_Y, b, 0.1).f_data
                            - closed.f_data)) for b in (1e3, 1e4, 1e5)]
    assert errors[0] < 4e-4 and errors[1] < errors[0] / 5 and errors[2] < errors[1] / 5


@pytest.mark.parametrize("X, y, message", [(1.5, 2.0, "sqrt"), (10.0, 0.01, "2 lam")])
def test_two_point_conditions(X, y, message):
    with pytest.raises(ValueError, match=message):
        mf.two_point_solution(X, y, 0.1)


@settings(max_examples=25, deadline=None)
@given(datasets())
def test_tv_lasso_certificate_and_support(case):
    x, y, lam = case
    sol = mf.tv_lasso(x, y, lam)
    assert sol.sup_G <= lam * (1 + 1e-9)
    assert sol.gap <= 1e-9 * max(1.0, sol.objective)
    G = mf.certificate(sol.phi, x, y, sol.f_data)
    assert np.allclose(G, -np.sign(sol.mu) * lam, rtol=0, atol=1e-8 * lam)  # support, signs
    assert np.allclose(mf.atoms(sol.phi, x).T @ sol.mu, sol.f_data, atol=1e-9)
    assert np.allclose(sol(x), sol.f_data, atol=1e-9)
    # every knot of one orientation is alone in its gap (the sinusoid argument)
    k = sol.clustered_knots()
    for facing in (1, -1):
        assert np.all(knots_per_gap(k.position[k.facing == facing], x) <= 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_total_variation_is_minimal_by_highs(seed):
    """The cheapest measure (HiGHS over a fine dictionary) that fits f costs ||mu||."""
    x, y = data.random_dataset(7, seed=seed)
    sol = mf.tv_lasso(x, y, 0.01)
    tv = np.abs(sol.mu).sum()
    lp_value, phi, mu = mf.min_tv_fit(x, sol.f_data, per_arc=128)
    assert tv * (1 - 1e-9) <= lp_value <= tv * (1 + 1e-4)
    assert np.allclose(mf.atoms(phi, x).T @ mu, sol.f_data, atol=1e-8)
    # an independent LP over a plain uniform grid gives the same value up to its spacing
    K = 4096
    grid = np.union1d(-np.pi + 2 * np.pi * np.arange(K) / K, phi)
    A = mf.atoms(grid, x).T
    lp = linprog(np.ones(2 * grid.size), A_eq=np.hstack([A, -A]), b_eq=sol.f_data,
                 bounds=(0, None), method="highs")
    assert lp.status == 0 and tv * (1 - 1e-9) <= lp.fun <= lp_value * (1 + 1e-12)


def test_lasso_with_large_lambda_is_zero():
    lam_max = mf.sup_certificate(X6, Y6, np.zeros(6))[0]
    sol = mf.tv_lasso(X6, Y6, 1.01 * lam_max)
    assert sol.mu.size == 0 and np.allclose(sol.f_data, 0)
    assert np.allclose(sol(np.linspace(-3, 3, 7)), 0)
    assert mf.tv_lasso(X6, Y6, 0.99 * lam_max).mu.size > 0


def test_tv_lasso_rejects_bad_input():
    with pytest.raises(ValueError, match="lam"):
        mf.tv_lasso(X6, Y6, -0.1)
    with pytest.raises(ValueError, match="grid"):
        mf.tv_lasso(X6, Y6, 0.1, grid=4)
    with pytest.raises(ValueError, match="empty"):
        mf.tv_lasso([], [], 0.1)
    with pytest.raises(ValueError, match="tol"):
        mf.tv_lasso(X6, Y6, 0.1, tol=-1.0)


# ------------------------------------------------------------------ knots
def test_cluster_knots_merge_rule():
    phi = np.array([0.3, 0.3 + 1e-8, 0.3 + 2e-8, 2.0, 2.0 + 1e-8, -2.5])
    mu = np.array([1.0, 2.0, 1.0, 1.0, -1.0, 1e-12])
    k = mf.cluster_knots(phi, mu, merge=1e-6, tol=1e-9)
    # the first three merge; opposite signs at 2.0 do not; the tiny one is dropped
    assert len(k) == 3
    assert k.weight[0] == pytest.approx(4.0)
    assert k.angle[0] == pytest.approx(0.3 + 1e-8)
    assert k.position[0] == pytest.approx(-np.tan(0.3 + 1e-8))
    assert list(k.facing) == [1, -1, -1]
    assert k.jump[1] == pytest.approx(abs(np.cos(2.0)))
    assert len(mf.cluster_knots(phi, mu, merge=0.0, tol=1e-9)) == 5
    assert np.isinf(mf.cluster_knots([np.pi / 2], [1.0]).position[0])
    with pytest.raises(ValueError, match="mu"):
        mf.cluster_knots([0.0, 1.0], [1.0])


# ------------------------------------------------------------------ widget
def test_every_control_value_draws_a_figure_quickly():
    w = wid.explorer()
    controls = {c.description: c for c in w.children[:-1]}
    assert set(controls) == {"data", "β", "λ"}
    values = {name: control_values(c) for name, c in controls.items()}
    assert values == {"data": list(wid.DATASETS), "β": list(wid.BETAS),
                      "λ": list(wid.LAMBDAS)}
    # each control over its whole range; every data set at the hardest (beta, lambda)
    cases = ([(name, max(wid.BETAS), min(wid.LAMBDAS)) for name in values["data"]]
             + [("random, seed 0", beta, 0.02) for beta in values["β"]]
             + [("slow sinusoid on [-2, 2]", max(wid.BETAS), lam) for lam in values["λ"]])
    assert_draws_quickly(lambda s: wid.draw_gibbs(*s), cases,
                         lambda fig: (len(fig.axes) == 2 and fig.axes[0].lines
                                      and fig.axes[1].lines))


def test_explorer_updates_when_controls_change(caplog):
    assert_controls_update(wid.explorer(), caplog)
    with pytest.raises(ValueError, match="dataset"):
        data.named("nope")


# ------------------------------------------------------------------ exercises
def test_check_two_point():
    X, y, lam = ex.TWO_POINT["X"], ex.TWO_POINT["y"], ex.TWO_POINT["lam"]
    value = y - 2 * lam / np.hypot(1, X)
    assert ex.check_two_point(value, [1 / X, -1 / X])
    assert ex.check_two_point(value + 1e-9, np.array([-1 / X, 1 / X]))
    for args, phrase in [((value, [-X, X]), "bias"),
                         ((y - lam / np.hypot(1, X), [-1 / X, 1 / X]), "1/n"),
                         ((value, [-0.2, 0.25]), "-b/w"),
                         ((0.5, [-1 / X, 1 / X]), "Minimise")]:
        fb = ex.check_two_point(*args)
        assert not fb and phrase in fb.message
    assert_malformed(ex.check_two_point(value, [0.25]), "two knot")
    assert_malformed(ex.check_two_point("0.97", [0.25, -0.25]), "value")


def test_check_lambda_max():
    x, y = ex.LAMBDA_MAX_DATA
    exact = mf.sup_certificate(x, y, np.zeros_like(y))[0]
    assert ex.check_lambda_max(exact)
    phi = np.linspace(-np.pi, np.pi, 20001)
    assert ex.check_lambda_max(np.abs(mf.certificate(phi, x, y, 0 * y)).max())
    for value, phrase in [(x.size * exact, "n times"), (-exact, "non-negative"),
                          (0.5 * exact, "supremum")]:
        fb = ex.check_lambda_max(value)
        assert not fb and phrase in fb.message
    assert_malformed(ex.check_lambda_max([exact, exact]), "value")


@settings(max_examples=20, deadline=None)
@given(datasets(st.integers(3, 9)))
def test_tv_solutions_are_admissible_in_the_papers_sense(case):
    """Definition 4.2 of the paper at beta = infinity: <= 3 knots per closed interval, 3 only
    as end point + interior + end point; at most one knot outside the data range."""
    x, y, lam = case
    sol = mf.tv_lasso(x, y, lam)
    total, interior = knots_per_closed_interval(sol.to_piecewise().knots(tol=1e-9,
                                                                            merge=1e-9), x)
    assert np.all(total <= 3) and np.all(interior[total == 3] == 1)
    assert interior[0] + interior[-1] <= 1


def test_cluster_polynomials_are_the_certificate_in_disguise():
    """The paper's f_j from its definition against (1 + t^2)(1 - G^2 / lam^2) from atoms."""
    lam = 0.05
    f_data = Y6 + 0.3 * np.sin(np.arange(6))          # any fit, not only an optimal one
    t = np.array([-5.0, -2.8, 0.0, 1.0, 2.6, 40.0])
    right, left = mf.cluster_polynomials(t, X6, Y6, f_data, lam)
    g = (f_data - Y6) / 6
    for k, tk in enumerate(t):
        a_r, b_r = g[X6 > tk].sum() / lam, (g * X6)[X6 > tk].sum() / lam
        a_l, b_l = g[X6 < tk].sum() / lam, (g * X6)[X6 < tk].sum() / lam
        assert right[k] == pytest.approx(1 + tk ** 2 - (a_r * tk - b_r) ** 2, rel=1e-12)
        assert left[k] == pytest.approx(1 + tk ** 2 - (a_l * tk - b_l) ** 2, rel=1e-12)
    G = mf.certificate(np.r_[-np.arctan(t), np.pi - np.arctan(t)], X6, Y6, f_data)
    np.testing.assert_allclose(np.r_[right, left],
                               (1 + np.r_[t, t] ** 2) * (1 - G ** 2 / lam ** 2), rtol=1e-10)
    with pytest.raises(ValueError, match="input point"):
        mf.cluster_polynomials(X6[:1], X6, Y6, f_data, lam)


# ------------------------------------------------------------ the paper's figures
def test_paper_figures_hold_the_papers_data():
    fig8 = mf.paper_figure("8c")
    np.testing.assert_array_equal(fig8.x, [1.0, 1.1, 1.2, 1.3, 2.0, 2.1, 2.2, 2.3,
                                           3.0, 3.1, 3.2, 3.3])
    np.testing.assert_array_equal(fig8.y, np.repeat([0.0, 1.0, 0.0], 4))
    assert (fig8.width, fig8.beta, fig8.lam) == (500, np.inf, 0.003)
    assert mf.paper_figure("8a").beta == pytest.approx(100.0)
    fig1c = mf.paper_figure("1c")         # its caption gives neither beta nor lambda
    assert fig1c.beta is None and fig1c.lam is None
    fig1 = mf.paper_figure("1a")
    np.testing.assert_array_equal(fig1.x, [-5.0, -4.0, 4.0, 5.0])
    np.testing.assert_array_equal(fig1.y, [4.0, 1.0, 1.0, 4.0])
    np.testing.assert_array_equal(mf.paper_figure("1b").curve, mf.paper_figure("7c").curve)
    for name in ("1a", "1b", "1c", "7a", "7b", "7c", "8a", "8b", "8c", "8d"):
        curve = mf.paper_figure(name).curve
        assert np.all(np.diff(curve[:, 0]) > 0), name     # a graph over x
    # the plotted 8(d) network (lambda = 0, beta = infinity) interpolates
    fig8d = mf.paper_figure("8d")
    np.testing.assert_allclose(fig8d(fig8d.x), fig8d.y, atol=0.01)
    with pytest.raises(ValueError, match="one of"):
        mf.paper_figure("9z")


# ------------------------------------------------------------ other seeds (chapter 3 claims)
X5, Y5 = np.array([-1.5, -0.7, 0.2, 0.9, 1.6]), np.array([0.8, -0.4, 0.6, 0.1, 1.0])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_langevin_claim_holds_for_other_seeds(seed):
    """claim-meanfield-langevin, as in the chapter with another initialisation and noise."""
    gibbs = mf.gibbs_fixed_point(X5, Y5, 30.0, 0.1)
    limit = mf.tv_lasso(X5, Y5, 0.1)
    widths = np.array([100, 300, 1000, 3000])
    gap, gap_limit, iid = [], [], []
    for m in widths:
        net = random_net(m, seed=seed, init_scale=0.5, a_scale=1.0, scale=1 / m)
        run = langevin(net, X5, Y5, lr=0.01, steps=5000, beta=30.0, weight_decay=0.1,
                       seed=100 + seed, record=np.linspace(20, 50, 7))
        values = np.array([snapshot(X5) for snapshot in run.nets[1:]])
        gap.append(np.sqrt(np.mean((values - gibbs.f_data) ** 2)))
        gap_limit.append(np.sqrt(np.mean((values - limit.f_data) ** 2)))
        iid.append(np.sqrt(np.mean(gibbs.fluctuation(X5, m) ** 2)))
    gap, gap_limit, iid = map(np.array, (gap, gap_limit, iid))
    slope = np.polyfit(np.log(widths), np.log(gap), 1)[0]
    assert np.all(gap < iid)
    assert -0.8 < slope < -0.3
    assert gap[-1] < gap_limit[-1] / 3


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_two_point_network_claim_holds_for_other_seeds(seed):
    """claim-meanfield-off-data, the network part, with another initialisation and noise."""
    closed = mf.two_point_solution(10.0, 2.0, 0.1)
    net = random_net(1000, seed=seed, init_scale=0.1, a_scale=1.0, scale=1 / 1000)
    noisy = langevin(net, TWO_X, TWO_Y, lr=1e-3, steps=20_000, beta=1e5, weight_decay=0.1,
                     seed=100 + seed, record=2).net
    e, jump = noisy.knots(), np.abs(noisy.slope_jumps())
    inside = np.abs(e) < 10.0
    assert np.max(np.abs(noisy(TWO_X) - closed.f_data)) < 2e-3
    assert mass_near(e[inside], jump[inside], [-0.1, 0.1], 0.05, metric="angle") > 0.9
    assert jump[np.abs(np.abs(e) - 10.0) < 0.5].sum() / jump.sum() < 0.05


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_figure_8a_network_claim_holds_for_other_seeds(seed):
    """claim-meanfield-figure-8 (a): a 500-neuron network stays within 0.1 of f_beta."""
    fig = mf.paper_figure("8a")
    gibbs = mf.gibbs_fixed_point(fig.x, fig.y, fig.beta, fig.lam)
    net = random_net(500, seed=seed, init_scale=0.5, a_scale=1.0, scale=1 / 500)
    noisy = langevin(net, fig.x, fig.y, lr=0.02, steps=50_000, beta=fig.beta,
                     weight_decay=fig.lam, seed=100 + seed, record=2).net
    s = np.linspace(0.9, 3.4, 2501)
    assert np.max(np.abs(noisy(s) - gibbs(s))) < 0.1


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_lambda_zero_claim_holds_for_other_seeds(seed):
    """claim-meanfield-lambda-zero: small input weights give knots far out, unit ones do not."""
    fig = mf.paper_figure("1a")

    def mean_knot_distance(init):
        start = random_net(1000, seed=seed, init_scale=init, a_scale=1.0, scale=1 / 1000)
        net = langevin(start, fig.x, fig.y, lr=0.01, steps=100_000, beta=np.inf,
                       weight_decay=0.0, seed=1, record=2).net
        assert np.max(np.abs(net(fig.x) - fig.y)) < 1e-6
        e, jump = net.knots(), np.abs(net.slope_jumps())
        keep = np.abs(e) < 4.0
        return np.sum(np.abs(e[keep]) * jump[keep]) / np.sum(jump[keep])

    assert mean_knot_distance(0.03) > 3.0
    assert mean_knot_distance(1.0) < 2.0
