r"""One ReLU neuron trained by gradient flow: support vectors, norm growth, the plane.

The setting of chapter 5 (after Lee, Sim and Ye, arXiv 2202.05510).

The model is :math:`f_w(x) = \mathrm{relu}(\langle w, x\rangle)` with ``w`` in ``R^d`` and no
bias (a bias is a constant input coordinate). With inputs ``x`` of shape ``(n, d)`` and labels
``y`` the loss is :math:`L(w) = \frac{1}{2n}\sum_i (\mathrm{relu}(z_i) - y_i)^2`,
``z = x @ w``, and with ``relu'(0) = 0`` the gradient flow is

.. math::

    \dot w = -\nabla L(w) = -\frac{1}{n}\sum_{i \in A(w)} (z_i - y_i)\, x_i,
    \qquad A(w) = \{i : z_i > 0\},

so only the *active* inputs (the "support vectors") move ``w``. While ``A`` stays fixed the
flow is linear, :math:`\dot w = -H_A (w - w^*_A)` with :math:`H_A = X_A^\top X_A / n`, and
:func:`projection_limit` gives its limit :math:`w^*_A`.

This module provides the loss, gradient and active sets (vectorised over many weights), the
projection formula, the time derivative of ``|w|^2``, a compiled integrator that runs the
flow for many instances at once (:func:`flow`), an exact event-driven solution of the
piecewise-linear flow (:func:`exact_flow`, the oracle for step-size questions) and the
planar tools of the convergence chapter (half-plane depth of the origin, the cone of weights
that see only zero labels, the fate of a run). Its teacher instances are
:func:`relubook.data.teacher_instances`.

Claims: claim-neuron-support, claim-neuron-norm, claim-neuron-overshoot, claim-neuron-plane,
claim-neuron-dimension, claim-neuron-linear (chapter 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from scipy.optimize import brentq

from ._validate import as_array, as_float, as_int
from .dynamics import SCHEMES, drive, fixed_steps, scheme_code, snapshot_steps, steps_per_call

__all__ = [
    "loss", "gradient", "velocity", "active_set", "norm_derivative", "projection_limit",
    "span_residual", "NeuronFlow", "flow", "ExactFlow", "exact_flow",
    "halfplane_depth", "in_silent_cone", "fate", "Census", "census", "LIMIT_KINDS",
    "limit_kind", "warm_up",
]

# Scheme codes the compiled kernel reads. numba's cache key is this file's text only: if the
# codes of relubook._kernels (HEUN 0, RK4 1, EULER 2) ever change, change this comment too.
_EULER, _HEUN = SCHEMES["euler"], SCHEMES["heun"]
_DEFAULT_DT = {"euler": 0.01, "heun": 0.05, "rk4": 0.1}
_GRID = 1500          # times scanned per region by exact_flow when looking for the next event
_FLOOR = 1e3 * np.finfo(float).eps   # exact_flow: |z_i| below this (relative) is "on the boundary"


# ------------------------------------------------------------------ checks
def _inputs(x, name: str = "x") -> np.ndarray:
    x = as_array(x, name, ndim=2)
    if x.shape[1] == 0:
        raise ValueError(f"{name} must have at least one input dimension, got shape {x.shape}")
    return x


def _weights(w, d: int, name: str = "w") -> np.ndarray:
    w = as_array(w, name)
    if w.ndim == 0 or w.shape[-1] != d:
        raise ValueError(f"{name} must have shape (..., {d}) to match x, got {w.shape}")
    return w


def _labels(y, n: int) -> np.ndarray:
    y = as_array(y, "y", ndim=1)
    if y.shape != (n,):
        raise ValueError(f"y must have one label per input, shape ({n},), got {y.shape}")
    return y


def _mask(active, n: int) -> np.ndarray:
    active = np.asarray(active)
    if active.dtype != bool or active.shape != (n,):
        raise ValueError(f"active must be a boolean mask of shape ({n},), "
                         f"got {active.dtype} array of shape {active.shape}")
    return active


# ------------------------------------------------------- the model, vectorised
def active_set(w, x) -> np.ndarray:
    """The active inputs ``<w, x_i> > 0``; shape ``(..., n)`` for ``w`` of shape ``(..., d)``."""
    x = _inputs(x)
    w = _weights(w, x.shape[1])
    return w @ x.T > 0.0


def loss(w, x, y) -> np.ndarray:
    r"""The loss :math:`\frac{1}{2n}\sum_i (\mathrm{relu}(\langle w, x_i\rangle) - y_i)^2`.

    Parameters
    ----------
    w : array_like, shape (..., d)
        One weight or a stack of weights.
    x : array_like, shape (n, d)
        Inputs.
    y : array_like, shape (n,)
        Labels.

    Returns
    -------
    ndarray, shape (...)
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    w = _weights(w, x.shape[1])
    r = np.maximum(w @ x.T, 0.0) - y
    return 0.5 * np.mean(r * r, axis=-1)


def gradient(w, x, y) -> np.ndarray:
    r"""The gradient :math:`\frac{1}{n}\sum_{i\in A(w)} (\langle w, x_i\rangle - y_i)\,x_i`.

    Uses ``relu'(0) = 0``: an input with ``<w, x_i> = 0`` does not contribute. Shapes as in
    :func:`loss`; returns an array of the shape of ``w``.
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    w = _weights(w, x.shape[1])
    z = w @ x.T
    r = np.where(z > 0.0, z - y, 0.0)
    return r @ x / x.shape[0]


def velocity(w, x, y) -> np.ndarray:
    """The gradient-flow vector field ``-gradient(w, x, y)`` (for phase portraits)."""
    return -gradient(w, x, y)


def norm_derivative(w, x, y) -> np.ndarray:
    r"""The rate :math:`\frac{d}{dt}|w|^2` along the gradient flow at ``w``.

    .. math::

        \begin{aligned}
        \frac{d}{dt}|w|^2 &= -2\langle w, \nabla L(w)\rangle
        = \frac{2}{n}\sum_{i\in A(w)} z_i (y_i - z_i) \\
        &= -\frac{2}{n}\bigl(|r_A|^2 + \langle r_A, y_A\rangle\bigr),
        \qquad r_A = z_A - y_A.
        \end{aligned}

    Shapes as in :func:`loss`; returns shape ``(...)``.
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    w = _weights(w, x.shape[1])
    z = w @ x.T
    return 2.0 * np.sum(np.where(z > 0.0, z * (y - z), 0.0), axis=-1) / x.shape[0]


def projection_limit(w0, x, y, active) -> np.ndarray:
    r"""The limit of the linear flow on a fixed active set ``A``, started at ``w0``.

    .. math::

        w^*_A = (I - X_A^+ X_A)\, w_0 + X_A^+ y_A = w_0 - X_A^+ (X_A w_0 - y_A),

    the point closest to ``w0`` among the least-squares solutions of ``X_A w = y_A``; when
    ``X_A`` has full row rank it is the orthogonal projection of ``w0`` onto the affine set
    ``{w : X_A w = y_A}``. The pseudo-inverse is applied by ``numpy.linalg.lstsq``.

    Parameters
    ----------
    w0 : array_like, shape (d,)
        Starting weight.
    x : array_like, shape (n, d)
        Inputs.
    y : array_like, shape (n,)
        Labels.
    active : array_like of bool, shape (n,)
        The active set ``A``; an empty set returns ``w0``.

    Returns
    -------
    ndarray, shape (d,)
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    w0 = as_array(w0, "w0", ndim=1)
    if w0.shape != (x.shape[1],):
        raise ValueError(f"w0 must have shape ({x.shape[1]},), got {w0.shape}")
    A = _mask(active, x.shape[0])
    if not A.any():
        return w0.copy()
    xa = x[A]
    step, *_ = np.linalg.lstsq(xa, xa @ w0 - y[A], rcond=None)
    return w0 - step


def span_residual(u, x, mask) -> float:
    """Distance from ``u`` to the span of the inputs ``x[mask]``, relative to ``|u|``.

    Returns ``0.0`` for ``u = 0``; an empty mask gives ``1.0`` for ``u != 0``.
    """
    x = _inputs(x)
    u = as_array(u, "u", ndim=1)
    if u.shape != (x.shape[1],):
        raise ValueError(f"u must have shape ({x.shape[1]},), got {u.shape}")
    S = _mask(mask, x.shape[0])
    size = np.linalg.norm(u)
    if size == 0.0:
        return 0.0
    if not S.any():
        return 1.0
    coef, *_ = np.linalg.lstsq(x[S].T, u, rcond=None)
    return float(np.linalg.norm(u - x[S].T @ coef) / size)


# ------------------------------------------------------------ compiled flow
@njit(cache=True)
def _field(x, y, w, out, prev, ever):
    """``out = -grad L(w)``; marks the active inputs in ``ever``; returns whether the active
    set differs from ``prev`` (which is then updated)."""
    n, d = x.shape
    for k in range(d):
        out[k] = 0.0
    changed = False
    for i in range(n):
        z = 0.0
        for k in range(d):
            z += x[i, k] * w[k]
        active = z > 0.0
        if active != prev[i]:
            changed = True
            prev[i] = active
        if active:
            ever[i] = True
            r = (z - y[i]) / n
            for k in range(d):
                out[k] -= r * x[i, k]
    return changed


@njit(cache=True)
def _flow_start(X, Y, W, prev, ever):
    """Record in ``prev`` the initial active set of each of the ``B`` flows, clear ``ever``.

    ``X``: (1 or B, n, d); ``Y``: (1 or B, n); ``W``: (B, d); ``prev``, ``ever``: (B, n).
    """
    B, d = W.shape
    out = np.empty(d)
    for b in range(B):
        x = X[0] if X.shape[0] == 1 else X[b]
        y = Y[0] if Y.shape[0] == 1 else Y[b]
        prev[b, :] = False
        ever[b, :] = False
        _field(x, y, W[b], out, prev[b], ever[b])


@njit(cache=True)
def _flow_steps(X, Y, W, h, method, s0, steps, prev, ever, settle_w, settle_step):
    """Advance ``B`` independent single-neuron flows by ``steps`` steps of size ``h``.

    ``W`` (B, d) is updated in place from step ``s0``; ``prev`` and ``ever`` (B, n) carry
    each flow's current and ever-seen active sets. ``settle_step[b]`` is the last step
    during which some evaluation of the field saw a new active set and ``settle_w[b]`` the
    weight at the end of that step. Returns whether every weight is finite.
    """
    B, d = W.shape
    tmp = np.empty(d)
    k1 = np.empty(d)
    k2 = np.empty(d)
    k3 = np.empty(d)
    k4 = np.empty(d)
    for b in range(B):
        x = X[0] if X.shape[0] == 1 else X[b]
        y = Y[0] if Y.shape[0] == 1 else Y[b]
        w, pb, eb = W[b], prev[b], ever[b]
        for s in range(s0, s0 + steps):
            changed = _field(x, y, w, k1, pb, eb)
            if method == _EULER:
                for k in range(d):
                    w[k] += h * k1[k]
            elif method == _HEUN:
                for k in range(d):
                    tmp[k] = w[k] + h * k1[k]
                changed |= _field(x, y, tmp, k2, pb, eb)
                for k in range(d):
                    w[k] += 0.5 * h * (k1[k] + k2[k])
            else:
                for k in range(d):
                    tmp[k] = w[k] + 0.5 * h * k1[k]
                changed |= _field(x, y, tmp, k2, pb, eb)
                for k in range(d):
                    tmp[k] = w[k] + 0.5 * h * k2[k]
                changed |= _field(x, y, tmp, k3, pb, eb)
                for k in range(d):
                    tmp[k] = w[k] + h * k3[k]
                changed |= _field(x, y, tmp, k4, pb, eb)
                for k in range(d):
                    w[k] += h / 6.0 * (k1[k] + 2.0 * k2[k] + 2.0 * k3[k] + k4[k])
            if changed:
                settle_step[b] = s + 1
                for k in range(d):
                    settle_w[b, k] = w[k]
    return np.all(np.isfinite(W))


@dataclass(frozen=True)
class NeuronFlow:
    """Snapshots of single-neuron gradient flows (one run, or a batch of ``B`` runs).

    Batch axes are present only when the call was batched.

    Attributes
    ----------
    t : ndarray, shape (K,)
        Times of the snapshots.
    w : ndarray, shape ([B,] K, d)
        The weight at each snapshot.
    ever_active : ndarray of bool, shape ([B,] K, n)
        Inputs active at some evaluation of the vector field up to each snapshot (including
        the initial point and the intermediate stages of the scheme).
    settle_time : float or ndarray, shape ([B],)
        Time after which every evaluation saw the same active set (0 if it never changed).
    settle_w : ndarray, shape ([B,] d)
        The weight at ``settle_time``.
    dt : float
        The step used.
    """

    t: np.ndarray
    w: np.ndarray
    ever_active: np.ndarray = field(repr=False)
    settle_time: np.ndarray
    settle_w: np.ndarray = field(repr=False)
    dt: float

    @property
    def final(self) -> np.ndarray:
        """The last recorded weight, shape ``([B,] d)``."""
        return self.w[..., -1, :]

    def norms(self) -> np.ndarray:
        """``|w|`` at every snapshot, shape ``([B,] K)``."""
        return np.linalg.norm(self.w, axis=-1)


def _batch_shapes(w0, x, y):
    """Validate and broadcast the arguments of :func:`flow` to (B, d), (Bx, n, d), (By, n)."""
    x = as_array(x, "x", ndim=(2, 3))
    n, d = x.shape[-2:]
    if d == 0:
        raise ValueError(f"x must have at least one input dimension, got shape {x.shape}")
    y = as_array(y, "y", ndim=(1, 2))
    if y.shape[-1] != n:
        raise ValueError(f"y must have {n} labels per instance to match x, got {y.shape}")
    w0 = as_array(w0, "w0", ndim=(1, 2))
    if w0.shape[-1] != d:
        raise ValueError(f"w0 must have {d} entries per instance to match x, got {w0.shape}")
    sizes = {a.shape[0] for a, k in ((w0, 2), (x, 3), (y, 2)) if a.ndim == k}
    if len(sizes) > 1:
        raise ValueError(f"batched arguments disagree on the batch size: w0 {w0.shape}, "
                         f"x {x.shape}, y {y.shape}")
    batched = bool(sizes)
    B = sizes.pop() if sizes else 1
    W0 = np.ascontiguousarray(np.broadcast_to(w0, (B, d)))
    X = np.ascontiguousarray(x.reshape((-1, n, d)))
    Y = np.ascontiguousarray(y.reshape((-1, n)))
    return W0, X, Y, batched


def flow(w0, x, y, t_end: float, *, dt: float | None = None, method: str = "rk4",
         record=201, spacing: str = "log", progress: bool = False) -> NeuronFlow:
    r"""Integrate the single-neuron gradient flow, for one instance or many at once.

    A fixed-step scheme runs in a compiled loop: classical Runge--Kutta (``"rk4"``), Heun
    (``"heun"``) or explicit Euler (``"euler"``, which is gradient descent with step ``dt``).
    The vector field jumps where an input changes sides, so every scheme is first-order
    accurate across such events; inside a region of constant active set the schemes have
    their usual order, and the fixed point of the linear field is reproduced exactly, so a
    settled run converges to :func:`projection_limit` to rounding. Every step adds a
    combination of active inputs to ``w``, so the span property of the flow holds exactly for
    the discrete schemes too (with the stage points counted as visited). RK4 is stable for
    ``dt`` times the largest eigenvalue of ``x.T @ x / n`` below about 2.8, Euler and Heun
    below 2.

    Parameters
    ----------
    w0 : array_like, shape (d,) or (B, d)
        Initial weight(s).
    x : array_like, shape (n, d) or (B, n, d)
        Inputs, shared by all runs or one set per run.
    y : array_like, shape (n,) or (B, n)
        Labels, shared or one set per run.
    t_end : float
        Final time (non-negative).
    dt : float, optional
        Step; defaults to 0.1 (RK4), 0.05 (Heun), 0.01 (Euler). It is shrunk slightly so
        that ``t_end`` is a whole number of steps.
    method : {"rk4", "heun", "euler"}
    record : int, array_like or "all"
        Snapshots, as in every dynamics of the package (see
        :func:`relubook.dynamics.snapshot_steps`): a number of them, spread by ``spacing``,
        an array of times in ``[0, t_end]``, or ``"all"`` for every step.
    spacing : {"log", "linear"}
        How an int ``record`` is spread over the run.
    progress : bool
        Show a progress bar.

    Returns
    -------
    NeuronFlow
        With a leading batch axis when any of ``w0``, ``x``, ``y`` was batched.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]]); y = np.array([1.0, 2.0])
    >>> run = flow([0.1, 0.1], x, y, t_end=60.0)
    >>> np.round(run.final, 6).tolist()
    [1.0, 2.0]
    """
    code = scheme_code(method)
    W0, X, Y, batched = _batch_shapes(w0, x, y)
    W = np.array(W0)                      # the running weights, updated in place
    steps, h = fixed_steps(t_end, _DEFAULT_DT[method] if dt is None else dt)
    marks = snapshot_steps(record, steps, h, spacing=spacing)
    (B, d), n = W.shape, X.shape[1]
    path = np.empty((B, marks.size, d))
    ever_path = np.zeros((B, marks.size, n), dtype=bool)
    prev, ever = np.zeros((B, n), dtype=bool), np.zeros((B, n), dtype=bool)
    settle_w, settle_step = W.copy(), np.zeros(B, dtype=np.int64)
    _flow_start(X, Y, W, prev, ever)
    done = [0]

    def advance(k):
        finite = _flow_steps(X, Y, W, h, code, done[0], k, prev, ever, settle_w, settle_step)
        done[0] += k
        return finite

    chunk = steps_per_call(B * n * d)
    for row, _ in enumerate(drive(advance, marks, h, what="single-neuron flow", finite=bool,
                                  chunk=chunk, progress=progress)):
        path[:, row], ever_path[:, row] = W, ever
    settle_time = settle_step * h
    if not batched:
        path, ever_path, settle_w, settle_time = path[0], ever_path[0], settle_w[0], \
            float(settle_time[0])
    return NeuronFlow(t=marks * h, w=path, ever_active=ever_path, settle_time=settle_time,
                      settle_w=settle_w, dt=h)


# ----------------------------------------------------- exact piecewise flow
@dataclass(frozen=True)
class _Region:
    start: float
    active: np.ndarray      # (n,) bool
    limit: np.ndarray       # (d,) w*_A
    modes: np.ndarray       # (d, k) eigenvectors of H_A with positive eigenvalues
    rates: np.ndarray       # (k,) those eigenvalues
    coef: np.ndarray        # (k,) coordinates of w(start) - w*_A in the modes

    def at(self, t) -> np.ndarray:
        decay = _decay(np.outer(np.asarray(t) - self.start, self.rates))
        return self.limit + (decay * self.coef) @ self.modes.T


def _decay(rate_times: np.ndarray) -> np.ndarray:
    """``exp(-rate_times)``, floored at ``exp(-600)`` to keep clear of slow subnormal
    arithmetic (the floor changes nothing at double precision next to order-one terms)."""
    return np.exp(-np.minimum(rate_times, 600.0))


@dataclass(frozen=True)
class ExactFlow:
    """The exact solution of the piecewise-linear single-neuron flow.

    Between events the active set ``A`` is fixed and
    ``w(t) = w*_A + V exp(-Lambda (t - t_A)) V^T (w(t_A) - w*_A)`` with ``H_A = V Lambda V^T``.

    Attributes
    ----------
    event_times : ndarray, shape (E,)
        Times at which an input changed sides (the first region starts at 0, not listed).
    crossing : ndarray of int, shape (E,)
        Index of the input that changed sides at each event.
    t_end : float
        The horizon that was searched for events.
    """

    event_times: np.ndarray
    crossing: np.ndarray
    t_end: float
    regions: list = field(repr=False)

    def __call__(self, t) -> np.ndarray:
        """``w(t)`` for a time or an array of times (shape ``(d,)`` or ``(len(t), d)``)."""
        t = as_array(t, "t", ndim=(0, 1))
        if np.any(t < 0):
            raise ValueError("t must be non-negative")
        scalar = t.ndim == 0
        t = np.atleast_1d(t)
        starts = np.array([r.start for r in self.regions])
        which = np.searchsorted(starts, t, side="right") - 1
        out = np.empty((t.size, self.regions[0].limit.size))
        for j in np.unique(which):
            sel = which == j
            out[sel] = self.regions[j].at(t[sel])
        return out[0] if scalar else out

    @property
    def active(self) -> np.ndarray:
        """The active set of the last region."""
        return self.regions[-1].active

    @property
    def limit(self) -> np.ndarray:
        """``w*_A`` of the last region: the limit if no input changes sides after ``t_end``."""
        return self.regions[-1].limit

    def slowest_mode(self) -> tuple[float, np.ndarray, float]:
        """The mode of the last region that decays slowest, among those present.

        Returns ``(rate, e, c)`` with ``w(t) - limit ~ c exp(-rate (t - t_A)) e`` at late
        times (``e`` a unit eigenvector of ``H_A``); ``(inf, 0, 0)`` if ``w`` is at rest.
        """
        reg = self.regions[-1]
        present = np.abs(reg.coef) > 1e-12 * max(np.abs(reg.coef).max(initial=0.0), 1e-300)
        if not present.any():
            return math.inf, np.zeros_like(reg.limit), 0.0
        k = np.flatnonzero(present)[np.argmin(reg.rates[present])]
        return float(reg.rates[k]), reg.modes[:, k].copy(), float(reg.coef[k])


def _region(start, w, x, y, A) -> _Region:
    n, d = x.shape
    if not A.any():
        return _Region(start, A.copy(), w.copy(), np.zeros((d, 0)), np.zeros(0), np.zeros(0))
    limit = projection_limit(w, x, y, A)
    lam, V = np.linalg.eigh(x[A].T @ x[A] / n)
    keep = lam > 1e-12 * lam.max()
    V, lam = V[:, keep], lam[keep]
    return _Region(start, A.copy(), limit, V, lam, V.T @ (w - limit))


def _rounding_floor(reg: _Region, x) -> np.ndarray:
    """Per input, the size below which ``z_i`` cannot be told from 0 in this region: ``_FLOOR``
    times ``|x_i|`` times the size of ``w`` (``|w*_A| + |w(start) - w*_A|``)."""
    size = np.linalg.norm(reg.limit) + np.linalg.norm(reg.coef)
    return _FLOOR * np.linalg.norm(x, axis=1) * size


def _first_crossing(reg: _Region, x, horizon: float):
    """Earliest ``s`` in ``(0, horizon]`` at which an input changes sides, or ``None``.

    An input counts as crossing only once ``z_i`` is beyond :func:`_rounding_floor` on the
    wrong side of 0; the crossing time is the zero of ``z_i`` just before that.
    """
    if reg.rates.size == 0 or horizon <= 0:
        return None
    a = x @ reg.limit                            # z(s) = a + Bm @ exp(-rates s)
    Bm = (x @ reg.modes) * reg.coef
    floor = _rounding_floor(reg, x)
    s = np.geomspace(1e-9 / reg.rates.max(), horizon, _GRID)
    z = a + _decay(np.outer(s, reg.rates)) @ np.ascontiguousarray(Bm.T)   # (grid, n)
    wrong = np.where(reg.active, z <= -floor, z > floor)
    crossing = wrong.any(axis=0)
    if not crossing.any():
        return None
    first = np.where(crossing, np.argmax(wrong, axis=0), s.size)
    j = int(first.min())
    if j == 0:
        return s[0], int(np.argmin(first))
    best = None
    for i in np.flatnonzero(first == j):         # the inputs crossing in the first bracket
        right = np.flatnonzero((z[:j, i] > 0) == reg.active[i])   # on the input's own side
        if right.size == 0:                      # within rounding of 0 since the start
            root = s[0]
        else:
            root = brentq(lambda u, i=i: a[i] + Bm[i] @ np.exp(-reg.rates * u),
                          s[right[-1]], s[j], xtol=1e-15, rtol=4 * np.finfo(float).eps)
        if best is None or root < best[0]:
            best = (root, int(i))
    return best


def exact_flow(w0, x, y, t_end: float, *, max_events: int = 1000) -> ExactFlow:
    r"""Solve the single-neuron gradient flow exactly, region by region, up to ``t_end``.

    In a region of constant active set the flow is linear and solved by the eigenvectors of
    ``H_A``; the next event (an input changing sides) is located by scanning each
    :math:`z_i(t)`, a sum of decaying exponentials, on a geometric grid of 1500 times and
    refining the first sign change with ``scipy.optimize.brentq``. Two sign changes closer
    together than the grid spacing (an input that grazes a boundary) could be missed.

    The labels must be non-negative. At ``z_i = 0`` the active-side velocity of ``z_i``
    exceeds the inactive-side one by ``y_i |x_i|^2 / n >= 0``, so a trajectory that reaches
    the boundary (its velocity on the arriving side points into it) finds the velocity on the
    far side pointing the same way, and crosses: there are no sliding modes. (Where the
    inactive-side velocity is negative and the active-side one positive, the boundary repels
    on both sides; trajectories do not arrive there.)

    An input counts as changing sides only once ``|z_i|`` exceeds a rounding floor,
    ``1e3 * eps * |x_i|`` times the size of ``w`` in the region. In exact arithmetic an input
    can approach its boundary asymptotically without reaching it (with orthogonal inputs a
    zero-label active input has ``z_i(t) = z_i(0) exp(-|x_i|^2 t / n)``); without the floor,
    round-off would make it change sides again and again at one instant.

    Parameters
    ----------
    w0 : array_like, shape (d,)
    x : array_like, shape (n, d)
    y : array_like, shape (n,), non-negative
    t_end : float
        Horizon (positive).
    max_events : int
        Safety bound on the number of events.

    Returns
    -------
    ExactFlow

    Raises
    ------
    RuntimeError
        If more than ``max_events`` inputs change sides before ``t_end``: a run with that
        many genuine events needs a larger ``max_events``; events accumulating at one time
        (a Zeno-like approach the rounding floor does not cover) cannot be resolved by this
        solver, and :func:`flow` is the alternative.
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    if np.any(y < 0):
        raise ValueError("exact_flow needs non-negative labels y (with negative labels the "
                         "flow can slide along an activation boundary)")
    w = as_array(w0, "w0", ndim=1)
    if w.shape != (x.shape[1],):
        raise ValueError(f"w0 must have shape ({x.shape[1]},), got {w.shape}")
    t_end = as_float(t_end, "t_end", positive=True)
    max_events = as_int(max_events, "max_events", minimum=1)
    A = x @ w > 0.0
    t = 0.0
    regions, times, crossing = [], [], []
    while True:
        reg = _region(t, w, x, y, A)
        regions.append(reg)
        hit = _first_crossing(reg, x, t_end - t)
        if hit is None:
            break
        if len(times) == max_events:
            raise RuntimeError(
                f"more than max_events={max_events} events before t_end={t_end:g} (the last "
                f"ones at t = {times[-1]:.10g}, inputs {crossing[-3:]}): raise max_events, "
                f"or integrate with flow() if the events accumulate at one time")
        t, i = t + hit[0], hit[1]
        w = reg.at(t)[0]
        A = A.copy()
        A[i] = not A[i]
        times.append(t)
        crossing.append(i)
    return ExactFlow(np.array(times), np.array(crossing, dtype=int), t_end, regions)


# ------------------------------------------------------------ instances, plane
def halfplane_depth(x) -> int:
    """Fewest inputs in an open half-plane ``{u : <w, u> > 0}``, ``w != 0`` (``d = 2``).

    This is the half-space (Tukey) depth of the origin in the data: at least 2 means that
    every nonzero weight has at least two active inputs.
    """
    x = _inputs(x)
    if x.shape[1] != 2:
        raise ValueError(f"halfplane_depth needs planar inputs, shape (n, 2); got {x.shape}")
    phi = np.arctan2(x[:, 1], x[:, 0])
    cuts = np.sort(np.mod(np.concatenate([phi + np.pi / 2, phi - np.pi / 2]), 2 * np.pi))
    mids = 0.5 * (cuts + np.roll(cuts, -1))
    mids[-1] = 0.5 * (cuts[-1] + cuts[0] + 2 * np.pi)
    dirs = np.stack([np.cos(mids), np.sin(mids)], axis=1)
    return int(np.min(np.sum(dirs @ x.T > 0.0, axis=1)))


def in_silent_cone(w, x, y) -> np.ndarray:
    r"""Whether ``w != 0`` sees only zero labels: every active input has ``y_i <= 0``.

    In this cone :math:`C_0` the field is :math:`-H_{A(w)} w`, which pulls ``w`` towards the
    origin; outside it (with ``y >= 0``) the field near the origin pushes outwards. Shapes as
    in :func:`loss`; returns bool of shape ``(...)``.
    """
    x = _inputs(x)
    y = _labels(y, x.shape[0])
    w = _weights(w, x.shape[1])
    A = w @ x.T > 0.0
    return ~np.any(A & (y > 0.0), axis=-1) & np.any(w != 0.0, axis=-1)


def fate(w_end, v, *, tol: float = 1e-4) -> np.ndarray:
    """Classify final weights: ``"teacher"`` (``|w - v| < tol |v|``), ``"origin"``
    (``|w| < tol |v|``) or ``"undecided"``.

    Parameters
    ----------
    w_end, v : array_like, shape (..., d)
        Final weights and teachers (broadcast together).
    tol : float
        Relative tolerance (positive).

    Returns
    -------
    ndarray of str, shape (...)
    """
    w_end = as_array(w_end, "w_end")
    v = as_array(v, "v")
    tol = as_float(tol, "tol", positive=True)
    if w_end.ndim == 0 or v.ndim == 0 or w_end.shape[-1] != v.shape[-1]:
        raise ValueError(f"w_end and v must have the same last dimension, got {w_end.shape} "
                         f"and {v.shape}")
    scale = np.linalg.norm(v, axis=-1)
    near_v = np.linalg.norm(w_end - v, axis=-1) < tol * scale
    near_0 = np.linalg.norm(w_end, axis=-1) < tol * scale
    return np.where(near_v, "teacher", np.where(near_0, "origin", "undecided"))


@dataclass(frozen=True)
class Census:
    """Outcome of :func:`census`: one entry per run.

    Attributes
    ----------
    w_end : ndarray, shape (B, d)
        Final weights.
    fate : ndarray of str, shape (B,)
        ``"teacher"``, ``"origin"`` or ``"undecided"`` (see :func:`fate`).
    t_used : ndarray, shape (B,)
        Time each run was integrated for.
    """

    w_end: np.ndarray
    fate: np.ndarray
    t_used: np.ndarray

    def count(self) -> dict:
        """Number of runs per outcome."""
        return {k: int(np.sum(self.fate == k)) for k in ("teacher", "origin", "undecided")}


def census(w0, x, v, *, t_end: float = 300.0, t_max: float = 1e4, tol: float = 1e-4,
           dt: float = 0.2) -> Census:
    """Run many teacher problems ``y = relu(x @ v)`` until each run is decided.

    All runs are integrated (RK4, step ``dt``) to ``t_end``; runs still ``"undecided"`` are
    continued, with the horizon multiplied by 4 each round, until ``t_max``.

    Parameters
    ----------
    w0 : array_like, shape (B, d)
        Initial weights.
    x : array_like, shape (n, d) or (B, n, d)
        Inputs, shared or one set per run.
    v : array_like, shape (d,) or (B, d)
        Teachers, shared or one per run.
    t_end, t_max : float
        First horizon and largest total time.
    tol : float
        Relative tolerance of :func:`fate`.
    dt : float
        RK4 step.

    Returns
    -------
    Census
    """
    w0 = as_array(w0, "w0", ndim=2)
    x = as_array(x, "x", ndim=(2, 3))
    v = as_array(v, "v", ndim=(1, 2))
    B, d = w0.shape
    if x.shape[-1] != d or v.shape[-1] != d:
        raise ValueError(f"w0, x and v must share the dimension d={d}: "
                         f"x {x.shape}, v {v.shape}")
    V = np.broadcast_to(v, (B, d)) if v.ndim == 1 else v
    if V.shape[0] != B or (x.ndim == 3 and x.shape[0] != B):
        raise ValueError(f"batched x and v need {B} instances to match w0, "
                         f"got x {x.shape}, v {v.shape}")
    t_end = as_float(t_end, "t_end", positive=True)
    t_max = as_float(t_max, "t_max", positive=True)
    if t_max < t_end:
        raise ValueError(f"t_max must be at least t_end, got {t_max} < {t_end}")
    y = np.maximum(np.einsum("...nd,...d->...n", x, v), 0.0)
    w = w0.copy()
    t_used = np.zeros(B)
    todo = np.arange(B)
    horizon = t_end
    while todo.size:
        xs = x[todo] if x.ndim == 3 else x
        ys = y[todo] if y.ndim == 2 else y
        w[todo] = flow(w[todo], xs, ys, horizon, dt=dt, record=2).final
        t_used[todo] += horizon
        todo = todo[fate(w[todo], V[todo], tol=tol) == "undecided"]
        horizon = min(4 * horizon, t_max - t_used.max(initial=0.0))
        if horizon <= 0:
            break
    return Census(w_end=w, fate=fate(w, V, tol=tol), t_used=t_used)


LIMIT_KINDS = ("teacher", "origin", "other minimum", "spurious")


def limit_kind(w, x, v, *, horizon: float = 1e6, tol: float = 1e-6) -> str:
    """Continue a teacher run from ``w`` with :func:`exact_flow` and classify where it ends.

    The limit is ``w*_A`` of the last region reached by ``horizon``. It is ``"teacher"``
    (within ``tol |v|`` of ``v``), ``"origin"`` (within ``tol |v|`` of 0), ``"other
    minimum"`` (zero loss, to ``tol**2 |v|^2``, away from ``v``: possible only when the
    positive-label inputs do not span ``R^d``) or ``"spurious"`` (a stationary point with
    positive loss).

    Parameters
    ----------
    w : array_like, shape (d,)
        Current weight (for example a :class:`Census` run's ``w_end``).
    x : array_like, shape (n, d)
        Inputs; the labels are ``relu(x @ v)``.
    v : array_like, shape (d,)
        The teacher (non-zero).
    horizon : float
        Time the exact flow is continued for (positive).
    tol : float
        Relative tolerance (positive).

    Returns
    -------
    str
        One of ``LIMIT_KINDS``: ``"teacher"``, ``"origin"``, ``"other minimum"``,
        ``"spurious"``.
    """
    x = _inputs(x)
    v = as_array(v, "v", ndim=1)
    if v.shape != (x.shape[1],) or not np.any(v != 0.0):
        raise ValueError(f"v must be a non-zero vector of shape ({x.shape[1]},), got {v}")
    tol = as_float(tol, "tol", positive=True)
    y = np.maximum(x @ v, 0.0)
    limit = exact_flow(w, x, y, horizon).limit
    scale = np.linalg.norm(v)
    if np.linalg.norm(limit - v) < tol * scale:
        return "teacher"
    if np.linalg.norm(limit) < tol * scale:
        return "origin"
    return "other minimum" if loss(limit, x, y) < (tol * scale) ** 2 else "spurious"


def warm_up() -> None:
    """Compile (or load from the numba cache) the flow kernel."""
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    for method in SCHEMES:
        flow([0.1, 0.1], x, [1.0, 1.0], t_end=0.2, dt=0.1, method=method, record=2)
