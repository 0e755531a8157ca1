"""Unit and property tests of :mod:`relubook.model` (ShallowNet, random_net).

The oracle for gradients is torch autograd (float64), which uses the same convention
relu'(0) = 0 as relubook; evaluation and loss are checked against explicit loops.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import relubook.model as model_module
from relubook import PiecewiseLinear, ShallowNet, random_net, relu

torch.set_num_threads(1)

RTOL = 1e-12
SCALES = [1.0, 0.25, 3.0, "1/m"]
DYADIC = np.arange(-8, 9) / 4.0          # values whose sums and products are exact


# ----------------------------------------------------------------------------- helpers
@st.composite
def nets_and_data(draw, dims=(1, 2, 3), dyadic=False, bias=None):
    """A random ShallowNet (w of shape (m,) when d == 1) and data (x, y) of matching shape.

    With ``dyadic=True`` all entries come from a small grid of quarter-integers, so that many
    preactivations are exactly zero (inputs sitting on a kink).
    """
    m = draw(st.integers(1, 6))
    n = draw(st.integers(1, 8))
    d = draw(st.sampled_from(dims))
    has_bias = draw(st.booleans()) if bias is None else bias
    scale = draw(st.sampled_from(SCALES))
    scale = 1.0 / m if scale == "1/m" else scale
    c = draw(st.sampled_from([0.0, 0.5, -1.25]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    wshape = (m,) if d == 1 else (m, d)
    xshape = (n,) if d == 1 else (n, d)
    if dyadic:
        pick = lambda shape: rng.choice(DYADIC, size=shape)  # noqa: E731
    else:
        pick = lambda shape: 2.0 * rng.standard_normal(shape)  # noqa: E731
    net = ShallowNet(a=pick(m), w=pick(wshape), b=pick(m) if has_bias else None,
                     c=c, scale=scale)
    return net, pick(xshape), pick(n)


def torch_loss_and_grad(net: ShallowNet, x, y):
    """Loss and gradient of (1/2n) sum (f - y)^2 by torch autograd, written independently."""
    m, d = net.width, net.dim
    X = torch.tensor(np.asarray(x, dtype=float).reshape(len(y), d))
    a = torch.tensor(net.a, requires_grad=True)
    W = torch.tensor(net.w.reshape(m, d), requires_grad=True)
    b = torch.tensor(net.b, requires_grad=True) if net.has_bias else None
    c = torch.tensor(net.c, dtype=torch.float64, requires_grad=True)
    z = X @ W.T if b is None else X @ W.T + b
    f = net.scale * (torch.relu(z) @ a) + c
    loss = 0.5 * torch.mean((f - torch.tensor(y)) ** 2)
    loss.backward()
    grads = dict(a=a.grad.numpy(), w=W.grad.numpy().reshape(net.w.shape), c=float(c.grad))
    grads["b"] = None if b is None else b.grad.numpy()
    return loss.item(), grads


def loop_eval(net: ShallowNet, x) -> np.ndarray:
    """f(x_i) by explicit Python loops over points and neurons."""
    W = net.w.reshape(net.width, net.dim)
    X = np.asarray(x, dtype=float).reshape(-1, net.dim)
    out = []
    for xi in X:
        acc = 0.0
        for j in range(net.width):
            z = sum(W[j, k] * xi[k] for k in range(net.dim))
            z += 0.0 if net.b is None else net.b[j]
            acc += net.a[j] * max(z, 0.0)
        out.append(net.scale * acc + net.c)
    return np.array(out)


def magnitude(net: ShallowNet, x) -> float:
    """A bound on the size of the terms summed in f(x): sets absolute tolerances."""
    X = np.abs(np.asarray(x, dtype=float).reshape(-1, net.dim))
    W = np.abs(net.w.reshape(net.width, net.dim))
    b = 0.0 if net.b is None else np.abs(net.b)
    z = X @ W.T + b
    return float(1.0 + abs(net.c) + net.scale * np.max(z @ np.abs(net.a)))


# ------------------------------------------------------------------- evaluation & loss
@settings(max_examples=60, deadline=None)
@given(nets_and_data())
def test_call_matches_explicit_loops(case):
    """net(x) equals the double loop s * sum_j a_j max(<w_j, x_i> + b_j, 0) + c."""
    net, x, _ = case
    np.testing.assert_allclose(net(x), loop_eval(net, x), rtol=RTOL,
                               atol=RTOL * magnitude(net, x))


@settings(max_examples=60, deadline=None)
@given(nets_and_data())
def test_loss_matches_direct_formula(case):
    """loss = (1/2n) sum_i (f(x_i) - y_i)^2."""
    net, x, y = case
    f = loop_eval(net, x)
    direct = sum((fi - yi) ** 2 for fi, yi in zip(f, y)) / (2 * len(y))
    assert net.loss(x, y) == pytest.approx(direct, rel=1e-12, abs=1e-300)


def test_call_on_scalar_and_docstring_example():
    """A scalar input is one point; the doc example holds."""
    net = ShallowNet(a=[1.0, -1.0], w=[1.0, 1.0], b=[0.0, -1.0])
    assert net([0.5, 2.0]).tolist() == [0.5, 1.0]
    out = net(2.0)
    assert out.shape == (1,) and out[0] == 1.0


def test_blocked_evaluation_agrees(monkeypatch):
    """Evaluation and gradient in tiny blocks of (point, neuron) pairs agree with one block."""
    net = random_net(7, seed=3, dim=2, scale=0.5)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((23, 2)), rng.standard_normal(23)
    f_ref, g_ref = net(x), net.grad(x, y)
    monkeypatch.setattr(model_module, "_BLOCK", 10)   # 1 point per block
    np.testing.assert_allclose(net(x), f_ref, rtol=1e-14, atol=1e-14)
    g = net.grad(x, y)
    for name in "awb":
        np.testing.assert_allclose(getattr(g, name), getattr(g_ref, name), rtol=1e-13,
                                   atol=1e-14)
    assert g.c == pytest.approx(g_ref.c, rel=1e-13, abs=1e-15)


# ------------------------------------------------------------------------ gradients
def assert_grad_matches_torch(net, x, y):
    loss_t, g_t = torch_loss_and_grad(net, x, y)
    g = net.grad(x, y)
    assert isinstance(g, ShallowNet)
    assert g.a.shape == net.a.shape and g.w.shape == net.w.shape
    assert (g.b is None) == (net.b is None)
    assert g.scale == net.scale
    assert net.loss(x, y) == pytest.approx(loss_t, rel=RTOL, abs=1e-300)
    size = max(1.0, *(np.max(np.abs(v)) for v in g_t.values() if v is not None))
    for name in ("a", "w", "b"):
        if g_t[name] is not None:
            np.testing.assert_allclose(getattr(g, name), g_t[name], rtol=RTOL,
                                       atol=RTOL * size, err_msg=name)
    assert g.c == pytest.approx(g_t["c"], rel=RTOL, abs=RTOL * size)


@settings(max_examples=50, deadline=None)
@given(nets_and_data())
def test_grad_matches_torch_autograd(case):
    """grad() equals torch autograd (a, w, b, c) for random shapes, biases, scales and c."""
    assert_grad_matches_torch(*case)


@settings(max_examples=50, deadline=None)
@given(nets_and_data(dyadic=True))
def test_grad_at_kinks_uses_zero_derivative(case):
    """With exact zero preactivations (data on kinks) grad() agrees with torch: relu'(0) = 0."""
    assert_grad_matches_torch(*case)


@pytest.mark.parametrize("bias", [True, False])
def test_grad_at_a_kink_explicit(bias):
    """A point exactly on the kink of the only neuron contributes nothing to dL/dw, dL/db."""
    b = [-1.0] if bias else None
    x = np.array([1.0 if bias else 0.0])
    net = ShallowNet(a=[2.0], w=[1.0], b=b, c=0.5)
    g = net.grad(x, [3.0])
    assert g.w[0] == 0.0 and g.a[0] == 0.0
    if bias:
        assert g.b[0] == 0.0
    assert g.c == pytest.approx(0.5 - 3.0)
    assert_grad_matches_torch(net, x, np.array([3.0]))


def test_grad_with_two_dimensional_w_of_one_column():
    """w of shape (m, 1) is a one-input network stored as a matrix; its gradient keeps the shape."""
    rng = np.random.default_rng(0)
    net = ShallowNet(a=rng.standard_normal(4), w=rng.standard_normal((4, 1)),
                     b=rng.standard_normal(4))
    x, y = rng.standard_normal((6, 1)), rng.standard_normal(6)
    assert net.dim == 1
    assert_grad_matches_torch(net, x, y)


@settings(max_examples=30, deadline=None)
@given(nets_and_data(), st.floats(1e-7, 1e-5))
def test_grad_is_a_directional_derivative(case, h):
    """Central differences of the loss along a random direction match <grad, direction>."""
    net, x, y = case
    rng = np.random.default_rng(1)
    da, dw = rng.standard_normal(net.a.shape), rng.standard_normal(net.w.shape)
    db = None if net.b is None else rng.standard_normal(net.b.shape)

    def moved(t):
        return net.replace(a=net.a + t * da, w=net.w + t * dw,
                           b=None if db is None else net.b + t * db, c=net.c + t)

    g = net.grad(x, y)
    expected = (g.a @ da + np.sum(g.w * dw) + (0.0 if db is None else g.b @ db) + g.c)
    # the loss is piecewise smooth: skip directions that cross a kink within +-h
    z0 = net.preactivations(x)
    z1 = moved(h).preactivations(x)
    z2 = moved(-h).preactivations(x)
    if np.any(np.sign(z0) != np.sign(z1)) or np.any(np.sign(z0) != np.sign(z2)):
        return
    fd = (moved(h).loss(x, y) - moved(-h).loss(x, y)) / (2 * h)
    assert fd == pytest.approx(expected, rel=1e-5, abs=1e-6 * magnitude(net, x) ** 2)


# -------------------------------------------------------------------------- symmetry
@settings(max_examples=60, deadline=None)
@given(nets_and_data(), st.floats(1e-3, 1e3))
def test_positive_rescaling_leaves_function_unchanged(case, t):
    """(a, w, b) -> (a / t, t w, t b), t > 0, does not change f (positive homogeneity)."""
    net, x, _ = case
    moved = net.replace(a=net.a / t, w=t * net.w, b=None if net.b is None else t * net.b)
    np.testing.assert_allclose(moved(x), net(x), rtol=1e-12, atol=1e-12 * magnitude(net, x))


@settings(max_examples=40, deadline=None)
@given(nets_and_data(dims=(1,)), st.floats(1e-2, 1e2))
def test_rescaling_keeps_knots_and_piecewise_form(case, t):
    """The rescaling symmetry keeps knots, slope jumps and the curvature mass."""
    net, _, _ = case
    moved = net.replace(a=net.a / t, w=t * net.w, b=None if net.b is None else t * net.b)
    np.testing.assert_allclose(moved.knots(), net.knots(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(moved.slope_jumps(), net.slope_jumps(), rtol=1e-12)
    assert moved.curvature_mass() == pytest.approx(net.curvature_mass(), rel=1e-12)


def test_neuron_permutation_leaves_function_unchanged():
    """Permuting neurons does not change f."""
    net = random_net(9, seed=5, dim=3)
    p = np.random.default_rng(6).permutation(9)
    perm = ShallowNet(net.a[p], net.w[p], net.b[p], c=net.c, scale=net.scale)
    x = np.random.default_rng(7).standard_normal((20, 3))
    np.testing.assert_allclose(perm(x), net(x), rtol=1e-13, atol=1e-13)


# ------------------------------------------------------------------ piecewise form
@st.composite
def univariate_nets(draw):
    """One-input nets with zero weights, coinciding knots and no-bias cases mixed in."""
    m = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    has_bias = draw(st.booleans())
    w = rng.standard_normal(m)
    w[rng.random(m) < draw(st.sampled_from([0.0, 0.3]))] = 0.0        # constant neurons
    a = rng.standard_normal(m)
    if has_bias:
        if draw(st.booleans()):      # knots drawn from a small set: many coincide
            knots = rng.choice([-1.0, 0.0, 0.5, 2.0], size=m)
            b = -knots * w
            b[w == 0] = rng.standard_normal(int(np.sum(w == 0)))
        else:
            b = rng.standard_normal(m)
    else:
        b = None
    c = draw(st.sampled_from([0.0, -0.7]))
    scale = draw(st.sampled_from([1.0, 1.0 / m, 2.5]))
    return ShallowNet(a=a, w=w, b=b, c=c, scale=scale)


def probe_points(net: ShallowNet) -> np.ndarray:
    knots = net.knots()
    lo = min(-3.0, knots.min() - 1.0) if knots.size else -3.0
    hi = max(3.0, knots.max() + 1.0) if knots.size else 3.0
    return np.concatenate([np.linspace(lo, hi, 2001), knots, knots + 1e-9, knots - 1e-9])


@settings(max_examples=50, deadline=None)
@given(univariate_nets())
def test_to_piecewise_matches_direct_evaluation(net):
    """to_piecewise() equals the network on a dense grid, at the knots and next to them."""
    pl = net.to_piecewise()
    xs = probe_points(net)
    np.testing.assert_allclose(pl(xs), net(xs), rtol=1e-12, atol=1e-12 * magnitude(net, xs))


@settings(max_examples=60, deadline=None)
@given(univariate_nets())
def test_to_piecewise_breakpoints_and_jumps(net):
    """Breakpoints are the distinct knots; the jump at each is the sum of the neurons' jumps."""
    pl = net.to_piecewise()
    knots, jumps = net.knots(), net.slope_jumps()
    if knots.size == 0:                       # affine: one breakpoint with no jump
        assert pl.breakpoints.size == 1 and pl.slope_jumps()[0] == 0.0
        return
    np.testing.assert_array_equal(pl.breakpoints, np.unique(knots))
    expected = np.array([jumps[knots == t].sum() for t in pl.breakpoints])
    atol = 1e-12 * (1 + np.abs(jumps).sum())
    np.testing.assert_allclose(pl.slope_jumps(), expected, rtol=1e-10, atol=atol)
    # f'' has total mass |sum of jumps| at most the neurons' total
    assert pl.curvature_mass() <= net.curvature_mass() * (1 + 1e-12) + atol


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(0, 10**6), st.booleans())
def test_curvature_mass_with_distinct_knots(m, seed, c_nonzero):
    """With distinct knots the piecewise form's curvature mass is sum_j |scale a_j w_j|."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(m)
    knots = np.sort(rng.uniform(-2, 2, m)) + np.arange(m) * 0.01
    net = ShallowNet(a=rng.standard_normal(m), w=w, b=-knots * w,
                     c=0.3 if c_nonzero else 0.0, scale=0.5)
    direct = float(np.sum(np.abs(net.scale * net.a * net.w)))
    assert net.curvature_mass() == pytest.approx(direct, rel=1e-14)
    assert net.to_piecewise().curvature_mass() == pytest.approx(direct, rel=1e-9)


def test_curvature_mass_cancels_at_coinciding_opposite_knots():
    """Two neurons with the same knot and opposite jumps have no curvature at all there."""
    net = ShallowNet(a=[1.0, -1.0, 2.0], w=[1.0, 1.0, -1.0], b=[-0.5, -0.5, 1.0])
    pl = net.to_piecewise()
    assert net.curvature_mass() == pytest.approx(4.0)
    assert pl.curvature_mass() == pytest.approx(2.0, abs=1e-14)


def test_to_piecewise_without_bias_has_one_knot_at_zero():
    """Without hidden biases every knot is at 0: f = A relu(x) - B relu(-x) + c."""
    net = ShallowNet(a=[1.0, 2.0, -0.5], w=[2.0, -1.0, 3.0], c=0.25)
    pl = net.to_piecewise()
    np.testing.assert_array_equal(pl.breakpoints, [0.0])
    assert pl.values[0] == pytest.approx(0.25)
    assert pl.left_slope == pytest.approx(-2.0)          # only the w < 0 neuron is active
    assert pl.right_slope == pytest.approx(2.0 - 1.5)
    np.testing.assert_array_equal(net.knots(), [0.0, 0.0, 0.0])


def test_to_piecewise_of_constant_neurons_is_affine():
    """Neurons with w = 0 are constants a relu(b); with only those f is constant."""
    net = ShallowNet(a=[1.0, 3.0], w=[0.0, 0.0], b=[2.0, -1.0], c=0.5, scale=0.5)
    pl = net.to_piecewise()
    assert isinstance(pl, PiecewiseLinear)
    assert net.knots().size == 0 and net.slope_jumps().size == 0
    xs = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(pl(xs), 0.5 * 2.0 + 0.5, rtol=1e-15)
    assert pl.curvature_mass() == 0.0


@settings(max_examples=60, deadline=None)
@given(univariate_nets())
def test_knots_are_where_preactivations_vanish(net):
    """knots() lists -b_j / w_j for w_j != 0 in neuron order; each zeroes its preactivation."""
    knots = net.knots()
    alive = np.flatnonzero(net.w != 0)
    assert knots.shape == (alive.size,)
    b = np.zeros(net.width) if net.b is None else net.b
    for e, j in zip(knots, alive):
        assert e == -b[j] / net.w[j]
        assert abs(net.w[j] * e + b[j]) <= 1e-14 * (abs(b[j]) + 1)
    np.testing.assert_allclose(net.slope_jumps(), net.scale * net.a[alive] * np.abs(net.w[alive]),
                               rtol=1e-15)


@pytest.mark.parametrize("method", ["knots", "slope_jumps", "to_piecewise", "curvature_mass"])
def test_univariate_only_methods_reject_several_inputs(method):
    """knots(), slope_jumps(), curvature_mass(), to_piecewise() need one input."""
    net = random_net(3, seed=0, dim=2)
    with pytest.raises(ValueError, match=method.replace("curvature_mass", "slope_jumps")):
        getattr(net, method)()


# ------------------------------------------------------------------ other structure
def test_path_norm_and_balancedness_formulas():
    """path_norm = sum |a_j| ||w_j||; balancedness = a_j^2 - ||w_j||^2 - b_j^2."""
    net = ShallowNet(a=[3.0, -1.0], w=[[3.0, 4.0], [0.0, -2.0]], b=[1.0, 0.5])
    assert net.path_norm() == pytest.approx(3 * 5 + 1 * 2)
    np.testing.assert_allclose(net.balancedness(), [9 - 25 - 1, 1 - 4 - 0.25])
    nobias = ShallowNet(a=[2.0], w=[-1.5])
    np.testing.assert_allclose(nobias.balancedness(), [4 - 2.25])
    assert nobias.path_norm() == pytest.approx(3.0)


def test_shape_properties_and_immutability():
    """width, dim, has_bias; arrays are read-only copies; replace() makes a new net."""
    a = np.array([1.0, 2.0])
    net = ShallowNet(a=a, w=np.ones((2, 3)), b=None, c=1, scale=2)
    assert (net.width, net.dim, net.has_bias) == (2, 3, False)
    assert isinstance(net.c, float) and isinstance(net.scale, float)
    a[0] = 99.0
    assert net.a[0] == 1.0
    with pytest.raises(ValueError):
        net.a[0] = 5.0
    other = net.replace(c=0.0)
    assert other.c == 0.0 and net.c == 1.0


# ------------------------------------------------------------------------ random_net
@pytest.mark.parametrize("dim", [1, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_random_net_shapes_and_reproducibility(dim, bias):
    """Shapes follow width/dim/bias; the same seed (int or Generator) gives the same net."""
    net = random_net(5, seed=11, dim=dim, bias=bias, scale=0.2)
    assert net.a.shape == (5,)
    assert net.w.shape == ((5,) if dim == 1 else (5, dim))
    assert (net.b is not None) == bias and net.scale == 0.2 and net.c == 0.0
    again = random_net(5, seed=np.random.default_rng(11), dim=dim, bias=bias, scale=0.2)
    for name in ("a", "w"):
        np.testing.assert_array_equal(getattr(again, name), getattr(net, name))
    other = random_net(5, seed=12, dim=dim, bias=bias, scale=0.2)
    assert not np.array_equal(other.w, net.w)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
def test_random_net_balanced(dim, bias):
    """balanced=True gives a_j = +-||(w_j, b_j)||, i.e. zero balancedness."""
    net = random_net(50, seed=1, dim=dim, bias=bias, init_scale=0.3, balanced=True)
    scale = 1 + net.a ** 2
    np.testing.assert_allclose(net.balancedness() / scale, 0.0, atol=1e-15)
    assert np.any(net.a > 0) and np.any(net.a < 0)


def test_random_net_init_scale():
    """init_scale is the standard deviation of w and b; a_scale that of a."""
    net = random_net(20000, seed=2, init_scale=0.1, a_scale=3.0)
    assert np.std(net.w) == pytest.approx(0.1, rel=0.03)
    assert np.std(net.b) == pytest.approx(0.1, rel=0.03)
    assert np.std(net.a) == pytest.approx(3.0, rel=0.03)
    assert np.all(relu(np.array([-1.0, 0.0, 2.0])) == [0.0, 0.0, 2.0])
