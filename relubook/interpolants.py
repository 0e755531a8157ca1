r"""Reference interpolants that trained networks are compared against.

* :func:`natural_cubic_spline`: the interpolant minimising :math:`\int f''^2` (scipy).
* :func:`linear_spline`: the piecewise-linear interpolant with knots at the data.
* :func:`kernel_interpolant`: the minimum-norm interpolant of a random-features kernel, the
  infinite-width limit of a network trained in the kernel regime.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline, PPoly

from ._validate import as_array, as_float
from .piecewise import PiecewiseLinear

__all__ = ["natural_cubic_spline", "linear_spline", "kernel_interpolant",
           "uniform_knot_kernel", "arccos_kernel", "KernelInterpolant"]


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
