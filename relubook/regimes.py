r"""Kernel and adaptive regimes of a univariate shallow ReLU network.

The setting of chapter 2 (after Williams, Trager, Panozzo, Silva, Zorin and Bruna, arXiv
1906.07842; the reduced coordinates and the regime initialisations are the book's reading).

The network of this module is the book's :class:`~relubook.model.ShallowNet` with one input,
hidden biases and the mean-field scale ``s = 1/m``,

.. math::

    f(x) = s \sum_{j=1}^m a_j\, \mathrm{relu}(w_j x + b_j),

trained on the loss :math:`L = \frac{1}{2n}\sum_i (f(x_i) - y_i)^2`. Writing the input
weights in polar form :math:`(w_j, b_j) = r_j(\cos\theta_j, \sin\theta_j)`, each neuron has
three *reduced coordinates*

* the signed amplitude :math:`\rho_j = a_j r_j`,
* the direction :math:`\theta_j` (knot :math:`e_j = -\tan\theta_j`, orientation
  :math:`\operatorname{sign}\cos\theta_j`),
* the imbalance :math:`\delta_j = a_j^2 - r_j^2`, conserved by gradient flow.

The function depends on :math:`(\rho, \theta)` only; :math:`\delta` decides how fast the
knots move. With :math:`g(\theta) = s\sum_i \varepsilon_i\,\mathrm{relu}(x_i\cos\theta +
\sin\theta)` and residuals :math:`\varepsilon_i = (f(x_i) - y_i)/n`, the gradient flow (while
every :math:`r_j > 0`) is

.. math::

    \dot\rho_j = -\sqrt{\delta_j^2 + 4\rho_j^2}\; g(\theta_j), \qquad
    \dot\theta_j = -\frac{2\rho_j}{\sqrt{\delta_j^2 + 4\rho_j^2} - \delta_j}\; g'(\theta_j).

The knots freeze when :math:`\delta` is negative and large compared with the amplitudes
the fit builds (the *kernel regime*); they travel when it is not, in particular for
:math:`\delta \ge 0` (the *adaptive regime*). The initialisation :func:`regime_net`
chooses between them through the ratio of the layers, and :func:`train` runs full-batch
gradient descent with a step size that adapts to the regime.

Claims: claim-regimes-reduced, claim-regimes-kernel, claim-regimes-cubic,
claim-regimes-adaptive, claim-regimes-transition, claim-regimes-width (chapter 2);
claim-synthesis-least-curvature, claim-synthesis-side-by-side, claim-synthesis-bias-penalty
(chapter 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from tqdm.auto import tqdm

from ._validate import as_array, as_float, as_int, as_net, as_rng, paired_1d
from .dynamics import (
    Trajectory,
    drive,
    fixed_steps,
    gradient_descent,
    snapshot_steps,
    steps_per_call,
)
from .interpolants import KernelInterpolant, ambiguous_gaps, least_curvature_mass, linear_spline
from .model import ShallowNet
from .piecewise import distance_to

#: The book's initial knot range: chapters 2 and 7 and the explorer place the knots of
#: :func:`regime_net` uniformly on ``[-KNOT_RANGE, KNOT_RANGE]``.
KNOT_RANGE = 1.2

_MAX_HALVINGS = 30   # retries of a diverging chunk in train()
_GROWTH, _FLOOR = 1.5, 1e-20   # a chunk "diverges" if its loss ends above 1.5 L_start + 1e-20

__all__ = [
    "reduced_coordinates", "from_reduced", "knots_of", "reduced_velocity", "velocity_in_reduced",
    "reduced_flow", "grid_knots", "KNOT_RANGE", "regime_net",
    "feature_interpolant", "stable_lr", "train", "WidthSweep", "width_sweep",
    "knot_displacement", "curvature_near_data", "curvature_off_data", "curvature_excess",
    "curvature_weight", "interpolant_curvature", "relative_sup_distance", "warm_up",
]


# ------------------------------------------------------------------ validation
def _directed(net: ShallowNet) -> ShallowNet:
    """``net`` if every neuron has ``(w_j, b_j) != 0``, so that its direction is defined."""
    if np.any((net.w == 0) & (net.b == 0)):
        raise ValueError("every neuron needs (w_j, b_j) != 0 for its direction theta_j to "
                         "be defined")
    return net


def _reduced(rho, theta, delta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rho = as_array(rho, "rho", ndim=1)
    theta = as_array(theta, "theta", ndim=1)
    delta = as_array(delta, "delta", ndim=1)
    if not rho.shape == theta.shape == delta.shape:
        raise ValueError(f"rho, theta and delta must have the same shape, got {rho.shape}, "
                         f"{theta.shape} and {delta.shape}")
    if np.any((rho == 0) & (delta >= 0)):
        raise ValueError("a neuron with rho = 0 needs delta < 0 (otherwise r = 0 and its "
                         "direction theta is undefined)")
    return rho, theta, delta




# ---------------------------------------------------------- reduced coordinates
def reduced_coordinates(net: ShallowNet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The reduced coordinates ``(rho, theta, delta)`` of every neuron, each of shape (m,).

    ``rho = a r`` with ``r = ||(w, b)||``, ``theta = atan2(b, w)`` in ``(-pi, pi]`` and
    ``delta = a^2 - r^2`` (:meth:`ShallowNet.balancedness`).
    """
    net = as_net(net, dim=1, bias=True)
    r = np.hypot(net.w, net.b)
    return net.a * r, np.arctan2(net.b, net.w), net.balancedness()


def _radius_sq(rho: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``r^2 = (sqrt(delta^2 + 4 rho^2) - delta) / 2``, without cancellation when delta > 0."""
    S = np.sqrt(delta ** 2 + 4 * rho ** 2)
    safe = np.where(delta > 0, S + delta, 1.0)
    return np.where(delta > 0, 2 * rho ** 2 / safe, (S - delta) / 2)


def from_reduced(rho, theta, delta, *, scale: float, c: float = 0.0) -> ShallowNet:
    """The network with the given reduced coordinates (inverse of :func:`reduced_coordinates`).

    Parameters
    ----------
    rho, theta, delta : array_like, shape (m,)
        Signed amplitudes, directions and imbalances; ``rho = 0`` needs ``delta < 0``.
    scale : float
        Output scale ``s`` of the network (``1/m`` in this chapter).
    c : float
        Output bias.
    """
    rho, theta, delta = _reduced(rho, theta, delta)
    r = np.sqrt(_radius_sq(rho, delta))
    return ShallowNet(a=rho / r, w=r * np.cos(theta), b=r * np.sin(theta), c=c, scale=scale)


def knots_of(theta) -> tuple[np.ndarray, np.ndarray]:
    """Knot ``e = -tan(theta)`` and orientation ``sign(cos(theta))`` of each direction.

    A neuron with orientation +1 is active right of its knot, -1 left of it.
    """
    theta = as_array(theta, "theta", ndim=1)
    return -np.tan(theta), np.sign(np.cos(theta))


@njit(cache=True)
def _reduced_rhs(rho, theta, delta, x, y, s, c, drho, dtheta, res):
    """Fill ``drho``, ``dtheta`` with the reduced vector field; return the loss."""
    n, m = x.size, rho.size
    loss = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(m):
            acc += rho[j] * max(math.cos(theta[j]) * x[i] + math.sin(theta[j]), 0.0)
        res[i] = s * acc + c - y[i]
        loss += res[i] * res[i]
        res[i] /= n
    for j in range(m):
        ct, st = math.cos(theta[j]), math.sin(theta[j])
        g = 0.0
        gp = 0.0
        for i in range(n):
            z = ct * x[i] + st
            if z > 0.0:
                g += res[i] * z
                gp += res[i] * (ct - st * x[i])
        g *= s
        gp *= s
        S = math.sqrt(delta[j] ** 2 + 4.0 * rho[j] ** 2)
        if delta[j] > 0.0:
            r2 = 2.0 * rho[j] ** 2 / (S + delta[j])
        else:
            r2 = 0.5 * (S - delta[j])
        drho[j] = -S * g
        dtheta[j] = -(rho[j] / r2) * gp
    return 0.5 * loss / n


@njit(cache=True)
def _reduced_rk4(rho, theta, delta, x, y, s, c, h, steps):
    """``steps`` classical Runge--Kutta steps of size ``h`` in place; returns the loss."""
    m, n = rho.size, x.size
    res = np.empty(n)
    k1r, k1t = np.empty(m), np.empty(m)
    k2r, k2t = np.empty(m), np.empty(m)
    k3r, k3t = np.empty(m), np.empty(m)
    k4r, k4t = np.empty(m), np.empty(m)
    tr, tt = np.empty(m), np.empty(m)
    for _ in range(steps):
        _reduced_rhs(rho, theta, delta, x, y, s, c, k1r, k1t, res)
        for j in range(m):
            tr[j] = rho[j] + 0.5 * h * k1r[j]
            tt[j] = theta[j] + 0.5 * h * k1t[j]
        _reduced_rhs(tr, tt, delta, x, y, s, c, k2r, k2t, res)
        for j in range(m):
            tr[j] = rho[j] + 0.5 * h * k2r[j]
            tt[j] = theta[j] + 0.5 * h * k2t[j]
        _reduced_rhs(tr, tt, delta, x, y, s, c, k3r, k3t, res)
        for j in range(m):
            tr[j] = rho[j] + h * k3r[j]
            tt[j] = theta[j] + h * k3t[j]
        _reduced_rhs(tr, tt, delta, x, y, s, c, k4r, k4t, res)
        for j in range(m):
            rho[j] += h / 6.0 * (k1r[j] + 2.0 * k2r[j] + 2.0 * k3r[j] + k4r[j])
            theta[j] += h / 6.0 * (k1t[j] + 2.0 * k2t[j] + 2.0 * k3t[j] + k4t[j])
    return _reduced_rhs(rho, theta, delta, x, y, s, c, k1r, k1t, res)


def reduced_velocity(rho, theta, delta, x, y, *, scale: float,
                     c: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""The reduced gradient-flow field :math:`(\dot\rho, \dot\theta)`, each of shape (m,).

    Evaluates the two formulas of the module docstring (with ``relu'(0) = 0``); ``delta``
    does not move.
    """
    rho, theta, delta = _reduced(rho, theta, delta)
    x, y = paired_1d(x, y)
    scale = as_float(scale, "scale", positive=True)
    c = as_float(c, "c")
    drho, dtheta = np.empty_like(rho), np.empty_like(theta)
    _reduced_rhs(rho, theta, delta, x, y, scale, c, drho, dtheta, np.empty(x.size))
    return drho, dtheta


def velocity_in_reduced(net: ShallowNet, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The full gradient flow :math:`\dot a = -\partial_a L`, ... seen in reduced coordinates.

    Applies the chain rule to :meth:`ShallowNet.grad`: :math:`\dot\rho = \dot a r + a\dot r`,
    :math:`\dot\theta = (w\dot b - b\dot w)/r^2`, :math:`\dot\delta = 2a\dot a - 2w\dot w -
    2b\dot b`. An independent route to :func:`reduced_velocity`.

    Returns
    -------
    rho_dot, theta_dot, delta_dot : ndarray, shape (m,)
    """
    net = _directed(as_net(net, dim=1, bias=True))
    x, y = paired_1d(x, y)
    grad = net.grad(x, y)
    da, dw, db = -grad.a, -grad.w, -grad.b
    a, w, b = net.a, net.w, net.b
    r2 = w ** 2 + b ** 2
    r = np.sqrt(r2)
    return (da * r + a * (w * dw + b * db) / r, (w * db - b * dw) / r2,
            2 * (a * da - w * dw - b * db))


def reduced_flow(net: ShallowNet, x, y, t_end: float, *, dt: float = 1e-3,
                 record=50, spacing: str = "log", progress: bool = False) -> Trajectory:
    r"""Integrate the reduced ODE for :math:`(\rho, \theta)` with :math:`\delta` held fixed.

    A classical fixed-step Runge--Kutta scheme (compiled), started from the reduced
    coordinates of ``net``; like :func:`relubook.gradient_flow` it is only first-order
    accurate globally once knots cross data points. The output bias ``net.c`` stays fixed.

    Parameters
    ----------
    net : ShallowNet
        Initial network (one input, hidden biases, every ``r_j > 0``).
    x, y : array_like, shape (n,)
        Data.
    t_end : float
        Final time, in the units of :func:`relubook.gradient_flow`.
    dt : float
        Step size (shrunk slightly so that ``t_end`` is a whole number of steps).
    record : int, array_like or "all"
        Snapshots, as in :func:`relubook.gradient_flow` (times in ``[0, t_end]``; see
        :func:`relubook.dynamics.snapshot_steps`).
    spacing : {"log", "linear"}
        How an int ``record`` is spread over the run.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Trajectory
        Snapshots mapped back to networks with :func:`from_reduced`.
    """
    net = _directed(as_net(net, dim=1, bias=True))
    x, y = paired_1d(x, y)
    steps, h = fixed_steps(t_end, dt)
    marks = snapshot_steps(record, steps, h, spacing=spacing)
    rho, theta, delta = (np.ascontiguousarray(v) for v in reduced_coordinates(net))

    def advance(k):
        value = _reduced_rk4(rho, theta, delta, x, y, net.scale, net.c, h, k)
        return math.isfinite(value) and np.all(np.isfinite(rho)) and np.all(np.isfinite(theta))

    nets = [from_reduced(rho, theta, delta, scale=net.scale, c=net.c)
            for _ in drive(advance, marks, h, what="reduced flow", finite=bool,
                           chunk=steps_per_call(x.size * net.width), progress=progress)]
    return Trajectory(t=marks * h, loss=np.array([snap.loss(x, y) for snap in nets]),
                      nets=nets)


# ------------------------------------------------------------- initialisations
def grid_knots(n_knots: int, L: float) -> np.ndarray:
    """Midpoints of ``n_knots`` equal cells of ``[-L, L]``; shape (n_knots,)."""
    n_knots = as_int(n_knots, "n_knots", minimum=1)
    L = as_float(L, "L", positive=True)
    return -L + (2 * L / n_knots) * (np.arange(n_knots) + 0.5)


def regime_net(width: int, log10_ratio: float, *, knots: str = "uniform", L: float = 2.0,
               product: float = 1.0, seed) -> ShallowNet:
    r"""A network with ``f = 0`` at initialisation and a chosen ratio of layer sizes.

    Input weights have size ``A`` and output weights size ``B``, with ``B / A =
    10**log10_ratio`` and ``A B = product``. The imbalance is
    :math:`\delta_j = a_j^2 - r_j^2`, with :math:`r_j^2 = A^2(1 + e_j^2)` for uniform knots
    and :math:`2A^2` for Gaussian ones and :math:`a_j^2` of order :math:`B^2`: of order
    :math:`-A^2` for small ratios (the kernel regime), of order :math:`B^2` for large ones
    (the adaptive regime). The scale is ``1/width`` (change it with
    :meth:`~relubook.model.ShallowNet.replace`; ``f = 0`` at the start for every scale).

    The input weights are a deterministic quadrature of a knot law, so that the kernel of
    the initial features approximates an exact kernel without sampling noise:

    * ``"uniform"``: ``m/4`` knots at :func:`grid_knots` on ``[-L, L]``, each with both
      orientations, ``w = ±A`` and ``b = -w e`` (the law of
      :func:`relubook.interpolants.uniform_knot_kernel`);
    * ``"gaussian"``: ``m/2`` directions equally spaced in angle with radius
      :math:`\sqrt2 A`, a noise-free stand-in for ``(w, b) ~ N(0, A^2 I)`` (the law of
      :func:`relubook.interpolants.arccos_kernel`, which only sees the direction and
      :math:`E r^2 = 2A^2`).

    Output weights are ``B`` times standard Gaussians, in pairs ``(a_j, -a_j)`` sharing the
    same input weights, so the initial function is exactly zero.

    Parameters
    ----------
    width : int
        Number of neurons ``m``; a multiple of 4 for ``"uniform"``, of 2 for ``"gaussian"``.
    log10_ratio : float
        ``log10(B / A)``.
    knots : {"uniform", "gaussian"}
        The knot law of the input weights.
    L : float
        Half-width of the knot grid (``"uniform"`` only).
    product : float
        ``A B``, the typical size of the initial amplitudes ``rho``.
    seed : int or numpy.random.Generator
        Randomness of the output weights.
    """
    width = as_int(width, "width", minimum=2)
    log10_ratio = as_float(log10_ratio, "log10_ratio")
    if abs(log10_ratio) > 100:
        raise ValueError(f"log10_ratio must lie in [-100, 100], got {log10_ratio}")
    ratio = 10.0 ** log10_ratio
    product = as_float(product, "product", positive=True)
    rng = as_rng(seed)
    A, B = math.sqrt(product / ratio), math.sqrt(product * ratio)
    if knots == "uniform":
        if width % 4:
            raise ValueError(f"width must be a multiple of 4 for uniform knots, got {width}")
        e = np.tile(grid_knots(width // 4, L), 2)
        w_half = A * np.repeat([1.0, -1.0], width // 4)
        b_half = -w_half * e
    elif knots == "gaussian":
        if width % 2:
            raise ValueError(f"width must be even for Gaussian knots, got {width}")
        phi = 2 * np.pi * (np.arange(width // 2) + 0.5) / (width // 2)
        w_half, b_half = math.sqrt(2) * A * np.cos(phi), math.sqrt(2) * A * np.sin(phi)
    else:
        raise ValueError(f"knots must be 'uniform' or 'gaussian', got {knots!r}")
    a_half = B * rng.standard_normal(width // 2)
    return ShallowNet(a=np.concatenate([a_half, -a_half]), w=np.concatenate([w_half, w_half]),
                      b=np.concatenate([b_half, b_half]), scale=1.0 / width)


def feature_interpolant(net: ShallowNet, x, y) -> KernelInterpolant:
    r"""The limit of training ``net`` in the kernel regime at its own width.

    When the knots are frozen, gradient descent from ``f = 0`` only fits the amplitudes and
    converges to the minimum-norm interpolant of the kernel of the initial features,
    :math:`K_0(s, t) = \sum_j \mathrm{relu}(w_j s + b_j)\,\mathrm{relu}(w_j t + b_j)` (the
    weights :math:`a_j^2 + r_j^2 \approx r_j^2` of :func:`reduced_velocity` absorbed). As the
    width grows, ``K_0`` tends to the exact kernel of the knot law. Raises ``ValueError``
    when the features cannot interpolate the data (too few knots between the points).
    """
    net = as_net(net, dim=1, bias=True)
    x, y = paired_1d(x, y)
    w, b = net.w.copy(), net.b.copy()

    def kernel(s, t):
        fs = np.maximum(np.outer(np.atleast_1d(s), w) + b, 0.0)
        ft = np.maximum(np.outer(np.atleast_1d(t), w) + b, 0.0)
        return fs @ ft.T / w.size

    gram = kernel(x, x)
    coef = np.linalg.lstsq(gram, y, rcond=None)[0]
    if np.max(np.abs(gram @ coef - y)) > 1e-6 * (1 + np.max(np.abs(y))):
        raise ValueError("the initial features cannot interpolate the data (their kernel "
                         "matrix on the data is singular); use more neurons, with knots "
                         "between the data points")
    return KernelInterpolant(x, coef, kernel)


# -------------------------------------------------------------------- training
def stable_lr(net: ShallowNet, x, y, factor: float = 0.9) -> float:
    r"""``factor / lambda``, with ``lambda`` an upper bound of the Hessian's top eigenvalue.

    The Hessian of the loss is the Gauss--Newton term :math:`J^T J / n` (``J`` is the
    ``(n, 3m)`` Jacobian of :math:`(f(x_i))_i` with respect to ``(a, w, b)``) plus a
    residual term that is block-diagonal over neurons, with eigenvalues
    :math:`\pm s\,\|\sum_i r_i 1[w_j x_i + b_j > 0](x_i, 1)\|` (:math:`r_i = (f(x_i) -
    y_i)/n`; the point masses at the kinks are ignored). ``lambda`` is the sum of the two
    top eigenvalues (Weyl's inequality), so gradient descent with ``factor < 2`` is stable
    away from the kinks, in every regime: the Gauss--Newton term dominates in the kernel and
    adaptive regimes, the residual term can matter near balance.
    """
    net = as_net(net, dim=1, bias=True)
    x, y = paired_1d(x, y)
    factor = as_float(factor, "factor", positive=True)
    z = np.outer(x, net.w) + net.b
    phi, active = np.maximum(z, 0.0), (z > 0).astype(np.float64)
    gram = phi @ phi.T + (active * net.a ** 2) @ active.T * (np.outer(x, x) + 1.0)
    gauss_newton = float(np.linalg.eigvalsh(net.scale ** 2 * gram / x.size)[-1])
    r = (net(x) - y) / x.size
    residual = net.scale * float(np.max(np.hypot(active.T @ (r * x), active.T @ r)))
    if gauss_newton <= 0:
        raise ValueError("the network is constant on the data (all neurons inactive)")
    return factor / (gauss_newton + residual)


def _moves(net: ShallowNet, x: np.ndarray) -> bool:
    """Whether some neuron is active at some data point (otherwise the gradient vanishes)."""
    return bool(np.any(np.outer(x, net.w) + net.b > 0))


def train(net: ShallowNet, x, y, steps: int, *, chunk: int = 5000, factor: float = 0.9,
          loss_tol: float = 0.0, progress: bool = False) -> Trajectory:
    """Full-batch gradient descent with the step :func:`stable_lr` recomputed every chunk.

    Runs :func:`relubook.gradient_descent` for at most ``steps`` steps in chunks of
    ``chunk``, with ``lr = stable_lr(net, x, y, factor)`` at the start of each chunk, and stops
    early once the loss is below ``loss_tol``. If a chunk diverges (its loss ends above
    1.5 times its initial loss) or switches every neuron off on the data, it is run again
    with half the ``factor``, which is kept for the rest of the run. Training also stops if
    no neuron is active at any data point (a stationary point). Times are in flow units (the
    sum of ``lr`` over the steps taken).

    Returns
    -------
    Trajectory
        The initial network and one snapshot per chunk.
    """
    net = as_net(net, dim=1, bias=True)
    x, y = paired_1d(x, y)
    steps = as_int(steps, "steps")
    chunk = as_int(chunk, "chunk", minimum=1)
    factor = as_float(factor, "factor", positive=True)
    loss_tol = as_float(loss_tol, "loss_tol", nonnegative=True)
    t, loss, nets = [0.0], [net.loss(x, y)], [net]
    done = 0
    with tqdm(total=steps, disable=not progress, desc="train", unit="step") as bar:
        while done < steps and loss[-1] > loss_tol and _moves(net, x):
            k = min(chunk, steps - done)
            for _ in range(_MAX_HALVINGS):
                lr = stable_lr(net, x, y, factor)
                try:
                    candidate = gradient_descent(net, x, y, lr, k, record=2)
                    if (candidate.loss[-1] <= _GROWTH * loss[-1] + _FLOOR
                            and _moves(candidate.net, x)):
                        break
                except FloatingPointError:
                    pass
                factor /= 2
            else:
                raise FloatingPointError(f"gradient descent kept diverging at step {done}")
            net = candidate.net
            done += k
            bar.update(k)
            t.append(t[-1] + lr * k)
            loss.append(float(candidate.loss[-1]))
            nets.append(net)
    return Trajectory(t=np.array(t), loss=np.array(loss), nets=nets)


@dataclass(frozen=True)
class WidthSweep:
    """Networks trained at several widths from one initial law (see :func:`width_sweep`).

    Attributes
    ----------
    widths : ndarray of int, shape (k,)
    to_kernel : ndarray, shape (k,)
        :func:`relative_sup_distance` of each trained network to the kernel interpolant of
        its own initial features (:func:`feature_interpolant`).
    to_linear : ndarray, shape (k,)
        The same, to the linear spline.
    knot_shift : ndarray, shape (k,)
        :func:`knot_displacement` of the neurons whose initial knot lies in the data range.
    final_loss : ndarray, shape (k,)
        Final training loss at each width.
    """

    widths: np.ndarray
    to_kernel: np.ndarray
    to_linear: np.ndarray
    knot_shift: np.ndarray
    final_loss: np.ndarray


def width_sweep(x, y, widths, *, exponent: float, log10_ratio: float, L: float = KNOT_RANGE,
                product: float = 1.0, seed, steps: int = 100_000, chunk: int = 10_000,
                loss_tol: float = 1e-7) -> WidthSweep:
    r"""Train :func:`regime_net` at several widths with the output scale ``s = m**-exponent``.

    The initial weights have the same law at every width (``log10_ratio``, ``product``,
    uniform knots on ``[-L, L]``); only the width ``m`` and the scale change. ``exponent = 1``
    is the mean-field scale :math:`1/m` of this chapter, ``exponent = 0.5`` the scale
    :math:`1/\sqrt m` of the neural tangent kernel. Each network is trained with
    :func:`train` (``steps``, ``chunk``, ``loss_tol``).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data.
    widths : sequence of int, shape (k,)
        Widths, multiples of 4 whose initial features can interpolate the data
        (:func:`feature_interpolant`).
    exponent : float
        Positive exponent of the scale.
    log10_ratio, L, product, seed
        As in :func:`regime_net` (the same seed at every width).

    Returns
    -------
    WidthSweep
    """
    x, y = paired_1d(x, y)
    widths = np.array([as_int(m, "widths", minimum=4) for m in widths], dtype=np.int64)
    if widths.size == 0:
        raise ValueError("widths must not be empty")
    exponent = as_float(exponent, "exponent", positive=True)
    linear = linear_spline(x, y)
    rows = []
    for m in widths:
        start = regime_net(int(m), log10_ratio, L=L, product=product,
                           seed=seed).replace(scale=float(m) ** -exponent)
        reference = feature_interpolant(start, x, y)
        run = train(start, x, y, steps, chunk=chunk, loss_tol=loss_tol)
        rows.append((relative_sup_distance(run.net, reference, x),
                     relative_sup_distance(run.net, linear, x),
                     knot_displacement(start, run.net, (x.min(), x.max())), run.loss[-1]))
    to_kernel, to_linear, shift, loss = (np.array(col) for col in zip(*rows))
    return WidthSweep(widths, to_kernel, to_linear, shift, loss)


# --------------------------------------------------------------- measurements
def knot_displacement(before: ShallowNet, after: ShallowNet, interval=None) -> float:
    """Largest change of a knot ``e_j = -b_j / w_j`` between two networks of equal width.

    Neurons with ``w_j = 0`` before or after have no knot and are left out. With
    ``interval = (lo, hi)`` only neurons whose initial knot lies in it count.
    """
    before = as_net(before, "before", dim=1, bias=True)
    after = as_net(after, "after", dim=1, bias=True)
    if before.width != after.width:
        raise ValueError(f"networks must have the same width, got {before.width} and "
                         f"{after.width}")
    keep = (before.w != 0) & (after.w != 0)
    e0 = -before.b[keep] / before.w[keep]
    e1 = -after.b[keep] / after.w[keep]
    if interval is not None:
        lo, hi = (as_float(v, "interval") for v in interval)
        inside = (e0 >= lo) & (e0 <= hi)
        e0, e1 = e0[inside], e1[inside]
    return float(np.max(np.abs(e1 - e0), initial=0.0))


def _range_curvature(net: ShallowNet, x: np.ndarray,
                     tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints of ``net`` in ``[x_1 - tol, x_n + tol]`` (``x`` sorted), their absolute
    slope jumps, and whether each lies within ``tol`` of a data point; each of shape (k,)."""
    pl = as_net(net, dim=1, bias=True).to_piecewise()
    t, jump = pl.breakpoints, np.abs(pl.slope_jumps())
    inside = (t >= x[0] - tol) & (t <= x[-1] + tol)
    t, jump = t[inside], jump[inside]
    near = distance_to(t, x) <= tol
    return t, jump, near


def curvature_near_data(net: ShallowNet, x, tol: float) -> float:
    r"""Fraction of the curvature mass of ``net`` on the data range within ``tol`` of a point.

    The curvature mass is :math:`\int |f''|` of the exact piecewise-linear form, counted at
    breakpoints in ``[min x - tol, max x + tol]``
    (:meth:`~relubook.piecewise.PiecewiseLinear.curvature_near`); knots outside the data
    range only shape ``f`` where there is no data. 1 when ``net`` does not bend on the range.
    """
    x = as_array(x, "x", ndim=1)
    tol = as_float(tol, "tol", nonnegative=True)
    pl, on_range = as_net(net, dim=1, bias=True).to_piecewise(), (x.min() - tol, x.max() + tol)
    if pl.curvature_mass(on_range) == 0:
        return 1.0
    return pl.curvature_near(x, tol, interval=on_range)


def curvature_off_data(net: ShallowNet, x, y, tol: float) -> float:
    r"""Fraction of the curvature mass on the data range away from every place where an
    interpolant of least curvature mass may bend.

    Such an interpolant bends only at the data points and inside the *ambiguous gaps*
    (:func:`relubook.interpolants.ambiguous_gaps`). This is the share of :math:`\int|f''|`
    (counted as in :func:`curvature_near_data`) at breakpoints farther than ``tol`` from
    every data point and not inside an ambiguous gap; 0 when ``net`` bends only where a
    least-mass interpolant may.

    Parameters
    ----------
    net : ShallowNet
        One input, hidden biases.
    x, y : array_like, shape (n,)
        Data (any order).
    tol : float
        Distance within which a breakpoint counts as at a data point.
    """
    x, y = paired_1d(x, y)
    order = np.argsort(x)
    x, y = x[order], y[order]
    tol = as_float(tol, "tol", nonnegative=True)
    t, jump, near = _range_curvature(net, x, tol)
    allowed = near.copy()
    for k in ambiguous_gaps(x, y):
        allowed |= (t > x[k]) & (t < x[k + 1])
    total = float(jump.sum())
    return 0.0 if total == 0 else float(jump[~allowed].sum()) / total


def curvature_excess(net: ShallowNet, x, y, edge: float = 1e-3) -> float:
    r"""Relative excess of the curvature mass of ``net`` on the data range over the least one.

    Returns :math:`M / M_* - 1`, where :math:`M` sums the absolute slope jumps of ``net`` at
    breakpoints in ``[x_1 + edge, x_n - edge]`` (a jump at an end point, or within ``edge`` of
    it, bends ``f`` only outside the data) and :math:`M_*` is
    :func:`relubook.interpolants.least_curvature_mass`: 0 for an interpolant of least
    curvature mass, positive for an interpolant that bends more (a function that misses
    the data can bend less).

    Parameters
    ----------
    net : ShallowNet
        One input, hidden biases.
    x, y : array_like, shape (n,)
        Data (any order) whose linear spline bends somewhere (``M_* > 0``).
    edge : float
        Non-negative margin at both ends of the data range.
    """
    x, y = paired_1d(x, y)
    edge = as_float(edge, "edge", nonnegative=True)
    least = least_curvature_mass(x, y)
    if least == 0:
        raise ValueError("the data are collinear: their least curvature mass is 0")
    pl = as_net(net, dim=1, bias=True).to_piecewise()
    mass = pl.curvature_mass((x.min() + edge, x.max() - edge))
    return mass / least - 1.0


def curvature_weight(e, kernel: str = "arccos", L: float = 2.0) -> np.ndarray:
    r"""The weight :math:`q(e)` of the curvature functional :math:`\int f''^2 / q`.

    For random features :math:`\mathrm{relu}(w x + b)` with :math:`(w, b) \sim p`,
    :math:`q(e) = \int |w|^3 p(w, -w e)\, dw` is the density of knots weighted by
    :math:`w^2`. For a law symmetric under :math:`(w, b) \to (-w, -b)` (both orientations
    equally likely at every knot, as for the two laws below) the kernel :math:`k` satisfies
    :math:`\partial_s^2 k(s, t) = \tfrac12 q(s) |s - t|`; for a general law
    :math:`\partial_s^2 k(s, t) = |t - s| \int_{w (t - s) > 0} |w|^3 p(w, -w s)\, dw`.
    Normalised like the kernels of :mod:`relubook.interpolants`:

    * ``"arccos"`` (``(w, b) ~ N(0, I)``): :math:`q(e) = \frac{2}{\pi}(1 + e^2)^{-2}`;
    * ``"uniform"`` (:func:`~relubook.interpolants.uniform_knot_kernel`): :math:`q = 1/L` on
      ``[-L, L]`` and 0 outside.
    """
    e = as_array(e, "e", ndim=(0, 1))
    if kernel == "arccos":
        return (2 / np.pi) / (1 + e ** 2) ** 2
    if kernel == "uniform":
        L = as_float(L, "L", positive=True)
        return np.where(np.abs(e) <= L, 1 / L, 0.0)
    raise ValueError(f"kernel must be 'uniform' or 'arccos', got {kernel!r}")


def interpolant_curvature(interpolant: KernelInterpolant, t, kernel: str = "arccos",
                          L: float = 2.0) -> np.ndarray:
    r"""Second derivative of a kernel interpolant, :math:`f'' = \tfrac12 q(t)\sum_i c_i|t - x_i|`.

    ``interpolant`` comes from :func:`relubook.interpolants.kernel_interpolant` with the same
    ``kernel`` (and ``L``). The formula follows from :func:`curvature_weight`; it says that
    :math:`f''/q` is a linear spline with knots at the data, the Euler--Lagrange equation of
    minimising :math:`\int f''^2/q`.
    """
    if not isinstance(interpolant, KernelInterpolant):
        raise TypeError(f"interpolant must be a KernelInterpolant, got "
                        f"{type(interpolant).__name__}")
    t = as_array(t, "t", ndim=(0, 1))
    spread = np.abs(np.atleast_1d(t)[:, None] - interpolant.x[None, :]) @ interpolant.coef
    return (0.5 * curvature_weight(np.atleast_1d(t), kernel, L) * spread).reshape(np.shape(t))


def relative_sup_distance(f, g, x, num: int = 2001) -> float:
    """``max |f - g| / (max y - min y)`` on a grid of ``[min x, max x]``, ``y = g(x)``.

    ``f`` and ``g`` are callables on arrays (networks, splines, interpolants).
    """
    x = as_array(x, "x", ndim=1)
    num = as_int(num, "num", minimum=2)
    t = np.linspace(x.min(), x.max(), num)
    gt = np.asarray(g(t), dtype=np.float64)
    span = float(np.ptp(np.asarray(g(x), dtype=np.float64)))
    if span == 0:
        raise ValueError("the reference g is constant on the data")
    return float(np.max(np.abs(np.asarray(f(t), dtype=np.float64) - gt))) / span


def warm_up() -> None:
    """Compile (or load from the numba cache) the reduced-flow kernels on tiny inputs."""
    net = ShallowNet(a=[1.0, -0.5], w=[1.0, -1.0], b=[0.1, 0.2], scale=0.5)
    x, y = np.array([0.0, 1.0]), np.array([0.5, -0.5])
    reduced_flow(net, x, y, 0.01, dt=0.005, record=2)
    reduced_velocity(*reduced_coordinates(net), x, y, scale=net.scale)
