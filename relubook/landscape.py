r"""The landscape of the true loss for an affine target (arXiv 2103.10922).

The model is the book's :class:`~relubook.model.ShallowNet` with one input, hidden biases,
an output bias and scale 1,

.. math::

    f(x) = \sum_{j=1}^m a_j\,\mathrm{relu}(w_j x + b_j) + c ,

and the **true loss** is the mean squared error against the affine target
:math:`g(x) = \alpha x + \beta` under the uniform input law on :math:`I = [p, q]`,

.. math::

    L(\theta) = \frac{1}{q - p}\int_p^q \bigl(f(x) - g(x)\bigr)^2\,dx .

The residual :math:`e = f - g` is affine between consecutive knots, so every integral here
(the loss, its gradient, its Hessian) is an integral of a polynomial of degree at most two on
each piece; Gauss--Legendre on each piece is exact, and uses no point where an indicator
``1[w_j x + b_j > 0]`` could be ambiguous. The convention :math:`\mathrm{relu}'(0) = 0` gives
the gradient wherever :math:`L` is differentiable.

The activation is a parameter (:class:`Activation`): ReLU (the default), leaky ReLU
(:func:`leaky_relu`) or the square (:data:`QUADRATIC`), through one code path. With the
square :math:`f` is a quadratic polynomial and :math:`e^2` a quartic, so the module uses three
Gauss points per piece, exact up to degree five. The critical points have a classification
(chapter 6): :func:`zigzag_saddle`, :func:`zigzag_loss` and :func:`realised_zigzag` build and
recognise its zigzags.

Parameter vectors (:func:`to_vector`, :func:`from_vector`) are ordered ``(a, w, b, c)``,
length ``3m + 1``, as in the training engine. Training on the true loss runs in this
module's own numba kernel (:func:`gradient_descent_batch`), vectorised over many starts.

Claims: claim-landscape-exact, claim-landscape-no-max, claim-landscape-zigzag,
claim-landscape-structure, claim-landscape-global, claim-landscape-dead-minima,
claim-landscape-activations (chapter 6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.optimize import least_squares
from tqdm.auto import tqdm

from ._validate import as_array, as_float, as_int, as_interval, as_net, as_rng
from .dynamics import drive, snapshot_steps, steps_per_call
from .model import ShallowNet, random_net

__all__ = [
    "NEURON_TYPES", "QUADRATIC", "RELU", "Activation", "BatchRun", "CriticalPoint",
    "best_constant", "classify_critical_point", "dead_local_minimum", "dead_loss",
    "descent_direction", "effective_neurons", "example_critical_points", "find_critical_points",
    "from_vector", "global_minimum", "gradient_descent_batch", "leaky_relu", "loss_profile",
    "loss_slice", "named_directions", "neuron_types", "random_starts", "realisation",
    "realised_zigzag", "residual_cell_means", "to_vector", "true_loss", "true_loss_batch",
    "true_loss_grad", "true_loss_hessian", "warm_up", "zigzag_loss", "zigzag_saddle",
]

_NET = dict(dim=1, bias=True, scale=1.0)   # the networks of the true loss (as_net)

#: The book's five neuron types, by the sign of ``w_j x + b_j`` on ``I = [p, q]``.
NEURON_TYPES = ("degenerate", "inactive", "semi-inactive", "interior-knot", "fully-active")

# three-point Gauss-Legendre on a piece of length h: nodes mid + h * _NODES, weights h * _WEIGHTS
# (exact for polynomials of degree 5: the square activation makes e^2 a quartic)
_NODES = np.array([-0.5 * math.sqrt(0.6), 0.0, 0.5 * math.sqrt(0.6)])
_WEIGHTS = np.array([5.0, 8.0, 5.0]) / 18.0


# ------------------------------------------------------------------------ activations
@dataclass(frozen=True)
class Activation:
    r"""The activation :math:`\sigma` of the hidden neurons.

    Attributes
    ----------
    name : str
        ``"relu"`` (:math:`\max(z, 0)`), ``"leaky relu"`` (:math:`\max(z, \lambda z)`) or
        ``"quadratic"`` (:math:`z^2`).
    leak : float
        The slope :math:`\lambda` on the negative side (0 except for leaky ReLU).
    """

    name: str
    leak: float = 0.0

    @property
    def kinked(self) -> bool:
        r"""Whether :math:`\sigma'` jumps at 0 (the (leaky) ReLU; not the square)."""
        return self.name != "quadratic"

    @property
    def jump(self) -> float:
        r"""The jump of :math:`\sigma'` at 0: ``1 - leak``, or 0 for the square."""
        return 1.0 - self.leak if self.kinked else 0.0

    def derivatives(self, z: np.ndarray):
        """``sigma(z)``, ``sigma'(z)`` and ``sigma''(z)`` away from the kink; each the shape
        of ``z`` (``sigma'(0)`` is the slope of the negative side, 0 for ReLU)."""
        if not self.kinked:
            return z ** 2, 2.0 * z, np.full_like(z, 2.0)
        slope = np.where(z > 0, 1.0, self.leak)
        return slope * z, slope, np.zeros_like(z)


#: ReLU, the activation of the rest of the book.
RELU = Activation("relu")
#: The square activation :math:`\sigma(z) = z^2`.
QUADRATIC = Activation("quadratic")


def leaky_relu(leak: float) -> Activation:
    """Leaky ReLU ``max(z, leak * z)`` with slope ``0 < leak < 1`` on the negative side."""
    leak = as_float(leak, "leak", positive=True)
    if leak >= 1.0:
        raise ValueError(f"leak must be below 1, got {leak}")
    return Activation("leaky relu", leak)


def _activation(activation) -> Activation:
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        named = {"relu": RELU, "quadratic": QUADRATIC}
        if activation not in named:
            raise ValueError(f"activation must be 'relu', 'quadratic' or an Activation "
                             f"(leaky_relu(leak)), got {activation!r}")
        return named[activation]
    raise TypeError(f"activation must be an Activation or a name, "
                    f"got {type(activation).__name__}")


# ------------------------------------------------------------------------ validation
def _target(alpha, beta) -> tuple[float, float]:
    return as_float(alpha, "alpha"), as_float(beta, "beta")


def _tol(tol) -> float:
    return as_float(tol, "tol", nonnegative=True)


# ------------------------------------------------------------------ parameter vectors
def to_vector(net: ShallowNet) -> np.ndarray:
    """The parameters ``(a, w, b, c)`` of ``net`` as one vector of length ``3m + 1``."""
    net = as_net(net, **_NET)
    return np.concatenate([net.a, net.w, net.b, [net.c]])


def from_vector(theta) -> ShallowNet:
    """The network whose parameters are ``theta = (a, w, b, c)``, length ``3m + 1``."""
    theta = as_array(theta, "theta", ndim=1)
    if theta.size < 4 or (theta.size - 1) % 3:
        raise ValueError(f"theta must have length 3m + 1 with m >= 1, got {theta.size}")
    m = (theta.size - 1) // 3
    return ShallowNet(a=theta[:m], w=theta[m:2 * m], b=theta[2 * m:3 * m], c=theta[-1])


# ------------------------------------------------------------- exact integration
def _knots(net: ShallowNet) -> np.ndarray:
    """Knot of each neuron, shape (m,): ``-b_j / w_j``, or NaN where ``w_j = 0``."""
    safe = np.where(net.w != 0, net.w, 1.0)
    return np.where(net.w != 0, -net.b / safe, np.nan)


def _quadrature(net: ShallowNet, lo: float, hi: float,
                act: Activation = RELU) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights that integrate ``(1/|I|) int_I`` exactly for the piecewise
    polynomials of degree at most 5 of this module: three Gauss points on each piece
    between the interior knots (the whole of ``I`` for the square activation)."""
    edges = np.array([lo, hi])
    if act.kinked:
        t = _knots(net)
        edges = np.unique(np.concatenate((edges, t[(t > lo) & (t < hi)])))
    mid, h = 0.5 * (edges[1:] + edges[:-1]), np.diff(edges)
    nodes = (mid[:, None] + h[:, None] * _NODES).ravel()
    weights = (h[:, None] * _WEIGHTS).ravel() / (hi - lo)
    return nodes, weights


def _evaluate(net: ShallowNet, alpha: float, beta: float, x: np.ndarray,
              act: Activation = RELU):
    """Residual ``e = f - g`` (n,) and ``sigma, sigma', sigma''`` of ``w_j x + b_j``
    (each (n, m))."""
    sig, dsig, d2sig = act.derivatives(np.outer(x, net.w) + net.b)
    e = sig @ net.a + net.c - (alpha * x + beta)
    return e, sig, dsig, d2sig


def _jacobian(net: ShallowNet, x, sig, dsig) -> np.ndarray:
    """``d f(x_i) / d theta`` for theta = (a, w, b, c); shape (n, 3m + 1)."""
    return np.hstack([sig, net.a * x[:, None] * dsig, net.a * dsig, np.ones((x.size, 1))])


def realisation(net: ShallowNet, x, activation="relu") -> np.ndarray:
    """The network function ``f(x) = sum_j a_j sigma(w_j x + b_j) + c``; x shape (n,)."""
    net, act = as_net(net, **_NET), _activation(activation)
    x = as_array(x, "x", ndim=1)
    return _evaluate(net, 0.0, 0.0, x, act)[0]


def true_loss(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
              activation="relu") -> float:
    r"""The true loss :math:`\frac{1}{|I|}\int_I (f - \alpha x - \beta)^2\,dx`, exactly.

    Parameters
    ----------
    net : ShallowNet
        One input, hidden biases, scale 1.
    alpha, beta : float
        Slope and intercept of the target :math:`g(x) = \alpha x + \beta`.
    interval : pair of float
        The interval ``(p, q)`` with ``p < q`` carrying the uniform input law.
    activation : str or Activation
        ``"relu"`` (default), ``"quadratic"`` or :func:`leaky_relu` ``(leak)``.

    Examples
    --------
    >>> net = ShallowNet(a=[1.0], w=[1.0], b=[0.0], c=0.0)   # f(x) = x on [0, 1]
    >>> round(true_loss(net, 0.0, 0.0), 12)                   # mean of x^2
    0.333333333333
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    act = _activation(activation)
    x, wts = _quadrature(net, lo, hi, act)
    e = _evaluate(net, alpha, beta, x, act)[0]
    return float(wts @ e ** 2)


def true_loss_grad(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                   activation="relu") -> ShallowNet:
    r"""Gradient of :func:`true_loss`, as a :class:`ShallowNet` of the same shape.

    With :math:`e = f - g`, :math:`z_j = w_j x + b_j` and :math:`\langle\cdot\rangle` the
    mean over :math:`I`: :math:`\partial_c L = 2\langle e\rangle`,
    :math:`\partial_{a_j} L = 2\langle e\,\sigma(z_j)\rangle`,
    :math:`\partial_{w_j} L = 2a_j\langle e\,x\,\sigma'(z_j)\rangle`,
    :math:`\partial_{b_j} L = 2a_j\langle e\,\sigma'(z_j)\rangle` (for ReLU
    :math:`\sigma' = \chi_j = 1[z_j > 0]`). The fields ``.a``, ``.w``, ``.b``, ``.c`` hold
    the partial derivatives (``relu'(0) = 0``). ``activation`` as in :func:`true_loss`.
    """
    return from_vector(_grad_vector(as_net(net, **_NET), *_target(alpha, beta),
                                    *as_interval(interval), _activation(activation)))


def _grad_vector(net: ShallowNet, alpha, beta, lo, hi, act: Activation = RELU) -> np.ndarray:
    x, wts = _quadrature(net, lo, hi, act)
    e, sig, dsig, _ = _evaluate(net, alpha, beta, x, act)
    return 2.0 * _jacobian(net, x, sig, dsig).T @ (wts * e)


def true_loss_hessian(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                      activation="relu") -> np.ndarray:
    r"""Hessian of :func:`true_loss` in the order ``(a, w, b, c)``; shape (3m+1, 3m+1).

    Three parts: the Gauss--Newton term :math:`2\langle \nabla f\,\nabla f^\top\rangle`;
    the term :math:`2\langle e\,\nabla^2 f\rangle` away from the kinks, that is
    :math:`\partial_{a_j}\partial_{w_j} L \mathrel{+}= 2\langle e\,x\,\sigma'(z_j)\rangle`,
    :math:`\partial_{a_j}\partial_{b_j} L \mathrel{+}= 2\langle e\,\sigma'(z_j)\rangle` and,
    for the square, :math:`2a_j\langle e\,\sigma''\,(x^2, x, 1)\rangle` in the
    :math:`(w_j, b_j)` block; and, for a kinked activation and a knot :math:`t_j` strictly
    inside :math:`I`, the moving-boundary term
    :math:`\frac{2 \kappa a_j e(t_j)}{|I|\,|w_j|}\begin{pmatrix} t_j^2 & t_j\\ t_j & 1
    \end{pmatrix}` in the :math:`(w_j, b_j)` block, where :math:`\kappa` is the jump of
    :math:`\sigma'` at 0 (1 for ReLU, :math:`1 - \lambda` for leaky ReLU). For a kinked
    activation :math:`L` is twice differentiable unless a knot sits at an end of :math:`I`
    or a neuron has :math:`w_j = b_j = 0`; there the formula still returns a value (the
    limit from the side where knots at an end count as outside).
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    act = _activation(activation)
    m = net.width
    x, wts = _quadrature(net, lo, hi, act)
    e, sig, dsig, d2sig = _evaluate(net, alpha, beta, x, act)
    J = _jacobian(net, x, sig, dsig)
    H = J.T @ (wts[:, None] * J)
    A, W, B = np.arange(m), m + np.arange(m), 2 * m + np.arange(m)
    ex = (wts * e * x) @ dsig
    e1 = (wts * e) @ dsig
    H[A, W] += ex
    H[W, A] += ex
    H[A, B] += e1
    H[B, A] += e1
    curved = net.a * ((wts * e)[:, None] * d2sig * x[:, None] ** np.arange(3)[:, None, None]
                      ).sum(axis=1)                     # rows: <e sigma''>, <e x sigma''>, ...
    H[W, W] += curved[2]
    H[W, B] += curved[1]
    H[B, W] += curved[1]
    H[B, B] += curved[0]
    t = _knots(net)
    inside = np.flatnonzero((t > lo) & (t < hi)) if act.kinked else np.array([], dtype=int)
    if inside.size:
        e_t = _evaluate(net, alpha, beta, t[inside], act)[0]
        k = act.jump * net.a[inside] * e_t / (np.abs(net.w[inside]) * (hi - lo))
        ti = t[inside]
        Wi, Bi = W[inside], B[inside]
        H[Wi, Wi] += k * ti ** 2
        H[Wi, Bi] += k * ti
        H[Bi, Wi] += k * ti
        H[Bi, Bi] += k
    return 2.0 * H


# ---------------------------------------------------------------- neuron taxonomy
def neuron_types(net: ShallowNet, interval=(0.0, 1.0), *, tol: float = 0.0) -> tuple[str, ...]:
    """The type of each neuron on ``I = [p, q]`` (the names of :data:`NEURON_TYPES`).

    * ``"degenerate"``: ``w_j = 0`` (the neuron is the constant ``relu(b_j)``);
    * ``"inactive"``: ``w_j x + b_j < 0`` on the closed interval;
    * ``"semi-inactive"``: ``w_j x + b_j <= 0`` on ``I``, zero at one end (knot at an end,
      dead inside);
    * ``"interior-knot"``: the knot ``-b_j / w_j`` lies strictly inside ``I``;
    * ``"fully-active"``: ``w_j x + b_j > 0`` on the open interval (knot outside ``I`` or
      at an end, alive inside).

    Parameters
    ----------
    tol : float
        Numerical slack for computed critical points: ``|w_j| <= tol`` counts as degenerate
        and a knot within ``tol * |I|`` of an end counts as at that end.
    """
    net, (lo, hi), tol = as_net(net, **_NET), as_interval(interval), _tol(tol)
    length = hi - lo
    out = []
    for wj, bj in zip(net.w, net.b):
        if abs(wj) <= tol:
            out.append("degenerate")
            continue
        t = -bj / wj
        near_lo, near_hi = abs(t - lo) <= tol * length, abs(t - hi) <= tol * length
        if lo < t < hi and not (near_lo or near_hi):
            out.append("interior-knot")
        elif (wj > 0) == (t <= lo or near_lo):      # alive on the open interval
            out.append("fully-active")
        elif near_lo or near_hi:
            out.append("semi-inactive")
        else:
            out.append("inactive")
    return tuple(out)


def effective_neurons(net: ShallowNet, interval=(0.0, 1.0), *, tol: float = 0.0) -> np.ndarray:
    """Mask of the neurons that shape ``f`` on ``I``: alive somewhere inside and ``a_j != 0``.

    Alive means type ``"interior-knot"`` or ``"fully-active"``, or degenerate with
    ``b_j > 0``; ``|a_j| <= tol`` counts as zero. Shape (m,), boolean.
    """
    types = neuron_types(net, interval, tol=tol)
    alive = np.array([k in ("interior-knot", "fully-active") for k in types])
    alive |= np.array([k == "degenerate" for k in types]) & (net.b > tol)
    return alive & (np.abs(net.a) > tol)


def residual_cell_means(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0),
                        *, tol: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Cells of ``I`` cut by the knots of the effective neurons, and the mean of ``e`` on each.

    Returns
    -------
    edges : ndarray, shape (k + 1,)
        Cell boundaries ``p = u_0 < ... < u_k = q``.
    means : ndarray, shape (k,)
        ``(1 / |C|) int_C (f - g)`` for each cell ``C``.
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    types = neuron_types(net, (lo, hi), tol=tol)
    keep = effective_neurons(net, (lo, hi), tol=tol) & (np.array(types) == "interior-knot")
    edges = np.unique(np.concatenate(([lo, hi], _knots(net)[keep])))
    means = np.empty(edges.size - 1)
    for k in range(means.size):          # exact: the quadrature splits at every knot
        x, wts = _quadrature(net, edges[k], edges[k + 1])
        means[k] = wts @ _evaluate(net, alpha, beta, x)[0]
    return edges, means


# ------------------------------------------------------------- special points
def best_constant(alpha: float, beta: float, interval=(0.0, 1.0)) -> float:
    """The mean of the target over ``I``: ``beta + alpha (p + q) / 2``."""
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    return beta + alpha * (lo + hi) / 2.0


def dead_loss(alpha: float, interval=(0.0, 1.0)) -> float:
    """Loss of the best constant: ``alpha^2 |I|^2 / 12``."""
    alpha, (lo, hi) = as_float(alpha, "alpha"), as_interval(interval)
    return alpha ** 2 * (hi - lo) ** 2 / 12.0


def dead_local_minimum(width: int, alpha: float, beta: float, interval=(0.0, 1.0), *,
                       seed) -> ShallowNet:
    """A random network whose neurons are all inactive on ``I``, with ``c`` the best constant.

    Each neuron gets ``|w_j| ~ 0.5 + Exp(1)`` with a random sign, its knot a random distance
    ``U(0.05, 1) |I|`` beyond the end of ``I`` it faces away from, and ``a_j ~ N(0, 1)``.
    """
    width = as_int(width, "width", minimum=1)
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    rng = as_rng(seed)
    sign = rng.choice([-1.0, 1.0], size=width)
    w = sign * (0.5 + rng.exponential(size=width))
    gap = rng.uniform(0.05, 1.0, size=width) * (hi - lo)
    knot = np.where(w > 0, hi + gap, lo - gap)          # alive only beyond the far end
    return ShallowNet(a=rng.standard_normal(width), w=w, b=-w * knot,
                      c=best_constant(alpha, beta, (lo, hi)))


def global_minimum(alpha: float, beta: float, interval=(0.0, 1.0)) -> ShallowNet:
    """A one-neuron network equal to the target on ``I``: a fully-active neuron.

    ``f(x) = |alpha| relu(sign(alpha) (x - p) + |I|) + c`` (with ``w = 1`` when
    ``alpha = 0``), knot a distance ``|I|`` outside ``I``.
    """
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    s = 1.0 if alpha >= 0 else -1.0
    length = hi - lo
    knot = lo - length if s > 0 else hi + length
    # a relu(s (x - knot)) = |alpha| s (x - knot) = alpha x - alpha knot on I
    return ShallowNet(a=[abs(alpha)], w=[s], b=[-s * knot], c=beta + alpha * knot)


def _zigzag(alpha: float, lo: float, hi: float, n: int, first: str, leak: float):
    """Knots (n-1,), orientations (n-1,) (+1 right-facing), slope jumps (n-1,) and the
    residual's scale ``r`` (``s_i h_i = (-1)^(i-1) r``) of the zigzag critical point with
    ``n`` cells of a (leaky) ReLU network with negative slope ``leak``."""
    c = np.full(n, math.sqrt(1.0 + leak))             # relative cell lengths: the middle ones
    ends = (1.0, math.sqrt(leak)) if first == "right" else (math.sqrt(leak), 1.0)
    c[0] = ends[0]
    c[-1] = ends[0] if n % 2 else ends[1]
    h = (hi - lo) * c / c.sum()
    knots = lo + np.cumsum(h)[:-1]
    start = 1.0 if first == "right" else -1.0
    orient = start * (-1.0) ** np.arange(n - 1)
    unit = (-1.0) ** np.arange(n) / h                  # residual slopes for r = 1
    jumps = np.diff(unit)
    # slope of f on the first cell: leak J / (1 - leak) per right-facing knot, -J / (1 - leak)
    # per left-facing one; it must equal alpha + s_1
    r = alpha / (np.sum(np.where(orient > 0, leak, -1.0) * jumps) / (1.0 - leak) - unit[0])
    return knots, orient, r * jumps, r


def _zigzag_args(cells, first, activation) -> tuple[int, str, float]:
    act = _activation(activation)
    if not act.kinked:
        raise ValueError("activation must be ReLU or leaky ReLU: the square has no zigzags")
    if first not in ("right", "left"):
        raise ValueError(f"first must be 'right' or 'left', got {first!r}")
    n = as_int(cells, "cells", minimum=2)
    if act.leak == 0.0 and (n % 2 == 0 or first != "right"):
        raise ValueError(f"for ReLU cells must be odd and at least 3 and first 'right', "
                         f"got cells={n}, first={first!r}")
    return n, first, act.leak


def zigzag_saddle(alpha: float, beta: float, interval=(0.0, 1.0), cells: int = 3, *,
                  activation="relu", first: str = "right") -> ShallowNet:
    """The zigzag critical point with ``n = cells`` cells, one neuron per knot.

    ReLU (``n`` odd, at least 3): the ``n`` cells have equal length; the neuron at the
    ``k``-th knot ``p + k |I| / n`` faces right (``w_k = 1``) for odd ``k`` and left
    (``w_k = -1``) for even ``k``, with ``a_k w_k = 2 alpha / n``; the residual has mean zero
    on each cell and slopes ``-alpha/n, alpha/n, ...``; the loss is :func:`zigzag_loss`
    ``= alpha^2 |I|^2 / (12 n^4)`` (``alpha^2 |I|^2 / 972`` for n = 3).

    Leaky ReLU with slope ``leak`` (any ``n >= 2``): orientations alternate from ``first``
    (``"right"`` or ``"left"``); the inner cells have lengths proportional to
    ``sqrt(1 + leak)``, an end cell to 1 if it lies on the negative side of the neuron at its
    knot and to ``sqrt(leak)`` otherwise; the residual has mean zero on each cell and
    ``|s_i h_i|`` is the same on every cell.
    In both cases ``c`` makes the residual vanish at the midpoint of the first cell.
    """
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    n, first, leak = _zigzag_args(cells, first, activation)
    knots, orient, jumps, _ = _zigzag(alpha, lo, hi, n, first, leak)
    net = ShallowNet(a=jumps / (1.0 - leak), w=orient, b=-orient * knots, c=0.0)
    mid = lo + 0.5 * (knots[0] - lo)
    shape = realisation(net, np.array([mid]), Activation("leaky relu", leak))[0]
    return net.replace(c=alpha * mid + beta - shape)


def zigzag_loss(alpha: float, interval=(0.0, 1.0), cells: int = 3, *, activation="relu",
                first: str = "right") -> float:
    """The loss ``r^2 / 12`` of :func:`zigzag_saddle`; for ReLU ``alpha^2 |I|^2 / (12 n^4)``
    (``n = 1``: the best constant, :func:`dead_loss`)."""
    alpha, (lo, hi) = as_float(alpha, "alpha"), as_interval(interval)
    if as_int(cells, "cells", minimum=1) == 1 and _activation(activation).leak == 0.0:
        return dead_loss(alpha, (lo, hi))
    n, first, leak = _zigzag_args(cells, first, activation)
    return _zigzag(alpha, lo, hi, n, first, leak)[3] ** 2 / 12.0


def realised_zigzag(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                    tol: float = 1e-6, max_cells: int | None = None) -> int | None:
    """Which function of the ReLU classification ``net`` realises on ``I``.

    Returns 0 if ``f = g`` on ``I`` (the target), the odd ``n >= 1`` if ``f`` is the zigzag
    with ``n`` cells (``n = 1``: the best constant, ``n >= 3``: :func:`zigzag_saddle`), and
    None otherwise. Equality means ``sup_I |f - h| <= tol |alpha| |I|`` (plus ``tol`` when
    ``alpha = 0``), computed exactly: both functions are piecewise linear, so the supremum
    is attained at a knot or an end. ``max_cells`` (default ``m + 1``) bounds ``n``.
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    tol = _tol(tol)
    top = net.width + 1 if max_cells is None else as_int(max_cells, "max_cells", minimum=1)
    bound = tol * (abs(alpha) * (hi - lo) + (alpha == 0))
    t = _knots(net)
    inside = t[(t > lo) & (t < hi)]
    for n in [0, *range(1, top + 1, 2)]:
        x = np.concatenate(([lo, hi], inside, lo + (hi - lo) * np.arange(1, n) / max(n, 1)))
        if n == 0:
            model = alpha * x + beta
        elif n == 1:
            model = np.full_like(x, best_constant(alpha, beta, (lo, hi)))
        else:
            model = realisation(zigzag_saddle(alpha, beta, (lo, hi), n), x)
        if np.max(np.abs(realisation(net, x) - model)) <= bound:
            return n
    return None


# ------------------------------------------------- gradient descent, many starts
@njit(cache=True)
def _gd_batch(theta, m, alpha, beta, lo, hi, lr, steps, loss, square, leak):
    """``steps`` gradient-descent steps on the true loss for each row of ``theta``
    (shape (S, 3m + 1), updated in place); ``loss`` (S,) receives the final losses.

    The activation is ``z^2`` if ``square``, else ``max(z, leak z)`` (ReLU for leak 0). Same
    exact quadrature as the NumPy functions: three Gauss points on each piece between the
    knots inside ``(lo, hi)``.
    """
    S = theta.shape[0]
    g = np.empty(3 * m + 1)
    edges = np.empty(m + 2)
    offset = 0.5 * math.sqrt(0.6)
    scale = 1.0 / (hi - lo)
    for s in range(S):
        th = theta[s]
        for step in range(steps + 1):
            # sorted piece boundaries: lo, the knots inside (lo, hi), hi
            k = 1
            edges[0] = lo
            for j in range(m):
                wj = th[m + j]
                if wj != 0.0 and not square:
                    t = -th[2 * m + j] / wj
                    if lo < t < hi:
                        i = k
                        while i > 1 and edges[i - 1] > t:    # insertion sort
                            edges[i] = edges[i - 1]
                            i -= 1
                        edges[i] = t
                        k += 1
            edges[k] = hi
            g[:] = 0.0
            total = 0.0
            for piece in range(k):
                h = edges[piece + 1] - edges[piece]
                mid = 0.5 * (edges[piece + 1] + edges[piece])
                for node in range(3):
                    x = mid + (node - 1) * offset * h
                    wt = h * scale * (8.0 if node == 1 else 5.0) / 18.0
                    e = th[3 * m] - alpha * x - beta
                    for j in range(m):
                        z = th[m + j] * x + th[2 * m + j]
                        if square:
                            e += th[j] * z * z
                        else:
                            e += th[j] * (z if z > 0.0 else leak * z)
                    total += wt * e * e
                    we = 2.0 * wt * e
                    g[3 * m] += we
                    for j in range(m):
                        z = th[m + j] * x + th[2 * m + j]
                        if square:
                            sig, dsig = z * z, 2.0 * z
                        elif z > 0.0:
                            sig, dsig = z, 1.0
                        else:
                            sig, dsig = leak * z, leak
                        g[j] += we * sig
                        g[m + j] += we * th[j] * dsig * x
                        g[2 * m + j] += we * th[j] * dsig
            loss[s] = total
            if step == steps or not math.isfinite(total):
                break
            for i in range(3 * m + 1):
                th[i] -= lr * g[i]


def _run_kernel(theta, act: Activation, alpha, beta, lo, hi, lr, steps, loss) -> None:
    """:func:`_gd_batch` with the activation unpacked into the kernel's two arguments."""
    _gd_batch(theta, (theta.shape[1] - 1) // 3, alpha, beta, lo, hi, lr, steps, loss,
              not act.kinked, act.leak)


def _start_vectors(starts) -> np.ndarray:
    """Parameter vectors of a non-empty list of networks of one width; shape (S, 3m + 1)."""
    if isinstance(starts, ShallowNet) or not isinstance(starts, (list, tuple)) or not starts:
        raise TypeError("starts must be a non-empty list of ShallowNet")
    theta = [to_vector(net) for net in starts]          # validates each network
    if len({th.size for th in theta}) > 1:
        raise ValueError("starts must all have the same width")
    return np.array(theta)


def random_starts(count: int, width: int, *, seed, init_scale: float = 1.0,
                  a_scale: float = 0.5) -> list[ShallowNet]:
    """``count`` random networks: ``w, b ~ N(0, init_scale^2)``, ``a ~ N(0, a_scale^2)``,
    ``c = 0`` (the initialisation of :func:`~relubook.model.random_net`)."""
    count = as_int(count, "count", minimum=1)
    rng = as_rng(seed)
    return [random_net(width, seed=rng, init_scale=init_scale, a_scale=a_scale)
            for _ in range(count)]


@dataclass(frozen=True)
class BatchRun:
    """Result of :func:`gradient_descent_batch`.

    Attributes
    ----------
    t : ndarray, shape (k,)
        Times ``step * lr`` of the snapshots (the start and the end included).
    loss : ndarray, shape (k, S)
        True loss of every run at those times: the loss curves, as in
        :class:`~relubook.dynamics.Trajectory`.
    nets : list of ShallowNet
        The final networks, one per start.
    """

    t: np.ndarray
    loss: np.ndarray
    nets: list

    @property
    def final_loss(self) -> np.ndarray:
        """The true loss of each final network, shape (S,)."""
        return self.loss[-1]


def gradient_descent_batch(starts, alpha: float, beta: float, interval=(0.0, 1.0), *,
                           lr: float, steps: int, record=21, spacing: str = "log",
                           activation="relu", progress: bool = False) -> BatchRun:
    """Gradient descent on the true loss from many starts at once (compiled, exact).

    Every parameter moves, the output bias ``c`` included:
    ``theta <- theta - lr * grad L(theta)``, with the exact gradient of
    :func:`true_loss_grad`.

    Parameters
    ----------
    starts : list of ShallowNet
        Initial networks, all of the same width (one input, biases, scale 1).
    alpha, beta : float
        The target ``alpha x + beta``.
    interval : pair of float
        The interval ``(p, q)``.
    lr : float
        Step size.
    steps : int
        Number of steps.
    record : int, array_like or "all"
        Times at which the losses are recorded, as in every dynamics of the package (see
        :func:`relubook.dynamics.snapshot_steps`); the start and the end always are.
    spacing : {"log", "linear"}
        How an int ``record`` is spread over the run.
    activation : str or Activation
        As in :func:`true_loss`.
    progress : bool
        Show a progress bar over the steps.

    Returns
    -------
    BatchRun
    """
    theta = _start_vectors(starts)
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    lr, steps = as_float(lr, "lr", positive=True), as_int(steps, "steps")
    act = _activation(activation)
    marks = snapshot_steps(record, steps, lr, spacing=spacing)
    loss = np.empty(theta.shape[0])

    def advance(k):
        _run_kernel(theta, act, alpha, beta, lo, hi, lr, k, loss)
        return bool(np.all(np.isfinite(loss)))

    curve = np.empty((marks.size, theta.shape[0]))
    advance(0)                                  # the losses at the start
    chunk = steps_per_call(theta.shape[0] * theta.shape[1] ** 2)   # m neurons, m + 1 pieces
    for row, _ in enumerate(drive(advance, marks, lr, what="gradient descent", finite=bool,
                                  chunk=chunk, progress=progress)):
        curve[row] = loss
    return BatchRun(t=marks * lr, loss=curve, nets=[from_vector(th) for th in theta])


def warm_up() -> None:
    """Compile the numba kernel of this module on a tiny input."""
    theta = to_vector(zigzag_saddle(1.0, 0.0))[None, :].copy()
    _run_kernel(theta, RELU, 1.0, 0.0, 0.0, 1.0, 0.01, 2, np.empty(1))


# ------------------------------------------------------ critical points
def find_critical_points(starts, alpha: float, beta: float, interval=(0.0, 1.0), *,
                         grad_tol: float = 1e-10, max_nfev: int = 200, activation="relu",
                         progress: bool = False) -> list[ShallowNet]:
    r"""Critical points of the true loss, found by Newton-type steps from given starts.

    From each start, :func:`scipy.optimize.least_squares` (Levenberg--Marquardt) drives the
    gradient to zero with the exact Hessian as its Jacobian: a damped Newton method on
    :math:`\nabla L = 0`, which converges to saddles as readily as to minima. Runs that end
    with :math:`\|\nabla L\| >` ``grad_tol`` are discarded; there is no deduplication.

    Parameters
    ----------
    starts : list of ShallowNet
        Starting points (for instance :func:`random_starts`).
    alpha, beta : float
        The target ``alpha x + beta``.
    interval : pair of float
        The interval ``(p, q)``.
    grad_tol : float
        Largest accepted gradient norm.
    max_nfev : int
        Budget of gradient evaluations per start.
    activation : str or Activation
        As in :func:`true_loss`.
    progress : bool
        Show a progress bar over the starts.

    Returns
    -------
    list of ShallowNet
        The critical points found (at most one per start).
    """
    theta0 = _start_vectors(starts)
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    grad_tol = as_float(grad_tol, "grad_tol", positive=True)
    max_nfev = as_int(max_nfev, "max_nfev", minimum=1)
    act = _activation(activation)

    def grad(theta):
        return _grad_vector(from_vector(theta), alpha, beta, lo, hi, act)

    def hess(theta):
        return true_loss_hessian(from_vector(theta), alpha, beta, (lo, hi), activation=act)

    found = []
    for theta in tqdm(theta0, disable=not progress, desc="critical points", unit="start"):
        fit = least_squares(grad, theta, jac=hess, method="lm", xtol=1e-15, ftol=1e-15,
                            gtol=1e-15, max_nfev=max_nfev)
        if np.all(np.isfinite(fit.x)) and np.linalg.norm(grad(fit.x)) <= grad_tol:
            found.append(from_vector(fit.x))
    return found


def descent_direction(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                      radius: float = 1e-3, probes: int = 200, seed,
                      drop_tol: float = 1e-12, activation="relu"):
    """A direction along which the true loss decreases, or ``None`` if none is found.

    Tries, in order, the eigenvectors of the Hessian with negative eigenvalues, both signs
    of every coordinate direction (these revive a semi-inactive neuron or tilt a degenerate
    one, where the Hessian says nothing) and ``probes`` random unit directions. Returns the
    first unit vector ``d`` (order ``(a, w, b, c)``) with
    ``L(theta + radius d) < L(theta) - drop_tol``. ``activation`` as in :func:`true_loss`.

    Returns
    -------
    (direction, change, label) or None
        ``direction``: ndarray, shape (3m + 1,); ``change``: the (negative) change of the
        loss at distance ``radius``; ``label``: how it was found, e.g.
        ``"Hessian eigenvector (-0.067)"``, ``"+b_2"`` or ``"random"``.
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    radius = as_float(radius, "radius", positive=True)
    drop_tol = as_float(drop_tol, "drop_tol", nonnegative=True)
    probes = as_int(probes, "probes")
    act = _activation(activation)
    theta = to_vector(net)
    base = true_loss(net, alpha, beta, (lo, hi), activation=act)
    lam, vec = np.linalg.eigh(true_loss_hessian(net, alpha, beta, (lo, hi), activation=act))
    names = _coordinate_names(net.width)
    candidates = [(s * vec[:, i], f"Hessian eigenvector ({lam[i]:.2g})")
                  for i in np.flatnonzero(lam < 0) for s in (1, -1)]
    candidates += [(s * row, f"{'+' if s > 0 else '-'}{name}")
                   for row, name in zip(np.eye(theta.size), names) for s in (1, -1)]
    randoms = as_rng(seed).standard_normal((probes, theta.size))
    candidates += [(d / np.linalg.norm(d), "random") for d in randoms]
    changes = _batch_loss(theta + radius * np.array([d for d, _ in candidates]), act,
                          alpha, beta, lo, hi) - base
    first = np.flatnonzero(changes < -drop_tol)
    if first.size == 0:
        return None
    d, label = candidates[first[0]]
    return d, float(changes[first[0]]), label


def _coordinate_names(m: int) -> list[str]:
    """``["a_1", ..., "a_m", "w_1", ..., "b_m", "c"]``: the order of :func:`to_vector`."""
    return [f"{p}_{j + 1}" for p in "awb" for j in range(m)] + ["c"]


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point of the true loss and what it is.

    Attributes
    ----------
    net : ShallowNet
        The point.
    loss : float
        Its true loss.
    grad_norm : float
        Euclidean norm of the gradient there.
    types : tuple of str
        :func:`neuron_types` of its neurons.
    effective : ndarray of bool, shape (m,)
        :func:`effective_neurons`.
    eigenvalues : ndarray, shape (3m + 1,)
        Spectrum of :func:`true_loss_hessian`, ascending.
    kind : str
        ``"global minimum"`` (loss at most ``loss_tol``), ``"saddle"`` (a descent direction
        was found) or ``"local minimum"`` (none was found).
    direction : ndarray or None
        For a saddle, a unit descent direction from :func:`descent_direction`.
    change : float
        For a saddle, the (negative) change of the loss at distance ``radius`` along it.
    how : str
        For a saddle, how the direction was found (see :func:`descent_direction`).
    """

    net: ShallowNet
    loss: float
    grad_norm: float
    types: tuple
    effective: np.ndarray
    eigenvalues: np.ndarray
    kind: str
    direction: np.ndarray | None = None
    change: float = 0.0
    how: str = ""

    @property
    def signature(self) -> str:
        """The neuron types, sorted and counted, e.g. ``"2 interior-knot + 1 inactive"``;
        neurons with ``a_j = 0`` (not effective) but alive are marked ``(a=0)``."""
        names = [k + ("" if eff or k not in ("interior-knot", "fully-active") else " (a=0)")
                 for k, eff in zip(self.types, self.effective)]
        counts = {k: names.count(k) for k in sorted(set(names))}
        return " + ".join(f"{n} {k}" for k, n in counts.items())


def classify_critical_point(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0),
                            *, loss_tol: float = 1e-12, tol: float = 1e-6,
                            radius: float = 1e-3, probes: int = 200, seed,
                            activation="relu") -> CriticalPoint:
    """Classify a (numerically) critical point: global minimum, saddle or local minimum.

    A point with loss at most ``loss_tol`` is a global minimum (the loss is never negative).
    Otherwise :func:`descent_direction` looks for a direction of decrease at distance
    ``radius``; if it finds one the point is a saddle, if not it is reported as a local
    minimum (a numerical verdict: finitely many directions are probed). ``tol`` is the slack
    of :func:`neuron_types` and :func:`effective_neurons` (which describe the knots of the
    ReLU; for the other activations they are geometry only). ``activation`` as in
    :func:`true_loss`.
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    loss_tol = as_float(loss_tol, "loss_tol", nonnegative=True)
    act = _activation(activation)
    loss = true_loss(net, alpha, beta, (lo, hi), activation=act)
    hessian = true_loss_hessian(net, alpha, beta, (lo, hi), activation=act)
    info = dict(net=net, loss=loss,
                grad_norm=float(np.linalg.norm(_grad_vector(net, alpha, beta, lo, hi, act))),
                types=neuron_types(net, (lo, hi), tol=tol),
                effective=effective_neurons(net, (lo, hi), tol=tol),
                eigenvalues=np.linalg.eigvalsh(hessian))
    if loss <= loss_tol:
        return CriticalPoint(kind="global minimum", **info)
    found = descent_direction(net, alpha, beta, (lo, hi), radius=radius, probes=probes,
                              seed=seed, activation=act)
    if found is None:
        return CriticalPoint(kind="local minimum", **info)
    return CriticalPoint(kind="saddle", direction=found[0], change=found[1], how=found[2],
                         **info)


# ------------------------------------------------------------- slices, examples
def example_critical_points(alpha: float = 2.0, beta: float = -0.5,
                            interval=(0.0, 1.0)) -> dict[str, ShallowNet]:
    """Five critical points of width 3, one of each kind the chapter meets.

    * ``"global minimum"``: :func:`global_minimum` plus two inactive neurons;
    * ``"zigzag saddle"``: :func:`zigzag_saddle` plus one inactive neuron;
    * ``"dead local minimum"``: :func:`dead_local_minimum` (seed 0);
    * ``"semi-inactive saddle"``: the dead minimum with its first neuron turned into a
      right-facing neuron with its knot at ``q`` and ``a_1`` of the sign of ``alpha`` (so that
      reviving it moves ``f`` towards the target);
    * ``"vanished-neuron saddle"``: the dead minimum with its first neuron set to
      ``a_1 = w_1 = 0``, ``b_1 = 1``.
    """
    (alpha, beta), (lo, hi) = _target(alpha, beta), as_interval(interval)
    dead = dead_local_minimum(3, alpha, beta, (lo, hi), seed=0)

    def pad(net, k):
        return ShallowNet(a=np.concatenate([net.a, dead.a[-k:]]),
                          w=np.concatenate([net.w, dead.w[-k:]]),
                          b=np.concatenate([net.b, dead.b[-k:]]), c=net.c)

    sign = 1.0 if alpha >= 0 else -1.0
    return {
        "global minimum": pad(global_minimum(alpha, beta, (lo, hi)), 2),
        "zigzag saddle": pad(zigzag_saddle(alpha, beta, (lo, hi)), 1),
        "dead local minimum": dead,
        "semi-inactive saddle": dead.replace(a=np.r_[0.5 * sign, dead.a[1:]],
                                             w=np.r_[1.0, dead.w[1:]],
                                             b=np.r_[-hi, dead.b[1:]]),
        "vanished-neuron saddle": dead.replace(a=np.r_[0.0, dead.a[1:]], w=np.r_[0.0, dead.w[1:]],
                                               b=np.r_[1.0, dead.b[1:]]),
    }


def named_directions(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                     activation="relu", eigenvectors: int = 2) -> dict[str, np.ndarray]:
    """Unit directions in parameter space: every coordinate (``"a_1"``, ..., ``"c"``) and the
    Hessian eigenvectors ``"Hessian eigenvector k"`` of the lowest eigenvalues, ascending:
    the ``eigenvectors`` lowest, or all the negative ones if there are more. ``activation``
    as in :func:`true_loss`."""
    net = as_net(net, **_NET)
    lam, vec = np.linalg.eigh(true_loss_hessian(net, alpha, beta, interval,
                                                activation=activation))
    out = dict(zip(_coordinate_names(net.width), np.eye(3 * net.width + 1)))
    count = max(as_int(eigenvectors, "eigenvectors", minimum=1), int(np.sum(lam < 0)))
    for k in range(min(count, lam.size)):
        out[f"Hessian eigenvector {k + 1}"] = vec[:, k]
    return out


def loss_profile(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
                 direction, radius: float = 0.5, num: int = 41, activation="relu"):
    """The true loss on a line through ``net``: ``L(theta + s u)``, ``u`` the unit direction
    (``activation`` as in :func:`true_loss`).

    Returns
    -------
    s : ndarray, shape (num,)
        Evenly spaced in ``[-radius, radius]``.
    values : ndarray, shape (num,)
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    theta = to_vector(net)
    u = _unit(direction, "direction", theta.size)
    radius = as_float(radius, "radius", positive=True)
    s = np.linspace(-radius, radius, as_int(num, "num", minimum=3))
    return s, _batch_loss(theta + s[:, None] * u, _activation(activation), alpha, beta, lo, hi)


def true_loss_batch(thetas, alpha: float, beta: float, interval=(0.0, 1.0), *,
                    activation="relu") -> np.ndarray:
    """:func:`true_loss` of many parameter vectors at once, by the compiled kernel.

    Parameters
    ----------
    thetas : array_like, shape (S, 3m + 1)
        Parameter vectors ``(a, w, b, c)`` (see :func:`to_vector`), one per row.
    activation : str or Activation
        As in :func:`true_loss`.

    Returns
    -------
    ndarray, shape (S,)
    """
    thetas = as_array(thetas, "thetas", ndim=2)
    if thetas.shape[1] < 4 or (thetas.shape[1] - 1) % 3:
        raise ValueError(f"thetas must have 3m + 1 columns with m >= 1, got {thetas.shape[1]}")
    return _batch_loss(thetas, _activation(activation), *_target(alpha, beta),
                       *as_interval(interval))


def _batch_loss(thetas: np.ndarray, act: Activation, alpha, beta, lo, hi) -> np.ndarray:
    thetas = np.array(thetas, dtype=np.float64, order="C")       # a copy the kernel may use
    loss = np.empty(thetas.shape[0])
    _run_kernel(thetas, act, alpha, beta, lo, hi, 1.0, 0, loss)
    return loss


def _unit(d, name: str, size: int) -> np.ndarray:
    d = as_array(d, name, ndim=1)
    if d.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {d.shape}")
    norm = np.linalg.norm(d)
    if norm == 0:
        raise ValueError(f"{name} must not be zero")
    return d / norm


def loss_slice(net: ShallowNet, alpha: float, beta: float, interval=(0.0, 1.0), *,
               directions, radius: float = 0.5, num: int = 41, activation="relu"):
    """The true loss on a plane through ``net``: ``L(theta + s u + t v)`` (``activation``
    as in :func:`true_loss`).

    Parameters
    ----------
    directions : pair of array_like, each of shape (3m + 1,)
        The directions ``u``, ``v`` (normalised to unit length here).
    radius : float
        ``s`` and ``t`` range over ``[-radius, radius]``.
    num : int
        Grid points per axis (at least 3).

    Returns
    -------
    s : ndarray, shape (num,)
    values : ndarray, shape (num, num)
        ``values[i, k] = L(theta + s_k u + s_i v)`` (rows follow ``v``).
    """
    net, (alpha, beta), (lo, hi) = as_net(net, **_NET), _target(alpha, beta), as_interval(interval)
    if not isinstance(directions, (list, tuple)) or len(directions) != 2:
        raise TypeError("directions must be a pair (u, v) of parameter-space vectors")
    theta = to_vector(net)
    unit = [_unit(d, f"directions[{k}]", theta.size) for k, d in enumerate(directions)]
    radius = as_float(radius, "radius", positive=True)
    num = as_int(num, "num", minimum=3)
    s = np.linspace(-radius, radius, num)
    grid = theta + s[None, :, None] * unit[0] + s[:, None, None] * unit[1]   # (t, s, 3m+1)
    values = _batch_loss(grid.reshape(-1, theta.size), _activation(activation), alpha, beta,
                         lo, hi)
    return s, values.reshape(num, num)
