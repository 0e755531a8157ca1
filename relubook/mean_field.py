r"""Mean-field noisy gradient descent: the Gibbs minimiser and its zero-noise limit.

The setting of chapter 3 (after Shevchenko, Kungurtsev and Mondelli, arXiv 2111.02278), in
the book's normalisation. A network with ``m`` neurons in the mean-field scaling,

.. math::

    f(x) = \frac1m \sum_{j=1}^m a_j\,\sigma(w_j x + b_j),\qquad \sigma = \mathrm{relu},

is trained on data :math:`(x_i, y_i)_{i \le n}` by noisy gradient descent
(:func:`relubook.dynamics.langevin`) on :math:`L = \frac{1}{2n}\sum_i (f(x_i) - y_i)^2` with
weight decay :math:`\lambda` on every parameter and inverse temperature :math:`\beta`.
Writing each neuron's input weights in polar form :math:`(w, b) = r(\cos\varphi, \sin\varphi)`,
every function of the model is :math:`f(x) = \int \sigma(x\cos\varphi + \sin\varphi)\,
d\mu(\varphi)` for a signed measure :math:`\mu` on the circle of directions.

The *dual certificate* of a fit with values :math:`f_i = f(x_i)` is

.. math::

    G(\varphi) = \sum_{i=1}^n g_i\,\sigma(x_i\cos\varphi + \sin\varphi),\qquad
    g_i = \frac{f_i - y_i}{n}.

* The Gibbs minimiser (:func:`gibbs_fixed_point`) has the angular density
  :math:`\nu_\beta \propto -G/(\lambda^2 - G^2)^2`; the values :math:`f_i` solve a fixed
  point equation (:func:`gibbs_map`), which is the stationarity condition of the concave
  function :math:`D_\beta(g) = -\beta^{-1}\log\int d\varphi/(\lambda^2 - G^2) - \langle g, y
  \rangle - \frac n2 |g|^2` on the set where :math:`\sup|G| < \lambda`. The solver maximises
  :math:`D_\beta` by damped Newton steps.
* As :math:`\beta \to \infty` the logarithm becomes a barrier for the constraint
  :math:`\sup|G| \le \lambda`, and the limit is the total-variation problem
  :math:`\min_\mu \frac1{2n}\sum_i (f_\mu(x_i) - y_i)^2 + \lambda\|\mu\|_{TV}`
  (:func:`tv_lasso`), whose solutions are certified by :math:`|G| \le \lambda`, with
  :math:`\mu` carried by the directions where :math:`G = \mp\lambda` (sign opposite to
  :math:`G`).

On each arc of the circle between the 2n *data directions* (where some
:math:`x_i\cos\varphi + \sin\varphi = 0`) the set of active points is fixed, so :math:`G` is a
sinusoid :math:`A\cos\varphi + B\sin\varphi` there: its supremum is computed exactly
(:func:`sup_certificate`), without a grid.

A direction :math:`\varphi` with :math:`\cos\varphi \ne 0` puts a knot at
:math:`e = -\tan\varphi`, facing right (:math:`\cos\varphi > 0`, the unit is active for
:math:`x > e`) or left. Distances between knots are measured in the angle
:math:`\psi = \arctan e`, the natural coordinate of the circle of directions, which does not
stretch knots far from the origin.

Claims: claim-meanfield-gibbs, claim-meanfield-langevin, claim-meanfield-tv-limit,
claim-meanfield-piecewise, claim-meanfield-three-knots, claim-meanfield-off-data,
claim-meanfield-figure-8, claim-meanfield-lambda-zero (chapter 3);
claim-synthesis-least-curvature, claim-synthesis-side-by-side, claim-synthesis-bias-penalty
(chapter 7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import nnls, root

from ._validate import as_array, as_float, as_int, paired_1d
from .least_l1 import least_l1
from .model import ShallowNet
from .piecewise import PiecewiseLinear

__all__ = [
    "atoms", "certificate", "sup_certificate", "default_grid_size", "gibbs_map",
    "gibbs_fixed_point", "GibbsSolution", "tv_lasso", "TVSolution", "two_point_solution",
    "min_tv_fit", "Knots", "cluster_knots",
    "cluster_polynomials", "PaperFigure",
    "paper_figure",
]

_MAX_GRID = 1 << 21         # largest default quadrature grid (beta up to about 2.7e9)
_POLISH_FROM = 1e-6         # tv_lasso tries its Newton polish once sup|G| <= lam (1 + this)


# ------------------------------------------------------------------ validation


def _fit(f_data, x) -> np.ndarray:
    f = as_array(f_data, "f_data", ndim=1)
    if f.shape != x.shape:
        raise ValueError(f"f_data must hold one value per data point ({x.size}), "
                         f"got shape {f.shape}")
    return f


def _beta(beta) -> float:
    return as_float(beta, "beta", positive=True)


def _lam(lam) -> float:
    return as_float(lam, "lam", positive=True)


# ----------------------------------------------------------- atoms, certificate
def atoms(phi, x) -> np.ndarray:
    r"""Unit ReLU atoms :math:`\sigma(x_i\cos\varphi_k + \sin\varphi_k)`.

    Parameters
    ----------
    phi : array_like, shape (K,)
        Directions (angles, radians).
    x : array_like, shape (n,)
        Inputs.

    Returns
    -------
    ndarray, shape (K, n)
    """
    phi = np.atleast_1d(as_array(phi, "phi", ndim=(0, 1), allow_empty=True))
    x = np.atleast_1d(as_array(x, "x", ndim=(0, 1)))
    return np.maximum(np.outer(np.cos(phi), x) + np.sin(phi)[:, None], 0.0)


def _dual(x, y, f_data) -> np.ndarray:
    x, y = paired_1d(x, y)
    return (_fit(f_data, x) - y) / x.size


def certificate(phi, x, y, f_data) -> np.ndarray:
    r"""The dual certificate :math:`G(\varphi) = \frac1n\sum_i (f_i - y_i)\,
    \sigma(x_i\cos\varphi + \sin\varphi)` of a fit.

    Parameters
    ----------
    phi : array_like, shape (K,)
        Directions at which to evaluate.
    x, y : array_like, shape (n,)
        Data.
    f_data : array_like, shape (n,)
        Values of the fit at the data.

    Returns
    -------
    ndarray, shape (K,)
    """
    g = _dual(x, y, f_data)
    return atoms(phi, x) @ g


def _data_directions(x: np.ndarray) -> np.ndarray:
    """Sorted distinct angles in [-pi, pi) where some x_i cos(phi) + sin(phi) = 0."""
    base = -np.arctan(x)
    return np.unique(np.concatenate([base, base - np.sign(base + 1e-300) * np.pi]))


def _arc_candidates(x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Angles where :math:`|G|` may be largest, and :math:`G` there.

    The candidates are the data directions (arc ends) and, on each arc, the interior
    extrema of the sinusoid that :math:`G` is on that arc.
    """
    ends = _data_directions(x)
    starts = ends
    lengths = np.diff(np.concatenate([ends, [ends[0] + 2 * np.pi]]))
    mid = starts + lengths / 2
    active = (np.outer(np.cos(mid), x) + np.sin(mid)[:, None]) > 0       # (arcs, n)
    A = active @ (g * x)                                 # G = A cos(phi) + B sin(phi) on the arc
    B = active @ g
    peak = np.arctan2(B, A)                              # = R cos(phi - peak)
    interior = []
    for shift in (0.0, np.pi):
        offset = np.mod(peak + shift - starts, 2 * np.pi)
        inside = (offset > 0) & (offset < lengths)
        interior.append(starts[inside] + offset[inside])
    cand = np.concatenate([ends] + interior)
    cand = np.mod(cand + np.pi, 2 * np.pi) - np.pi
    return cand, atoms(cand, x) @ g


def sup_certificate(x, y, f_data) -> tuple[float, float]:
    r"""Exact :math:`\sup_\varphi |G(\varphi)|` and a direction attaining it.

    On each arc between data directions :math:`G` is a sinusoid, so the supremum is the
    largest of its values at the arc ends and at the interior extrema (no grid).

    Returns
    -------
    sup : float
    phi : float
        A maximiser in ``[-pi, pi)``.
    """
    x, y = paired_1d(x, y)
    cand, values = _arc_candidates(x, _dual(x, y, f_data))
    k = int(np.argmax(np.abs(values)))
    return float(abs(values[k])), float(cand[k])


# --------------------------------------------------------------- Gibbs measure
def default_grid_size(beta: float) -> int:
    r"""Number of quadrature angles for inverse temperature ``beta``.

    Near a knot the Gibbs density has a peak of width about :math:`\beta^{-1/2}` in angle; the
    default puts about six grid points across it: the smallest power of two at least
    :math:`\max(4096, 40\sqrt\beta)`.
    """
    beta = _beta(beta)
    need = max(4096.0, 40.0 * np.sqrt(beta))
    if need > _MAX_GRID:
        raise ValueError(f"beta = {beta:.3g} needs more than {_MAX_GRID} quadrature angles; "
                         f"pass grid= explicitly if you really want that")
    return int(2 ** np.ceil(np.log2(need)))


def _grid(beta: float, grid) -> np.ndarray:
    K = default_grid_size(beta) if grid is None else as_int(grid, "grid", minimum=64)
    if K % 2:
        raise ValueError(f"grid must be even (antipodal directions on the grid), got {K}")
    return -np.pi + 2 * np.pi * np.arange(K) / K


class _Quadrature:
    """The atoms on a uniform angle grid and the integrals of the Gibbs reduction."""

    def __init__(self, x, y, lam, phi):
        self.x, self.y, self.lam, self.phi = x, y, lam, phi
        self.A = atoms(phi, x)                                    # (K, n)

    def gaps(self, g) -> tuple[np.ndarray, np.ndarray]:
        """G on the grid and lambda^2 - G^2 (computed as a product, for accuracy)."""
        G = self.A @ g
        return G, (self.lam - G) * (self.lam + G)

    def objective(self, g, beta) -> float:
        """D_beta(g), or -inf outside the domain sup_grid |G| < lambda."""
        _, d = self.gaps(g)
        if np.any(d <= 0):
            return -np.inf
        n = self.x.size
        return float(-np.log(np.mean(1.0 / d)) / beta - g @ self.y - 0.5 * n * g @ g)

    def fit(self, g, beta, hessian: bool = False):
        """Gibbs values f(x_i) produced by the certificate of g (the fixed-point map)."""
        G, d = self.gaps(g)
        if np.any(d <= 0):
            k = int(np.argmax(np.abs(G)))
            raise ValueError(
                f"no normalisable Gibbs density: sup|G| = {abs(G[k]):.6g} >= lam = "
                f"{self.lam:.6g} at phi = {self.phi[k]:.4f}; the weights a, r would escape "
                f"to infinity there. Start closer to the data (f_data = y is always "
                f"admissible) or increase lam.")
        h = 1.0 / d
        total = h.sum()
        grad_I = self.A.T @ (2.0 * G * h * h)
        f = -grad_I / (beta * total)
        if not hessian:
            return f, G, h, total
        h2 = (2.0 * self.lam ** 2 + 6.0 * G ** 2) * h ** 3
        hess_log = self.A.T @ (self.A * h2[:, None]) / total - np.outer(grad_I, grad_I) / total ** 2
        return f, hess_log

    def newton(self, g, beta, tol, max_iter) -> tuple[np.ndarray, int]:
        """Maximise D_beta from the admissible g; returns g and the number of steps."""
        n = self.x.size
        for iteration in range(1, max_iter + 1):
            f, hess_log = self.fit(g, beta, hessian=True)
            grad = f - self.y - n * g
            if np.max(np.abs(grad)) < tol:
                return g, iteration
            step = np.linalg.solve(-hess_log / beta - n * np.eye(n), -grad)
            if np.max(np.abs(step)) <= 1e-14 * np.max(np.abs(g)):
                return g, iteration                # converged to rounding
            g = self.backtrack(g, beta, step, grad)
        raise RuntimeError(f"gibbs_fixed_point did not converge in {max_iter} Newton steps "
                           f"at beta = {beta:.3g} (fixed-point residual "
                           f"{np.max(np.abs(grad)):.2e})")

    def backtrack(self, g, beta, step, grad) -> np.ndarray:
        """Armijo backtracking on D_beta; full steps once the gain is below rounding."""
        d0 = self.objective(g, beta)
        gain = float(grad @ step)
        t = 1.0
        if gain <= 1e-13 * (1.0 + abs(d0)):
            while self.objective(g + t * step, beta) == -np.inf:
                t /= 2
            return g + t * step
        while self.objective(g + t * step, beta) < d0 + 0.25 * t * gain:
            t /= 2
            if t < 1e-12:
                raise RuntimeError("gibbs_fixed_point: line search failed (grid too coarse?)")
        return g + t * step


def gibbs_map(f_data, x, y, beta: float, lam: float, *, grid=None) -> np.ndarray:
    r"""The Gibbs fixed-point map :math:`T`: values at the data of the Gibbs estimator
    produced by the certificate of ``f_data``.

    .. math::

        T(f)_i = -\frac2\beta\,
        \frac{\int \sigma(x_i\cos\varphi + \sin\varphi)\,G(\varphi)/(\lambda^2 - G^2)^2\,
        d\varphi}{\int d\varphi/(\lambda^2 - G(\varphi)^2)},

    with :math:`G` the certificate of ``f_data`` (uniform quadrature in the angle). The
    Gibbs minimiser's values solve :math:`T(f) = f`.

    Parameters
    ----------
    f_data : array_like, shape (n,)
        Values of a fit at the data.
    x, y : array_like, shape (n,)
        Data.
    beta, lam : float
        Inverse temperature and weight decay (positive).
    grid : int, optional
        Number of quadrature angles (even); default :func:`default_grid_size`.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If :math:`\sup|G| \ge \lambda` on the grid: then no Gibbs density is normalisable.
    """
    x, y = paired_1d(x, y)
    f_data = _fit(f_data, x)
    beta, lam = _beta(beta), _lam(lam)
    quad = _Quadrature(x, y, lam, _grid(beta, grid))
    return quad.fit((f_data - y) / x.size, beta)[0]


@dataclass(frozen=True, eq=False)
class GibbsSolution:
    r"""The Gibbs minimiser of the free energy, reduced to a density over directions.

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        Data.
    beta, lam : float
        Inverse temperature and weight decay.
    phi : ndarray, shape (K,)
        Uniform quadrature angles on :math:`[-\pi, \pi)`.
    density : ndarray, shape (K,)
        :math:`\nu_\beta(\varphi) = p(\varphi)\,E[a r \mid \varphi]`, the signed density of
        :math:`\mu` with :math:`f_\beta(x) = \int \sigma(x\cos\varphi +
        \sin\varphi)\,\nu_\beta(\varphi)\,d\varphi` (:math:`p` is the law of the direction).
    second_moment : ndarray, shape (K,)
        :math:`p(\varphi)\,E[(a r)^2 \mid \varphi]`, for :meth:`fluctuation`.
    f_data : ndarray, shape (n,)
        :math:`f_\beta(x_i)`.
    residual : float
        Self-consistency error :math:`\max_i |T(f)_i - f_i|` of the fixed point.
    sup_G : float
        Exact :math:`\sup|G|` of the certificate of ``f_data`` (below ``lam``).
    iterations : int
        Newton steps taken.
    """

    x: np.ndarray
    y: np.ndarray
    beta: float
    lam: float
    phi: np.ndarray = field(repr=False)
    density: np.ndarray = field(repr=False)
    second_moment: np.ndarray = field(repr=False)
    f_data: np.ndarray
    residual: float
    sup_G: float
    iterations: int

    @property
    def grid(self) -> int:
        """Number of quadrature angles K."""
        return self.phi.size

    @property
    def masses(self) -> np.ndarray:
        """Quadrature masses :math:`\\nu_\\beta(\\varphi_k)\\,2\\pi/K`; shape (K,)."""
        return self.density * (2 * np.pi / self.grid)

    def _active_sums(self, t, weights: list) -> list:
        """Sums of each array of ``weights`` over the grid directions active at ``t``.

        The directions active at ``t`` form one half-circle,
        :math:`-\\arctan t < \\varphi < \\pi - \\arctan t` (those on its ends contribute
        zero), so prefix sums give every sum in :math:`O(K + T\\log K)` operations.
        """
        phi = np.concatenate([self.phi, self.phi + 2 * np.pi])
        lo = -np.arctan(t)
        i, j = np.searchsorted(phi, lo, side="right"), np.searchsorted(phi, lo + np.pi)
        out = []
        for w in weights:
            prefix = np.concatenate([[0.0], np.cumsum(np.concatenate([w, w]))])
            out.append(prefix[j] - prefix[i])
        return out

    def __call__(self, t) -> np.ndarray:
        """Evaluate :math:`f_\\beta` at the points ``t``; returns shape ``t.shape``."""
        t = as_array(t, "t", allow_empty=True)
        m, c, s = self.masses, np.cos(self.phi), np.sin(self.phi)
        mc, ms = self._active_sums(t, [m * c, m * s])
        return t * mc + ms

    def fluctuation(self, t, width: int) -> np.ndarray:
        r"""Standard deviation of :math:`f_m(t) = \frac1m\sum_j a_j\sigma(w_j t + b_j)` for
        ``width`` = m neurons drawn independently from the Gibbs law.

        It is :math:`\sqrt{(E[(a\,\sigma(wt + b))^2] - f_\beta(t)^2)/m}`, with the second
        moment from :attr:`second_moment`.
        """
        t = as_array(t, "t", allow_empty=True)
        width = as_int(width, "width", minimum=1)
        q, c, s = self.second_moment * (2 * np.pi / self.grid), np.cos(self.phi), np.sin(self.phi)
        cc, cs, ss = self._active_sums(t, [q * c * c, q * c * s, q * s * s])
        var = t * t * cc + 2 * t * cs + ss - self(t) ** 2
        return np.sqrt(np.maximum(var, 0.0) / width)

    def _pair_density(self) -> tuple[np.ndarray, np.ndarray]:
        """psi = arctan(e) on (-pi/2, pi/2) and nu(phi_R) + nu(phi_L) there."""
        right = np.flatnonzero(np.cos(self.phi) > 0)     # phi_L = phi_R + pi is on the grid
        psi = -self.phi[right]
        both = self.density[right] + self.density[(right + self.grid // 2) % self.grid]
        order = np.argsort(psi)
        return psi[order], both[order]

    def curvature_density(self, t) -> np.ndarray:
        r""":math:`f_\beta''(t) = (\nu(\varphi_R) + \nu(\varphi_L))\,(1 + t^2)^{-3/2}`.

        :math:`\varphi_R = -\arctan t` and :math:`\varphi_L = \varphi_R + \pi` are the two
        directions with a knot at ``t`` (linear interpolation between grid angles).
        """
        t = as_array(t, "t", allow_empty=True)
        psi, both = self._pair_density()
        return np.interp(np.arctan(t), psi, both) * (1.0 + t ** 2) ** -1.5

    def curvature_measure(self) -> tuple[np.ndarray, np.ndarray]:
        r"""The measure :math:`|f_\beta''(x)|\,dx` on the grid of knot positions.

        Returns
        -------
        positions : ndarray, shape (q,), q about K/2
            Knot positions :math:`e = \tan\psi` of the grid directions, increasing.
        masses : ndarray, shape (q,)
            :math:`|\nu(\varphi_R) + \nu(\varphi_L)|\cos\psi\,\Delta\psi`, which sum to
            :math:`\int |f_\beta''|`.
        """
        psi, both = self._pair_density()
        return np.tan(psi), np.abs(both) * np.cos(psi) * (2 * np.pi / self.grid)

    def curvature_mass(self) -> float:
        r""":math:`\int |f_\beta''(x)|\,dx`, the total variation of :math:`f_\beta'`."""
        return float(self.curvature_measure()[1].sum())


def gibbs_fixed_point(x, y, beta: float, lam: float, *, grid=None, start=None,
                      tol: float = 1e-10, max_iter: int = 200) -> GibbsSolution:
    r"""The Gibbs minimiser of the mean-field free energy (polar reduction).

    The free energy of a neuron law :math:`\rho` on :math:`(a, w, b)` is
    :math:`\frac1{2n}\sum_i (f_\rho(x_i) - y_i)^2 + \frac\lambda2\int|\theta|^2 d\rho +
    \beta^{-1}\int\rho\log\rho`. Its minimiser is
    :math:`\rho \propto \exp(-\beta[a\,r\,G(\varphi) + \lambda(a^2 + r^2)/2])` in the polar
    coordinates :math:`(w, b) = r(\cos\varphi, \sin\varphi)`; integrating out :math:`a` and
    :math:`r` leaves the angular density :math:`\nu_\beta` and the fixed-point equation of
    :func:`gibbs_map`. The fixed point is the maximiser of the strictly concave
    :math:`D_\beta(g)` (see the module docstring), found by Newton steps with backtracking
    that keep :math:`\sup|G| < \lambda` on the grid. Without a ``start`` the solver follows
    the path of maximisers from :math:`\beta \approx 1` (started at :math:`g = 0`) up to
    ``beta`` by factors of ten, each stage on its own default grid.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data.
    beta, lam : float
        Inverse temperature and weight decay (positive).
    grid : int, optional
        Number of quadrature angles (even); default :func:`default_grid_size`.
    start : array_like, shape (n,), optional
        Initial values :math:`f(x_i)`; default ``y``, where :math:`G = 0`. A start whose
        certificate reaches ``lam`` raises ``ValueError`` (no normalisable density).
    tol : float
        Stop when :math:`\max_i |T(f)_i - f_i|` is below ``tol`` (or the Newton step is
        below rounding).
    max_iter : int
        Largest number of Newton steps.

    Returns
    -------
    GibbsSolution
    """
    x, y = paired_1d(x, y)
    beta, lam = _beta(beta), _lam(lam)
    tol = as_float(tol, "tol", positive=True)
    max_iter = as_int(max_iter, "max_iter", minimum=1)
    n = x.size
    if start is None:                     # path following from beta ~ 1, where G = 0 is close
        g = np.zeros(n)
        stages = beta / 10.0 ** np.arange(max(0, int(np.ceil(np.log10(beta))) - 1), 0, -1)
    else:
        g = (_fit(start, x) - y) / n
        stages = np.zeros(0)
    iterations = 0
    for stage, b in enumerate([*stages, beta]):
        quad = _Quadrature(x, y, lam, _grid(b if grid is None else beta, grid))
        top = np.max(np.abs(quad.gaps(g)[0]))
        if stage > 0 and top >= lam:      # a finer grid may see G just above lam: shrink g
            g = g * (1 - 1e-6) * lam / top
        quad.fit(g, b)                    # raises if the start admits no Gibbs density
        g, steps = quad.newton(g, b, tol, max_iter)
        iterations += steps
    f_data = y + n * g
    f, G, h, total = quad.fit(g, beta)
    # p(phi) = h / int h,  E[a r | phi] = -2 G h / beta,
    # E[(a r)^2 | phi] = 2 h (4 G^2 h + 1) / beta^2
    per_angle = quad.phi.size / (2 * np.pi * total)
    return GibbsSolution(
        x=x, y=y, beta=beta, lam=lam, phi=quad.phi, density=-2.0 * G * h * h * per_angle / beta,
        second_moment=2.0 * h * h * (4.0 * G * G * h + 1.0) * per_angle / beta ** 2,
        f_data=f_data, residual=float(np.max(np.abs(f - f_data))),
        sup_G=sup_certificate(x, y, f_data)[0], iterations=iterations)


# ------------------------------------------------------------ beta = infinity
@dataclass(frozen=True, eq=False)
class TVSolution:
    r"""A solution of the total-variation problem (the :math:`\beta = \infty` limit).

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        Data.
    lam : float
        Regularisation.
    phi : ndarray, shape (q,)
        Directions of the atoms, increasing in ``[-pi, pi)``.
    mu : ndarray, shape (q,)
        Their weights: :math:`f(x) = \sum_k \mu_k\,\sigma(x\cos\varphi_k + \sin\varphi_k)`.
    f_data : ndarray, shape (n,)
        :math:`f(x_i)`, equal to :math:`y_i + n g_i`.
    g : ndarray, shape (n,)
        The dual variable :math:`(f_i - y_i)/n`.
    sup_G : float
        Exact :math:`\sup|G|` of the certificate (``lam`` up to the tolerance).
    rounds : int
        Exchange rounds used by :func:`tv_lasso` (0 for closed forms).
    """

    x: np.ndarray
    y: np.ndarray
    lam: float
    phi: np.ndarray
    mu: np.ndarray
    f_data: np.ndarray
    g: np.ndarray
    sup_G: float
    rounds: int = 0

    def net(self) -> ShallowNet:
        """The solution as a network with one neuron per atom (``scale = 1``).

        The zero solution (no atoms) is one neuron with ``a = 0``.
        """
        if self.mu.size == 0:
            return ShallowNet(a=[0.0], w=[1.0], b=[0.0])
        return ShallowNet(a=self.mu, w=np.cos(self.phi), b=np.sin(self.phi))

    def __call__(self, t) -> np.ndarray:
        """Evaluate ``f`` at the points ``t`` (shape (k,))."""
        return self.net()(t)

    def to_piecewise(self) -> PiecewiseLinear:
        r"""The exact piecewise-linear form of ``f``, each knot at a data point exactly there.

        An atom's knot is :math:`-\tan\varphi`, rounded; an atom in a data direction has its
        knot at that data point, and two such atoms, one facing each way, have one knot. The
        two roundings of :math:`-\tan\varphi` and :math:`-\tan(\varphi - \pi)` can land an
        ulp apart, which would split that knot in two and add a spurious
        :math:`2\min(|J_1|, |J_2|)` to the curvature mass when the jumps have opposite signs.
        So a knot within ``1e-12 max(1, |x_i|)`` of a data point, below the ``1e-12`` to which
        :func:`tv_lasso` solves the optimality conditions, is placed on it.
        """
        cos, sin = np.cos(self.phi), np.sin(self.phi)
        facing = np.sign(cos)
        with np.errstate(divide="ignore", invalid="ignore"):
            knot = np.where(facing != 0, -sin / np.where(facing != 0, cos, 1.0), 0.0)
        nearest = np.argmin(np.abs(knot[:, None] - self.x[None, :]), axis=1)
        snap = np.abs(knot - self.x[nearest]) <= 1e-12 * np.maximum(1.0, np.abs(self.x[nearest]))
        knot = np.where(snap & (facing != 0), self.x[nearest], knot)
        # mu sigma(x cos + sin) = (mu |cos|) sigma(sign(cos) (x - e)); flat atoms keep (0, sin)
        a = np.where(facing != 0, self.mu * np.abs(cos), self.mu)
        b = np.where(facing != 0, -facing * knot, sin)
        if a.size == 0:
            return self.net().to_piecewise()
        return ShallowNet(a=a, w=facing, b=b).to_piecewise()

    def clustered_knots(self, merge: float = 1e-6, tol: float = 1e-9) -> Knots:
        """The knots of ``f`` with their directions, weights and jumps: atoms clustered by
        :func:`cluster_knots`."""
        return cluster_knots(self.phi, self.mu, merge=merge, tol=tol)

    def knots(self, merge: float = 1e-6, tol: float = 1e-9) -> np.ndarray:
        """Positions of the knots of ``f`` (``+-inf`` for a constant direction); shape (q,).

        ``clustered_knots(merge, tol).position``: ``knots()`` is a position array on every
        object of the package.
        """
        return self.clustered_knots(merge=merge, tol=tol).position

    def contact_directions(self, rtol: float = 1e-9) -> np.ndarray:
        r"""Directions where :math:`|G| \ge \lambda(1 - \text{rtol})`, sorted; shape (p,).

        :math:`G` is the certificate of the dual solution ``g``, which every minimiser shares
        (the dual objective is strictly concave), and every minimiser puts its atoms where
        :math:`|G| = \lambda`. ``rtol`` must exceed the accuracy of ``g`` (``tv_lasso``
        certifies :math:`\sup|G|` to its ``tol``) and stay below the relative gap to the
        next peak of :math:`|G|`.
        """
        rtol = as_float(rtol, "rtol", positive=True)
        cand, values = _arc_candidates(self.x, self.g)
        return np.unique(cand[np.abs(values) >= self.lam * (1 - rtol)])

    def minimisers(self, rtol: float = 1e-9) -> tuple[int, int]:
        r"""Dimensions of the set of minimisers near this one, as measures and as functions.

        A minimiser is a measure on the contact set (:meth:`contact_directions`) with the
        fitted values ``f_data``. Its weights are free along the kernel of the atoms' values
        at the data, of dimension ``p - rank``; two such measures give the same function when
        their difference vanishes at every knot and on both outer pieces, which evaluating the
        atoms there decides exactly (a piecewise-linear function with those knots is fixed by
        these values).

        Returns
        -------
        (measures, functions) : tuple of int
            ``(0, 0)``: the minimiser is unique; ``(k, 0)``: the function is unique but
            ``k`` directions of weights represent it.
        """
        phi = self.contact_directions(rtol)
        on_data = np.linalg.matrix_rank(atoms(phi, self.x))
        cos = np.cos(phi)
        knots = -np.sin(phi[cos != 0]) / cos[cos != 0]
        ends = np.concatenate([knots, self.x])
        probe = np.concatenate([ends, [ends.min() - 1.0, ends.max() + 1.0]])
        as_functions = np.linalg.matrix_rank(atoms(phi, probe))
        return int(phi.size - on_data), int(as_functions - on_data)

    @property
    def objective(self) -> float:
        r"""Primal value :math:`\frac1{2n}\sum_i (f(x_i) - y_i)^2 + \lambda\|\mu\|_1`."""
        f = atoms(self.phi, self.x).T @ self.mu if self.mu.size else np.zeros(self.x.size)
        return float(0.5 * np.mean((f - self.y) ** 2) + self.lam * np.abs(self.mu).sum())

    @property
    def dual_objective(self) -> float:
        r"""Dual value :math:`-\langle g, y\rangle - \frac n2|g|^2` at the feasible point
        :math:`g\,\min(1, \lambda/\sup|G|)`: a lower bound on the optimal value."""
        g = self.g * min(1.0, self.lam / self.sup_G) if self.sup_G > 0 else self.g
        return float(-g @ self.y - 0.5 * self.x.size * g @ g)

    @property
    def gap(self) -> float:
        """Duality gap ``objective - dual_objective`` (zero at the optimum)."""
        return self.objective - self.dual_objective


def _least_distance(A: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Dual and primal of the lasso over the atoms ``A`` (K, n), exactly.

    The dual, :math:`\min_g \frac n2|g + y/n|^2` subject to :math:`|A g| \le \lambda`, is a
    least-distance problem, solved by one non-negative least-squares problem (Lawson and
    Hanson's LDP algorithm; scipy's ``nnls``). Its multipliers are the atom weights.
    """
    n = y.size
    g0 = -y / n
    rows = np.vstack([-A, A])                          # constraints rows @ z >= h
    h = np.concatenate([A @ g0 - lam, -A @ g0 - lam])
    E = np.vstack([rows.T, h[None, :]])                # (n + 1, 2K)
    target = np.zeros(n + 1)
    target[-1] = 1.0
    u, _ = nnls(E, target, maxiter=50 * E.shape[1])
    r = E @ u - target
    if abs(r[-1]) < 1e-14:
        raise RuntimeError("tv_lasso: least-distance problem reported infeasible")
    g = g0 - r[:n] / r[-1]
    K = A.shape[0]
    mu = n * (u[:K] - u[K:]) / r[-1]
    return g, mu


def tv_lasso(x, y, lam: float, *, grid: int = 256, tol: float = 1e-10,
             max_rounds: int = 60) -> TVSolution:
    r"""Solve the :math:`\beta = \infty` problem
    :math:`\min_\mu \frac1{2n}\sum_i (f_\mu(x_i) - y_i)^2 + \lambda\|\mu\|_{TV}`.

    An exchange method on the exact problem over all directions: solve the lasso over a
    finite dictionary of directions (a uniform grid plus the data directions) exactly, via
    its dual least-distance problem; add the directions where the exact certificate
    exceeds :math:`\lambda` (one sinusoid peak per arc, :func:`sup_certificate`); repeat
    until :math:`\sup|G| \le \lambda(1 + \mathrm{tol})`. The atoms with non-zero weight sit
    where :math:`|G| = \lambda`.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data.
    lam : float
        Regularisation (positive).
    grid : int
        Size of the initial uniform grid of directions (at least 16).
    tol : float
        Relative tolerance on the certificate.
    max_rounds : int
        Largest number of exchange rounds.

    Returns
    -------
    TVSolution
    """
    x, y = paired_1d(x, y)
    lam = _lam(lam)
    grid = as_int(grid, "grid", minimum=16)
    tol = as_float(tol, "tol", positive=True)
    max_rounds = as_int(max_rounds, "max_rounds", minimum=1)
    phi = np.union1d(-np.pi + 2 * np.pi * np.arange(grid) / grid, _data_directions(x))
    for rounds in range(1, max_rounds + 1):
        g, mu = _least_distance(atoms(phi, x), y, lam)
        keep = mu != 0
        cand, values = _arc_candidates(x, g)
        sup = float(np.max(np.abs(values)))
        if sup <= lam * (1 + max(tol, _POLISH_FROM)):
            polished = _polish(x, y, lam, phi[keep], mu[keep], g, tol)
            if polished is not None:
                return TVSolution(x, y, lam, *polished, rounds=rounds)
        if sup <= lam * (1 + tol):
            return TVSolution(x, y, lam, phi[keep], mu[keep], y + x.size * g, g, sup, rounds)
        phi = np.union1d(phi, cand[np.abs(values) > lam * (1 + tol)])
    raise RuntimeError(f"tv_lasso did not reach sup|G| <= lam (1 + {tol:g}) in "
                       f"{max_rounds} rounds (sup|G| / lam = {sup / lam:.12f})")


def _polish(x, y, lam, phi, mu, g, tol):
    """Newton polish of an exchange solution on its optimality conditions.

    The exchange method converges linearly: a peak of G is pinned between two nearby
    directions that share its weight. Merge such atoms (:func:`cluster_knots` with
    ``merge = 1e-3``), then solve the optimality conditions with ``scipy.optimize.root``
    (Levenberg--Marquardt, which tolerates the singular Jacobian of a non-unique ``mu``):
    ``y + n g = sum_k mu_k a(phi_k)``, ``G(phi_k) = -sign(mu_k) lam`` at every atom, and
    ``G'(phi_k) = 0`` at atoms off the data directions (whose angles are unknowns too).
    Returns ``(phi, mu, f_data, g, sup_G)`` if the result solves them (to 1e-12) and
    certifies (``sup|G| <= lam (1 + tol)``, signs unchanged), else ``None``.
    """
    if phi.size == 0:
        return None
    knots = cluster_knots(phi, mu, merge=1e-3, tol=0.0)
    angle, weight = knots.angle.copy(), knots.weight
    ends = _data_directions(x)
    distance = np.abs(np.mod(angle[:, None] - ends[None, :] + np.pi, 2 * np.pi) - np.pi)
    on_data = distance.min(axis=1) < 1e-9
    angle[on_data] = ends[np.argmin(distance[on_data], axis=1)]
    free = np.flatnonzero(~on_data)
    n, q, sign = x.size, angle.size, np.sign(weight)

    def unpack(z):
        phis = angle.copy()
        phis[free] = z[n + q:]
        return z[:n], z[n:n + q], phis

    def parts(z):
        gz, wz, phis = unpack(z)
        A = atoms(phis, x)                                    # a(phi_k), (q, n)
        c, s = np.cos(phis[free]), np.sin(phis[free])
        active = (np.outer(c, x) + s[:, None]) > 0
        slope = active * (np.outer(-s, x) + c[:, None])       # a'(phi_k); a'' = -a
        return gz, wz, A, slope

    def equations(z):
        gz, wz, A, slope = parts(z)
        return np.concatenate([A.T @ wz - y - n * gz, A @ gz + sign * lam, slope @ gz])

    def jacobian(z):
        gz, wz, A, slope = parts(z)
        p = free.size
        J = np.zeros((n + q + p, n + q + p))
        J[:n, :n] = -n * np.eye(n)
        J[:n, n:n + q] = A.T
        J[:n, n + q:] = slope.T * wz[free]
        J[n:n + q, :n] = A
        J[n + free, n + q + np.arange(p)] = slope @ gz
        J[n + q:, :n] = slope
        J[n + q + np.arange(p), n + q + np.arange(p)] = -(A[free] @ gz)
        return J

    sol = root(equations, np.concatenate([g, weight, angle[free]]), jac=jacobian,
               method="lm", options={"xtol": 1e-15, "ftol": 1e-15})
    g2, w2, phi2 = unpack(sol.x)
    phi2 = np.mod(phi2 + np.pi, 2 * np.pi) - np.pi
    sup2 = float(np.max(np.abs(_arc_candidates(x, g2)[1])))
    solved = np.max(np.abs(equations(sol.x))) <= 1e-12 * (1.0 + np.max(np.abs(y)))
    if not (solved and np.all(np.sign(w2) == sign) and sup2 <= lam * (1 + tol)):
        return None
    merged = cluster_knots(phi2, w2, merge=1e-12, tol=0.0)   # two unknowns may meet at a peak
    return merged.angle, merged.weight, y + n * g2, g2, sup2


def two_point_solution(X: float, y: float, lam: float) -> TVSolution:
    r"""Closed form of the :math:`\beta = \infty` problem for the data
    :math:`\{(-X, y), (X, y)\}`.

    Two atoms of equal weight :math:`t` in the directions :math:`(\pm X, 1)/\sqrt{1 + X^2}`,
    that is knots at :math:`\mp 1/X`, with :math:`f(\pm X) = t\sqrt{1 + X^2} =
    y - 2\lambda/\sqrt{1 + X^2}`; :math:`f` is flat on :math:`[-1/X, 1/X]`. Valid for
    :math:`X > \sqrt3` (otherwise directions active at both points violate the certificate)
    and :math:`y > 2\lambda/\sqrt{1 + X^2}` (otherwise the solution is zero).
    """
    X, y, lam = as_float(X, "X"), as_float(y, "y"), _lam(lam)
    if not X > np.sqrt(3.0):
        raise ValueError(f"the closed form needs X > sqrt(3), got X = {X}")
    s = np.hypot(1.0, X)
    if not y > 2 * lam / s:
        raise ValueError(f"the closed form needs y > 2 lam / sqrt(1 + X^2) = {2 * lam / s:.6g}, "
                         f"got y = {y}")
    x_data, y_data = np.array([-X, X]), np.array([y, y])
    value = y - 2 * lam / s
    phi = np.array([np.arctan2(1.0, X), np.arctan2(1.0, -X)])
    return TVSolution(x=x_data, y=y_data, lam=lam, phi=phi, mu=np.full(2, value / s),
                      f_data=np.full(2, value), g=(np.full(2, value) - y_data) / 2,
                      sup_G=sup_certificate(x_data, y_data, np.full(2, value))[0])


def min_tv_fit(x, values, *, per_arc: int = 128) -> tuple[float, np.ndarray, np.ndarray]:
    r"""The cheapest measure over a dictionary of directions that fits ``values`` exactly.

    Solves the linear program :math:`\min \|\mu\|_1` subject to
    :math:`\sum_k \mu_k\,\sigma(x_i\cos\varphi_k + \sin\varphi_k) = v_i` with scipy's HiGHS,
    over ``per_arc + 1`` equally spaced directions on each arc between data directions (so
    that short arcs, between close inputs, are sampled too). Independent of
    :func:`tv_lasso`; its value exceeds the exact minimum by :math:`O(\text{spacing}^2)`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Inputs.
    values : array_like, shape (n,)
        Values to fit.
    per_arc : int
        Directions per arc (at least 2).

    Returns
    -------
    total_variation : float
    phi, mu : ndarray
        The directions of the dictionary and the optimal weights.
    """
    x, values = paired_1d(x, values)
    per_arc = as_int(per_arc, "per_arc", minimum=2)
    ends = _data_directions(x)
    lengths = np.diff(np.concatenate([ends, [ends[0] + 2 * np.pi]]))
    phi = (ends[:, None] + lengths[:, None] * np.linspace(0, 1, per_arc + 1)[None, :]).ravel()
    phi = np.unique(np.mod(phi + np.pi, 2 * np.pi) - np.pi)
    fit = least_l1(atoms(phi, x).T, values, what="min_tv_fit")
    return fit.value, phi, fit.coef


# ------------------------------------------------------------------- knots
@dataclass(frozen=True)
class Knots:
    r"""Knots of a function :math:`\int\sigma(x\cos\varphi + \sin\varphi)\,d\mu(\varphi)`
    with atomic :math:`\mu`.

    Attributes
    ----------
    angle : ndarray, shape (q,)
        Direction of each knot (weighted mean of its cluster of atoms).
    position : ndarray, shape (q,)
        :math:`e = -\tan\varphi` (``+-inf`` for a direction with :math:`\cos\varphi = 0`).
    weight : ndarray, shape (q,)
        Total weight :math:`\mu` of the cluster.
    jump : ndarray, shape (q,)
        Slope jump :math:`|\cos\varphi|\,\mu` of :math:`f` at the knot.
    facing : ndarray of int, shape (q,)
        +1 for a right-facing unit (active for :math:`x > e`), -1 for left-facing.
    """

    angle: np.ndarray
    position: np.ndarray
    weight: np.ndarray
    jump: np.ndarray
    facing: np.ndarray

    def __len__(self) -> int:
        return self.angle.size


def cluster_knots(phi, mu, *, merge: float = 1e-6, tol: float = 1e-9) -> Knots:
    r"""Group atoms into knots.

    **Merge rule.** Sort the atoms by angle; two neighbours belong to the same knot when
    their angles differ by at most ``merge`` (radians), they face the same way and their
    weights have the same sign (chains of such neighbours form one cluster; the cut at
    :math:`\pm\pi` is not crossed). A cluster sits at the :math:`|\mu|`-weighted mean
    angle and carries the total weight; clusters whose total weight is at most
    ``tol * sum(|mu|)`` are dropped.

    Parameters
    ----------
    phi, mu : array_like, shape (q,)
        Directions and weights of the atoms.
    merge : float
        Largest angular gap inside a knot (non-negative).
    tol : float
        Relative weight threshold (non-negative).

    Returns
    -------
    Knots
    """
    phi = as_array(phi, "phi", ndim=1, allow_empty=True)
    mu = as_array(mu, "mu", ndim=1, allow_empty=True)
    if phi.shape != mu.shape:
        raise ValueError(f"mu must have shape {phi.shape} like phi, got {mu.shape}")
    merge = as_float(merge, "merge", nonnegative=True)
    tol = as_float(tol, "tol", nonnegative=True)
    keep = mu != 0
    phi, mu = phi[keep], mu[keep]
    order = np.argsort(phi)
    phi, mu = phi[order], mu[order]
    facing = np.where(np.cos(phi) >= 0, 1, -1)
    same = ((np.diff(phi) <= merge) & (np.diff(facing) == 0)
            & (np.diff(np.sign(mu)) == 0))
    cluster = np.concatenate(([0], np.cumsum(~same))).astype(int) if phi.size else np.zeros(0, int)
    weight = np.bincount(cluster, weights=mu)
    size = np.bincount(cluster, weights=np.abs(mu))
    angle = np.bincount(cluster, weights=np.abs(mu) * phi) / np.where(size > 0, size, 1.0)
    big = np.abs(weight) > tol * np.abs(mu).sum()
    angle, weight = angle[big], weight[big]
    cos = np.cos(angle)
    with np.errstate(divide="ignore"):
        position = np.where(np.abs(cos) > 1e-12, -np.sin(angle) / np.where(cos == 0, 1, cos),
                            -np.sign(np.sin(angle)) * np.inf)
    return Knots(angle=angle, position=position, weight=weight, jump=np.abs(cos) * weight,
                 facing=np.where(cos >= 0, 1, -1))


def cluster_polynomials(t, x, y, f_data, lam: float) -> tuple[np.ndarray, np.ndarray]:
    r"""The polynomials :math:`f_j, \bar f_j` of Shevchenko et al.'s cluster set, at ``t``.

    For :math:`t` in the prediction interval :math:`I_j` the paper defines
    :math:`f_j(t) = 1 + t^2 - (A_j t - B_j)^2` with :math:`A_j = \lambda^{-1}\sum_{x_i > t}
    g_i`, :math:`B_j = \lambda^{-1}\sum_{x_i > t} g_i x_i`, and :math:`\bar f_j` likewise
    with the sums over :math:`x_i < t`, where :math:`g_i = (f_i - y_i)/n` (the paper's
    :math:`R_i`). Its cluster set is where one of them is :math:`\le 0`. They equal
    :math:`(1 + t^2)(1 - G(\varphi)^2/\lambda^2)` at the right- and left-facing directions
    with their knot at :math:`t` (:func:`certificate`).

    Parameters
    ----------
    t : array_like, shape (K,)
        Points, none equal to an input.
    x, y : array_like, shape (n,)
        Data.
    f_data : array_like, shape (n,)
        Values of the fit at the data.
    lam : float
        Regularisation :math:`\lambda > 0`.

    Returns
    -------
    right, left : ndarray, shape (K,)
        :math:`f_j(t)` and :math:`\bar f_j(t)`.
    """
    t = np.atleast_1d(as_array(t, "t", ndim=(0, 1)))
    g = _dual(x, y, f_data) / _lam(lam)
    x = np.asarray(x, dtype=np.float64)
    if np.any(t[:, None] == x[None, :]):
        raise ValueError("t must not contain an input point")
    right = x[None, :] > t[:, None]
    out = []
    for side in (right, ~right):
        a, b = side @ g, side @ (g * x)
        out.append(1 + t ** 2 - (a * t - b) ** 2)
    return out[0], out[1]


# ------------------------------------------------------------ the paper's figures
FIGURES_PATH = (Path(__file__).resolve().parent.parent / "chapters" / "data"
                / "shevchenko2022_figures.json")


@dataclass(frozen=True)
class PaperFigure:
    r"""One panel of Figures 1, 7 or 8 of Shevchenko, Kungurtsev and Mondelli (2022).

    Extracted from the journal PDF's vector graphics by
    ``scripts/extract_shevchenko_figures.py`` (see the data file for the provenance).

    Attributes
    ----------
    name : str
        Figure and panel, e.g. ``"8c"``.
    x, y : ndarray, shape (n,)
        The training data (marker centres, exact to the 0.1 grid).
    curve : ndarray, shape (K, 2)
        Vertices of the plotted network, in data units (accurate to about 0.01).
    width : int
        The caption's number of neurons N.
    beta : float or None
        Inverse temperature (``inf`` where the caption has :math:`\beta^{-1} = 0`, None where
        it gives no value, as for Figure 1(c)).
    lam : float or None
        The caption's :math:`\lambda` (None where it gives no value).
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    curve: np.ndarray
    width: int
    beta: float | None
    lam: float | None

    def __call__(self, t) -> np.ndarray:
        """The plotted network at ``t``, interpolated linearly between its vertices."""
        return np.interp(as_array(t, "t", ndim=(0, 1)), self.curve[:, 0], self.curve[:, 1])


def paper_figure(name: str, *, path=None) -> PaperFigure:
    """Load a panel of the paper's Figures 1, 7 and 8 from the book's data file.

    Parameters
    ----------
    name : str
        ``"1a"``, ``"1b"``, ``"1c"``, ``"7a"`` to ``"7c"`` or ``"8a"`` to ``"8d"``.
    path : str or Path, optional
        The JSON file (default: ``chapters/data/shevchenko2022_figures.json``).

    Returns
    -------
    PaperFigure
    """
    source = Path(FIGURES_PATH if path is None else path)
    panels = json.loads(source.read_text(encoding="utf-8"))["panels"]
    if name not in panels:
        raise ValueError(f"name must be one of {sorted(panels)}, got {name!r}")
    p = panels[name]
    beta_inv = p["beta_inv"]
    beta = None if beta_inv is None else (np.inf if beta_inv == 0 else 1.0 / beta_inv)
    return PaperFigure(name=name, x=np.array(p["x"], dtype=np.float64),
                       y=np.array(p["y"], dtype=np.float64),
                       curve=np.array(p["curve"], dtype=np.float64), width=int(p["N"]),
                       beta=beta, lam=p["lam"])
