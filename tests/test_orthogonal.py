"""relubook.orthogonal (chapter 4): closed forms against independent oracles, validation,
the dynamics facts the chapter relies on, the explorer and the exercise checkers."""

import itertools
import math

import matplotlib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import relubook.orthogonal as orth
from relubook import ShallowNet, data, gradient_flow
from relubook.data import orthogonal_inputs
from relubook.dynamics import auto_backend
from relubook.exercises import orthogonal as ex
from relubook.widgets import orthogonal as wid
from tests.feedback_checks import assert_malformed
from tests.widget_checks import (
    assert_controls_update,
    assert_draws_quickly,
    control_values,
    each_control_over_its_range,
)

matplotlib.use("Agg")
torch.set_num_threads(1)


@st.composite
def orthogonal_data(draw, min_n=1, max_n=5, both_signs=False):
    """Random orthogonal inputs (rotated or on the axes) with non-zero labels."""
    n = draw(st.integers(min_n, max_n))
    d = n + draw(st.integers(0, 2))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    radii = rng.uniform(0.3, 3.0, n)
    x = orthogonal_inputs(n, d, radii, seed=seed if draw(st.booleans()) else None)
    y = rng.uniform(0.1, 2.0, n) * rng.choice([-1.0, 1.0], n)
    if both_signs:
        y[0], y[-1] = abs(y[0]), -abs(y[-1])
    return x, y


# ------------------------------------------------------------------ validation
def test_check_orthogonal_accepts_axes_and_rotations():
    for seed in (None, 3):
        x = orthogonal_inputs(4, 6, [1.0, 2.0, 0.5, 1.0], seed=seed)
        assert orth.check_orthogonal(x).shape == (4, 6)


@pytest.mark.parametrize("x, message", [
    (np.array([[1.0, 0.0], [1.0, 1.0]]), "orthogonal"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), "zero input"),
    (np.eye(3)[:, :2], "d >= n"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
    (np.ones(3), "2-d"),
])
def test_check_orthogonal_rejects_bad_inputs(x, message):
    with pytest.raises(ValueError, match=message):
        orth.check_orthogonal(x)


@pytest.mark.parametrize("cosine, orthogonal", [(0.0, True), (5e-13, True), (1e-11, False)])
def test_the_check_and_the_backend_share_one_tolerance(cosine, orthogonal):
    """Inputs the chapter's check accepts are the inputs that get the orthogonal backend."""
    x = np.array([[1.0, 0.0, 0.0], [cosine, math.sqrt(1 - cosine ** 2), 0.0]])
    net = orth.init_net(4, 3, 0.1, seed=0)
    assert (auto_backend(net, x) == "orthogonal") is orthogonal
    if orthogonal:
        orth.check_orthogonal(x)
    else:
        with pytest.raises(ValueError, match="rows 0 and 1 have cosine"):
            orth.check_orthogonal(x)


def test_every_closed_form_rejects_non_orthogonal_inputs():
    x = np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0]])
    y = np.array([1.0, -1.0])
    for fn in (orth.D_plus_minus, orth.beta_plus_minus, orth.min_path_norm,
               orth.min_norm_interpolator, orth.growth_rates, orth.plateau_loss,
               orth.bias_error_exponent):
        with pytest.raises(ValueError, match="rows 0 and 1 have cosine"):
            fn(x, y)
    with pytest.raises(ValueError, match="orthogonal"):
        orth.escape_times(x, y, 1e-3)
    with pytest.raises(ValueError, match="orthogonal"):
        orth.train(x, y, 1e-3, seed=0)


def test_label_and_scale_validation():
    x = np.eye(3)
    with pytest.raises(ValueError, match="one label per input"):
        orth.min_path_norm(x, [1.0, -1.0])
    with pytest.raises(TypeError, match="y"):
        orth.min_path_norm(x, "abc")
    with pytest.raises(ValueError, match="both signs"):
        orth.escape_times(x, [1.0, 2.0, 3.0], 1e-3)
    with pytest.raises(ValueError, match="no plateau"):
        orth.plateau_loss(x, [1.0, -1.0, 0.0])
    with pytest.raises(ValueError, match="below 1"):
        orth.escape_times(x, [1.0, -2.0, 3.0], 2.0)
    with pytest.raises(ValueError, match="lam must be positive"):
        orth.init_net(10, 3, 0.0, seed=0)
    with pytest.raises(ValueError, match="width"):
        orth.init_net(0, 3, 0.1, seed=0)


# ---------------------------------------------------------------- closed forms
@given(orthogonal_data())
def test_min_norm_interpolator_interpolates_at_path_norm_R_star(data):
    x, y = data
    h = orth.min_norm_interpolator(x, y)
    R = orth.min_path_norm(x, y)
    assert np.allclose(h(x), y, rtol=0, atol=1e-12 * (1 + np.abs(y).max()))
    assert math.isclose(h.path_norm(), R, rel_tol=1e-12)
    sq = np.sum(h.a ** 2) + np.sum(h.w ** 2)
    assert math.isclose(sq, 2 * R, rel_tol=1e-12)                   # min ||theta||^2 = 2R*
    assert np.allclose(h.balancedness(), 0, atol=1e-12 * (1 + R))
    # R* from its square-root formula
    r2 = np.sum(x ** 2, axis=1)
    formula = (np.sqrt(np.sum(y[y > 0] ** 2 / r2[y > 0]))
               + np.sqrt(np.sum(y[y < 0] ** 2 / r2[y < 0])))
    assert math.isclose(R, formula, rel_tol=1e-12)


@given(orthogonal_data(), st.floats(0.1, 10.0))
def test_R_star_scales_and_rotates_correctly(data, c):
    x, y = data
    R = orth.min_path_norm(x, y)
    assert math.isclose(orth.min_path_norm(c * x, y), R / c, rel_tol=1e-12)
    assert math.isclose(orth.min_path_norm(x, c * y), c * R, rel_tol=1e-12)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((x.shape[1],) * 2))
    assert math.isclose(orth.min_path_norm(x @ q.T, y), R, rel_tol=1e-10)


@settings(max_examples=40)
@given(orthogonal_data(max_n=4), st.integers(0, 1000))
def test_no_dictionary_beats_R_star_and_beta_directions_reach_it(data, seed):
    """The LP is an independent minimisation: any dictionary gives >= R*, and a dictionary
    holding beta_+/- gives R* exactly, using only those two directions."""
    x, y = data
    R = orth.min_path_norm(x, y)
    n, d = x.shape
    random = orth.random_directions(400, d, seed=seed)
    betas = [b for b in orth.beta_plus_minus(x, y) if np.linalg.norm(b) > 0]
    # every point gets its own axis direction, so the dictionary always interpolates
    axes = x / np.linalg.norm(x, axis=1, keepdims=True)
    value, coef = orth.lp_min_path_norm(x, y, np.vstack([random, axes]))
    assert value >= R * (1 - 1e-7)
    value, coef = orth.lp_min_path_norm(x, y, np.vstack([random, axes, betas]))
    assert math.isclose(value, R, rel_tol=1e-7)
    dictionary = np.vstack([random, axes, betas])
    unit_betas = np.array(betas) / np.linalg.norm(betas, axis=1, keepdims=True)
    cos = (dictionary @ unit_betas.T / np.linalg.norm(dictionary, axis=1)[:, None]).max(axis=1)
    assert np.sum(np.abs(coef[cos < 1 - 1e-6])) < 1e-6 * R     # only beta_+/- are used


def test_lp_with_many_random_directions_approaches_R_star_from_above():
    x, y = data.orthogonal_example()
    R = orth.min_path_norm(x, y)
    n, d = x.shape
    u = orth.random_directions(20000, n, seed=5)
    u = np.hstack([u, np.zeros((u.shape[0], d - n))])       # in the span of the data
    values = [orth.lp_min_path_norm(x, y, u[:k])[0] for k in (500, 5000, 20000)]
    assert all(v >= R * (1 - 1e-9) for v in values)
    assert values[0] >= values[1] >= values[2] and values[2] < 1.02 * R


def test_lp_validation():
    x, y = data.orthogonal_example()
    with pytest.raises(ValueError, match="cannot interpolate"):
        orth.lp_min_path_norm(x, y, np.eye(6)[:2])              # no direction reaches x_3, x_4
    with pytest.raises(ValueError, match="shape"):
        orth.lp_min_path_norm(x, y, np.ones((3, 5)))
    with pytest.raises(ValueError, match="zero row"):
        orth.lp_min_path_norm(x, y, np.zeros((3, 6)))


def _brute_force_min_sq_norm(x, y, width, starts, seed):
    """min (1/2)||theta||^2 over interpolating networks of the given width (SLSQP, multistart).

    A direct, non-convex minimisation that knows nothing of the closed form; its optimum is
    R* once the width allows one neuron per sign."""
    n, d = x.shape
    rng = np.random.default_rng(seed)

    def split(th):
        return th[:width], th[width:].reshape(width, d)

    def residual(th):
        a, W = split(th)
        return np.maximum(x @ W.T, 0.0) @ a - y

    def jac(th):
        a, W = split(th)
        z = x @ W.T                                               # (n, m)
        da = np.maximum(z, 0.0)
        dW = (z > 0)[:, :, None] * a[None, :, None] * x[:, None, :]   # (n, m, d)
        return np.hstack([da, dW.reshape(n, -1)])

    best = np.inf
    for _ in range(starts):
        res = minimize(lambda th: 0.5 * th @ th, rng.standard_normal(width * (d + 1)),
                       jac=lambda th: th, method="SLSQP",
                       constraints=[{"type": "eq", "fun": residual, "jac": jac}],
                       options={"maxiter": 300, "ftol": 1e-13})
        if np.max(np.abs(residual(res.x))) < 1e-9:
            best = min(best, res.fun)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_against_brute_force_optimisation(seed):
    rng = np.random.default_rng(seed)
    x = orthogonal_inputs(3, 3, rng.uniform(0.5, 2.0, 3), seed=seed)
    y = rng.uniform(0.2, 1.0, 3) * np.array([1.0, -1.0, rng.choice([-1.0, 1.0])])
    best = _brute_force_min_sq_norm(x, y, width=4, starts=8, seed=seed)
    R = orth.min_path_norm(x, y)
    assert best >= R * (1 - 1e-7)                  # the closed form is a lower bound ...
    assert math.isclose(best, R, rel_tol=1e-6)      # ... which the optimiser reaches


@given(orthogonal_data(both_signs=True))
def test_D_and_beta_definitions(data):
    x, y = data
    Dp, Dm = orth.D_plus_minus(x, y)
    bp, bm = orth.beta_plus_minus(x, y)
    for k in range(y.size):
        pos = y[k] > 0
        assert math.isclose(x[k] @ (Dp if pos else Dm), abs(y[k]) * x[k] @ x[k], rel_tol=1e-9)
        assert abs(x[k] @ (Dm if pos else Dp)) < 1e-9 * np.linalg.norm(x[k]) * (
            np.linalg.norm(Dp) + np.linalg.norm(Dm))
        assert math.isclose(x[k] @ (bp if pos else bm), abs(y[k]), rel_tol=1e-9)
    rates = orth.growth_rates(x, y)
    assert np.allclose(rates, [np.linalg.norm(Dp) / y.size, np.linalg.norm(Dm) / y.size])


def test_gradient_of_a_tiny_network_points_along_D_S():
    """torch autograd oracle for the early-phase velocity: while f is negligible,
    -grad_{w_j} L = (a_j / n) D_{S_j}, with S_j the points on which neuron j is active."""
    x, y = data.orthogonal_example()
    n = y.size
    net = orth.init_net(50, 6, 1e-6, seed=4)
    W = torch.tensor(net.w, requires_grad=True)
    a = torch.tensor(net.a, requires_grad=True)
    X, Y = torch.tensor(x), torch.tensor(y)
    loss = 0.5 * torch.mean((torch.relu(X @ W.T) @ a - Y) ** 2)
    loss.backward()
    active = orth.activation_pattern(net, x)                        # (m, n)
    D_S = (active * y[None, :]) @ x                                 # sum_{k in S_j} y_k x_k
    velocity = -W.grad.numpy()
    expected = net.a[:, None] / n * D_S
    assert np.max(np.abs(velocity - expected)) < 1e-6 * np.max(np.abs(expected))


def test_escape_times_plateau_and_exponent_of_the_example():
    x, y = data.orthogonal_example()
    tp, tm = orth.escape_times(x, y, 1e-8)
    assert math.isclose(tp, 4 / 1.25 * math.log(1e8), rel_tol=1e-12)
    assert math.isclose(tm, 4 / math.hypot(0.56, 0.48) * math.log(1e8), rel_tol=1e-12)
    assert math.isclose(orth.plateau_loss(x, y), (0.49 + 0.16) / 8, rel_tol=1e-12)
    assert math.isclose(orth.initial_loss(y), (1 + 0.25 + 0.49 + 0.16) / 8, rel_tol=1e-12)
    # largest proper subset of the positive side drops x_2: ||D_S|| / ||D_+|| = 1 / 1.25
    assert math.isclose(orth.bias_error_exponent(x, y), 2 * (1 - 0.8), rel_tol=1e-12)
    assert orth.bias_error_exponent(np.eye(2), [1.0, -1.0]) == 2.0
    # the slower side sets the plateau whichever sign it has
    assert math.isclose(orth.plateau_loss(x, -y), orth.plateau_loss(x, y), rel_tol=1e-12)


# -------------------------------------------------------- probabilities (census)
def _census(n_plus, n_minus, width, trials, seed):
    """Monte Carlo of (all covered, both sides have a fully-active neuron) with real nets."""
    x = np.eye(n_plus + n_minus)
    y = np.r_[np.ones(n_plus), -np.ones(n_minus)]
    rng = np.random.default_rng(seed)
    cov = full = 0
    for _ in range(trials):
        net = orth.init_net(width, x.shape[1], 0.1, seed=rng)
        cov += bool(np.all(orth.covered(net, x, y)))
        fp, fm = orth.fully_active(net, x, y)
        full += bool(fp.any() and fm.any())
    return cov / trials, full / trials


def test_probabilities_against_monte_carlo_with_real_nets():
    n_plus, n_minus, width, trials = 2, 2, 10, 1500
    p_cov, p_full = _census(n_plus, n_minus, width, trials, seed=width)
    for measured, exact in ((p_cov, orth.coverage_probability(n_plus, n_minus, width)),
                            (p_full, orth.full_activity_probability(n_plus, n_minus, width))):
        sd = math.sqrt(exact * (1 - exact) / trials)
        assert abs(measured - exact) < 4 * sd + 1e-3


@pytest.mark.parametrize("n_plus, n_minus, width", [(2, 1, 6), (2, 2, 10), (3, 1, 20)])
def test_vectorised_census_agrees_with_the_exact_probabilities(n_plus, n_minus, width):
    x = orthogonal_inputs(n_plus + n_minus, n_plus + n_minus + 1, seed=width)
    y = np.r_[np.ones(n_plus), -2 * np.ones(n_minus)]
    trials = 20000
    measured = orth.coverage_census(x, y, width, trials, seed=width)
    exact = (orth.coverage_probability(n_plus, n_minus, width),
             orth.full_activity_probability(n_plus, n_minus, width))
    for got, want in zip(measured, exact):
        assert abs(got - want) < 4 * math.sqrt(want * (1 - want) / trials) + 1e-3


def test_probabilities_against_enumeration():
    """Exact enumeration over the 2^(n+1) equally likely (sign, pattern) states per neuron."""
    n_plus, n_minus, width = 2, 1, 3
    n = n_plus + n_minus
    states = list(itertools.product([1, -1], itertools.product([0, 1], repeat=n)))
    labels = [1] * n_plus + [-1] * n_minus
    cov = full = 0
    for combo in itertools.product(states, repeat=width):
        cov += all(any(s == labels[k] and pat[k] for s, pat in combo) for k in range(n))
        full += all(any(s == sign and all(pat[k] for k in range(n) if labels[k] == sign)
                        for s, pat in combo) for sign in (1, -1))
    total = len(states) ** width
    assert math.isclose(orth.coverage_probability(n_plus, n_minus, width), cov / total,
                        rel_tol=1e-12)
    assert math.isclose(orth.full_activity_probability(n_plus, n_minus, width), full / total,
                        rel_tol=1e-12)


def test_probability_validation_and_limits():
    assert orth.coverage_probability(0, 0, 5) == 1.0
    assert orth.full_activity_probability(2, 0, 1) == 0.25 ** 1 * 0.5
    with pytest.raises(ValueError, match="width"):
        orth.coverage_probability(1, 1, 0)
    with pytest.raises(TypeError, match="n_plus"):
        orth.coverage_probability(1.5, 1, 3)


# ------------------------------------------------------------ neuron measures
def test_covered_fully_active_and_cosines_on_a_handmade_net():
    x, y = np.eye(3), np.array([1.0, 1.0, -1.0])
    net = ShallowNet(a=[1.0, 1.0, -1.0, -1.0],
                     w=[[1.0, 1.0, -1.0], [1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [0.0, 0.0, 0.0]])
    assert orth.covered(net, x, y).tolist() == [True, True, True]
    fp, fm = orth.fully_active(net, x, y)
    assert fp.tolist() == [True, False, False, False]
    assert fm.tolist() == [False, False, True, False]
    assert np.allclose(orth.cosines(net, [1.0, 1.0, 0.0]),
                       [2 / math.sqrt(6), 0.0, -2 / math.sqrt(6), 0.0])
    uncovered = net.replace(w=[[1.0, -1.0, -1.0], [1.0, -1.0, 1.0], [-1.0, -1.0, 1.0],
                               [0.0, 0.0, 0.0]])
    assert orth.covered(uncovered, x, y).tolist() == [True, False, True]
    assert not np.any(orth.fully_active(uncovered, x, y)[0])
    with pytest.raises(ValueError, match="without biases"):
        orth.covered(ShallowNet(a=[1.0], w=[[1.0, 0, 0]], b=[0.0]), x, y)
    with pytest.raises(TypeError, match="ShallowNet"):
        orth.cosines("net", [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="non-zero"):
        orth.cosines(net, [0.0, 0.0, 0.0])


def test_first_crossing_is_exact_for_exponential_decay():
    t = np.linspace(0, 10, 11)
    loss = np.exp(-t)
    assert math.isclose(orth.first_crossing(t, loss, math.exp(-3.7)), 3.7, rel_tol=1e-12)
    assert orth.first_crossing(t, loss, 2.0) == 0.0
    assert math.isnan(orth.first_crossing(t, loss, 1e-9))
    with pytest.raises(ValueError, match="increasing"):
        orth.first_crossing(t[::-1], loss, 0.5)
    with pytest.raises(ValueError, match="positive"):
        orth.first_crossing(t, loss, -1.0)
    with pytest.raises(ValueError, match="same length"):
        orth.first_crossing(t, loss[:-1], 0.5)


# --------------------------------------------------------------- dynamics facts
def test_flow_conserves_balancedness_and_never_switches_a_neuron_on():
    x, y = data.orthogonal_example()
    traj = orth.train(x, y, 1e-4, width=40, seed=1, record=300,
                      spacing="linear")
    drift = max(np.max(np.abs(net.balancedness())) for net in traj.nets)
    assert drift < 1e-10
    patterns = np.array([orth.activation_pattern(net, x) for net in traj.nets])
    assert not np.any(patterns[1:] & ~patterns[:-1])           # 0 -> 1 never happens
    signs = np.array([np.sign(net.a) for net in traj.nets])
    assert np.all(signs == signs[0])


def test_an_uncovered_point_stalls_at_its_bound():
    x, y = data.orthogonal_example()
    net = orth.init_net(60, 6, 1e-4, seed=2)
    w = net.w.copy()
    w[net.a > 0, 1] = -np.abs(w[net.a > 0, 1])       # no positive neuron active on x_2
    net = net.replace(w=w)
    assert orth.covered(net, x, y).tolist() == [True, False, True, True]
    traj = gradient_flow(net, x, y, 120.0, dt=0.02, record=50)
    bound = y[1] ** 2 / (2 * y.size)
    assert np.all(traj.loss >= bound * (1 - 1e-12))
    assert traj.loss[-1] < 1.01 * bound


def test_train_reaches_the_min_norm_interpolator():
    x, y = data.orthogonal_example()
    traj = orth.train(x, y, 1e-6, width=100, seed=3, record=50)
    R = orth.min_path_norm(x, y)
    assert traj.loss[-1] < 1e-10
    assert abs(traj.net.path_norm() - R) < 1e-2 * R
    assert math.isclose(traj.t[-1], orth.default_horizon(x, y, 1e-6), rel_tol=1e-12)


# ------------------------------------------------- the authors' settings
def test_authors_init_net_has_the_authors_law():
    m, lam = 4000, 0.3
    for dim, lifted, d_in in ((5, False, 5), (2, True, 1)):
        net = orth.authors_init_net(m, dim, lam, seed=1, lifted_bias=lifted)
        assert net.w.shape == (m, dim) and not net.has_bias
        var = np.var(net.w) * m * d_in / lam ** 2       # should be 1 (mean zero)
        assert abs(var - 1) < 5 / math.sqrt(m * dim)
        assert np.allclose(np.abs(net.a), np.linalg.norm(net.w, axis=1), rtol=1e-14)
        assert abs(np.mean(net.a > 0) - 0.5) < 5 * 0.5 / math.sqrt(m)
    # without a bias coordinate it is init_net at scale lam / sqrt(m), draw for draw
    a = orth.authors_init_net(50, 6, 1e-3, seed=7)
    b = orth.init_net(50, 6, 1e-3 / math.sqrt(50), seed=7)
    assert np.allclose(a.w, b.w, rtol=1e-14) and np.allclose(a.a, b.a, rtol=1e-14)
    with pytest.raises(ValueError, match="dim"):
        orth.authors_init_net(5, 1, 1.0, seed=0, lifted_bias=True)
    with pytest.raises(ValueError, match="lam"):
        orth.authors_init_net(5, 2, 0.0, seed=0)


def test_lifted_toy_data():
    x, y = orth.toy_data("orthogonal")
    assert np.array_equal(x, [[-0.5, 1.0], [2.0, 1.0]]) and np.array_equal(y, [-1.0, 1.0])
    orth.check_orthogonal(x, y)
    x, y = orth.toy_data("non-orthogonal")
    assert x.shape == (5, 2) and np.all(x[:, 1] == 1) and y.shape == (5,)
    with pytest.raises(ValueError, match="pairwise orthogonal"):
        orth.check_orthogonal(x, y)
    with pytest.raises(ValueError, match="name"):
        orth.toy_data("spiral")
    net = ShallowNet(a=[1.0], w=[[2.0, -1.0]])          # relu(2 x - 1), kink at 0.5
    t = np.linspace(-2, 2, 9)
    assert np.allclose(net(orth.lift_bias(t)), np.maximum(2 * t - 1, 0))


def test_teacher_student_data():
    x, y, teacher = orth.teacher_student_data(40, 30, 3, seed=2)
    assert x.shape == (40, 30) and y.shape == (40,) and teacher.width == 3
    assert np.allclose(y, np.maximum(x @ teacher.w.T, 0) @ teacher.a)
    again = orth.teacher_student_data(40, 30, 3, seed=2)
    assert np.array_equal(again[1], y)
    with pytest.raises(ValueError, match="teacher_width"):
        orth.teacher_student_data(4, 3, 0, seed=0)


def test_principal_plane_against_the_eigenvectors_of_w_w():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((50, 8)) * np.array([5.0, 3.0, 1, 1, 1, 1, 1, 1])
    plane = orth.principal_plane(w)
    assert np.allclose(plane @ plane.T, np.eye(2), atol=1e-12)
    vals, vecs = np.linalg.eigh(w.T @ w)                  # ascending eigenvalues
    top = vecs[:, ::-1][:, :2].T
    assert np.allclose(np.abs(np.sum(plane * top, axis=1)), 1, atol=1e-10)
    k = np.argmax(np.abs(plane), axis=1)
    assert np.all(plane[np.arange(2), k] > 0)
    with pytest.raises(ValueError, match="two rows"):
        orth.principal_plane(np.ones((1, 3)))


def test_drawings_of_the_authors_views():
    x, y = orth.toy_data("orthogonal")
    net = orth.authors_init_net(20, 2, 1.0, seed=0, lifted_bias=True)
    fig, ax = matplotlib.pyplot.subplots()
    wid.draw_kinks(net, x, y, ax)
    assert len(fig.axes) == 2 and len(fig.axes[1].lines[0].get_xdata()) > 0
    fig = matplotlib.pyplot.figure()
    polar = fig.add_subplot(projection="polar")
    net = orth.authors_init_net(30, 5, 1.0, seed=1)
    wid.draw_polar(net.w, net.a, orth.principal_plane(net.w), polar)
    assert sum(len(c.get_offsets()) for c in polar.collections) == 30
    matplotlib.pyplot.close("all")


# ------------------------------------------------------------------- widget
def test_every_control_value_draws_a_figure_quickly():
    """Each control over its whole range (step by step), the others at their initial values."""
    w = wid.explorer()
    controls = {c.description: c for c in w.children[:-1]}
    assert set(controls) == {"log10 λ", "t / log(1/λ)", "width m", "seed"}
    assert control_values(controls["log10 λ"]) == list(wid.LOG10_LAMBDAS)
    assert control_values(controls["width m"]) == list(wid.WIDTHS)
    assert control_values(controls["seed"]) == list(range(21))
    settings = each_control_over_its_range(controls)
    assert len(settings) == (len(wid.LOG10_LAMBDAS) + len(wid.WIDTHS) + 21
                             + len(control_values(controls["t / log(1/λ)"])))
    assert_draws_quickly(
        lambda s: wid.draw_dynamics(s["log10 λ"], s["t / log(1/λ)"], s["width m"], s["seed"]),
        settings, lambda fig: len(fig.axes) == 3 and fig.axes[0].lines)


def test_explorer_updates_when_controls_change(caplog):
    assert_controls_update(wid.explorer(), caplog)


def test_widget_validation():
    with pytest.raises(ValueError, match="log10_lam"):
        wid.draw_dynamics(log10_lam=0)
    with pytest.raises(ValueError, match="s must lie"):
        wid.draw_dynamics(s=wid.S_MAX + 1)
    with pytest.raises(ValueError, match="two labels of each sign"):
        fig, axs = matplotlib.pyplot.subplots(1, 2)
        wid.draw_directions(ShallowNet(a=[1.0], w=[[1.0, 0.0]]), np.eye(2), [1.0, -1.0], axs)


# ----------------------------------------------------------------- exercises
def test_check_min_norm():
    assert ex.check_min_norm([1.0, 1.0, 0.0], [0.0, 0.0, 1.5], math.sqrt(2) + 1.5)
    assert ex.check_min_norm(np.array([1.0, 1.0, 0.0]), (0, 0, 1.5), 2.9142135624)


@pytest.mark.parametrize("args, phrase", [
    (([0, 0, 1.5], [1, 1, 0], 2.914), "swapped"),
    (([4, 1, 0], [0, 0, 1.5], 2.914), "||x_k||^2"),
    (([1, 1, 0], [0, 0, -1.5], 2.914), "wrong sign"),
    (([1, 1, 0], [0, 0, 1.5], math.sqrt(2 + 2.25)), "sum of norms"),
    (([1, 2, 0], [0, 0, 1.5], 2.914), "beta_plus is off"),
])
def test_check_min_norm_explains_mistakes(args, phrase):
    fb = ex.check_min_norm(*args)
    assert not fb and phrase in fb.message


def test_check_saddles():
    assert ex.check_saddles(3 / math.sqrt(17), 2.0, 0.375)
    for args, phrase in [((2.0, 3 / math.sqrt(17), 0.375), "swapped"),
                         ((1 / math.sqrt(17), 2 / 3, 0.375), "factor n"),
                         ((1.5 / math.sqrt(17), 1.0, 0.375), "factor 2"),
                         ((3 / math.sqrt(17), 2.0, 2 / 3), "plateau")]:
        fb = ex.check_saddles(*args)
        assert not fb and phrase in fb.message


def test_check_min_width():
    assert ex.check_min_width(20)
    assert ex.check_min_width(np.int64(20)) and ex.check_min_width(np.ceil(19.2))  # equivalent
    assert "smaller width" in ex.check_min_width(30).message
    assert "< 0.99" in ex.check_min_width(10).message


def test_checkers_reject_malformed_answers():
    assert_malformed(ex.check_min_norm([1.0, 1.0], [0.0, 0.0, 1.5], 1.0), "R\\^3")
    assert_malformed(ex.check_min_norm([1.0, 1.0, 0.0], [0.0, 0.0, 1.5], "big"), "R_star")
    assert_malformed(ex.check_saddles(None, 1.0, 1.0), "slope_first")
    assert_malformed(ex.check_min_width(20.5), "width")
    assert_malformed(ex.check_min_width(0), "width")


# ------------------------------------------- chapter 4's seeded claims, other seeds
# Each test reruns a seeded computation of a check cell of chapter 4 with five other seeds and
# asserts the same bounds.
OTHER_SEEDS = (1, 2, 3, 4, 5)


def _main_runs(seed, lams=(1e-4, 1e-8, 1e-12), width=200):
    x, y = data.orthogonal_example()
    runs = []
    for lam in lams:
        net0 = orth.init_net(width, x.shape[1], lam, seed=seed)
        t_plus, t_minus = orth.escape_times(x, y, lam)
        horizon = orth.default_horizon(x, y, lam)
        times = np.union1d(np.linspace(0, horizon, 1201), [0.5 * t_plus, 0.5 * t_minus])
        runs.append((net0, gradient_flow(net0, x, y, horizon, dt=0.02, record=times)))
    return x, y, np.array(lams), runs


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_alignment_saddles_and_implicit_bias_claims_for_other_seeds(seed):
    x, y, lams, runs = _main_runs(seed)
    D = orth.D_plus_minus(x, y)
    beta = orth.beta_plus_minus(x, y)
    R, L0, L_mid = orth.min_path_norm(x, y), orth.initial_loss(y), orth.plateau_loss(x, y)
    rates = orth.growth_rates(x, y)
    ratios, escapes, plateaus, excess, misaligned, function_err = [], [], [], [], [], []
    h_star = orth.min_norm_interpolator(x, y)
    test_points = orth.random_directions(1000, x.shape[1], seed=9)
    for lam, (net0, run) in zip(lams, runs):
        full = orth.fully_active(net0, x, y)
        assert full[0].any() and full[1].any()
        half = [run.nets[int(np.argmin(np.abs(run.t - 0.5 * t)))]
                for t in orth.escape_times(x, y, lam)]
        mis = [np.max(1 - orth.cosines(h, Ds)[mask]) for h, Ds, mask in zip(half, D, full)]
        mass = np.max(np.abs(half[0].a) * np.linalg.norm(half[0].w, axis=1))
        drop = (L0 - half[0].loss(x, y)) / (net0.width * L0)
        ratios.append(np.array([*mis, mass, drop]) / lam)
        e = orth.measured_escape_times(run.t, run.loss, x, y)
        escapes.append(e)
        plateaus.append(np.interp(np.mean(e), run.t, run.loss))
        net = run.net
        excess.append(net.path_norm() / R - 1)
        share = np.abs(net.a) * np.linalg.norm(net.w, axis=1) / net.path_norm()
        cos = np.where(net.a > 0, orth.cosines(net, beta[0]), orth.cosines(net, beta[1]))
        assert np.min(cos[share >= 0.01]) > 0.999
        misaligned.append(share[cos <= 0.999].sum())
        function_err.append(np.max(np.abs(net(test_points) - h_star(test_points))))
    ratios, escapes = np.array(ratios), np.array(escapes)
    assert np.all(ratios < 10) and np.all(ratios.max(axis=0) / ratios.min(axis=0) - 1 < 0.5)
    slopes = [np.polyfit(np.log(1 / lams), escapes[:, i], 1)[0] for i in range(2)]
    assert all(abs(s * r - 1) < 0.02 for s, r in zip(slopes, rates))
    plateau_err = np.abs(np.array(plateaus) / L_mid - 1)
    assert np.all(plateau_err[1:] < 0.03) and np.all(np.diff(plateau_err) < 0)
    excess = np.array(excess)
    assert excess[0] < 1e-2 and excess[1] < 1e-3 and np.all(excess > 0)
    assert np.all(np.diff(excess) < 0)
    local_p = np.log(excess[1] / excess[2]) / np.log(lams[1] / lams[2])
    assert abs(local_p - orth.bias_error_exponent(x, y)) < 0.1
    assert misaligned[1] < 0.01 and np.all(np.diff(misaligned) < 0)
    assert function_err[1] < 1e-3 and np.all(np.diff(function_err) < 0)


@pytest.mark.parametrize("k", OTHER_SEEDS)
def test_coverage_census_claims_for_other_seeds(k):
    x, y = data.orthogonal_example()
    for m in (2, 4, 6, 8, 12, 16, 24, 32, 48):
        census = orth.coverage_census(x, y, m, 2000, seed=m + 1000 * k)
        for p, c in zip((orth.coverage_probability(2, 2, m),
                         orth.full_activity_probability(2, 2, m)), census):
            assert abs(c - p) <= 4 * math.sqrt(p * (1 - p) / 2000) + 1e-3


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_lp_gap_claim_for_other_seeds(seed):
    x, y = data.orthogonal_example()
    n, d = x.shape
    R = orth.min_path_norm(x, y)
    directions = np.hstack([orth.random_directions(30000, n, seed=seed + 1),
                            np.zeros((30000, d - n))])
    value = orth.lp_min_path_norm(x, y, directions)[0]
    assert R * (1 - 1e-7) <= value < 1.01 * R


def _narrow_seeds(missing, count, skip):
    """Seeds of width-6 draws covering every point, without a fully active neuron on the side
    `missing` (0: positive) and with one on the other side; the first `skip` are skipped."""
    x, y = data.orthogonal_example()
    found = []
    for seed in range(1000):
        net0 = orth.init_net(6, x.shape[1], 1.0, seed=seed)
        full = [mask.any() for mask in orth.fully_active(net0, x, y)]
        if orth.covered(net0, x, y).all() and not full[missing] and full[1 - missing]:
            found.append(seed)
        if len(found) == skip + count:
            return found[skip:]
    raise AssertionError("not enough seeds")


@pytest.mark.parametrize("missing", (0, 1))
def test_width_counterexample_for_other_seeds(missing):
    x, y = data.orthogonal_example()
    n, d = x.shape
    R = orth.min_path_norm(x, y)
    coord = np.abs(y) / np.linalg.norm(x, axis=1)
    side = (y > 0) if missing == 0 else (y < 0)
    gap = (coord[side].sum() - np.linalg.norm(coord[side])) / R
    slowest = np.min(np.abs(y) * np.linalg.norm(x, axis=1)) / n
    lam = 1e-8
    for seed in _narrow_seeds(missing, 5, skip=1):
        run = gradient_flow(orth.init_net(6, d, lam, seed=seed), x, y,
                            1.3 * math.log(1 / lam) / slowest + 40, dt=0.02, record=20)
        excess = run.net.path_norm() / R - 1
        assert run.loss[-1] < 1e-12
        assert excess >= gap - 1e-6 and abs(excess - gap) <= 0.01 * gap


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_toy_claims_for_other_seeds(seed):
    x, y = orth.toy_data("orthogonal")
    net0 = orth.authors_init_net(60, 2, 1e-6, seed=seed, lifted_bias=True)
    t_pm = orth.escape_times(x, y, 1e-6 * math.sqrt(2 / 60))
    times = np.union1d(np.linspace(0, 40, 801), [0.5 * t_pm[0], 0.5 * t_pm[1]])
    run = gradient_flow(net0, x, y, 40.0, dt=0.02, record=times)
    for mask, D, t in zip(orth.fully_active(net0, x, y), orth.D_plus_minus(x, y), t_pm):
        half = run.nets[int(np.argmin(np.abs(run.t - 0.5 * t)))]
        assert mask.any() and np.all(1 - orth.cosines(half, D)[mask] <= 1e-3)
    escapes = orth.measured_escape_times(run.t, run.loss, x, y)
    assert escapes[0] < escapes[1] and np.all(np.array(escapes) < np.array(t_pm))
    assert abs(np.interp(np.mean(escapes), run.t, run.loss) / 0.25 - 1) <= 0.01
    assert run.loss[-1] <= 1e-10
    net = run.net
    assert abs(net.path_norm() / orth.min_path_norm(x, y) - 1) <= 1e-5
    big = np.abs(net.a) * np.linalg.norm(net.w, axis=1) >= 0.01 * net.path_norm()
    kinks = -net.w[big, 1] / net.w[big, 0]
    assert np.allclose(kinks, np.where(net.a[big] > 0, -0.5, 2.0), atol=1e-3, rtol=0)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_non_orthogonal_claims_for_other_seeds(seed):
    x, y = orth.toy_data("non-orthogonal")
    run = gradient_flow(orth.authors_init_net(60, 2, 1e-3, seed=seed, lifted_bias=True),
                        x, y, 800.0, dt=0.02, record=np.linspace(0, 800, 801))
    L0 = orth.initial_loss(y)
    change = 1 - run.loss[40:] / run.loss[:-40]
    inside = (run.loss[:-40] < 0.9 * L0) & (run.loss[:-40] > 1e-3 * L0)
    assert np.min(change[inside]) <= 1e-2
    assert run.loss[-1] <= 1e-6
    patterns = np.array([net.w @ x.T > 0 for net in run.nets])
    assert np.any(patterns[1:] & ~patterns[:-1])
    lp = orth.lp_min_path_norm(x, y, orth.random_directions(20000, 2, seed=0))[0]
    assert run.net.path_norm() / lp - 1 >= 0.01
    # at t = 50 a few directions (per sign, to cos 0.999) hold 99 % of the squared norm
    net = run.nets[50]
    sizes = np.linalg.norm(net.w, axis=1) ** 2
    u = net.w / np.sqrt(sizes)[:, None]
    same = (u @ u.T > 0.999) & (np.sign(net.a)[:, None] == np.sign(net.a)[None, :])
    held, left = [], np.ones(net.width, bool)
    for j in np.argsort(-sizes):
        if left[j]:
            held.append(sizes[same[j] & left].sum())
            left &= ~same[j]
    assert np.searchsorted(np.cumsum(sorted(held, reverse=True)) / sizes.sum(), 0.99) + 1 <= 6


@pytest.mark.slow
@pytest.mark.parametrize("data_seed, student_seed", [(2, 3), (3, 4), (5, 6), (6, 7), (9, 10)])
def test_high_dim_claims_for_other_draws(data_seed, student_seed):
    x, y, _ = orth.teacher_student_data(75, 150, 6, seed=data_seed)
    n = x.shape[0]
    lam = 1e-20 / math.sqrt(200)
    sides = (y > 0, y < 0)
    rate = np.array([np.linalg.norm(np.abs(y[s]) @ x[s]) / n for s in sides])
    t_pm = np.log(1 / lam) / rate
    fast = int(np.argmax(rate))
    assert t_pm[1 - fast] < 0.9 * 400          # draws whose second escape is in the horizon
    L0 = orth.initial_loss(y)
    L_mid = 0.5 * np.sum(y[sides[1 - fast]] ** 2) / n
    run = gradient_flow(orth.authors_init_net(200, 150, 1e-20, seed=student_seed), x, y,
                        400.0, dt=0.1, record=np.linspace(0, 400, 101))
    sign = 1.0 if fast == 0 else -1.0
    sizes = np.array([np.linalg.norm(net.w[np.sign(net.a) == sign], axis=1).max()
                      for net in run.nets])
    measured = np.log(sizes[15] / sizes[10]) / (run.t[15] - run.t[10])
    assert abs(measured / rate[fast] - 1) <= 0.1
    assert np.all(1 - run.loss[run.t <= 0.7 * t_pm[fast]] / L0 <= 1e-2)
    escapes = [orth.first_crossing(run.t, run.loss, level)
               for level in (0.5 * (L0 + L_mid), 0.5 * L_mid)]
    assert np.allclose(escapes, [t_pm[fast], t_pm[1 - fast]], rtol=0.15, atol=0)
    assert abs(np.interp(np.mean(escapes), run.t, run.loss) / L_mid - 1) <= 0.1
    at_escape = run.nets[int(np.argmin(np.abs(run.t - escapes[0])))]
    assert np.abs(at_escape.a[np.sign(at_escape.a) == -sign]).max() <= 1e-3
    assert run.loss[-1] / L_mid <= 0.05
