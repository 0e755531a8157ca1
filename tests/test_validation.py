"""Bad input to every public function of the core raises ValueError/TypeError naming the argument.

Each case is ``(call, expected exception, argument name)``; the error message must name the
argument (DESIGN.md section 7): one-letter names (``a``, ``x``, ...) must open the message.
Valid reference objects are built once at import.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from relubook import (
    PiecewiseLinear,
    ShallowNet,
    gradient_descent,
    gradient_flow,
    langevin,
    random_net,
)
from relubook.torch_loop import torch_gradient_descent

NAN, INF = float("nan"), float("inf")

NET1 = ShallowNet(a=[1.0, -0.5, 2.0], w=[1.0, -1.0, 0.5], b=[0.0, 0.5, -0.25], scale=1 / 3)
NET3 = ShallowNet(a=[1.0, -0.5], w=np.ones((2, 3)), scale=0.5)
X1, Y1 = np.linspace(-1, 1, 5), np.linspace(0, 1, 5)
X3, Y3 = np.arange(12.0).reshape(4, 3) / 10, np.ones(4)
PL = PiecewiseLinear([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 0.0, 0.0)


def case(id_, call, exc, name):
    return pytest.param(call, exc, name, id=id_)


def check(call, exc, name):
    """``call()`` raises ``exc`` whose message names ``name`` (one-letter names: first word)."""
    with pytest.raises(exc) as info:
        call()
    pattern = rf"^{re.escape(name)}\b" if len(name) == 1 else rf"\b{re.escape(name)}\b"
    assert re.search(pattern, str(info.value)), f"{name!r} not named in: {info.value}"


# ------------------------------------------------------------------------ ShallowNet
SHALLOWNET_CASES = [
    case("a-2d", lambda: ShallowNet(a=[[1.0]], w=[1.0]), ValueError, "a"),
    case("a-empty-zero-width", lambda: ShallowNet(a=[], w=[]), ValueError, "a"),
    case("a-nan", lambda: ShallowNet(a=[NAN], w=[1.0]), ValueError, "a"),
    case("a-string", lambda: ShallowNet(a="1", w=[1.0]), TypeError, "a"),
    case("a-none", lambda: ShallowNet(a=None, w=[1.0]), TypeError, "a"),
    case("w-3d", lambda: ShallowNet(a=[1.0], w=np.ones((1, 1, 1))), ValueError, "w"),
    case("w-rows", lambda: ShallowNet(a=[1.0, 2.0], w=[1.0]), ValueError, "w"),
    case("w-zero-dim", lambda: ShallowNet(a=[1.0], w=np.ones((1, 0))), ValueError, "w"),
    case("w-inf", lambda: ShallowNet(a=[1.0], w=[INF]), ValueError, "w"),
    case("b-shape", lambda: ShallowNet(a=[1.0, 2.0], w=[1.0, 1.0], b=[0.0]), ValueError, "b"),
    case("b-nan", lambda: ShallowNet(a=[1.0], w=[1.0], b=[NAN]), ValueError, "b"),
    case("c-nan", lambda: ShallowNet(a=[1.0], w=[1.0], c=NAN), ValueError, "c"),
    case("c-none", lambda: ShallowNet(a=[1.0], w=[1.0], c=None), TypeError, "c"),
    case("scale-zero", lambda: ShallowNet(a=[1.0], w=[1.0], scale=0.0), ValueError, "scale"),
    case("scale-negative", lambda: ShallowNet(a=[1.0], w=[1.0], scale=-1.0), ValueError,
         "scale"),
    case("scale-inf", lambda: ShallowNet(a=[1.0], w=[1.0], scale=INF), ValueError, "scale"),
    case("scale-string", lambda: ShallowNet(a=[1.0], w=[1.0], scale="1"), TypeError, "scale"),
    # evaluation, loss and gradient
    case("call-x-nan", lambda: NET1([0.0, NAN]), ValueError, "x"),
    case("call-x-2d-for-d1", lambda: NET1(np.ones((3, 1))), ValueError, "x"),
    case("call-x-1d-for-d3", lambda: NET3(np.ones(3)), ValueError, "x"),
    case("call-wrong-d", lambda: NET3(np.ones((4, 2))), ValueError, "x"),
    case("call-empty", lambda: NET1([]), ValueError, "x"),
    case("loss-mismatch", lambda: NET1.loss(X1, Y1[:-1]), ValueError, "x and y"),
    case("loss-y-2d", lambda: NET1.loss(X1, Y1[:, None]), ValueError, "y"),
    case("loss-y-inf", lambda: NET1.loss(X1, np.r_[Y1[:-1], INF]), ValueError, "y"),
    case("loss-empty", lambda: NET1.loss([], []), ValueError, "x"),
    case("grad-mismatch", lambda: NET3.grad(X3, np.ones(5)), ValueError, "x and y"),
    case("grad-wrong-d", lambda: NET3.grad(X3[:, :2], Y3), ValueError, "x"),
    case("grad-x-nan", lambda: NET1.grad(np.r_[NAN, X1[1:]], Y1), ValueError, "x"),
    case("grad-y-empty", lambda: NET1.grad(X1, []), ValueError, "y"),
]


@pytest.mark.parametrize("call, exc, name", SHALLOWNET_CASES)
def test_shallownet_rejects_bad_input(call, exc, name):
    """ShallowNet construction, evaluation, loss and grad reject bad arguments."""
    check(call, exc, name)


# ------------------------------------------------------------------------ random_net
RANDOM_NET_CASES = [
    case("width-zero", lambda: random_net(0, seed=0), ValueError, "width"),
    case("width-negative", lambda: random_net(-2, seed=0), ValueError, "width"),
    case("width-float", lambda: random_net(2.0, seed=0), TypeError, "width"),
    case("dim-zero", lambda: random_net(2, seed=0, dim=0), ValueError, "dim"),
    case("init_scale-negative", lambda: random_net(2, seed=0, init_scale=-1.0), ValueError,
         "init_scale"),
    case("init_scale-nan", lambda: random_net(2, seed=0, init_scale=NAN), ValueError,
         "init_scale"),
    case("a_scale-negative", lambda: random_net(2, seed=0, a_scale=-1.0), ValueError,
         "a_scale"),
    case("scale-zero", lambda: random_net(2, seed=0, scale=0.0), ValueError, "scale"),
    case("seed-none", lambda: random_net(2, seed=None), TypeError, "seed"),
    case("seed-float", lambda: random_net(2, seed=1.5), TypeError, "seed"),
    case("seed-string", lambda: random_net(2, seed="0"), TypeError, "seed"),
    case("seed-legacy-randomstate", lambda: random_net(2, seed=np.random.RandomState(0)),
         TypeError, "seed"),
]


@pytest.mark.parametrize("call, exc, name", RANDOM_NET_CASES)
def test_random_net_rejects_bad_input(call, exc, name):
    """random_net checks width, dim, scales and that seed is an int or a Generator."""
    check(call, exc, name)


# ------------------------------------------------------------------ PiecewiseLinear
PIECEWISE_CASES = [
    case("from_jumps-mismatch",
         lambda: PiecewiseLinear.from_jumps([0.0, 1.0], [1.0], intercept=0.0, slope=0.0),
         ValueError, "jumps"),
    case("from_jumps-knots-nan",
         lambda: PiecewiseLinear.from_jumps([NAN], [1.0], intercept=0.0, slope=0.0),
         ValueError, "knots"),
    case("from_jumps-knots-2d",
         lambda: PiecewiseLinear.from_jumps([[0.0]], [[1.0]], intercept=0.0, slope=0.0),
         ValueError, "knots"),
    case("from_jumps-intercept-inf",
         lambda: PiecewiseLinear.from_jumps([0.0], [1.0], intercept=INF, slope=0.0),
         ValueError, "intercept"),
    case("from_jumps-slope-string",
         lambda: PiecewiseLinear.from_jumps([0.0], [1.0], intercept=0.0, slope="1"),
         TypeError, "slope"),
    case("call-nan", lambda: PL([0.0, NAN]), ValueError, "x"),
    case("knots-tol-negative", lambda: PL.knots(tol=-1e-3), ValueError, "tol"),
    case("knots-tol-nan", lambda: PL.knots(tol=NAN), ValueError, "tol"),
    case("knots-merge-negative", lambda: PL.knots(merge=-1.0), ValueError, "merge"),
    case("knots_between-one-point", lambda: PL.knots_between([0.5]), ValueError, "x_data"),
    case("knots_between-duplicates-only", lambda: PL.knots_between([0.5, 0.5]), ValueError,
         "x_data"),
    case("knots_between-empty", lambda: PL.knots_between([]), ValueError, "x_data"),
    case("knots_between-nan", lambda: PL.knots_between([0.0, NAN]), ValueError, "x_data"),
    case("knots_between-2d", lambda: PL.knots_between(np.ones((2, 2))), ValueError, "x_data"),
    case("knots_between-tol-negative", lambda: PL.knots_between([0.0, 1.0], tol=-1.0),
         ValueError, "tol"),
    case("max_abs_diff-other-type", lambda: PL.max_abs_diff(NET1), TypeError, "other"),
    case("max_abs_diff-interval-reversed", lambda: PL.max_abs_diff(PL, interval=(1.0, 0.0)),
         ValueError, "interval"),
    case("max_abs_diff-interval-empty", lambda: PL.max_abs_diff(PL, interval=(1.0, 1.0)),
         ValueError, "interval"),
    case("max_abs_diff-interval-nan", lambda: PL.max_abs_diff(PL, interval=(0.0, NAN)),
         ValueError, "interval"),
    case("max_abs_diff-interval-three-values",
         lambda: PL.max_abs_diff(PL, interval=(0.0, 1.0, 2.0)), ValueError, "interval"),
    case("max_abs_diff-interval-scalar", lambda: PL.max_abs_diff(PL, interval=1.0),
         (TypeError, ValueError), "interval"),
]


@pytest.mark.parametrize("call, exc, name", PIECEWISE_CASES)
def test_piecewise_rejects_bad_input(call, exc, name):
    """from_jumps, evaluation, knots, knots_between and max_abs_diff reject bad arguments."""
    check(call, exc, name)


# ------------------------------------------------------------------------- dynamics
def gd(**kw):
    args = dict(net=NET1, x=X1, y=Y1, lr=0.1, steps=3)
    args.update(kw)
    return lambda: gradient_descent(**args)


def flow(**kw):
    args = dict(net=NET1, x=X1, y=Y1, t_end=0.1)
    args.update(kw)
    return lambda: gradient_flow(**args)


def lv(**kw):
    args = dict(net=NET1, x=X1, y=Y1, lr=0.01, steps=3, beta=10.0, weight_decay=0.1, seed=0)
    args.update(kw)
    return lambda: langevin(**args)


COMMON_DATA_CASES = [
    ("net-none", dict(net=None), TypeError, "net"),
    ("net-piecewise", dict(net=PL), TypeError, "net"),
    ("x-y-mismatch", dict(y=Y1[:-1]), ValueError, "x and y"),
    ("x-empty", dict(x=[], y=[]), ValueError, "x"),
    ("x-nan", dict(x=np.r_[X1[:-1], NAN]), ValueError, "x"),
    ("x-2d-for-d1", dict(x=X1[:, None]), ValueError, "x"),
    ("y-inf", dict(y=np.r_[Y1[:-1], INF]), ValueError, "y"),
    ("y-2d", dict(y=Y1[None, :]), ValueError, "y"),
    ("wrong-d", dict(net=NET3.replace(scale=0.5), x=X3[:, :2], y=Y3), ValueError, "x"),
    ("x-1d-for-d3", dict(net=NET3.replace(scale=0.5), x=X3[:, 0], y=Y3), ValueError, "x"),
    ("record-one", dict(record=1), ValueError, "record"),
    ("record-negative-time", dict(record=[-0.01]), ValueError, "record"),
    ("record-beyond-end", dict(record=[0.05, 5.0]), ValueError, "record"),
    ("record-nan", dict(record=[NAN]), ValueError, "record"),
    ("record-2d", dict(record=[[0.01]]), ValueError, "record"),
    ("record-string", dict(record="every"), ValueError, "record"),
]

DYNAMICS_CASES = []
for fn, label in ((gd, "gd"), (flow, "flow"), (lv, "langevin")):
    for id_, kw, exc, name in COMMON_DATA_CASES:
        DYNAMICS_CASES.append(case(f"{label}-{id_}", fn(**kw), exc, name))

DYNAMICS_CASES += [
    case("gd-lr-negative", gd(lr=-0.1), ValueError, "lr"),
    case("gd-lr-zero", gd(lr=0.0), ValueError, "lr"),
    case("gd-lr-nan", gd(lr=NAN), ValueError, "lr"),
    case("gd-lr-string", gd(lr="0.1"), TypeError, "lr"),
    case("gd-steps-negative", gd(steps=-1), ValueError, "steps"),
    case("gd-steps-float", gd(steps=2.5), TypeError, "steps"),
    case("gd-weight_decay-negative", gd(weight_decay=-0.1), ValueError, "weight_decay"),
    case("gd-weight_decay-inf", gd(weight_decay=INF), ValueError, "weight_decay"),
    case("flow-t_end-negative", flow(t_end=-1.0), ValueError, "t_end"),
    case("flow-t_end-nan", flow(t_end=NAN), ValueError, "t_end"),
    case("flow-dt-negative", flow(dt=-0.01), ValueError, "dt"),
    case("flow-dt-zero", flow(dt=0.0), ValueError, "dt"),
    case("flow-dt-inf", flow(dt=INF), ValueError, "dt"),
    case("flow-method-unknown", flow(method="runge-kutta"), ValueError, "method"),
    case("flow-method-case", flow(method="RK4"), ValueError, "method"),
    case("flow-method-none", flow(method=None), ValueError, "method"),
    case("flow-method-list", flow(method=["rk4"]), (TypeError, ValueError), "method"),
    case("langevin-lr-negative", lv(lr=-0.01), ValueError, "lr"),
    case("langevin-steps-negative", lv(steps=-3), ValueError, "steps"),
    case("langevin-beta-zero", lv(beta=0.0), ValueError, "beta"),
    case("langevin-beta-negative", lv(beta=-1.0), ValueError, "beta"),
    case("langevin-beta-nan", lv(beta=NAN), ValueError, "beta"),
    case("langevin-beta-string", lv(beta="10"), TypeError, "beta"),
    case("langevin-weight_decay-negative", lv(weight_decay=-0.1), ValueError, "weight_decay"),
    case("langevin-scale-not-1/m", lv(net=NET1.replace(scale=1.0)), ValueError, "scale"),
    case("langevin-seed-none", lv(seed=None), TypeError, "seed"),
    case("langevin-seed-float", lv(seed=0.5), TypeError, "seed"),
    case("langevin-seed-string", lv(seed="0"), TypeError, "seed"),
    case("langevin-seed-randomstate", lv(seed=np.random.RandomState(0)), TypeError, "seed"),
]


@pytest.mark.parametrize("call, exc, name", DYNAMICS_CASES)
def test_dynamics_reject_bad_input(call, exc, name):
    """gradient_descent, gradient_flow and langevin reject bad arguments before running."""
    check(call, exc, name)


def test_langevin_seed_is_required():
    """seed is a required keyword: no hidden global random state."""
    with pytest.raises(TypeError, match="seed"):
        langevin(NET1, X1, Y1, 0.01, 3, 10.0, 0.1)


# ------------------------------------------------------------------ torch reference
TORCH_CASES = [
    case("lr-negative", lambda: torch_gradient_descent(NET1, X1, Y1, -0.1, 3), ValueError, "lr"),
    case("steps-negative", lambda: torch_gradient_descent(NET1, X1, Y1, 0.1, -3), ValueError,
         "steps"),
    case("weight_decay-negative",
         lambda: torch_gradient_descent(NET1, X1, Y1, 0.1, 3, weight_decay=-1.0), ValueError,
         "weight_decay"),
    case("x-y-mismatch", lambda: torch_gradient_descent(NET1, X1, Y1[:2], 0.1, 3), ValueError,
         "x and y"),
    case("wrong-d", lambda: torch_gradient_descent(NET3, X3[:, :1], Y3, 0.1, 3), ValueError, "x"),
]


@pytest.mark.parametrize("call, exc, name", TORCH_CASES)
def test_torch_reference_rejects_bad_input(call, exc, name):
    """The torch reference loop validates like gradient_descent."""
    pytest.importorskip("torch")
    check(call, exc, name)


# ------------------------------------------------------------------------ good input
def test_valid_inputs_pass():
    """The reference objects above are valid: every function runs on them."""
    NET1(X1), NET1.loss(X1, Y1), NET1.grad(X1, Y1), NET3.grad(X3, Y3)
    gd()(), flow()(), lv()()
    gradient_descent(NET3, X3, Y3, 0.1, 3, record=[0.1, 0.2])
    langevin(NET1, X1, Y1, 0.01, 3, np.inf, 0.0, seed=np.random.default_rng(0))
    PL.knots_between([0.0, 1.5, 3.0]), PL.max_abs_diff(PL, interval=(0.0, 1.0))


@pytest.mark.parametrize("value, match", [
    ((1.0,), "must be a pair"), ([[0.0, 1.0]], "interval"), ((1.0, 1.0), "lo < hi"),
    ((2.0, 1.0), "lo < hi"), ((0.0, np.nan), "interval"), ("ab", "interval"),
])
def test_as_interval_rejects_bad_pairs(value, match):
    from relubook._validate import as_interval
    with pytest.raises((ValueError, TypeError), match=match):
        as_interval(value)


def test_as_interval_returns_floats():
    from relubook._validate import as_interval
    assert as_interval(np.array([0, 2])) == (0.0, 2.0)


def test_as_net_is_the_one_network_check():
    from relubook._validate import as_net
    one = ShallowNet(a=[1.0], w=[1.0], b=[0.0])
    two = ShallowNet(a=[1.0], w=[[1.0, 0.0]])
    assert as_net(one, dim=1, bias=True, scale=1.0) is one
    assert as_net(two, dim=2, bias=False) is two
    for bad, kwargs, error, message in [
            ("net", {}, TypeError, "net must be a ShallowNet"),
            (two, dict(dim=1), ValueError, "one input"),
            (one, dict(dim=3), ValueError, "3 inputs"),
            (two, dict(bias=True), ValueError, "hidden biases"),
            (one, dict(bias=False), ValueError, "without biases"),
            (one.replace(scale=0.5), dict(scale=1.0), ValueError, "scale 1")]:
        with pytest.raises(error, match=message):
            as_net(bad, **kwargs)
