"""Tests of :mod:`relubook.dynamics`: gradient descent, gradient flow, Langevin, Trajectory.

Oracles: the plain torch loop of :mod:`relubook.torch_loop` (gradient descent), NumPy loops
built on ``ShallowNet.grad`` (mean-field gradient descent), scipy's DOP853 at tight tolerance
(the flow on a problem without kink crossings), a very fine Euler run (the flow across kinks),
and the conservation law of the flow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from relubook import ShallowNet, Trajectory, gradient_descent, gradient_flow, langevin, random_net
from relubook.dynamics import (
    SCHEMES,
    drive,
    fixed_steps,
    scheme_code,
    snapshot_steps,
    steps_per_call,
    warm_up,
)
from relubook.torch_loop import torch_gradient_descent

torch.set_num_threads(1)


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    """Compile (or load) the kernels once, outside the timed tests."""
    warm_up()


# ----------------------------------------------------------------------------- helpers
# The engine has a dense backend and, for one input and n >= 24 points, a sorted one:
# tests that run the engine use both sizes (SIZES), the larger with unsorted, repeated inputs.
SIZES = [12, 40]


def data_1d(n=12, seed=0):
    """n inputs in [-1, 1]: sorted for small n; unsorted with repeated points for n >= 24."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    if n < 24:
        x = np.sort(x)
    else:
        x[::6] = x[1::6]                     # repeated inputs
    return x, np.sin(3 * x)


def data_nd(n=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, np.tanh(x @ rng.standard_normal(d))


def params(net: ShallowNet) -> np.ndarray:
    """All trained parameters (a, w, b) as one vector."""
    b = np.zeros(0) if net.b is None else net.b
    return np.concatenate([net.a, net.w.ravel(), b])


def assert_nets_close(net, ref, rtol, atol):
    np.testing.assert_allclose(net.a, ref.a, rtol=rtol, atol=atol, err_msg="a")
    np.testing.assert_allclose(net.w, ref.w, rtol=rtol, atol=atol, err_msg="w")
    assert (net.b is None) == (ref.b is None)
    if net.b is not None:
        np.testing.assert_allclose(net.b, ref.b, rtol=rtol, atol=atol, err_msg="b")
    assert net.c == pytest.approx(ref.c, rel=rtol, abs=atol)
    assert net.scale == ref.scale and net.w.shape == ref.w.shape


def meanfield_gd_reference(net, x, y, lr, steps, wd):
    """theta_j <- theta_j - lr (m dL/dtheta_j + wd theta_j) on (a, w, b); c fixed."""
    m = net.width
    for _ in range(steps):
        g = net.grad(x, y)
        net = net.replace(a=net.a - lr * (m * g.a + wd * net.a),
                          w=net.w - lr * (m * g.w + wd * net.w),
                          b=None if net.b is None else net.b - lr * (m * g.b + wd * net.b))
    return net


def balancedness_drift(traj: Trajectory) -> float:
    """max_t max_j |B_j(t) - B_j(0)| relative to the largest squared parameter norm."""
    B = traj.observe(lambda n: n.balancedness())
    size = traj.observe(lambda n: np.max(2 * n.a ** 2 - n.balancedness()))  # a^2+|w|^2+b^2
    return float(np.max(np.abs(B - B[0])) / np.max(size))


def activation_patterns(traj: Trajectory, x) -> np.ndarray:
    return np.array([n.preactivations(x) > 0 for n in traj.nets])


# -------------------------------------------------- gradient descent = the torch loop
GD_CASES = {
    "d1-bias": dict(dim=1, bias=True, wd=0.0, train_c=False, scale=1.0),
    "d1-nobias": dict(dim=1, bias=False, wd=0.0, train_c=False, scale=1.0),
    "d1-bias-n40": dict(dim=1, bias=True, wd=0.0, train_c=False, scale=1.0, n=40),
    "d1-nobias-n40": dict(dim=1, bias=False, wd=0.0, train_c=False, scale=0.5, n=40),
    "d1-bias-wd-train_c-n40": dict(dim=1, bias=True, wd=0.02, train_c=True, scale=1.0, n=40),
    "d3-nobias": dict(dim=3, bias=False, wd=0.0, train_c=False, scale=0.5),
    "d2-bias-wd": dict(dim=2, bias=True, wd=0.05, train_c=False, scale=1.0),
    "d1-bias-train_c-wd-meanfield": dict(dim=1, bias=True, wd=0.01, train_c=True,
                                         scale=1 / 8),
    "d3-nobias-train_c": dict(dim=3, bias=False, wd=0.0, train_c=True, scale=1.0),
}


@pytest.mark.parametrize("case", GD_CASES.values(), ids=GD_CASES.keys())
def test_gradient_descent_matches_torch_loop(case):
    """Same loss at every step and same final parameters as autograd + torch.optim.SGD."""
    m, steps, lr = 8, 200, 0.05
    net = random_net(m, seed=2, dim=case["dim"], bias=case["bias"], scale=case["scale"])
    net = net.replace(c=0.2)
    n = case.get("n", 10)
    x, y = data_1d(n) if case["dim"] == 1 else data_nd(n, case["dim"])
    traj = gradient_descent(net, x, y, lr, steps, record=np.arange(steps + 1) * lr,
                            weight_decay=case["wd"], train_c=case["train_c"])
    ref_net, ref_loss = torch_gradient_descent(net, x, y, lr, steps, weight_decay=case["wd"],
                                               train_c=case["train_c"])
    assert len(traj) == steps + 1
    np.testing.assert_allclose(traj.loss, ref_loss, rtol=1e-10, atol=1e-14)
    assert_nets_close(traj.net, ref_net, rtol=1e-10, atol=1e-12)
    assert ref_loss[-1] < ref_loss[0]                      # the run actually trained
    # all steps in one kernel call (no intermediate records): the same end point
    whole = gradient_descent(net, x, y, lr, steps, record=2, weight_decay=case["wd"],
                             train_c=case["train_c"])
    assert_nets_close(whole.net, ref_net, rtol=1e-10, atol=1e-12)
    assert whole.loss[-1] == pytest.approx(ref_loss[-1], rel=1e-10)
    if not case["train_c"]:
        assert traj.net.c == net.c


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("bias", [True, False])
def test_one_gradient_descent_step_is_theta_minus_lr_grad(bias, n):
    """One step is theta - lr (grad + wd theta), with grad from ShallowNet.grad (c fixed)."""
    net = random_net(5, seed=3, bias=bias).replace(c=-0.1)
    x, y = data_1d(n)
    lr, wd = 0.1, 0.3
    g = net.grad(x, y)
    new = gradient_descent(net, x, y, lr, 1, record=2, weight_decay=wd).net
    expected = net.replace(a=net.a - lr * (g.a + wd * net.a), w=net.w - lr * (g.w + wd * net.w),
                           b=None if not bias else net.b - lr * (g.b + wd * net.b))
    assert_nets_close(new, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("repeat", [1, 8])
def test_gradient_descent_with_data_on_kinks(repeat):
    """Data exactly on kinks (relu'(0) = 0): the engine agrees with ShallowNet.grad."""
    net = ShallowNet(a=[1.0, -0.5, 2.0, 1.5], w=[1.0, -2.0, 0.5, 0.0],
                     b=[-0.5, 1.0, 0.25, 0.0])                   # knots 0.5, 0.5, -0.5
    x = np.tile([0.5, 0.5, -0.5, 1.0, 2.0], repeat)
    y = np.tile([1.0, -1.0, 0.25, 0.0, 0.5], repeat)
    assert np.any(net.preactivations(x) == 0)
    g = net.grad(x, y)
    new = gradient_descent(net, x, y, 0.125, 1, record=2).net
    np.testing.assert_allclose(params(new), params(net) - 0.125 * params(g), rtol=1e-14,
                               atol=1e-15)


# ------------------------------------------------------------------ Trajectory records
def test_times_are_steps_times_lr_and_log_spaced():
    """t = step * lr; first t = 0, last t = steps * lr; the rest log-spaced in steps."""
    net = random_net(4, seed=0)
    x, y = data_1d()
    lr, steps, k = 0.01, 10_000, 20
    traj = gradient_descent(net, x, y, lr, steps, record=k)
    assert len(traj.t) == len(traj.loss) == len(traj.nets) == len(traj) <= k
    assert traj.t[0] == 0.0 and traj.t[-1] == pytest.approx(steps * lr, rel=1e-14)
    step_idx = np.round(traj.t / lr)
    np.testing.assert_allclose(traj.t, step_idx * lr, rtol=1e-14, atol=0)
    assert np.all(np.diff(traj.t) > 0)
    expected = np.unique(np.round(np.geomspace(1, steps, k - 1)))
    np.testing.assert_array_equal(step_idx[1:], expected)
    ratios = step_idx[2:] / step_idx[1:-1]                 # roughly constant at large steps
    q = steps ** (1 / (k - 2))
    assert np.all(np.abs(ratios[-5:] / q - 1) < 0.02)


def test_explicit_record_times_are_honoured():
    """An array of times gives snapshots at exactly those times (plus 0 and the end)."""
    net = random_net(4, seed=0)
    x, y = data_1d()
    lr, steps = 0.125, 40
    traj = gradient_descent(net, x, y, lr, steps, record=[1.25, 0.5, 3.0])
    np.testing.assert_array_equal(traj.t, [0.0, 0.5, 1.25, 3.0, 5.0])
    again = gradient_descent(net, x, y, lr, 10, record=2)          # 10 steps = t 1.25
    assert_nets_close(traj.nets[2], again.net, rtol=1e-14, atol=1e-15)
    off = gradient_descent(net, x, y, 0.1, 10, record=[0.33])
    assert np.min(np.abs(off.t - 0.33)) <= 0.05 + 1e-12


# ------------------------------------------------------------------ the shared driver
@pytest.mark.parametrize("record", [2, 3, 7, 50])
@pytest.mark.parametrize("steps", [1, 9, 1000])
def test_snapshot_steps_follow_one_rule(record, steps):
    """Both spacings: sorted distinct steps from 0 to the end, at most ``record`` of them;
    "linear" evenly spaced (every step when there are fewer steps than snapshots), "log"
    geometric after step 0."""
    for spacing in ("log", "linear"):
        marks = snapshot_steps(record, steps, 0.1, spacing=spacing)
        assert marks[0] == 0 and marks[-1] == steps and np.all(np.diff(marks) > 0)
        assert marks.size <= record
    linear = snapshot_steps(record, steps, 0.1, spacing="linear")
    np.testing.assert_array_equal(linear, np.unique(np.round(np.linspace(0, steps, record))))
    if record - 1 <= steps:
        assert linear.size == record
    log = snapshot_steps(record, steps, 0.1)
    np.testing.assert_array_equal(log[1:], np.unique(np.round(
        np.geomspace(1, steps, record - 1))) if record > 2 else [steps])
    np.testing.assert_array_equal(snapshot_steps("all", steps, 0.1), np.arange(steps + 1))


def test_snapshot_steps_rejects_bad_records():
    with pytest.raises(ValueError, match="record"):
        snapshot_steps(1, 10, 0.1)
    with pytest.raises(ValueError, match="record"):
        snapshot_steps("some", 10, 0.1)
    with pytest.raises(ValueError, match="record times"):
        snapshot_steps([0.5, 2.0], 10, 0.1)
    with pytest.raises(ValueError, match="spacing"):
        snapshot_steps(5, 10, 0.1, spacing="geometric")


def test_fixed_steps_fit_t_end():
    assert fixed_steps(1.0, 0.1) == (10, pytest.approx(0.1))
    steps, h = fixed_steps(0.95, 0.1)
    assert steps == 10 and h == pytest.approx(0.095)
    assert fixed_steps(0.0, 0.1) == (0, 0.1)
    with pytest.raises(ValueError, match="dt"):
        fixed_steps(1.0, 0.0)
    with pytest.raises(ValueError, match="t_end"):
        fixed_steps(-1.0, 0.1)


def test_drive_runs_in_chunks_and_reports_divergence():
    calls = []

    def advance(k):
        calls.append(k)
        return float(sum(calls))

    marks = np.array([0, 5, 12])
    assert list(drive(advance, marks, 0.1, what="test", chunk=4)) == [0, 5, 12]
    assert calls == [4, 1, 4, 3]
    with pytest.raises(FloatingPointError, match=r"test diverged before t = 0.4 \(step 4\)"):
        list(drive(lambda k: math.nan, marks, 0.1, what="test", chunk=4))


def test_steps_per_call_bounds_the_work_of_a_call():
    assert steps_per_call(1) == 4_000_000 and steps_per_call(4_000) == 1_000
    assert steps_per_call(10**12) == 16                 # at least 16 steps, however large
    with pytest.raises(ValueError, match="cost"):
        steps_per_call(-1)


def test_one_scheme_table():
    import relubook.single_neuron as sn
    assert set(SCHEMES) == {"euler", "heun", "rk4"} and len(set(SCHEMES.values())) == 3
    assert (sn._EULER, sn._HEUN) == (SCHEMES["euler"], SCHEMES["heun"])
    with pytest.raises(ValueError, match="method"):
        scheme_code("adams")


def test_flow_record_times_and_end():
    """gradient_flow: t ends at t_end; explicit times honoured to within a step."""
    net = random_net(4, seed=0)
    x, y = data_1d()
    traj = gradient_flow(net, x, y, 2.0, dt=0.01, record=[0.5, 1.0, 1.5])
    np.testing.assert_allclose(traj.t, [0.0, 0.5, 1.0, 1.5, 2.0], rtol=1e-12, atol=1e-14)
    odd = gradient_flow(net, x, y, 1.0, dt=0.03, record=5)     # dt shrunk to fit t_end
    assert odd.t[0] == 0.0 and odd.t[-1] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("run", ["gd", "flow", "langevin", "langevin-nobias"])
def test_recorded_loss_is_the_loss_of_the_snapshot(run, n):
    """traj.loss[i] == traj.nets[i].loss(x, y); observe() maps over the snapshots."""
    x, y = data_1d(n)
    if run == "gd":
        traj = gradient_descent(random_net(5, seed=1), x, y, 0.05, 200, record=15)
    elif run == "flow":
        traj = gradient_flow(random_net(5, seed=1), x, y, 3.0, record=15)
    else:
        net = random_net(5, seed=1, bias=run == "langevin", scale=1 / 5)
        traj = langevin(net, x, y, 0.01, 200, beta=20.0, weight_decay=0.1, seed=4, record=15)
    direct = traj.observe(lambda n: n.loss(x, y))
    np.testing.assert_allclose(traj.loss, direct, rtol=1e-12, atol=1e-15)
    assert traj.net is traj.nets[-1]


@pytest.mark.parametrize("run", ["gd", "flow", "langevin"])
def test_input_net_is_not_modified(run):
    """The dynamics never change the network passed in."""
    net = random_net(6, seed=5, scale=1 / 6).replace(c=0.4)
    before = [net.a.copy(), net.w.copy(), net.b.copy(), net.c]
    x, y = data_1d()
    if run == "gd":
        traj = gradient_descent(net, x, y, 0.1, 50, train_c=True)
    elif run == "flow":
        traj = gradient_flow(net, x, y, 1.0, train_c=True)
    else:
        traj = langevin(net, x, y, 0.01, 50, 10.0, 0.1, seed=0)
    for old, new in zip(before, [net.a, net.w, net.b, net.c]):
        np.testing.assert_array_equal(old, new)
    assert not np.array_equal(traj.net.w, net.w)
    assert traj.nets[0] is not net
    np.testing.assert_array_equal(traj.nets[0].w, net.w)


# ------------------------------------------------------------- steps = 0 / t_end = 0
@pytest.mark.timeout(5, func_only=True)
def test_zero_steps_gradient_descent_returns_initial_state():
    """steps = 0 with the default record gives the initial net at t = 0 (and terminates)."""
    net = random_net(3, seed=0)
    x, y = data_1d()
    traj = gradient_descent(net, x, y, 0.1, 0)
    np.testing.assert_array_equal(traj.t, [0.0])
    np.testing.assert_array_equal(traj.net.w, net.w)


@pytest.mark.timeout(5, func_only=True)
def test_zero_time_gradient_flow_returns_initial_state():
    """t_end = 0 with the default record gives the initial net at t = 0 (and terminates)."""
    net = random_net(3, seed=0)
    x, y = data_1d()
    traj = gradient_flow(net, x, y, 0.0)
    np.testing.assert_array_equal(traj.t, [0.0])
    np.testing.assert_array_equal(traj.net.w, net.w)


@pytest.mark.timeout(5, func_only=True)
def test_zero_steps_langevin_makes_no_step():
    """steps = 0: Langevin returns the initial net only, at t = 0."""
    net = random_net(3, seed=0, scale=1 / 3)
    x, y = data_1d()
    traj = langevin(net, x, y, 0.1, 0, beta=10.0, weight_decay=0.0, seed=0)
    np.testing.assert_array_equal(traj.t, [0.0])
    np.testing.assert_array_equal(traj.net.w, net.w)


# ----------------------------------------------------------- conservation law
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("method", ["rk4", "heun"])
def test_flow_conserves_balancedness(method, n):
    """a_j^2 - ||w_j||^2 - b_j^2 is constant along the flow: tiny drift, shrinking with dt."""
    net = random_net(6, seed=1, init_scale=0.8)
    x, y = data_1d(n)
    drifts = [balancedness_drift(gradient_flow(net, x, y, 5.0, dt=dt, method=method,
                                               record=40, train_c=True))
              for dt in (0.02, 0.01, 0.005)]
    assert max(drifts) < 1e-6
    assert drifts[0] > drifts[1] > drifts[2]
    assert drifts[2] > 0.0


@pytest.mark.parametrize("dim,bias,n", [(1, True, 12), (1, False, 12), (1, True, 40),
                                        (3, False, 12), (2, True, 12)])
def test_gd_step_changes_balancedness_by_lr_squared(dim, bias, n):
    """One GD step changes B_j by exactly lr^2 (|dL/da_j|^2 - ||dL/dw_j||^2 - (dL/db_j)^2)."""
    net = random_net(7, seed=8, dim=dim, bias=bias)
    x, y = data_1d(n) if dim == 1 else data_nd(n, dim)
    g = net.grad(x, y)
    gw2 = g.w ** 2 if g.w.ndim == 1 else np.sum(g.w ** 2, axis=1)
    predicted = g.a ** 2 - gw2 - (0.0 if g.b is None else g.b ** 2)
    for lr in (0.1, 0.01):
        new = gradient_descent(net, x, y, lr, 1, record=2).net
        change = new.balancedness() - net.balancedness()
        np.testing.assert_allclose(change, lr ** 2 * predicted, rtol=1e-6,
                                   atol=1e-14 * np.max(net.a ** 2))


def test_gd_balancedness_drift_grows_with_lr():
    """Over a fixed time the GD drift of B_j is O(lr): it doubles when lr doubles."""
    net = random_net(6, seed=1, init_scale=0.8)
    x, y = data_1d()
    drifts = [balancedness_drift(gradient_descent(net, x, y, lr, int(round(3.0 / lr)),
                                                  record=30))
              for lr in (0.005, 0.01, 0.02)]
    assert drifts[0] < drifts[1] < drifts[2]
    assert 1.5 < drifts[2] / drifts[1] < 2.7 and 1.5 < drifts[1] / drifts[0] < 2.7


# ----------------------------------------------------------------- the flow itself
@pytest.mark.parametrize("n", [15, 40])
@pytest.mark.parametrize("method", ["rk4", "heun", "euler"])
def test_flow_loss_is_non_increasing(method, n):
    """The loss decreases along the flow (up to rounding)."""
    net = random_net(8, seed=3, init_scale=0.7)
    x, y = data_1d(n)
    traj = gradient_flow(net, x, y, 4.0, method=method, record=np.linspace(0, 4.0, 81))
    assert np.all(np.diff(traj.loss) <= 1e-12 * traj.loss[0])
    assert traj.loss[-1] < 0.8 * traj.loss[0]              # it did train


def smooth_problem():
    """Data in [-1, 1]; every neuron active on all data with its knot far outside."""
    rng = np.random.default_rng(0)
    x, y = data_1d(12)
    m = 6
    e = rng.choice([-1, 1], m) * rng.uniform(1.8, 3.0, m)
    w = -np.sign(e) * rng.uniform(0.3, 0.8, m)
    return ShallowNet(a=0.5 * rng.standard_normal(m), w=w, b=-e * w), x, y


def test_flow_schemes_have_their_order_without_kink_crossings():
    """Away from kinks RK4 is 4th order, Heun at least 2nd, Euler 1st (vs scipy DOP853)."""
    net, x, y = smooth_problem()
    t_end, m = 2.0, net.width

    def unpack(v):
        return net.replace(a=v[:m], w=v[m:2 * m], b=v[2 * m:])

    sol = solve_ivp(lambda t, v: -params(unpack(v).grad(x, y)), (0, t_end), params(net),
                    method="DOP853", rtol=1e-12, atol=1e-12, dense_output=True)
    ref = sol.y[:, -1]
    for t in np.linspace(0, t_end, 41):                    # precondition: no kink crossing
        assert np.all(np.abs(unpack(sol.sol(t)).knots()) > 1.2)
    dts = (0.05, 0.025, 0.0125)
    min_ratio = {"rk4": 10.0, "heun": 3.5, "euler": 1.7}
    for method, lowest in min_ratio.items():
        errs = np.array([np.max(np.abs(params(gradient_flow(net, x, y, t_end, dt=dt,
                                                            method=method, record=2).net)
                                       - ref)) for dt in dts])
        assert np.all(errs[:-1] / errs[1:] > lowest), (method, errs)
    assert errs[-1] < 0.01                                  # euler at dt = 0.0125


@pytest.mark.parametrize("n,seed", [(12, 1), (40, 2)])
@pytest.mark.parametrize("method", ["rk4", "heun"])
def test_flow_converges_to_fine_euler_across_kinks(method, n, seed):
    """With knots crossing data, RK4/Heun converge (first order, as documented) to fine Euler."""
    net = random_net(6, seed=seed, init_scale=0.8)
    x, y = data_1d(n)
    t_end = 1.0
    ref_traj = gradient_flow(net, x, y, t_end, dt=5e-6, method="euler", record=20)
    pattern = activation_patterns(ref_traj, x)
    assert np.any(pattern != pattern[0])                    # precondition: kinks are crossed
    ref = params(ref_traj.net)
    for dt in (0.1, 0.025, 0.00625, 0.0015625):
        err = np.max(np.abs(params(gradient_flow(net, x, y, t_end, dt=dt, method=method,
                                                 record=2).net) - ref))
        assert err <= 0.03 * dt, (dt, err)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("train_c", [False, True])
def test_euler_flow_is_gradient_descent(train_c, n):
    """method='euler' with step dt is gradient descent with lr = dt, bit for bit."""
    net = random_net(5, seed=4).replace(c=0.1)
    x, y = data_1d(n)
    dt, t_end = 0.01, 2.0
    flow = gradient_flow(net, x, y, t_end, dt=dt, method="euler", record=10, train_c=train_c)
    gd = gradient_descent(net, x, y, dt, 200, record=10, train_c=train_c)
    np.testing.assert_array_equal(flow.t, gd.t)
    np.testing.assert_array_equal(flow.loss, gd.loss)
    for f, g in zip(flow.nets, gd.nets):
        np.testing.assert_array_equal(params(f), params(g))
        assert f.c == g.c
    assert (gd.net.c != net.c) == train_c


def test_flow_train_c_moves_only_c_when_asked():
    """c follows -dL/dc with train_c=True and is fixed otherwise."""
    net = random_net(5, seed=4).replace(c=0.1)
    x, y = data_1d()
    y = y + 1.0                                             # a clear offset to learn
    assert gradient_flow(net, x, y, 1.0).net.c == 0.1
    moved = gradient_flow(net, x, y, 1.0, train_c=True).net.c
    assert moved > 0.1 + 0.1


# -------------------------------------------------------------------------- Langevin
def test_langevin_requires_mean_field_scale():
    """Langevin is defined for scale = 1/m only."""
    x, y = data_1d()
    with pytest.raises(ValueError, match="scale"):
        langevin(random_net(4, seed=0), x, y, 0.01, 10, 10.0, 0.1, seed=0)
    langevin(random_net(4, seed=0, scale=0.25), x, y, 0.01, 10, 10.0, 0.1, seed=0)


def test_langevin_is_reproducible_with_its_seed():
    """Same seed (int or Generator), same run; another seed, another run."""
    net = random_net(6, seed=1, scale=1 / 6)
    x, y = data_1d()
    run = lambda seed, record=10: langevin(net, x, y, 0.01, 300, 50.0, 0.1,  # noqa: E731
                                           seed=seed, record=record)
    a, b = run(3), run(3)
    np.testing.assert_array_equal(params(a.net), params(b.net))
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(params(run(np.random.default_rng(3)).net), params(a.net))
    assert not np.allclose(params(run(4).net), params(a.net))
    # the noise stream does not depend on how the run is cut into recorded chunks
    np.testing.assert_array_equal(params(run(3, record=np.linspace(0, 3, 31)).net),
                                  params(a.net))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("bias", [True, False])
def test_langevin_at_zero_temperature_is_mean_field_gd(bias, n):
    """beta = inf: theta_j <- theta_j - lr (m dL/dtheta_j + lambda theta_j); c stays fixed."""
    m = 7
    net = random_net(m, seed=2, bias=bias, scale=1 / m).replace(c=0.3)
    x, y = data_1d(n)
    lr, steps, wd = 0.02, 200, 0.05
    traj = langevin(net, x, y, lr, steps, np.inf, wd, seed=0, record=5)
    ref = meanfield_gd_reference(net, x, y, lr, steps, wd)
    assert_nets_close(traj.net, ref, rtol=1e-10, atol=1e-12)
    assert traj.net.c == 0.3
    np.testing.assert_allclose(traj.t[-1], steps * lr, rtol=1e-14)
    # the same as plain gradient descent with lr * m and weight decay wd / m
    gd = gradient_descent(net, x, y, lr * m, steps, record=2, weight_decay=wd / m)
    assert_nets_close(traj.net, gd.net, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("bias", [True, False])
def test_langevin_noise_has_variance_2lr_over_beta(bias, n):
    """One step: theta' - (mean-field GD step) is N(0, 2 lr / beta) per coordinate."""
    m = 3000
    net = random_net(m, seed=5, bias=bias, scale=1 / m)
    x, y = data_1d(n)
    lr, beta, wd = 0.01, 50.0, 0.1
    new = langevin(net, x, y, lr, 1, beta, wd, seed=6, record=2).net
    drift = meanfield_gd_reference(net, x, y, lr, 1, wd)
    z = (params(new) - params(drift)) / np.sqrt(2 * lr / beta)
    n = z.size
    assert n == (3 if bias else 2) * m
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert new.c == net.c and (new.b is None) == (not bias)


# -------------------------------------------------------------- divergence, progress
@pytest.mark.timeout(300, method="thread")        # guards against a kernel looping on NaN
@pytest.mark.parametrize("record", [100, 2])            # 2: NaN runs through a whole chunk
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("run", ["gd", "flow", "langevin"])
def test_divergence_raises_floating_point_error(run, n, record):
    """A step size far beyond stability raises FloatingPointError instead of returning NaN."""
    net = random_net(5, seed=0, bias=False, scale=1 / 5)    # no bias: no neuron can die
    x, y = data_1d(n)
    y = 100 * y
    with pytest.raises(FloatingPointError, match="diverged"):
        if run == "gd":
            gradient_descent(net, x, y, 50.0, 2000, record=record)
        elif run == "flow":
            gradient_flow(net, x, y, 1e5, dt=50.0, method="rk4", record=record)
        else:
            langevin(net, x, y, 50.0, 2000, 10.0, 0.0, seed=0, record=record)


@pytest.mark.parametrize("run", ["gd", "flow", "langevin"])
def test_progress_false_prints_nothing(run, capfd):
    """progress=False writes nothing to stdout or stderr; progress=True shows a bar."""
    net = random_net(4, seed=0, scale=0.25)
    x, y = data_1d()

    def go(progress):
        if run == "gd":
            gradient_descent(net, x, y, 0.01, 100, progress=progress)
        elif run == "flow":
            gradient_flow(net, x, y, 1.0, progress=progress)
        else:
            langevin(net, x, y, 0.01, 100, 10.0, 0.0, seed=0, progress=progress)

    go(False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    go(True)
    out, err = capfd.readouterr()
    assert "step" in out + err


# ------------------------------------------------------ gradient flow with located events
def _benchmark_flow():
    """The benchmark flow of relubook.speed: two loss plateaus from init scale 1e-6, with
    many knots crossing data points and, from early on, knots that slide along them."""
    from relubook import speed
    return speed.problem(10, 100, init_scale=1e-6, scale=1.0)


def _event_run(net, x, y, t_end, dt, method="rk4"):
    from relubook import _events
    from relubook.dynamics import SCHEMES, _State
    st = _State(net, x, y, False, "events")
    st.engine.flow(net.scale, net.has_bias, False, dt, SCHEMES[method], round(t_end / dt))
    assert isinstance(st.engine, _events.EventFlow)
    return st.theta.copy(), st.engine


@pytest.mark.parametrize("method, order", [("rk4", 4), ("heun", 2)])
def test_located_events_restore_the_order_across_crossings(method, order):
    """On the benchmark flow to t = 20 (about 250 located crossings and slides), the error
    at t = 20 falls by about 2**order per halving of dt (RK4: 13 to 14, near 16); the plain
    schemes fall by 2 (first order) on the same problem."""
    net, x, y = _benchmark_flow()
    ref, engine = _event_run(net, x, y, 20.0, 0.00625, method)
    assert engine.located > 100 and engine.fallbacks == 0
    assert np.any(engine.slide >= 0), "no knot slides along a data point"
    dts = (0.2, 0.1, 0.05) if method == "rk4" else (0.05, 0.025, 0.0125)
    errors = [np.max(np.abs(_event_run(net, x, y, 20.0, dt, method)[0] - ref)) for dt in dts]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 0.7 * 2 ** order), ratios
    assert np.all(ratios < 1.3 * 2 ** order), ratios


def test_located_events_follow_the_plain_flow():
    """events=True agrees with a fine plain Heun run (first order, error about 1e-5) along
    the whole loss curve, and is exactly the plain scheme where no pattern changes."""
    net, x, y = _benchmark_flow()
    grid = np.linspace(0, 40, 41)
    fine = gradient_flow(net, x, y, 40.0, dt=1e-4, method="heun", record=grid)
    event = gradient_flow(net, x, y, 40.0, dt=0.1, record=grid, events=True)
    np.testing.assert_allclose(event.loss, fine.loss, rtol=1e-4)
    quiet = random_net(6, seed=4, scale=1.0, init_scale=0.3)
    xq, yq = data_1d()
    plain = gradient_flow(quiet, xq, yq, 0.01, dt=0.002, record=2, backend="dense")
    located = gradient_flow(quiet, xq, yq, 0.01, dt=0.002, record=2, events=True)
    assert np.array_equal((plain.net.preactivations(xq) > 0),
                          (quiet.preactivations(xq) > 0)), "a pattern changed"
    np.testing.assert_allclose(params(located.net), params(plain.net), rtol=0, atol=1e-14)


def test_located_events_with_several_inputs():
    x, y = data_nd(12, 3)
    net = random_net(30, seed=5, dim=3, scale=1 / 30)
    fine = gradient_flow(net, x, y, 60.0, dt=1e-3, method="rk4", record=2)
    event = gradient_flow(net, x, y, 60.0, dt=0.3, record=2, events=True)
    assert np.sum((fine.net.preactivations(x) > 0) != (net.preactivations(x) > 0)) > 0
    np.testing.assert_allclose(params(event.net), params(fine.net), rtol=0, atol=1e-4)


@pytest.mark.parametrize("kw, error, match", [
    (dict(backend="sorted"), ValueError, "events=True needs"),
    (dict(dtype="float32"), ValueError, "events=True needs"),
    (dict(events="yes"), TypeError, "events must be a bool")])
def test_located_events_arguments(kw, error, match):
    x, y = data_1d()
    with pytest.raises(error, match=match):
        gradient_flow(random_net(4, seed=0), x, y, 1.0, **({"events": True} | kw))


# ------------------------------------------------ d inputs, fewer points than inputs
def _two_products(monkeypatch):
    """Make the d-input backend use its two-product kernel even when n <= d."""
    import relubook._gemm as gemm
    original = gemm.GemmEngine.__init__

    def init(self, X, y, P):
        original(self, X, y, P)
        self.span = False

    monkeypatch.setattr(gemm.GemmEngine, "__init__", init)


@pytest.mark.parametrize("bias, train_c", [(True, False), (False, True)])
@pytest.mark.parametrize("d, n", [(12, 12), (30, 7)])
def test_span_kernel_follows_the_torch_loop_and_the_two_product_kernel(d, n, bias, train_c,
                                                                      monkeypatch):
    """n <= d: the kernel that moves W in the span of the inputs (W = W0 + C X) takes the
    same steps as the reference loop and as the two-product kernel, snapshots included."""
    rng = np.random.default_rng(d + n)
    x, y = rng.standard_normal((n, d)) / np.sqrt(d), np.tanh(rng.standard_normal(n))
    net = random_net(40, seed=1, dim=d, bias=bias, scale=1 / 40)
    gd = gradient_descent(net, x, y, 1.5, 2000, record=7, train_c=train_c, backend="dense")
    ref_net, _ = torch_gradient_descent(net, x, y, 1.5, 2000, train_c=train_c)
    assert_nets_close(gd.net, ref_net, rtol=1e-10, atol=1e-12)
    flows = {m: gradient_flow(net, x, y, 8.0, dt=0.05, method=m, record=5, train_c=train_c,
                              backend="dense") for m in ("rk4", "heun")}
    _two_products(monkeypatch)
    again = gradient_descent(net, x, y, 1.5, 2000, record=7, train_c=train_c, backend="dense")
    for p, q in zip(gd.nets, again.nets):
        assert_nets_close(p, q, rtol=1e-11, atol=1e-13)
    # root losses (residual norms) agree to the rounding of f, however small the loss
    np.testing.assert_allclose(np.sqrt(gd.loss), np.sqrt(again.loss), rtol=1e-11, atol=1e-13)
    for method, flow in flows.items():
        ref = gradient_flow(net, x, y, 8.0, dt=0.05, method=method, record=5, train_c=train_c,
                            backend="dense")
        for p, q in zip(flow.nets, ref.nets):
            assert_nets_close(p, q, rtol=1e-11, atol=1e-13)
    pattern = [np.sign(s.preactivations(x)) for s in gd.nets]
    assert any(np.any(p != pattern[0]) for p in pattern[1:])     # activations did change


def test_span_kernel_leaves_weight_decay_and_noise_to_the_two_product_kernel():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 9)), rng.standard_normal(5)
    net = random_net(16, seed=2, dim=9, scale=1 / 16)
    decayed = gradient_descent(net, x, y, 0.5, 200, record=2, weight_decay=0.1)
    ref_net, _ = torch_gradient_descent(net, x, y, 0.5, 200, weight_decay=0.1)
    assert_nets_close(decayed.net, ref_net, rtol=1e-10, atol=1e-12)
    noisy = langevin(net, x, y, 0.01, 50, beta=1e4, weight_decay=0.1, seed=0, record=2)
    assert np.isfinite(noisy.loss[-1])
