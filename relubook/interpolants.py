r"""Reference interpolants that trained networks are compared against.

* :func:`natural_cubic_spline`: the interpolant minimising :math:`\int f''^2` (scipy).
* :func:`linear_spline`: the piecewise-linear interpolant with knots at the data.
* :func:`kernel_interpolant`: the minimum-norm interpolant of a random-features kernel, the
  infinite-width limit of a network trained in the kernel regime.
* :func:`least_curvature_interpolant`: an interpolant of least curvature mass
  :math:`\int |f''|` (a linear program over a dictionary of knots).

and what the data alone say about the least curvature mass: :func:`secant_slope_jumps`,
:func:`least_curvature_mass` and :func:`ambiguous_gaps` (where the minimiser is not unique),
with :func:`cubic_curvature_mass` for the curvature mass of a cubic spline.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline, PPoly

from ._validate import as_array, as_float, as_int, as_interval
from .least_l1 import least_l1
from .piecewise import PiecewiseLinear

__all__ = ["natural_cubic_spline", "linear_spline", "kernel_interpolant",
           "uniform_knot_kernel", "arccos_kernel", "KernelInterpolant",
           "least_curvature_interpolant", "secant_slope_jumps", "least_curvature_mass",
           "ambiguous_gaps", "cubic_curvature_mass"]


def _data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Validated 1-D data sorted by ``x``, at least two distinct points."""
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError("x must hold at least two points")
    order = np.argsort(x)
    x, y = x[order], y[order]
    if np.any(np.diff(x) == 0):
        raise ValueError("x must not contain duplicated inputs")
    return x, y


def natural_cubic_spline(x, y) -> PPoly:
    """The natural cubic spline through ``(x, y)`` (``f'' = 0`` at both ends).

    Among all interpolants it minimises :math:`\\int f''(t)^2 dt`. Outside the data range it
    is extended linearly (the minimiser's extension), not by the end cubics as scipy's
    ``CubicSpline`` would; the result is a ``scipy.interpolate.PPoly`` (callable, with
    derivatives ``s(t, nu)``).
    """
    x, y = _data(x, y)
    spline = CubicSpline(x, y, bc_type="natural")
    left, right = spline(x[0], 1), spline(x[-1], 1)
    # one linear piece on each side; PPoly extrapolates with the outermost pieces
    coef = np.column_stack(([0.0, 0.0, left, y[0] - left], spline.c, [0.0, 0.0, right, y[-1]]))
    breaks = np.concatenate(([x[0] - 1.0], x, [x[-1] + 1.0]))
    return PPoly(coef, breaks, extrapolate=True)


def linear_spline(x, y) -> PiecewiseLinear:
    """The piecewise-linear interpolant with knots at the interior data points.

    Outside the data range it continues the first and last segments, so its only knots are
    ``x_2, ..., x_{n-1}``.
    """
    x, y = _data(x, y)
    slopes = np.diff(y) / np.diff(x)
    return PiecewiseLinear(x, y, slopes[0], slopes[-1])


def secant_slope_jumps(x, y) -> np.ndarray:
    r"""Slope jumps of the linear spline at the interior data points.

    With the data sorted by ``x`` and the secant slopes
    :math:`s_k = (y_{k+1} - y_k) / (x_{k+1} - x_k)`, :math:`k = 1, \dots, n - 1`, the jump at
    :math:`x_k` is :math:`s_k - s_{k-1}`, :math:`k = 2, \dots, n - 1`: the point masses of
    :math:`\ell''` for the linear spline :math:`\ell` (:func:`linear_spline`).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data with distinct inputs, ``n >= 2``, any order.

    Returns
    -------
    jumps : ndarray, shape (n - 2,)
        In the order of increasing ``x`` (empty for two points).
    """
    x, y = _data(x, y)
    return np.diff(np.diff(y) / np.diff(x))


def least_curvature_mass(x, y) -> float:
    r"""The least curvature mass :math:`\int |f''|` of a function through the data.

    Every continuous :math:`f` through the data whose derivative has bounded variation has
    :math:`\int|f''| \ge \sum_{k=2}^{n-1} |s_k - s_{k-1}|` (by the mean value theorem
    :math:`f'` takes the value :math:`s_k` inside the gap :math:`k`), and the linear spline
    attains it; this returns that sum, from :func:`secant_slope_jumps`.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data with distinct inputs, ``n >= 2``, any order.
    """
    return float(np.abs(secant_slope_jumps(x, y)).sum())


def ambiguous_gaps(x, y, rtol: float = 1e-9) -> np.ndarray:
    r"""Gaps of the data where the interpolant of least curvature mass is not unique.

    The gap :math:`(x_k, x_{k+1})` of the sorted data is returned when the slope jumps of
    the linear spline at both of its ends are non-zero with the same sign,
    :math:`(s_k - s_{k-1})(s_{k+1} - s_k) > 0`: there any convex (or concave) interpolant
    with :math:`f'` between :math:`s_{k-1}` and :math:`s_{k+1}` has the least curvature
    mass too. The linear spline is the only minimiser exactly when no gap is returned.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data with distinct inputs, ``n >= 2``, any order.
    rtol : float
        Jumps of size at most ``rtol`` times the largest one count as zero (three collinear
        points give a zero jump up to rounding).

    Returns
    -------
    gaps : ndarray of int, shape (q,)
        Indices ``k`` (0-based, into the sorted data) of the gaps ``(x[k], x[k + 1])``.
    """
    jumps = secant_slope_jumps(x, y)
    rtol = as_float(rtol, "rtol", nonnegative=True)
    if jumps.size < 2:
        return np.zeros(0, dtype=np.intp)
    sign = np.where(np.abs(jumps) > rtol * np.abs(jumps).max(), np.sign(jumps), 0.0)
    return np.flatnonzero(sign[1:] * sign[:-1] > 0) + 1


def cubic_curvature_mass(spline: PPoly, interval=None) -> float:
    r"""Exact curvature mass :math:`\int_{lo}^{hi} |f''|` of a piecewise cubic.

    On each piece :math:`f''` is affine, so the integral of :math:`|f''|` over a piece of
    length :math:`h` with end values :math:`a, b` is :math:`\frac h2(|a| + |b|)` when
    :math:`ab \ge 0` and :math:`\frac h2 \frac{a^2 + b^2}{|a| + |b|}` when :math:`f''`
    changes sign inside. The end values are taken from each piece's own polynomial, so
    :math:`f''` may jump at the breakpoints.

    Parameters
    ----------
    spline : scipy.interpolate.PPoly
        A scalar piecewise polynomial of degree at most 3 with increasing breakpoints, such
        as :func:`natural_cubic_spline` (or a ``CubicSpline``).
    interval : pair of float, optional
        ``(lo, hi)`` inside the breakpoint range ``[spline.x[0], spline.x[-1]]``; by default
        that whole range.
    """
    if not isinstance(spline, PPoly):
        raise TypeError(f"spline must be a scipy.interpolate.PPoly, got "
                        f"{type(spline).__name__}")
    c, breaks = np.asarray(spline.c, dtype=np.float64), np.asarray(spline.x, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] > 4:
        raise ValueError(f"spline must be a scalar piecewise polynomial of degree at most 3, "
                         f"got coefficients of shape {c.shape}")
    if np.any(np.diff(breaks) <= 0):
        raise ValueError("spline must have strictly increasing breakpoints")
    c = np.vstack((np.zeros((4 - c.shape[0], c.shape[1])), c))        # cubic coefficients
    if interval is None:
        lo, hi = breaks[0], breaks[-1]
    else:
        lo, hi = as_interval(interval)
        if lo < breaks[0] or hi > breaks[-1]:
            raise ValueError(f"interval must lie in the breakpoint range "
                             f"[{breaks[0]}, {breaks[-1]}], got ({lo}, {hi})")
    start, end = np.maximum(breaks[:-1], lo), np.minimum(breaks[1:], hi)
    keep = end > start
    c, origin, start, end = c[:, keep], breaks[:-1][keep], start[keep], end[keep]
    a = 6 * c[0] * (start - origin) + 2 * c[1]                     # f'' at the piece's ends
    b = 6 * c[0] * (end - origin) + 2 * c[1]
    size = np.abs(a) + np.abs(b)
    crossing = a * b < 0
    mean = np.where(crossing, (a * a + b * b) / np.where(size > 0, size, 1.0), size) / 2
    return float(np.sum(mean * (end - start)))


def uniform_knot_kernel(s, t, L: float) -> np.ndarray:
    r"""Kernel of ReLU features with knots uniform on :math:`[-L, L]`, both orientations.

    :math:`K_L(s, t) = \frac{1}{2L}\Bigl[\int_{-L}^{\min(s,t)} (s-e)(t-e)\,de +
    \int_{\max(s,t)}^{L} (e-s)(e-t)\,de\Bigr]`, in closed form. Inputs must lie in
    :math:`[-L, L]`; returns an array of shape ``(len(s), len(t))``.
    """
    L = as_float(L, "L", positive=True)
    s = as_array(s, "s", ndim=(0, 1)).reshape(-1, 1)
    t = as_array(t, "t", ndim=(0, 1)).reshape(1, -1)
    if np.any(np.abs(s) > L) or np.any(np.abs(t) > L):
        raise ValueError(f"inputs must lie in [-L, L] = [{-L}, {L}]")

    def G(e):   # antiderivative of (s - e)(t - e) in e
        return s * t * e - (s + t) * e ** 2 / 2 + e ** 3 / 3

    lo, hi = np.minimum(s, t), np.maximum(s, t)
    return (G(lo) - G(-L) + G(L) - G(hi)) / (2 * L)


def arccos_kernel(s, t) -> np.ndarray:
    r"""Kernel of ReLU features ``relu(a x + b)`` with ``(a, b) ~ N(0, I)``.

    The degree-1 arc-cosine kernel on ``z = (x, 1)``:
    :math:`k = \|z\|\|z'\|(\sin\phi + (\pi - \phi)\cos\phi) / (2\pi)` with ``phi`` the angle
    between ``z`` and ``z'``. Returns shape ``(len(s), len(t))``.
    """
    s = as_array(s, "s", ndim=(0, 1)).reshape(-1, 1)
    t = as_array(t, "t", ndim=(0, 1)).reshape(1, -1)
    ns, nt = np.sqrt(1 + s ** 2), np.sqrt(1 + t ** 2)
    cos = np.clip((s * t + 1) / (ns * nt), -1.0, 1.0)
    phi = np.arccos(cos)
    return ns * nt * (np.sin(phi) + (np.pi - phi) * cos) / (2 * np.pi)


class KernelInterpolant:
    """``f(t) = K(t, X) K(X, X)^{-1} y``: the minimum-RKHS-norm interpolant of a kernel.

    Build it with :func:`kernel_interpolant`; call it on inputs of shape (k,).
    """

    def __init__(self, x: np.ndarray, coef: np.ndarray, kernel):
        self.x, self.coef, self.kernel = x, coef, kernel

    def __call__(self, t) -> np.ndarray:
        t = as_array(t, "t", ndim=(0, 1))
        return (self.kernel(np.atleast_1d(t), self.x) @ self.coef).reshape(np.shape(t))


def kernel_interpolant(x, y, kernel: str = "uniform", L: float = 2.0) -> KernelInterpolant:
    """Minimum-norm interpolant of the data for a random-ReLU-features kernel.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data with distinct inputs.
    kernel : {"uniform", "arccos"}
        ``"uniform"``: knots uniform on ``[-L, L]`` (:func:`uniform_knot_kernel`), whose
        interpolant tends to the natural cubic spline as ``L`` grows; ``"arccos"``: Gaussian
        weights (:func:`arccos_kernel`).
    L : float
        Half-width of the knot range for ``"uniform"``; must cover the data.

    Returns
    -------
    KernelInterpolant
    """
    x, y = _data(x, y)
    if kernel == "uniform":
        L = as_float(L, "L", positive=True)

        def k(s, t):
            return uniform_knot_kernel(s, t, L)
    elif kernel == "arccos":
        k = arccos_kernel
    else:
        raise ValueError(f"kernel must be 'uniform' or 'arccos', got {kernel!r}")
    coef = np.linalg.solve(k(x, x), y)
    return KernelInterpolant(x, coef, k)


def _knot_dictionary(x: np.ndarray, per_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Interior data points and ``per_gap`` equally spaced points inside every gap.

    Returns the sorted knots, shape (q,), and a boolean mask of those that are data points.
    """
    inside = np.linspace(0.0, 1.0, per_gap + 2)[1:-1]
    off = (x[:-1, None] + np.diff(x)[:, None] * inside[None, :]).ravel()
    knots = np.concatenate((x[1:-1], off))
    on_data = np.concatenate((np.ones(x.size - 2, bool), np.zeros(off.size, bool)))
    order = np.argsort(knots, kind="stable")
    return knots[order], on_data[order]


def least_curvature_interpolant(x, y, *, per_gap: int = 8,
                                   prefer: str = "data") -> PiecewiseLinear:
    r"""An interpolant of least curvature mass :math:`\int |f''|`, by linear programming.

    The candidates are :math:`f(t) = c + s t + \sum_k J_k\,\mathrm{relu}(t - e_k)` with knots
    :math:`e_k` from a dictionary: the interior data points and ``per_gap`` equally spaced
    points strictly inside every gap between consecutive inputs (knots outside
    :math:`(x_1, x_n)` only change the affine part on the data). Writing
    :math:`J = u - v` with :math:`u, v \ge 0`, minimising :math:`\sum_k |J_k|` under the
    interpolation conditions is a linear program, solved by scipy's HiGHS.

    **The minimum and its minimisers.** With the secant slopes
    :math:`s_k = (y_{k+1} - y_k)/(x_{k+1} - x_k)`, every interpolant has
    :math:`\int|f''| \ge \sum_k |s_{k+1} - s_k|` (by the mean value theorem :math:`f'` takes
    the value :math:`s_k` in the gap :math:`k`, and the total variation of :math:`f'` is at
    least that of the sequence :math:`s_1, s_2, \dots`), with equality for the linear spline.
    So the dictionary, which contains the data points, attains the exact minimum. The minimiser
    is unique exactly when no two consecutive slope jumps :math:`s_k - s_{k-1}` and
    :math:`s_{k+1} - s_k` are non-zero with the same sign: inside such a gap any convex
    (or concave) interpolant with :math:`f'` between the two outer slopes costs the same.

    **Which minimiser is returned.** A second linear program, over the minimisers of the
    first (total mass at most the minimum times :math:`1 + 10^{-9}`), selects one:

    * ``prefer="data"``: the least mass at knots off the data, i.e. the linear spline
      (:func:`linear_spline`), the minimiser with the fewest knots;
    * ``prefer="off"``: the least mass at the data points, a minimiser that moves every
      jump it can into the gaps (among the dictionary knots; which vertex HiGHS returns
      when several tie is not specified).

    When the interpolation conditions determine the jumps on the selected support (the
    design matrix has full column rank), they are recomputed from them by least squares,
    so the result interpolates to rounding; otherwise HiGHS's values are kept
    (interpolation to about :math:`10^{-10}`).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Data with distinct inputs, ``n >= 2`` (any order).
    per_gap : int
        Dictionary knots strictly inside each gap (at least 1).
    prefer : {"data", "off"}
        Which minimiser to return (see above).

    Returns
    -------
    PiecewiseLinear
        With breakpoints at the knots carrying a slope jump.
    """
    x, y = _data(x, y)
    per_gap = as_int(per_gap, "per_gap", minimum=1)
    if prefer not in ("data", "off"):
        raise ValueError(f"prefer must be 'data' or 'off', got {prefer!r}")
    knots, on_data = _knot_dictionary(x, per_gap)
    features = np.maximum(x[:, None] - knots[None, :], 0.0)              # (n, q)
    affine = np.column_stack((np.ones(x.size), x))                         # c + s t, free
    name = "least_curvature_interpolant"
    first = least_l1(features, y, free=affine, what=name)
    budget = first.value * (1 + 1e-9) + 1e-12 * (1 + np.abs(y).max())
    select = on_data if prefer == "off" else ~on_data
    second = least_l1(features, y, free=affine, cost=select.astype(float), budget=budget,
                      what=name)
    support = np.abs(second.coef) > 1e-9 * max(1.0, first.value)
    coef = np.concatenate((second.free, second.coef[support]))
    design = np.hstack((np.ones((x.size, 1)), x[:, None], features[:, support]))
    if np.linalg.matrix_rank(design) == design.shape[1]:     # the support fixes the jumps
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return PiecewiseLinear.from_jumps(knots[support], coef[2:], intercept=coef[0],
                                      slope=coef[1])
