"""Tests of the engine's backends and precisions (:mod:`relubook.dynamics`, ``_kernels``).

Every backend must follow the trajectory of the dense float64 kernel up to rounding, over
runs of a few hundred steps in which activation patterns change; the dense kernel is in turn
checked against torch autograd here and in ``test_dynamics.py``. float32 runs must agree with
float64 to float32 accuracy and must really run in float32. Speeds are never asserted.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from relubook import ShallowNet, _rng, data, gradient_descent, gradient_flow, langevin, random_net
from relubook.dynamics import auto_backend, warm_up
from relubook.torch_loop import torch_gradient_descent

torch.set_num_threads(1)


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    warm_up()


def params(net: ShallowNet) -> np.ndarray:
    b = np.zeros(0) if net.b is None else net.b
    return np.concatenate([net.a, net.w.ravel(), b, [net.c]])


def patterns(net: ShallowNet, x) -> np.ndarray:
    z = np.asarray(x).reshape(len(x), -1) @ net.w.reshape(net.width, -1).T
    return z + (0.0 if net.b is None else net.b) > 0


def orthogonal_problem(n, d, m, bias, seed):
    """Rotated orthogonal inputs of unequal radii, signed labels and a random network whose
    input weights have a component outside the span of the inputs (d > n)."""
    rng = np.random.default_rng(seed)
    x = data.orthogonal_inputs(n, d, radii=rng.uniform(0.5, 1.5, n), seed=seed)
    y = rng.standard_normal(n)
    net = ShallowNet(a=rng.standard_normal(m), w=rng.standard_normal((m, d)),
                     b=0.3 * rng.standard_normal(m) if bias else None, c=0.1, scale=1.0 / m)
    return net, x, y


# ----------------------------------------------------------------- orthogonal backend
@pytest.mark.parametrize("bias", [False, True])
def test_orthogonal_gd_matches_dense(bias):
    """Mean-field step size: patterns change and the loss falls."""
    net, x, y = orthogonal_problem(5, 8, 300, bias, seed=1)
    kw = dict(lr=60.0, steps=300, record=7)
    dense = gradient_descent(net, x, y, backend="dense", **kw)
    orth = gradient_descent(net, x, y, backend="orthogonal", **kw)
    assert np.sum(patterns(dense.net, x) != patterns(net, x)) > 0, "no pattern changed"
    for a, b in zip(dense.nets, orth.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)
    np.testing.assert_allclose(orth.loss, dense.loss, rtol=1e-10, atol=1e-14)
    assert dense.loss[-1] < 0.5 * dense.loss[0]


@pytest.mark.parametrize("bias", [False, True])
def test_orthogonal_gd_with_weight_decay_and_output_bias_matches_dense(bias):
    net, x, y = orthogonal_problem(5, 8, 300, bias, seed=1)
    kw = dict(lr=0.5, steps=300, record=4, weight_decay=0.05, train_c=True)
    dense = gradient_descent(net, x, y, backend="dense", **kw)
    orth = gradient_descent(net, x, y, backend="orthogonal", **kw)
    for a, b in zip(dense.nets, orth.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)
    assert abs(orth.net.c - net.c) > 1e-3 and np.all(np.abs(orth.net.w) < np.abs(net.w))


@pytest.mark.parametrize("method", ["rk4", "heun", "euler"])
def test_orthogonal_flow_matches_dense(method):
    net, x, y = orthogonal_problem(4, 6, 200, True, seed=2)
    kw = dict(t_end=20.0, dt=0.05, method=method, record=5, train_c=True)
    dense = gradient_flow(net, x, y, backend="dense", **kw)
    orth = gradient_flow(net, x, y, backend="orthogonal", **kw)
    for a, b in zip(dense.nets, orth.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)
    assert np.sum(patterns(dense.net, x) != patterns(net, x)) > 0


def test_orthogonal_gd_matches_torch_autograd():
    net, x, y = orthogonal_problem(6, 6, 150, False, seed=3)
    ours = gradient_descent(net, x, y, lr=20.0, steps=200, record=2, backend="orthogonal")
    theirs, _ = torch_gradient_descent(net, x, y, lr=20.0, steps=200)
    np.testing.assert_allclose(params(ours.net), params(theirs), rtol=0, atol=1e-10)
    assert np.sum(patterns(ours.net, x) != patterns(net, x)) > 10
    assert ours.loss[-1] < 1e-5 * ours.loss[0]


@settings(max_examples=15)
@given(n=st.integers(1, 6), extra=st.integers(0, 3), m=st.integers(1, 40),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_orthogonal_backend_property(n, extra, m, bias, seed):
    net, x, y = orthogonal_problem(n, n + extra + (n == 1), m, bias, seed)
    kw = dict(lr=0.3, steps=150, record=3, weight_decay=0.01)
    dense = gradient_descent(net, x, y, backend="dense", **kw)
    orth = gradient_descent(net, x, y, backend="orthogonal", **kw)
    np.testing.assert_allclose(params(orth.net), params(dense.net), rtol=0, atol=1e-10)


def test_orthogonal_backend_keeps_the_component_off_the_span_of_the_inputs():
    """Without weight decay, the part of w_j orthogonal to every input never moves."""
    net, x, y = orthogonal_problem(3, 7, 50, True, seed=4)
    run = gradient_descent(net, x, y, lr=5.0, steps=200, record=2, backend="orthogonal")
    project = np.eye(7) - x.T @ np.linalg.solve(x @ x.T, x)
    np.testing.assert_allclose(run.net.w @ project, net.w @ project, atol=1e-13)
    assert np.max(np.abs(run.net.w - net.w)) > 1e-2


@pytest.mark.parametrize("bias", [False, True])
def test_orthogonal_backend_across_tiles_matches_dense(bias):
    """Several tiles of neurons, the last one partial, and an odd number of inputs (the
    kernel takes two rows of a tile per pass)."""
    net, x, y = orthogonal_problem(7, 9, 1100, bias, seed=6)
    kw = dict(lr=300.0, steps=120, record=3, weight_decay=1e-3)
    dense = gradient_descent(net, x, y, backend="dense", **kw)
    orth = gradient_descent(net, x, y, backend="orthogonal", **kw)
    assert np.sum(patterns(dense.net, x) != patterns(net, x)) > 0, "no pattern changed"
    for a, b in zip(dense.nets, orth.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)


@pytest.mark.parametrize("backend", ["dense", "sorted", "orthogonal"])
def test_runs_do_not_depend_on_how_they_are_recorded(backend):
    """Each kernel call starts from the forward pass the previous one ended with: a run
    recorded at every step ends exactly where a run recorded only at its end does."""
    if backend == "orthogonal":
        net, x, y = orthogonal_problem(5, 8, 700, True, seed=7)
    else:
        net = random_net(700, seed=7, scale=1.0 / 700)
        x = np.linspace(-1, 1, 30)
        y = np.sin(3 * x)
    kw = dict(lr=350.0, steps=40, backend=backend)
    once, every = gradient_descent(net, x, y, record=2, **kw), gradient_descent(
        net, x, y, record=41, spacing="linear", **kw)
    assert len(every.nets) == 41
    np.testing.assert_array_equal(params(every.net), params(once.net))
    assert every.loss[-1] == once.loss[-1]


# -------------------------------------------------------------------- sorted vs dense
@pytest.mark.parametrize("run", ["gd", "gd with weight decay", "rk4"])
def test_sorted_matches_dense(run):
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 40)
    x[::5] = x[1::5]                        # repeated inputs
    y = np.sin(3 * x)
    net = random_net(120, seed=6, scale=1 / 120)
    if run.startswith("gd"):
        wd = 1e-4 if "decay" in run else 0.0  # lr wd = 0.006: the weights shrink to 16 %
        go = lambda b: gradient_descent(net, x, y, lr=60.0, steps=300, record=4, backend=b,
                                        weight_decay=wd)
    else:
        go = lambda b: gradient_flow(net, x, y, 3.0, dt=0.01, record=4, backend=b)
    dense, fast = go("dense"), go("sorted")
    assert np.sum(patterns(dense.net, x) != patterns(net, x)) > 0
    for a, b in zip(dense.nets, fast.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)


# ------------------------------------------------------ several inputs: blocked products
def general_problem(n=30, d=6, m=600, bias=True, seed=12):
    """Non-orthogonal inputs (n > d) and more neurons than one block of the kernel."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.tanh(x @ rng.standard_normal(d))
    net = random_net(m, seed=seed + 1, dim=d, bias=bias, scale=1 / m).replace(c=0.1)
    return net, x, y


@pytest.mark.parametrize("bias", [False, True])
def test_several_inputs_match_torch_autograd_across_blocks(bias):
    """The d-input kernel (three blocks of neurons, the last one partial) follows autograd +
    SGD to 1e-10 while activation patterns change; with weight decay."""
    net, x, y = general_problem(bias=bias)
    lr, steps = 0.5 * net.width, 60
    traj = gradient_descent(net, x, y, lr, steps, record=np.arange(steps + 1) * lr,
                            weight_decay=1e-3 / net.width, backend="dense")
    ref, ref_loss = torch_gradient_descent(net, x, y, lr, steps, weight_decay=1e-3 / net.width)
    assert np.sum(patterns(ref, x) != patterns(net, x)) > 20, "too few patterns changed"
    np.testing.assert_allclose(traj.loss, ref_loss, rtol=1e-10, atol=0)
    np.testing.assert_allclose(params(traj.net), params(ref), rtol=0, atol=1e-10)


def _rk4_reference(net, x, y, h, steps):
    """Classical RK4 on theta' = -grad L with ``ShallowNet.grad`` (c fixed)."""
    def velocity(theta):
        g = net.replace(a=theta[0], w=theta[1], b=theta[2]).grad(x, y)
        return -g.a, -g.w, -g.b
    theta = (net.a, net.w, net.b)
    for _ in range(steps):
        k1 = velocity(theta)
        k2 = velocity(tuple(t + h / 2 * k for t, k in zip(theta, k1)))
        k3 = velocity(tuple(t + h / 2 * k for t, k in zip(theta, k2)))
        k4 = velocity(tuple(t + h * k for t, k in zip(theta, k3)))
        theta = tuple(t + h / 6 * (p + 2 * q + 2 * u + v)
                      for t, p, q, u, v in zip(theta, k1, k2, k3, k4))
    return net.replace(a=theta[0], w=theta[1], b=theta[2])


def test_several_inputs_rk4_flow_matches_a_numpy_rk4():
    net, x, y = general_problem(n=20, d=4, m=300, seed=14)
    net = net.replace(scale=1.0)
    traj = gradient_flow(net, x, y, 1.0, dt=0.05, record=2, backend="dense")
    ref = _rk4_reference(net, x, y, 0.05, 20)
    assert np.sum(patterns(ref, x) != patterns(net, x)) > 0
    np.testing.assert_allclose(params(traj.net), params(ref), rtol=0, atol=1e-10)


def test_several_inputs_float32_is_float32_and_follows_float64():
    net, x, y = general_problem(seed=16)
    kw = dict(lr=0.5 * net.width, steps=20, record=2, backend="dense")
    f64, f32 = gradient_descent(net, x, y, **kw), gradient_descent(net, x, y, dtype="float32", **kw)
    gap = np.max(np.abs(params(f32.net) - params(f64.net))) / np.max(np.abs(params(f64.net)))
    assert 1e-9 < gap < 1e-5, gap


# ---------------------------------------------------------------------------- float32
@pytest.mark.parametrize("n, backend", [(10, "dense"), (40, "dense"), (5, "orthogonal")])
def test_float32_follows_float64_to_float32_accuracy(n, backend):
    if backend == "orthogonal":
        net, x, y = orthogonal_problem(n, 7, 200, True, seed=7)
        lr = 10.0
    else:
        x = np.sort(np.random.default_rng(8).uniform(-1, 1, n))
        y = np.sin(np.pi * x)
        net, lr = random_net(500, seed=9, scale=1 / 500), 50.0
    f64 = gradient_descent(net, x, y, lr=lr, steps=20, record=3, backend=backend)
    f32 = gradient_descent(net, x, y, lr=lr, steps=20, record=3, backend=backend,
                           dtype="float32")
    gap = np.max(np.abs(params(f32.net) - params(f64.net))) / np.max(np.abs(params(f64.net)))
    assert 1e-9 < gap < 1e-6, gap          # really float32 (eps 6e-8), and accurate to it
    assert f32.net.a.dtype == np.float64 and f32.loss.dtype == np.float64
    # Over longer runs a kink crossing decided the other way at one step can move single
    # parameters by more (the flow is discontinuous there); the loss curve stays close.
    f64 = gradient_descent(net, x, y, lr=lr, steps=200, record=20, backend=backend)
    f32 = gradient_descent(net, x, y, lr=lr, steps=200, record=20, backend=backend,
                           dtype="float32")
    np.testing.assert_allclose(f32.loss, f64.loss, rtol=1e-4)


def test_float32_flow_follows_float64():
    x = np.sort(np.random.default_rng(10).uniform(-1, 1, 10))
    net = random_net(200, seed=11, scale=1.0, init_scale=0.1)
    f64 = gradient_flow(net, x, np.cos(2 * x), 1.0, record=3)
    f32 = gradient_flow(net, x, np.cos(2 * x), 1.0, record=3, dtype="float32")
    np.testing.assert_allclose(params(f32.net), params(f64.net), rtol=0, atol=1e-6)
    assert not np.array_equal(params(f32.net), params(f64.net))


# ----------------------------------------------------------------------- Langevin noise
def _langevin(net, x, y, **kw):
    return langevin(net, x, y, lr=0.01, steps=300, beta=1e4, weight_decay=1e-3, record=2, **kw)


def test_float32_noise_is_reproducible_and_differs_from_float64():
    x = np.linspace(-1, 1, 8)
    y, net = np.abs(x), random_net(300, seed=12, scale=1 / 300)
    a = _langevin(net, x, y, seed=3, noise="float32")
    b = _langevin(net, x, y, seed=np.random.default_rng(3), noise="float32")
    c = _langevin(net, x, y, seed=3)
    np.testing.assert_array_equal(params(a.net), params(b.net))
    assert np.max(np.abs(params(a.net) - params(c.net))) > 1e-3


@pytest.mark.parametrize("noise", ["float64", "float32", "kernel"])
def test_langevin_noise_variance_is_2lr_over_beta(noise):
    """With a zero gradient (a = 0 stays put only on average) one step moves each parameter
    by sqrt(2 lr / beta) xi: the sample variance of the steps of all neurons checks it."""
    m, lr, beta = 20000, 0.01, 50.0
    net = ShallowNet(a=np.zeros(m), w=np.ones(m), b=np.zeros(m), scale=1 / m)
    x, y = np.array([0.5]), np.array([0.0])
    run = langevin(net, x, y, lr=lr, steps=1, beta=beta, weight_decay=0.0, seed=4,
                   record=2, noise=noise)
    moved = np.concatenate([run.net.a - net.a, run.net.w - net.w, run.net.b - net.b])
    sigma2 = 2 * lr / beta
    assert abs(np.mean(moved)) < 5 * np.sqrt(sigma2 / moved.size)
    assert abs(np.var(moved) / sigma2 - 1) < 5 * np.sqrt(2 / moved.size)


def test_noise_sources_agree_at_zero_temperature():
    x = np.linspace(-1, 1, 8)
    y, net = np.abs(x), random_net(100, seed=13, scale=1 / 100)
    a = langevin(net, x, y, lr=0.01, steps=100, beta=np.inf, weight_decay=1e-3, seed=0,
                 record=2, noise="float32")
    b = langevin(net, x, y, lr=0.01, steps=100, beta=np.inf, weight_decay=1e-3, seed=0,
                 record=2)
    np.testing.assert_array_equal(params(a.net), params(b.net))


# ------------------------------------------------------------------ choice and checks
def test_auto_backend_choices():
    one = random_net(5, seed=0)
    assert auto_backend(one, np.linspace(-1, 1, 23)) == "dense"
    assert auto_backend(one, np.linspace(-1, 1, 24)) == "sorted"
    assert auto_backend(one, np.linspace(-1, 1, 24), dtype="float32") == "dense"
    net = ShallowNet(a=np.ones(3), w=np.ones((3, 4)))
    x = data.orthogonal_inputs(3, 4, seed=1)
    assert auto_backend(net, x) == "orthogonal"
    assert auto_backend(net, x + 1e-6) == "dense"            # not orthogonal
    x[1] = 0.0
    assert auto_backend(net, x) == "dense"                   # a zero input
    many = np.zeros((5, 4))
    many[np.arange(4), np.arange(4)] = 1.0                   # 5 inputs in R^4
    assert auto_backend(net, many) == "dense"


def test_langevin_never_picks_the_orthogonal_backend():
    net = ShallowNet(a=np.ones(4), w=np.ones((4, 3)), b=np.zeros(4), scale=0.25)
    x = data.orthogonal_inputs(3, 3)
    run = langevin(net, x, np.ones(3), lr=0.01, steps=5, beta=10.0, weight_decay=0.0,
                   seed=0, record=2)
    assert len(run) == 2
    with pytest.raises(ValueError, match="not available for langevin"):
        langevin(net, x, np.ones(3), lr=0.01, steps=5, beta=10.0, weight_decay=0.0, seed=0,
                 backend="orthogonal")


@pytest.mark.parametrize("kw, match", [
    (dict(backend="fast"), "backend must be one of"),
    (dict(backend=None), "backend must be one of"),
    (dict(dtype="float16"), "dtype must be one of"),
    (dict(dtype=np.float32), "dtype must be one of"),
    (dict(backend="sorted", dtype="float32"), "needs one input and float64"),
    (dict(backend="orthogonal"), "pairwise orthogonal"),
])
def test_bad_backend_or_dtype_raises(kw, match):
    net = random_net(4, seed=0)
    with pytest.raises(ValueError, match=match):
        gradient_descent(net, np.linspace(-1, 1, 5), np.ones(5), lr=0.1, steps=1, **kw)
    with pytest.raises(ValueError, match=match):
        gradient_flow(net, np.linspace(-1, 1, 5), np.ones(5), 0.1, **kw)


def test_sorted_backend_needs_one_input():
    net = ShallowNet(a=np.ones(2), w=np.ones((2, 2)))
    with pytest.raises(ValueError, match="needs one input"):
        gradient_descent(net, np.eye(2), np.ones(2), lr=0.1, steps=1, backend="sorted")
    with pytest.raises(ValueError, match="pairwise orthogonal"):
        gradient_descent(net, np.ones((2, 2)), np.ones(2), lr=0.1, steps=1,
                         backend="orthogonal")


def test_bad_noise_raises():
    net = random_net(4, seed=0, scale=0.25)
    with pytest.raises(ValueError, match="noise must be one of"):
        langevin(net, [0.0, 1.0], [0.0, 1.0], lr=0.1, steps=1, beta=1.0, weight_decay=0.0,
                 seed=0, noise="float16")


@pytest.mark.parametrize("backend", ["dense", "sorted", "orthogonal"])
def test_snapshots_are_independent_read_only_copies(backend):
    if backend == "orthogonal":
        net, x, y = orthogonal_problem(3, 4, 20, True, seed=14)
    else:
        x = np.linspace(-1, 1, 40)
        net, y = random_net(20, seed=14, scale=1 / 20), np.sin(3 * x)
    run = gradient_descent(net, x, y, lr=5.0, steps=50, record=3, backend=backend)
    np.testing.assert_array_equal(params(run.nets[0]), params(net))
    assert not np.array_equal(params(run.nets[1]), params(run.nets[2]))
    for snap in run.nets:
        assert not (snap.a.flags.writeable or snap.w.flags.writeable or snap.b.flags.writeable)
        assert snap.a.dtype == snap.w.dtype == snap.b.dtype == np.float64
        assert isinstance(snap.c, float) and snap.scale == net.scale


def test_float32_noise_does_not_depend_on_how_the_run_is_recorded_or_its_length():
    """torch's stream depends on how draws are split into calls; the pool keeps it fixed."""
    x = np.linspace(-1, 1, 8)
    y, net = np.abs(x), random_net(50, seed=15, scale=1 / 50)
    kw = dict(lr=0.01, steps=700, beta=100.0, weight_decay=1e-3, seed=5, noise="float32")
    runs = [langevin(net, x, y, record=2, **kw), langevin(net, x, y, record=37, **kw),
            langevin(net, x, y, record=np.array([0.013, 0.5, 3.0]), **kw)]
    for run in runs[1:]:
        np.testing.assert_array_equal(params(run.net), params(runs[0].net))
    # a shorter run sees the first steps of the longer one
    short = langevin(net, x, y, record=2, **{**kw, "steps": 300})
    longer = langevin(net, x, y, record=np.array([0.0, 3.0, 7.0]), **kw)
    np.testing.assert_array_equal(params(short.net), params(longer.nets[1]))


@pytest.mark.parametrize("backend, dtype", [("dense", "float32"), ("orthogonal", "float64"),
                                            ("orthogonal", "float32")])
def test_recorded_losses_are_the_losses_of_the_snapshots(backend, dtype):
    net, x, y = orthogonal_problem(4, 6, 60, True, seed=16)
    for run in (gradient_descent(net, x, y, lr=10.0, steps=100, record=9, weight_decay=0.01,
                                 backend=backend, dtype=dtype),
                gradient_flow(net, x, y, 2.0, record=9, train_c=True, backend=backend,
                              dtype=dtype)):
        np.testing.assert_allclose(run.loss, run.observe(lambda s: s.loss(x, y)), rtol=1e-12)
        np.testing.assert_array_equal(params(run.nets[0]), params(net))   # not a rounding


def test_float32_orthogonal_flow_follows_float64():
    net, x, y = orthogonal_problem(4, 6, 100, True, seed=17)
    f64 = gradient_flow(net, x, y, 1.0, record=3, backend="orthogonal")
    f32 = gradient_flow(net, x, y, 1.0, record=3, backend="orthogonal", dtype="float32")
    gap = np.max(np.abs(params(f32.net) - params(f64.net))) / np.max(np.abs(params(f64.net)))
    assert 1e-9 < gap < 1e-5, gap


def test_orthogonal_basis_refuses_weight_decay_with_several_stages():
    from relubook import _kernels as K
    net, x, y = orthogonal_problem(2, 3, 4, False, seed=18)
    theta = np.concatenate([net.a, net.w.ravel(), np.zeros(4), [net.c]])
    P = K.views(theta, 4, 3)
    basis = K.OrthogonalBasis(x, P)
    with pytest.raises(ValueError, match="one-stage"):
        basis.run(y, P, net.scale, False, False, 0.1, 0.01, K.RK4, 1)


def test_explicit_backend_checks_the_network_type():
    for backend in ("sorted", "orthogonal", "auto"):
        with pytest.raises(TypeError, match="net must be a ShallowNet"):
            gradient_descent("net", np.eye(2), np.ones(2), lr=0.1, steps=1, backend=backend)


# ------------------------------------------------------- the kernels' Gaussian stream
def _stream(key, start, size):
    out = np.empty(size)
    _rng.fill_normal(np.uint64(key), start, out)
    return out


def meanfield_langevin_reference(net, x, y, lr, steps, beta, wd, xi):
    """theta_j <- theta_j - lr (m dL/dtheta_j + wd theta_j) + sqrt(2 lr / beta) xi[t] on
    (a, w, b) with ``ShallowNet.grad``; ``xi`` has one row per step, laid out as a | w | b."""
    m, ns = net.width, np.sqrt(2 * lr / beta)
    for t in range(steps):
        g, row = net.grad(x, y), xi[t]
        dw = row[m:m + net.w.size].reshape(net.w.shape)
        net = net.replace(a=net.a - lr * (m * g.a + wd * net.a) + ns * row[:m],
                          w=net.w - lr * (m * g.w + wd * net.w) + ns * dw,
                          b=None if net.b is None else
                          net.b - lr * (m * g.b + wd * net.b) + ns * row[-m:])
    return net


@pytest.mark.parametrize("dim, backend, bias", [(1, "dense", True), (1, "sorted", True),
                                                (1, "dense", False), (4, "dense", True)])
def test_kernel_noise_langevin_matches_a_numpy_reference(dim, backend, bias):
    """The noise made inside the kernel is row t of the stream keyed by one draw of the
    seed's generator; the trajectory matches a NumPy loop fed those rows (two blocks)."""
    m, steps, lr, beta, wd = 700, 30, 0.05, 1e3, 1e-3
    rng = np.random.default_rng(17)
    x = np.sort(rng.uniform(-1, 1, 30)) if dim == 1 else rng.standard_normal((30, dim))
    y = np.sin(3 * x) if dim == 1 else np.tanh(x[:, 0])
    net = random_net(m, seed=18, dim=dim, bias=bias, scale=1 / m)
    run = langevin(net, x, y, lr, steps, beta, wd, seed=19, record=4, backend=backend,
                   noise="kernel")
    key = _rng.key_from(np.random.default_rng(19))
    width = m * (dim + 2)
    xi = _stream(key, 0, steps * width).reshape(steps, width)
    ref = meanfield_langevin_reference(net, x, y, lr, steps, beta, wd, xi)
    np.testing.assert_allclose(params(run.net), params(ref), rtol=0, atol=1e-10)


def test_kernel_noise_does_not_depend_on_how_the_run_is_recorded_or_its_length():
    x = np.linspace(-1, 1, 30)
    y, net = np.abs(x), random_net(600, seed=20, scale=1 / 600)
    kw = dict(lr=0.01, beta=100.0, weight_decay=1e-3, seed=6, noise="kernel")
    long = langevin(net, x, y, steps=900, record=np.arange(10) * 1.0, **kw)
    for steps, record in ((900, 2), (900, 37), (500, 3)):
        run = langevin(net, x, y, steps=steps, record=record, **kw)
        np.testing.assert_array_equal(params(run.net), params(long.nets[steps // 100]))


def test_ziggurat_tables_close_at_the_top():
    """The layers have equal area V = R f(R) + (the tail beyond R), each layer above the
    base covers the curve at its bottom with the least width of the grid 2**-49 Z, and R is
    the largest point of the grid whose stack of 4095 layers reaches f(0) = 1 (recomputed
    here in NumPy: the top overshoots 1 at R, falls short at the next point of the grid).
    The fast path's 12-bit threshold accepts only points of the layer's inscribed rectangle
    and all of them but the last level's."""
    from scipy import integrate, special
    f = lambda t: np.exp(-0.5 * t * t)
    inverse = lambda y: np.sqrt(-2.0 * np.log(y))
    area = lambda r: r * f(r) + np.sqrt(np.pi / 2) * special.erfc(r / np.sqrt(2))
    R, V, grid, layers = _rng._R, _rng._V, 2.0**49, _rng._LAYERS
    tail = integrate.quad(f, R, np.inf, epsabs=0, epsrel=1e-13)[0]
    assert abs(R * f(R) + tail - V) < 1e-15 and abs(area(R) - V) < 1e-18
    assert R * grid == np.floor(R * grid)

    def top(r):
        v, y = area(r), f(r)
        for _ in range(layers - 1):
            y = y + v / (np.ceil(inverse(min(y, 1.0)) * grid) / grid) if y < 1 else 2.0
        return y

    assert top(R) >= 1.0 > top(R + 1 / grid)
    y, wi, packed = _rng._YI, _rng._WI, _rng._PACKED
    width = wi * 2.0**51
    m = (packed >> np.uint64(12)).astype(np.float64)
    np.testing.assert_array_equal(m[1:], width[1:] * grid)      # on the grid, exactly
    assert y[0] == 0 and y[1] == f(R) and width[1] == R and y[-2] < 1 <= y[-1] < 1 + 1e-12
    assert abs(width[0] * y[1] - V) < 1e-18                     # the base strip and tail
    np.testing.assert_allclose(width[1:] * np.diff(y[1:]), V, rtol=1e-12)
    # f^{-1} is recomputed with NumPy's log, which may round differently from the math.log
    # of the tables by an ulp: comparisons against it allow 4 ulps of x
    bottom = inverse(y[1:-1])                                   # f^{-1} at each bottom
    ulps = 4 * np.spacing(bottom)
    assert np.all(width[1:] >= bottom - ulps) and np.all(width[1:] - 1 / grid < bottom + ulps)
    # the threshold c: u <= c 2**39 - 1 is accepted at once, so that point must lie left of
    # f^{-1}(y_{i+1}) (rounded as the fast path rounds); c + 1 would let one past it
    c = (packed & np.uint64(0xFFF)).astype(np.float64)
    assert c[0] == 0 and c[-1] == 0
    inner = inverse(y[2:-1])
    ulps = 4 * np.spacing(inner)
    assert np.all((c[1:-1] * 2.0**39 - 1) * wi[1:-1] <= inner + ulps)
    assert np.all(((c[1:-1] + 1) * 2.0**39 - 1) * wi[1:-1] > inner - ulps)
    assert 0.998 < c.mean() / 4096 < 0.999                      # the fast path's share


def _reference_draw(key: int, k: int) -> float:
    """Draw ``k`` of the stream ``key`` from the module docstring's description, in Python
    integers (an independent implementation: the bit layout, the counters, the slow path)."""
    mask, gamma = 2**64 - 1, int(_rng.GAMMA)

    def mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    def unit(z):
        return ((z >> 11) + 1.0) * 2.0**-53

    counter = (key + (k + 1) * gamma) & mask
    z, w = None, mix(counter)
    while True:
        i, sign, u = w & 4095, -1.0 if (w >> 12) & 1 else 1.0, w >> 13
        entry = int(_rng._PACKED[i])
        x = float(u) * ((entry >> 12) * 2.0**-100) if i else float(u) * _rng._WI[0]
        if u >> 39 < entry & 0xFFF:
            return sign * x
        z = mix(counter ^ 0xD1B54A32D192ED03) if z is None else z
        if i == 0:
            if x < _rng._R:
                return sign * x
            while True:
                z = (z + gamma) & mask
                xt = -np.log(unit(mix(z))) / _rng._R
                z = (z + gamma) & mask
                yt = -np.log(unit(mix(z)))
                if yt + yt > xt * xt:
                    return sign * (_rng._R + xt)
        z = (z + gamma) & mask
        if _rng._YI[i] + unit(mix(z)) * (_rng._YI[i + 1] - _rng._YI[i]) < np.exp(-0.5 * x * x):
            return sign * x
        z = (z + gamma) & mask
        w = mix(z)


def test_stream_matches_an_independent_implementation():
    """20001 draws (not a multiple of 8; 0.16 % of them, about 32, take the slow path) and
    three draws from the tail beyond R equal, bit for bit, those of a pure-Python
    implementation; float32 output is the float64 stream rounded."""
    key, start, size = 2**63 + 12345, 10**9, 20001
    z = _stream(key, start, size)
    ref = np.array([_reference_draw(key, start + q) for q in range(size)])
    np.testing.assert_array_equal(z, ref)
    tail = np.flatnonzero(np.abs(_stream(key, 0, 1_000_000)) > _rng._R)[:3]
    assert tail.size == 3                        # about 11 expected (1e6 times 1.1e-5)
    for q in tail:                               # the tail method, in both implementations
        assert _stream(key, int(q), 1)[0] == _reference_draw(key, int(q))
    out32 = np.empty(size, np.float32)
    _rng.fill_normal(np.uint64(key), start, out32)
    np.testing.assert_array_equal(out32, ref.astype(np.float32))


def test_stream_with_scratch_ignores_its_contents_and_checks_its_length():
    """The kernels pass ``fill`` a scratch array they reuse: what it held does not matter."""
    key, start = np.uint64(99), 5 * 10**6
    out = np.empty(4000)
    _rng.fill(key, start, out, np.full(4100, 1, np.uint8))
    np.testing.assert_array_equal(out, _stream(int(key), start, 4000))
    with pytest.raises(ValueError, match="flags is shorter than out"):
        _rng.fill(key, start, out, np.empty(3999, np.uint8))


def test_stream_moments_and_distribution():
    """2e6 draws per key: mean, variance, skewness and excess kurtosis within five standard
    errors of N(0, 1), and a Kolmogorov-Smirnov test, for five keys."""
    from scipy import stats
    size = 2_000_000
    for key in (1, 2**63 + 7, 123456789, 2**64 - 1, 0):
        z = _stream(key, 10**12, size)
        tol = 5 / np.sqrt(size)
        assert abs(z.mean()) < tol
        assert abs(z.var() - 1) < tol * np.sqrt(2)
        assert abs(stats.skew(z)) < tol * np.sqrt(6)
        assert abs(stats.kurtosis(z)) < tol * np.sqrt(24)
        assert stats.kstest(z, "norm").pvalue > 1e-4
        # the tail beyond the ziggurat's base (its slow path) has the right mass
        tail = np.mean(np.abs(z) > _rng._R)
        assert abs(tail - 2 * stats.norm.sf(_rng._R)) < 5 * np.sqrt(tail / size)


def test_stream_is_independent_across_steps_and_parameters():
    """Rows are steps, columns parameters (a | w | b of 20000 neurons): correlations of
    neighbouring entries along a row and down a column, of a_j with w_j, and of the squares
    (dependence the correlation misses) stay within five standard errors of zero."""
    m, steps = 20000, 60
    xi = _stream(42, 0, steps * 3 * m).reshape(steps, 3 * m)
    pairs = {"next parameter": (xi[:, :-1], xi[:, 1:]), "next step": (xi[:-1], xi[1:]),
             "a_j and w_j": (xi[:, :m], xi[:, m:2 * m]),
             "squares, next step": (xi[:-1] ** 2, xi[1:] ** 2)}
    for name, (u, v) in pairs.items():
        r = np.corrcoef(u.ravel(), v.ravel())[0, 1]
        assert abs(r) < 5 / np.sqrt(u.size), name
    # different keys give unrelated streams
    r = np.corrcoef(xi[0], _stream(43, 0, 3 * m))[0, 1]
    assert abs(r) < 5 / np.sqrt(3 * m)


def test_stream_has_no_repeats_across_chunks():
    """Drawn in chunks of uneven sizes, the stream is the same as drawn at once, and none of
    its 3e6 values repeats (float64 values in the bulk lie 2**-53 to 2**-52 apart, so that
    3e6 independent Gaussians share one with probability of order 1e-4)."""
    size, key = 3_000_000, 77
    whole = _stream(key, 5, size)
    cuts = np.concatenate(([0], np.sort(np.random.default_rng(0).choice(size, 20)), [size]))
    parts = np.concatenate([_stream(key, 5 + lo, hi - lo) for lo, hi in zip(cuts, cuts[1:])])
    np.testing.assert_array_equal(parts, whole)
    assert np.unique(whole).size == size


# ------------------------------------------------------------- backend="torch"
def _torch_problem(dim):
    rng = np.random.default_rng(21)
    x = np.sort(rng.uniform(-1, 1, 30)) if dim == 1 else rng.standard_normal((30, dim)) / 2
    y = np.sin(3 * x) if dim == 1 else np.tanh(x[:, 0])
    return random_net(600, seed=22, dim=dim, scale=1 / 600).replace(c=0.1), x, y


TORCH_RUNS = {
    "gd-wd": lambda net, x, y, **kw: gradient_descent(net, x, y, lr=300.0, steps=150, record=6,
                                                      weight_decay=1e-5, **kw),
    "gd-train_c": lambda net, x, y, **kw: gradient_descent(net, x, y, lr=1.0, steps=150,
                                                           record=6, train_c=True, **kw),
    "rk4": lambda net, x, y, **kw: gradient_flow(net, x, y, 300.0, dt=5.0, record=6, **kw),
    "heun-train_c": lambda net, x, y, **kw: gradient_flow(net, x, y, 60.0, dt=0.5,
                                                          method="heun", record=6,
                                                          train_c=True, **kw),
    "langevin-zero-temperature": lambda net, x, y, **kw: langevin(
        net, x, y, lr=0.5, steps=150, beta=np.inf, weight_decay=1e-3, seed=3, record=6, **kw),
}


@pytest.mark.parametrize("dim", [1, 3])
@pytest.mark.parametrize("run", TORCH_RUNS.values(), ids=TORCH_RUNS.keys())
def test_torch_backend_matches_the_compiled_kernels(run, dim):
    """On the CPU, backend='torch' follows the compiled kernels (sorted for one input, the
    blocked d-input kernel for three) to 1e-10 while activation patterns change."""
    net, x, y = _torch_problem(dim)
    ref, got = run(net, x, y), run(net, x, y, backend="torch", device="cpu")
    assert np.sum(patterns(ref.net, x) != patterns(net, x)) > 0
    np.testing.assert_allclose(got.t, ref.t, rtol=1e-15)
    np.testing.assert_allclose(got.loss, ref.loss, rtol=1e-10, atol=0)
    for a, b in zip(ref.nets, got.nets):
        np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)


def test_torch_backend_float32_is_float32_and_follows_float64():
    net, x, y = _torch_problem(1)
    kw = dict(lr=300.0, steps=20, record=2)
    f64 = gradient_descent(net, x, y, **kw)
    f32 = gradient_descent(net, x, y, backend="torch", dtype="float32", **kw)
    gap = np.max(np.abs(params(f32.net) - params(f64.net))) / np.max(np.abs(params(f64.net)))
    assert 1e-9 < gap < 1e-5, gap


def test_torch_backend_langevin_noise_is_reproducible_its_own_and_2lr_over_beta():
    x = np.linspace(-1, 1, 30)
    y, net = np.abs(x), random_net(600, seed=23, scale=1 / 600)
    kw = dict(lr=0.01, beta=100.0, weight_decay=1e-3, seed=7, backend="torch")
    long = langevin(net, x, y, steps=300, record=np.arange(4) * 1.0, **kw)
    for steps, record in ((300, 2), (300, 17), (200, 3)):
        run = langevin(net, x, y, steps=steps, record=record, **kw)
        np.testing.assert_array_equal(params(run.net), params(long.nets[steps // 100]))
    other = langevin(net, x, y, steps=300, record=2, lr=0.01, beta=100.0, weight_decay=1e-3,
                     seed=7)
    assert np.max(np.abs(params(other.net) - params(long.net))) > 1e-3
    m, lr, beta = 20000, 0.01, 50.0
    flat = ShallowNet(a=np.zeros(m), w=np.ones(m), b=np.zeros(m), scale=1 / m)
    one = langevin(flat, [0.5], [0.0], lr=lr, steps=1, beta=beta, weight_decay=0.0, seed=4,
                   record=2, backend="torch")
    moved = np.concatenate([one.net.a - flat.a, one.net.w - flat.w, one.net.b - flat.b])
    sigma2 = 2 * lr / beta
    assert abs(np.mean(moved)) < 5 * np.sqrt(sigma2 / moved.size)
    assert abs(np.var(moved) / sigma2 - 1) < 5 * np.sqrt(2 / moved.size)


def test_torch_backend_arguments():
    net, x, y = _torch_problem(1)
    assert auto_backend(net, x) != "torch"
    with pytest.raises(ValueError, match="device is for backend='torch' only"):
        gradient_descent(net, x, y, lr=1.0, steps=1, device="cpu")
    with pytest.raises(ValueError, match="device must"):
        gradient_descent(net, x, y, lr=1.0, steps=1, backend="torch", device="nonsense")
    with pytest.raises(ValueError, match="leave noise at its default"):
        langevin(net, x, y, 0.01, 1, 10.0, 0.0, seed=0, backend="torch", noise="kernel")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            gradient_descent(net, x, y, lr=1.0, steps=1, backend="torch", device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("dim", [1, 3])
def test_torch_backend_on_cuda_replays_graphs_that_match_the_kernels(dim):
    """More steps than one captured graph (64), plus a remainder run eagerly."""
    net, x, y = _torch_problem(dim)
    for run in (TORCH_RUNS["gd-wd"], TORCH_RUNS["rk4"]):
        ref, got = run(net, x, y), run(net, x, y, backend="torch", device="cuda")
        for a, b in zip(ref.nets, got.nets):
            np.testing.assert_allclose(params(b), params(a), rtol=0, atol=1e-10)
