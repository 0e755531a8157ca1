"""relubook.landscape (chapter 6): the exact true loss, its derivatives, neuron types, critical
points, the compiled batch gradient descent; the chapter's widget and exercise checkers.

Oracles: scipy's adaptive quadrature (split at the knots) for the loss and for every gradient
integral, central finite differences for the Hessian, the NumPy gradient for the numba kernel.
"""


import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

import relubook.landscape as ls
from relubook import ShallowNet, random_net
from relubook.exercises import landscape as ex
from relubook.widgets import landscape as wid
from tests.feedback_checks import assert_malformed
from tests.widget_checks import assert_controls_update, assert_draws_quickly, control_values

matplotlib.use("Agg")

ALPHA, BETA, I = 2.0, -0.5, (0.0, 1.0)


def quad_mean(fun, net, interval):
    """(1/|I|) int_I fun(x) dx by adaptive quadrature, split at the knots inside I."""
    lo, hi = interval
    knots = net.knots()
    inside = knots[(knots > lo) & (knots < hi)]
    value, _ = quad(fun, lo, hi, points=inside if inside.size else None, epsabs=1e-13,
                    epsrel=1e-12, limit=200)
    return value / (hi - lo)


def quad_gradient(net, alpha, beta, interval):
    """Every partial derivative as a quadrature of its integrand, order (a, w, b, c)."""
    def e(x):
        return net(x)[0] - alpha * x - beta

    rows = [2 * quad_mean(lambda x, j=j: e(x) * max(net.w[j] * x + net.b[j], 0.0), net, interval)
            for j in range(net.width)]
    rows += [2 * net.a[j] * quad_mean(lambda x, j=j: e(x) * x * (net.w[j] * x + net.b[j] > 0),
                                      net, interval) for j in range(net.width)]
    rows += [2 * net.a[j] * quad_mean(lambda x, j=j: e(x) * (net.w[j] * x + net.b[j] > 0),
                                      net, interval) for j in range(net.width)]
    rows.append(2 * quad_mean(e, net, interval))
    return np.array(rows)


@st.composite
def problems(draw):
    """A random network of width 1-4, an interval and an affine target; some knots are put
    within 1e-3 |I| of the ends of the interval."""
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    lo = rng.uniform(-2, 2)
    hi = lo + rng.uniform(0.2, 3)
    w = rng.choice([-1.0, 1.0], m) * rng.uniform(0.2, 2.5, m)
    t = rng.uniform(lo - 1, hi + 1, m)
    if draw(st.booleans()):
        t[0] = lo + 1e-3 * (hi - lo) if rng.random() < 0.5 else hi - 1e-3 * (hi - lo)
    net = ShallowNet(a=rng.standard_normal(m), w=w, b=-w * t, c=rng.standard_normal())
    alpha, beta = rng.normal(scale=2, size=2)
    return net, float(alpha), float(beta), (lo, hi)


# ------------------------------------------------------------------ exact formulas
@settings(max_examples=40)
@given(problems())
def test_loss_and_gradient_match_quadrature(problem):
    net, alpha, beta, interval = problem
    L = ls.true_loss(net, alpha, beta, interval)
    oracle = quad_mean(lambda x: (net(x)[0] - alpha * x - beta) ** 2, net, interval)
    assert abs(L - oracle) <= 1e-10 * (1 + oracle)
    g = ls.to_vector(ls.true_loss_grad(net, alpha, beta, interval))
    assert np.allclose(g, quad_gradient(net, alpha, beta, interval), rtol=1e-8, atol=1e-9)


@settings(max_examples=30)
@given(problems())
def test_hessian_matches_differences_of_the_gradient(problem):
    net, alpha, beta, interval = problem
    theta, h = ls.to_vector(net), 1e-6
    H = ls.true_loss_hessian(net, alpha, beta, interval)
    assert np.allclose(H, H.T, rtol=0, atol=1e-12)

    def grad(th):
        return ls.to_vector(ls.true_loss_grad(ls.from_vector(th), alpha, beta, interval))

    fd = np.array([(grad(theta + d) - grad(theta - d)) / (2 * h) for d in h * np.eye(theta.size)])
    assert np.max(np.abs(H - fd)) <= 1e-6 * (1 + np.max(np.abs(H)))


# ------------------------------------------- leaky ReLU and the square: one code path
ACTS = [ls.leaky_relu(0.2), ls.leaky_relu(0.7), ls.QUADRATIC]


def sigma(act, z):
    """The activation written out independently of the module."""
    return z ** 2 if act.name == "quadratic" else max(z, act.leak * z)


def quad_gradient_act(net, alpha, beta, interval, act):
    """Every partial derivative as a quadrature of its integrand, for any activation."""
    def dsig(z):
        return 2 * z if act.name == "quadratic" else (1.0 if z > 0 else act.leak)

    def e(x):
        return sum(a * sigma(act, w * x + b) for a, w, b in zip(net.a, net.w, net.b)) + net.c \
            - alpha * x - beta

    m = net.width
    rows = [2 * quad_mean(lambda x, j=j: e(x) * sigma(act, net.w[j] * x + net.b[j]), net,
                          interval) for j in range(m)]
    rows += [2 * net.a[j] * quad_mean(lambda x, j=j: e(x) * x * dsig(net.w[j] * x + net.b[j]),
                                      net, interval) for j in range(m)]
    rows += [2 * net.a[j] * quad_mean(lambda x, j=j: e(x) * dsig(net.w[j] * x + net.b[j]),
                                      net, interval) for j in range(m)]
    rows.append(2 * quad_mean(e, net, interval))
    return np.array(rows), e


@settings(max_examples=30)
@given(problems(), st.sampled_from(ACTS))
def test_other_activations_match_quadrature_and_differences(problem, act):
    net, alpha, beta, interval = problem
    expected, e = quad_gradient_act(net, alpha, beta, interval, act)
    L = ls.true_loss(net, alpha, beta, interval, activation=act)
    oracle = quad_mean(lambda x: e(x) ** 2, net, interval)
    assert abs(L - oracle) <= 1e-10 * (1 + oracle)
    g = ls.to_vector(ls.true_loss_grad(net, alpha, beta, interval, activation=act))
    assert np.allclose(g, expected, rtol=1e-8, atol=1e-9)
    theta, h = ls.to_vector(net), 1e-6
    H = ls.true_loss_hessian(net, alpha, beta, interval, activation=act)

    def grad(th):
        return ls.to_vector(ls.true_loss_grad(ls.from_vector(th), alpha, beta, interval,
                                              activation=act))

    fd = np.array([(grad(theta + d) - grad(theta - d)) / (2 * h) for d in h * np.eye(theta.size)])
    assert np.allclose(H, H.T, rtol=0, atol=1e-12)
    assert np.max(np.abs(H - fd)) <= 1e-6 * (1 + np.max(np.abs(H)))
    x = np.linspace(*interval, 7)
    assert np.allclose(ls.realisation(net, x, act),
                       [e(xi) + alpha * xi + beta for xi in x], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("act", ACTS + ["relu"])
def test_kernel_matches_numpy_for_every_activation(act):
    starts = ls.random_starts(3, 3, seed=5)
    run = ls.gradient_descent_batch(starts, ALPHA, BETA, (-0.5, 1.5), lr=0.005, steps=3,
                                    record=4, activation=act)
    for start, end in zip(starts, run.nets):
        theta = ls.to_vector(start)
        for _ in range(3):
            theta = theta - 0.005 * ls.to_vector(ls.true_loss_grad(
                ls.from_vector(theta), ALPHA, BETA, (-0.5, 1.5), activation=act))
        assert np.allclose(ls.to_vector(end), theta, rtol=0, atol=1e-12)
    thetas = np.array([ls.to_vector(n) for n in starts])
    assert np.allclose(ls.true_loss_batch(thetas, ALPHA, BETA, (-0.5, 1.5), activation=act),
                       [ls.true_loss(n, ALPHA, BETA, (-0.5, 1.5), activation=act)
                        for n in starts], rtol=1e-13)


def test_leaky_relu_is_an_affine_part_plus_a_scaled_relu():
    # max(z, l z) = l z + (1 - l) relu(z): the leaky network equals a ReLU one plus an affine
    net, leak = random_net(3, seed=4), 0.3
    x = np.linspace(-1, 2, 11)
    relu_part = net.replace(a=(1 - leak) * net.a)(x)
    affine = leak * (np.outer(x, net.w) + net.b) @ net.a
    assert np.allclose(ls.realisation(net, x, ls.leaky_relu(leak)), relu_part + affine)
    # the square: f is a quadratic polynomial
    q = ls.realisation(net, x, "quadratic")
    assert np.allclose(np.polyval(np.polyfit(x, q, 2), x), q, atol=1e-12)


def test_activation_errors():
    net = random_net(2, seed=0)
    with pytest.raises(ValueError, match="leak"):
        ls.leaky_relu(1.0)
    with pytest.raises(ValueError, match="leak"):
        ls.leaky_relu(-0.1)
    with pytest.raises(ValueError, match="activation"):
        ls.true_loss(net, 1.0, 0.0, activation="tanh")
    with pytest.raises(TypeError, match="activation"):
        ls.true_loss(net, 1.0, 0.0, activation=0.2)


# ------------------------------------------------------------------ the zigzags
@pytest.mark.parametrize("alpha, beta, interval", [(2.0, -0.5, (0, 1)), (-3.0, 1.0, (-1, 2)),
                                                   (0.7, 0.0, (2.0, 2.5))])
@pytest.mark.parametrize("n", [3, 5, 7, 9, 11])
def test_zigzag_family(alpha, beta, interval, n):
    zz = ls.zigzag_saddle(alpha, beta, interval, cells=n)
    assert zz.width == n - 1
    assert np.max(np.abs(ls.to_vector(ls.true_loss_grad(zz, alpha, beta, interval)))) < 1e-13
    L = ls.true_loss(zz, alpha, beta, interval)
    length = interval[1] - interval[0]
    assert L == pytest.approx(alpha ** 2 * length ** 2 / (12 * n ** 4), rel=1e-12)
    assert ls.zigzag_loss(alpha, interval, n) == pytest.approx(L, rel=1e-12)
    # equal cells, alternating orientation from right-facing, a_k w_k = 2 alpha / n
    assert np.allclose(np.diff(np.r_[interval[0], zz.knots(), interval[1]]), length / n)
    assert np.array_equal(np.sign(zz.w), [(-1.0) ** k for k in range(n - 1)])
    assert np.allclose(zz.a * zz.w, 2 * alpha / n)
    # the residual against quadrature: mean zero on every cell, slopes (-1)^i alpha / n
    edges = interval[0] + length * np.arange(n + 1) / n
    for i in range(n):
        lo, hi = edges[i], edges[i + 1]
        mean, _ = quad(lambda x: zz(x)[0] - alpha * x - beta, lo, hi, epsabs=1e-14)
        assert abs(mean) < 1e-12
        slope = (zz([hi - length / (4 * n)])[0] - zz([lo + length / (4 * n)])[0]) \
            / (length / (2 * n)) - alpha
        assert slope == pytest.approx((-1) ** (i + 1) * alpha / n, rel=1e-10)
    lam = np.linalg.eigvalsh(ls.true_loss_hessian(zz, alpha, beta, interval))
    assert np.sum(lam < -1e-12) == np.sum(lam < -1e-6) == n - 1     # not a threshold effect
    assert ls.realised_zigzag(zz, alpha, beta, interval) == n


def test_realised_zigzag():
    assert ls.realised_zigzag(ls.global_minimum(ALPHA, BETA), ALPHA, BETA) == 0
    assert ls.realised_zigzag(ls.dead_local_minimum(2, ALPHA, BETA, seed=0), ALPHA, BETA) == 1
    zz = ls.zigzag_saddle(ALPHA, BETA, cells=5)
    assert ls.realised_zigzag(zz, ALPHA, BETA) == 5
    assert ls.realised_zigzag(zz, ALPHA, BETA, max_cells=3) is None     # n <= max_cells
    assert ls.realised_zigzag(zz.replace(c=zz.c + 1e-3), ALPHA, BETA) is None
    assert ls.realised_zigzag(random_net(3, seed=1), ALPHA, BETA) is None
    with pytest.raises(ValueError, match="cells"):
        ls.zigzag_saddle(ALPHA, BETA, cells=4)
    with pytest.raises(ValueError, match="cells"):
        ls.zigzag_saddle(ALPHA, BETA, cells=1)


def test_split_neuron_keeps_the_negative_directions():
    # two neurons sharing a knot: still at least n - 1 negative eigenvalues (part 1)
    z5 = ls.zigzag_saddle(ALPHA, BETA, cells=5)
    split = ShallowNet(a=np.r_[z5.a[0] / 2, z5.a[0] / 2, z5.a[1:]], w=np.r_[z5.w[0], z5.w],
                       b=np.r_[z5.b[0], z5.b], c=z5.c)
    assert np.max(np.abs(ls.to_vector(ls.true_loss_grad(split, ALPHA, BETA)))) < 1e-13
    assert np.sum(np.linalg.eigvalsh(ls.true_loss_hessian(split, ALPHA, BETA)) < -1e-9) >= 4


def test_loss_examples_in_closed_form():
    # f(x) = x against 0 on [0, 1]: mean of x^2
    assert ls.true_loss(ShallowNet(a=[1.0], w=[1.0], b=[0.0]), 0.0, 0.0) == pytest.approx(1 / 3)
    # a dead network against 2x - 0.5 on [0, 1] with the best constant
    dead = ls.dead_local_minimum(4, ALPHA, BETA, I, seed=3)
    assert ls.true_loss(dead, ALPHA, BETA, I) == pytest.approx(ALPHA ** 2 / 12, abs=1e-15)


@pytest.mark.parametrize("alpha, beta, interval", [(2.0, -0.5, (0, 1)), (-3.0, 1.0, (-1, 2)),
                                                   (0.0, 4.0, (0.5, 0.7))])
def test_special_points(alpha, beta, interval):
    length = interval[1] - interval[0]
    glob = ls.global_minimum(alpha, beta, interval)
    assert ls.neuron_types(glob, interval) == ("fully-active",)
    assert ls.true_loss(glob, alpha, beta, interval) < 1e-28
    dead = ls.dead_local_minimum(3, alpha, beta, interval, seed=1)
    assert set(ls.neuron_types(dead, interval)) == {"inactive"}
    assert ls.true_loss(dead, alpha, beta, interval) == pytest.approx(
        ls.dead_loss(alpha, interval), abs=1e-14)
    assert np.max(np.abs(ls.to_vector(ls.true_loss_grad(dead, alpha, beta, interval)))) < 1e-14
    zz = ls.zigzag_saddle(alpha, beta, interval)
    assert ls.true_loss(zz, alpha, beta, interval) == pytest.approx(
        alpha ** 2 * length ** 2 / 972, rel=1e-12, abs=1e-15)
    assert np.max(np.abs(ls.to_vector(ls.true_loss_grad(zz, alpha, beta, interval)))) < 1e-13
    _, means = ls.residual_cell_means(zz, alpha, beta, interval)
    assert means.shape == ((3,) if alpha != 0 else (1,)) and np.max(np.abs(means)) < 1e-13
    if alpha != 0:
        assert np.linalg.eigvalsh(ls.true_loss_hessian(zz, alpha, beta, interval))[0] < 0


def test_hessian_jumps_when_a_knot_leaves_the_interval():
    net = ShallowNet(a=[1.5, -1.0], w=[2.0, -1.5], b=[-2.0 * (1 - 1e-9), 0.45], c=0.3)
    outside = net.replace(b=np.r_[-2.0 * (1 + 1e-9), 0.45])
    B1 = 4                                                   # b_1 in (a, w, b, c), m = 2
    jump = (ls.true_loss_hessian(net, ALPHA, BETA)[B1, B1]
            - ls.true_loss_hessian(outside, ALPHA, BETA)[B1, B1])
    e_q = net([1.0])[0] - ALPHA - BETA
    assert jump == pytest.approx(2 * 1.5 * e_q / 2.0, rel=1e-6)
    # the loss and the gradient are continuous there
    assert ls.true_loss(net, ALPHA, BETA) == pytest.approx(ls.true_loss(outside, ALPHA, BETA),
                                                           abs=1e-8)


def test_output_bias_curvature_is_two():
    for seed in range(10):
        net = random_net(3, seed=seed)
        H = ls.true_loss_hessian(net, ALPHA, BETA, (-1, 3))
        assert H[-1, -1] == pytest.approx(2.0, abs=1e-13)


# -------------------------------------------------------------------- neuron types
@pytest.mark.parametrize("w, b, expected", [
    (0.0, 1.0, "degenerate"), (0.0, -1.0, "degenerate"),
    (1.0, -2.0, "inactive"), (-1.0, -0.5, "inactive"),
    (1.0, -1.0, "semi-inactive"), (-1.0, 0.0, "semi-inactive"),
    (1.0, -0.5, "interior-knot"), (-2.0, 1.0, "interior-knot"),
    (1.0, 0.5, "fully-active"), (1.0, 0.0, "fully-active"), (-1.0, 1.0, "fully-active"),
])
def test_neuron_types(w, b, expected):
    assert ls.neuron_types(ShallowNet(a=[1.0], w=[w], b=[b]), (0.0, 1.0)) == (expected,)


def test_neuron_types_tolerance():
    near_end = ShallowNet(a=[1.0, 1.0], w=[1.0, 1e-9], b=[-(1 - 1e-8), -1.0])
    assert ls.neuron_types(near_end, I) == ("interior-knot", "inactive")
    assert ls.neuron_types(near_end, I, tol=1e-6) == ("semi-inactive", "degenerate")


@settings(max_examples=50)
@given(problems())
def test_neuron_types_agree_with_signs_on_a_grid(problem):
    net, _, _, (lo, hi) = problem
    x = np.linspace(lo, hi, 4001)
    z = np.outer(x, net.w) + net.b
    for j, kind in enumerate(ls.neuron_types(net, (lo, hi))):
        assert kind in ls.NEURON_TYPES
        inner = z[1:-1, j]
        if kind == "inactive":
            assert np.all(z[:, j] < 0)
        elif kind == "fully-active":
            assert np.all(inner > 0)
        elif kind == "interior-knot":
            assert (inner > 0).any() and (inner < 0).any()
        elif kind == "semi-inactive":
            assert np.all(inner < 0) and np.isclose(max(z[0, j], z[-1, j]), 0, atol=1e-12)
    eff = ls.effective_neurons(net, (lo, hi))
    types = ls.neuron_types(net, (lo, hi))
    alive = np.array([k in ("interior-knot", "fully-active") for k in types])
    assert np.array_equal(eff, alive & (net.a != 0))


# ------------------------------------------------------------- compiled training
def test_batch_gradient_descent_matches_numpy_steps():
    starts = ls.random_starts(4, 3, seed=2)
    run = ls.gradient_descent_batch(starts, ALPHA, BETA, (-0.5, 1.5), lr=0.02, steps=5,
                                    record="all")
    for start, end, k in zip(starts, run.nets, range(4)):
        theta = ls.to_vector(start)
        losses = []
        for _ in range(5):
            losses.append(ls.true_loss(ls.from_vector(theta), ALPHA, BETA, (-0.5, 1.5)))
            grad = ls.true_loss_grad(ls.from_vector(theta), ALPHA, BETA, (-0.5, 1.5))
            theta = theta - 0.02 * ls.to_vector(grad)
        assert np.allclose(ls.to_vector(end), theta, rtol=0, atol=1e-12)
        assert np.allclose(run.loss[:5, k], losses, rtol=1e-12, atol=1e-15)
    assert run.loss.shape == (6, 4) and np.allclose(run.t, 0.02 * np.arange(6))
    np.testing.assert_array_equal(run.final_loss, run.loss[-1])


def test_batch_gradient_descent_trains_and_reports_divergence():
    run = ls.gradient_descent_batch([ls.global_minimum(1.0, 0.0).replace(c=0.7)], ALPHA, BETA,
                                    lr=0.05, steps=4000)
    assert run.final_loss[0] < 1e-10
    with pytest.raises(FloatingPointError, match="diverged .* smaller step size"):
        ls.gradient_descent_batch(ls.random_starts(2, 2, seed=0), ALPHA, BETA, lr=50.0,
                                  steps=2000)


def test_true_loss_batch_matches_true_loss():
    nets = ls.random_starts(6, 2, seed=4)
    thetas = np.array([ls.to_vector(n) for n in nets])
    expected = [ls.true_loss(n, ALPHA, BETA, (1.0, 2.5)) for n in nets]
    assert np.allclose(ls.true_loss_batch(thetas, ALPHA, BETA, (1.0, 2.5)), expected,
                       rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------- critical points
def test_newton_search_recovers_the_zigzag():
    zz = ls.zigzag_saddle(ALPHA, BETA)
    rng = np.random.default_rng(0)
    starts = [ls.from_vector(ls.to_vector(zz) + 0.02 * rng.standard_normal(7)) for _ in range(3)]
    found = ls.find_critical_points(starts, ALPHA, BETA)
    assert len(found) == 3
    for net in found:
        pt = ls.classify_critical_point(net, ALPHA, BETA, seed=0)
        assert pt.grad_norm <= 1e-10 and pt.kind == "saddle" and pt.direction is not None
        assert pt.loss == pytest.approx(ALPHA ** 2 / 972, rel=1e-8)
        assert pt.change < 0 and pt.signature == "2 interior-knot"


def test_classification_of_the_examples():
    kinds = {name: ls.classify_critical_point(net, ALPHA, BETA, seed=0).kind
             for name, net in ls.example_critical_points(ALPHA, BETA).items()}
    assert kinds == {"global minimum": "global minimum", "zigzag saddle": "saddle",
                     "dead local minimum": "local minimum", "semi-inactive saddle": "saddle",
                     "vanished-neuron saddle": "saddle"}


def test_descent_direction():
    examples = ls.example_critical_points(ALPHA, BETA)
    assert ls.descent_direction(examples["dead local minimum"], ALPHA, BETA, seed=0) is None
    d, change, label = ls.descent_direction(examples["semi-inactive saddle"], ALPHA, BETA, seed=0)
    assert change < 0 and label in ("+w_1", "+b_1") and np.isclose(np.linalg.norm(d), 1.0)
    theta = ls.to_vector(examples["semi-inactive saddle"])
    moved = ls.true_loss(ls.from_vector(theta + 1e-3 * d), ALPHA, BETA)
    base = ls.true_loss(examples["semi-inactive saddle"], ALPHA, BETA)
    assert moved - base == pytest.approx(change)


def test_residual_cell_means_add_up_to_the_mean():
    net = random_net(4, seed=8)
    edges, means = ls.residual_cell_means(net, ALPHA, BETA, (-1.0, 1.0))
    total = np.sum(np.diff(edges) * means) / 2.0
    mean_residual = ls.true_loss_grad(net, ALPHA, BETA, (-1.0, 1.0)).c / 2   # dL/dc = 2<e>
    assert total == pytest.approx(mean_residual, abs=1e-13)


def test_slices_and_profiles():
    net = ls.zigzag_saddle(ALPHA, BETA)
    dirs = ls.named_directions(net, ALPHA, BETA)
    s, values = ls.loss_slice(net, ALPHA, BETA, directions=(dirs["a_1"], dirs["c"]), num=5,
                              radius=0.2)
    assert values.shape == (5, 5) and values[2, 2] == pytest.approx(ls.true_loss(net, ALPHA, BETA))
    expected = ls.true_loss(net.replace(a=net.a + np.r_[s[4], 0.0], c=net.c + s[0]), ALPHA, BETA)
    assert values[0, 4] == pytest.approx(expected, rel=1e-13)
    s, prof = ls.loss_profile(net, ALPHA, BETA, direction=3 * dirs["c"], radius=0.1, num=3)
    assert np.allclose(prof - prof[1], s ** 2, atol=1e-14)       # c is a parabola, curvature 2


# ----------------------------------------------------------------- input checks
def test_input_errors():
    net = random_net(2, seed=0)
    with pytest.raises(ValueError, match="lo < hi"):
        ls.true_loss(net, 1.0, 0.0, (1.0, 1.0))
    with pytest.raises(ValueError, match="lo < hi"):
        ls.true_loss(net, 1.0, 0.0, (1.0, 0.0))
    with pytest.raises(ValueError, match="interval"):
        ls.true_loss(net, 1.0, 0.0, (0.0, 1.0, 2.0))
    with pytest.raises(ValueError, match="interval"):
        ls.true_loss(net, 1.0, 0.0, (0.0, np.inf))
    with pytest.raises(ValueError, match="alpha"):
        ls.true_loss(net, np.nan, 0.0)
    with pytest.raises(ValueError, match="beta"):
        ls.true_loss_grad(net, 1.0, np.inf)
    with pytest.raises(TypeError, match="alpha"):
        ls.true_loss_hessian(net, "2", 0.0)
    with pytest.raises(TypeError, match="ShallowNet"):
        ls.true_loss(np.zeros(7), 1.0, 0.0)
    with pytest.raises(ValueError, match="one input"):
        ls.true_loss(random_net(2, seed=0, dim=2), 1.0, 0.0)
    with pytest.raises(ValueError, match="biases"):
        ls.true_loss(random_net(2, seed=0, bias=False), 1.0, 0.0)
    with pytest.raises(ValueError, match="scale 1"):
        ls.true_loss(random_net(2, seed=0, scale=0.5), 1.0, 0.0)
    with pytest.raises(ValueError, match="3m \\+ 1"):
        ls.from_vector(np.zeros(6))
    with pytest.raises(ValueError, match="3m \\+ 1"):
        ls.true_loss_batch(np.zeros((2, 5)), 1.0, 0.0)
    with pytest.raises(ValueError, match="tol"):
        ls.neuron_types(net, tol=-1.0)
    with pytest.raises(TypeError, match="starts"):
        ls.gradient_descent_batch([], 1.0, 0.0, lr=0.1, steps=1)
    with pytest.raises(TypeError, match="starts"):
        ls.find_critical_points(net, 1.0, 0.0)
    with pytest.raises(ValueError, match="same width"):
        ls.gradient_descent_batch([net, random_net(3, seed=0)], 1.0, 0.0, lr=0.1, steps=1)
    with pytest.raises(ValueError, match="lr"):
        ls.gradient_descent_batch([net], 1.0, 0.0, lr=-0.1, steps=1)
    with pytest.raises(ValueError, match="steps"):
        ls.gradient_descent_batch([net], 1.0, 0.0, lr=0.1, steps=-1)
    with pytest.raises(ValueError, match="zero"):
        ls.loss_profile(net, 1.0, 0.0, direction=np.zeros(7))
    with pytest.raises(ValueError, match="shape"):
        ls.loss_slice(net, 1.0, 0.0, directions=(np.ones(7), np.ones(3)))
    with pytest.raises(TypeError, match="pair"):
        ls.loss_slice(net, 1.0, 0.0, directions=np.ones(7))
    with pytest.raises(ValueError, match="width"):
        ls.dead_local_minimum(0, 1.0, 0.0, seed=0)


# ------------------------------------------------------------ widget, exercises
def test_every_control_value_draws_a_figure_quickly():
    w = wid.explorer()
    controls = {c.description: c for c in w.children[:-1]}
    names = ("activation", "point", "zigzag cells", "direction u", "direction v", "log10 radius")
    assert set(controls) == set(names)
    assert control_values(controls["zigzag cells"]) == [3, 5, 7, 9]
    assert control_values(controls["log10 radius"]) == list(np.arange(-2.0, 0.5 + 1e-9, 0.25))
    settings = []
    for activation in wid.ACTIVATIONS:
        values = [list(wid.POINTS[activation])] + [
            control_values(controls[name]) for name in names[2:]]
        longest = max(len(v) for v in values)
        # every value of every control at least once, in shifted combinations
        settings += [[activation] + [v[(k + shift) % len(v)] for shift, v in enumerate(values)]
                     for k in range(longest)]
    assert_draws_quickly(
        lambda s: wid.draw_loss_slice(s[1], s[3], s[4], 10.0 ** s[5], activation=s[0],
                                      cells=s[2]),
        settings, lambda fig: len(fig.axes) >= 2 and fig.axes[0].has_data())
    fig = wid.draw_loss_slice("semi-inactive saddle", "w_1", "w_1")    # a profile, not a slice
    assert fig.axes[0].get_lines()
    matplotlib.pyplot.close("all")


def test_explorer_points_are_critical_and_show_the_negative_directions():
    for activation, points in wid.POINTS.items():
        act = wid.ACTIVATIONS[activation]
        for point in points:
            for cells in ((3, 5, 7, 9) if point == "zigzag saddle" else (3,)):
                net = wid.critical_point(activation, point, cells)
                grad = ls.true_loss_grad(net, wid.ALPHA, wid.BETA, wid.INTERVAL, activation=act)
                assert np.max(np.abs(ls.to_vector(grad))) < 1e-12, (activation, point, cells)
    fig = wid.draw_loss_slice("zigzag saddle", cells=7)
    assert "6 negative Hessian eigenvalues" in fig.axes[0].get_title()
    matplotlib.pyplot.close("all")


def test_explorer_updates_when_controls_change(caplog):
    assert_controls_update(wid.explorer(), caplog)
    matplotlib.pyplot.close("all")


def test_draw_rejects_unknown_names():
    with pytest.raises(ValueError, match="point"):
        wid.draw_loss_slice("maximum")
    with pytest.raises(ValueError, match="point"):
        wid.draw_loss_slice("zigzag saddle", activation="quadratic")
    with pytest.raises(ValueError, match="activation"):
        wid.draw_loss_slice("zigzag saddle", activation="tanh")
    with pytest.raises(ValueError, match="second"):
        wid.draw_loss_slice("zigzag saddle", "c", "x_1")


def test_check_dead_minimum():
    assert ex.check_dead_minimum(2.5, 6.75) and ex.check_dead_minimum(2.5 + 1e-9, 6.75)
    for c, loss, phrase in [(1.0, 6.75, "mean of g"), (0.0, 6.75, "best constant"),
                            (2.5, 20.25, "divide by |I|"), (2.5, 3.375, "no factor 1/2"),
                            (2.5, 0.75, "length 1"), (2.5, 5.0, "alpha^2 |I|^2 / 12")]:
        fb = ex.check_dead_minimum(c, loss)
        assert not fb and phrase in fb.message
    assert_malformed(ex.check_dead_minimum("2.5", 6.75), "c")
    assert_malformed(ex.check_dead_minimum(2.5, np.nan), "loss")


def test_check_zigzag_loss():
    assert ex.check_zigzag_loss(1 / 12)
    for loss, phrase in [(6.75, "dead local minimum"), (0.25, "integral"), (0.1, "s^2 h^2 / 12")]:
        fb = ex.check_zigzag_loss(loss)
        assert not fb and phrase in fb.message
    assert_malformed(ex.check_zigzag_loss([1 / 12]), "loss")


def test_check_revival_rate():
    assert ex.check_revival_rate(-0.75)
    fb = ex.check_revival_rate(0.75)
    assert not fb and "sign" in fb.message
    fb = ex.check_revival_rate(-1.0)
    assert not fb and "triangle" in fb.message
    assert_malformed(ex.check_revival_rate(None), "rate")


# ------------------------------------------- the chapter's seed-dependent claims, other seeds
OTHER_SEEDS = [101, 202, 303, 404, 505]


def padded_zigzag(n, m):
    """Z_n padded with inactive neurons to width m."""
    zz = ls.zigzag_saddle(ALPHA, BETA, cells=n)
    if m == zz.width:
        return zz
    pad = ls.dead_local_minimum(m - zz.width, ALPHA, BETA, seed=n)
    return ShallowNet(a=np.r_[zz.a, pad.a], w=np.r_[zz.w, pad.w], b=np.r_[zz.b, pad.b], c=zz.c)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_search_finds_only_classified_points_for_other_seeds(seed):
    # claim-landscape-structure / -zigzag: Newton search from perturbed zigzags and random
    # starts with knots in I; every point found is global or Z_n (n odd <= m + 1) with its
    # loss, its effective knots at p + k|I|/n facing right for odd k and left for even k with
    # sum a_j w_j = 2 alpha / n, every Z_n with n >= 3 is a saddle that gradient descent escapes
    rng = np.random.default_rng(seed)
    starts = {}
    for n, m in ((5, 4), (5, 6), (7, 6)):
        theta = ls.to_vector(padded_zigzag(n, m))
        starts.setdefault(m, []).extend(
            ls.from_vector(theta + 0.03 * rng.standard_normal(theta.size)) for _ in range(3))
    for m in (5, 7):
        w = rng.choice([-1.0, 1.0], (6, m)) * rng.uniform(0.5, 2.0, (6, m))
        knots = rng.uniform(0, 1, (6, m))
        starts.setdefault(m, []).extend(
            ShallowNet(a=rng.standard_normal(m), w=wk, b=-wk * tk, c=rng.standard_normal())
            for wk, tk in zip(w, knots))
    seen = set()
    for m, nets in starts.items():
        for net in ls.find_critical_points(nets, ALPHA, BETA):
            pt = ls.classify_critical_point(net, ALPHA, BETA, seed=0)
            if pt.kind == "global minimum":
                continue
            n = ls.realised_zigzag(net, ALPHA, BETA, tol=1e-9)
            assert n is not None and n % 2 == 1 and n <= m + 1
            assert pt.loss == pytest.approx(ls.zigzag_loss(ALPHA, I, n), rel=1e-9)
            assert n == 1 or pt.kind == "saddle"
            if n > 1:
                seen.add(n)
                eff = np.flatnonzero(pt.effective)
                knots = -net.b[eff] / net.w[eff]
                grid = np.arange(1, n) / n                       # p + k|I|/n on [0, 1]
                k = np.argmin(np.abs(knots[:, None] - grid), axis=1)
                assert np.max(np.abs(knots - grid[k])) < 1e-9
                assert set(k) == set(range(n - 1))
                assert np.all(np.sign(net.w[eff]) == np.where(k % 2 == 0, 1, -1))
                jumps = [np.sum((net.a * net.w)[eff][k == i]) for i in range(n - 1)]
                assert np.allclose(jumps, 2 * ALPHA / n, rtol=0, atol=1e-9)
                if "semi-inactive" not in pt.types:      # claim-landscape-zigzag, part 1
                    assert np.sum(pt.eigenvalues < -1e-9) >= n - 1
                kicked = ls.from_vector(ls.to_vector(net) + 1e-3 * pt.direction)
                run = ls.gradient_descent_batch([kicked], ALPHA, BETA, lr=0.05, steps=20_000)
                assert run.final_loss[0] < (1e-3 if n <= 5 else 0.1) * pt.loss
    assert {5, 7} <= seen


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_dead_minima_and_census_for_other_seeds(seed):
    # claim-landscape-dead-minima: random dead minima survive random perturbations, and the
    # ReLU census ends at a global minimum or at a dead local minimum
    rng = np.random.default_rng(seed)
    for m in (3, 6):
        net = ls.dead_local_minimum(m, ALPHA, BETA, seed=seed + m)
        theta = ls.to_vector(net)
        d = rng.standard_normal((2000, theta.size))
        d *= 1e-3 / np.linalg.norm(d, axis=1, keepdims=True)
        assert np.min(ls.true_loss_batch(theta + d, ALPHA, BETA)) - ls.true_loss(
            net, ALPHA, BETA) > -1e-12
    census = ls.gradient_descent_batch(ls.random_starts(200, 3, seed=seed), ALPHA, BETA,
                                       lr=0.05, steps=40_000)
    dead = np.abs(census.final_loss - ls.dead_loss(ALPHA, I)) < 1e-8
    assert np.all((census.final_loss < 1e-5) | dead)
    c_star = ls.best_constant(ALPHA, BETA)
    for net in [n for n, k in zip(census.nets, dead) if k]:
        types = ls.neuron_types(net, I, tol=1e-6)
        assert set(types) <= {"inactive", "semi-inactive", "degenerate"}
        assert all(b < 0 for b, k in zip(net.b, types) if k == "degenerate")
        for j in np.flatnonzero(np.array(types) == "semi-inactive"):
            end = 0.0 if abs(net.b[j] / net.w[j]) < abs(1 + net.b[j] / net.w[j]) else 1.0
            assert net.a[j] * (c_star - ALPHA * end - BETA) > 0
        assert ls.classify_critical_point(net, ALPHA, BETA, seed=0).kind == "local minimum"


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_other_activations_census_and_search_for_other_seeds(seed):
    # claim-landscape-activations: censuses far below the dead value and still falling, and
    # no non-global local minimum among the critical points found
    leaky = ls.leaky_relu(0.2)
    for act, kw, bound in ((leaky, dict(lr=0.05, steps=10_000), 1e-3),
                           ("quadratic", dict(lr=0.005, steps=20_000), ALPHA ** 2 / 120)):
        for m in (2, 4, 6):
            run = ls.gradient_descent_batch(ls.random_starts(100, m, seed=seed + m), ALPHA, BETA,
                                            activation=act, spacing="linear", **kw)
            assert np.all(run.final_loss <= bound)
            assert np.all((run.loss[-1] < run.loss[-2]) | (run.loss[-1] < 1e-20))
        for m in (2, 4, 6):
            for net in ls.find_critical_points(ls.random_starts(4, m, seed=seed + 10 * m),
                                               ALPHA, BETA, activation=act):
                pt = ls.classify_critical_point(net, ALPHA, BETA, activation=act, seed=0)
                assert pt.kind != "local minimum"
                if act == "quadratic" and pt.kind == "saddle":
                    assert pt.loss == pytest.approx(ls.dead_loss(ALPHA, I), rel=1e-9)
                if act is leaky and pt.kind == "saddle" and np.any(np.abs(net.a) > 1e-9):
                    values = [ls.zigzag_loss(ALPHA, I, n, activation=leaky, first=first)
                              for n in range(2, m + 2) for first in ("right", "left")]
                    assert min(abs(pt.loss / v - 1) for v in values) < 1e-9
                    live = np.abs(net.a) > 1e-9
                    t = -net.b[live] / net.w[live]
                    assert np.all((t > 0) & (t < 1))
                    order = np.argsort(t)
                    faces = [set(f) for f in np.split(np.sign(net.w[live])[order],
                                                      np.flatnonzero(np.diff(t[order]) > 1e-7)
                                                      + 1)]
                    assert all(len(f) == 1 for f in faces)
                    assert all(f != g for f, g in zip(faces, faces[1:]))


@pytest.mark.parametrize("leak", [0.05, 0.2, 0.6])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("first", ["right", "left"])
def test_leaky_zigzags(leak, n, first):
    # claim-landscape-activations part 3: critical, mean-zero residual on each cell, equal
    # |s_i h_i|, the stated cell lengths, loss r^2 / 12, n - 1 negative eigenvalues
    act, interval = ls.leaky_relu(leak), (-1.0, 2.0)
    zz = ls.zigzag_saddle(ALPHA, BETA, interval, n, activation=act, first=first)
    grad = ls.true_loss_grad(zz, ALPHA, BETA, interval, activation=act)
    assert np.max(np.abs(ls.to_vector(grad))) < 1e-13
    edges = np.r_[interval[0], zz.knots(), interval[1]]
    h = np.diff(edges)
    facing_first = 1.0 if first == "right" else -1.0
    assert np.array_equal(np.sign(zz.w), facing_first * (-1.0) ** np.arange(n - 1))
    ratio = h / h[1:-1].mean() if n > 2 else h
    if n > 2:
        assert np.allclose(h[1:-1], h[1])
        end_first = 1.0 if first == "right" else np.sqrt(leak)
        last_faces_left = zz.w[-1] < 0
        end_last = 1.0 if last_faces_left else np.sqrt(leak)
        assert ratio[0] == pytest.approx(end_first / np.sqrt(1 + leak), rel=1e-12)
        assert ratio[-1] == pytest.approx(end_last / np.sqrt(1 + leak), rel=1e-12)
    sh = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        def e(x):
            return ls.realisation(zz, [x], act)[0] - ALPHA * x - BETA
        mean, _ = quad(e, lo, hi, epsabs=1e-13)
        assert abs(mean) < 1e-12
        sh.append(e(hi) - e(lo))                 # s_i h_i
    assert np.allclose(np.abs(sh), abs(sh[0]), rtol=1e-10)
    loss = ls.true_loss(zz, ALPHA, BETA, interval, activation=act)
    assert loss == pytest.approx(sh[0] ** 2 / 12, rel=1e-10)
    assert loss == pytest.approx(ls.zigzag_loss(ALPHA, interval, n, activation=act,
                                                first=first), rel=1e-12)
    lam = np.linalg.eigvalsh(ls.true_loss_hessian(zz, ALPHA, BETA, interval, activation=act))
    assert np.sum(lam < -1e-12) == np.sum(lam < -1e-7) == n - 1


def test_zigzag_argument_errors():
    with pytest.raises(ValueError, match="square"):
        ls.zigzag_saddle(ALPHA, BETA, cells=3, activation="quadratic")
    with pytest.raises(ValueError, match="first"):
        ls.zigzag_saddle(ALPHA, BETA, cells=3, activation=ls.leaky_relu(0.1), first="up")
    with pytest.raises(ValueError, match="odd"):
        ls.zigzag_saddle(ALPHA, BETA, cells=3, first="left")
    assert ls.zigzag_loss(ALPHA, I, 1) == pytest.approx(ls.dead_loss(ALPHA, I))
