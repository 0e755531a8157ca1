"""Small synthetic data sets used by the chapters.

Every function returns NumPy arrays (float64) and takes its randomness from a ``seed`` (an int
or a ``numpy.random.Generator``); deterministic designs take no seed.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_float, as_int, as_rng

__all__ = ["grid_1d", "random_1d", "square_wave", "sinusoid", "orthogonal_inputs",
           "teacher_neuron", "affine_target"]


def _interval(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = as_float(lo, "lo"), as_float(hi, "hi")
    if not lo < hi:
        raise ValueError(f"the interval needs lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


def grid_1d(n: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """``n >= 2`` equally spaced points from ``lo`` to ``hi``; shape (n,)."""
    n = as_int(n, "n", minimum=2)
    lo, hi = _interval(lo, hi)
    return np.linspace(lo, hi, n)


def random_1d(n: int, *, seed, lo: float = -1.0, hi: float = 1.0,
              min_gap: float = 0.0) -> np.ndarray:
    """``n`` sorted uniform points on ``[lo, hi]`` whose consecutive gaps exceed ``min_gap``.

    Points are redrawn (from the same generator) until the gap condition holds, which keeps
    data well spaced where finite-width training would otherwise stall.
    """
    n = as_int(n, "n", minimum=1)
    lo, hi = _interval(lo, hi)
    min_gap = as_float(min_gap, "min_gap", nonnegative=True)
    if n > 1 and min_gap * (n - 1) >= 0.5 * (hi - lo):
        raise ValueError(f"min_gap={min_gap} is too large for {n} points on [{lo}, {hi}]")
    rng = as_rng(seed)
    while True:
        x = np.sort(rng.uniform(lo, hi, n))
        if n == 1 or np.min(np.diff(x)) > min_gap:
            return x


def square_wave(n: int = 10, *, lo: float = -1.0, hi: float = 1.0, periods: float = 1.0,
                seed=None, jitter: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Samples of a square wave of values ±1 on ``[lo, hi]``.

    The points are a grid of ``n`` points offset by half a cell (so none sits on a jump),
    optionally jittered by up to ``jitter`` cell widths with the generator ``seed``.

    Returns
    -------
    x, y : ndarray, shape (n,)
    """
    n = as_int(n, "n", minimum=2)
    lo, hi = _interval(lo, hi)
    periods = as_float(periods, "periods", positive=True)
    jitter = as_float(jitter, "jitter", nonnegative=True)
    if jitter >= 0.5:
        raise ValueError(f"jitter must be below 0.5 cell widths, got {jitter}")
    cell = (hi - lo) / n
    x = lo + cell * (np.arange(n) + 0.5)
    if jitter > 0:
        if seed is None:
            raise ValueError("seed is required when jitter > 0")
        x = x + cell * as_rng(seed).uniform(-jitter, jitter, n)
    phase = (x - lo) / (hi - lo) * periods
    y = np.where(np.floor(2.0 * phase) % 2 == 0, 1.0, -1.0)
    return x, y


def sinusoid(n: int = 10, *, lo: float = -1.0, hi: float = 1.0, frequency: float = 1.0,
             seed=None, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``y = sin(2 pi frequency x)`` on a grid of ``n`` points, plus optional Gaussian noise.

    Returns
    -------
    x, y : ndarray, shape (n,)
    """
    x = grid_1d(n, lo, hi)
    frequency = as_float(frequency, "frequency", positive=True)
    noise = as_float(noise, "noise", nonnegative=True)
    y = np.sin(2.0 * np.pi * frequency * x)
    if noise > 0:
        if seed is None:
            raise ValueError("seed is required when noise > 0")
        y = y + noise * as_rng(seed).standard_normal(n)
    return x, y


def orthogonal_inputs(n: int, d: int, radii=None, *, seed=None) -> np.ndarray:
    """``n`` pairwise orthogonal inputs in ``R^d`` (``d >= n``); shape (n, d).

    Without a seed the inputs lie on the coordinate axes, ``x_k = radii_k e_k``, so they are
    exactly orthogonal; with a seed they are rotated by a random orthogonal matrix
    (orthogonal up to rounding).
    """
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=1)
    if d < n:
        raise ValueError(f"d must be at least n to hold {n} orthogonal inputs, got d={d}")
    r = np.ones(n) if radii is None else as_array(radii, "radii", ndim=1)
    if r.shape != (n,) or np.any(r <= 0):
        raise ValueError(f"radii must be {n} positive numbers, got {r}")
    x = np.zeros((n, d))
    x[np.arange(n), np.arange(n)] = r
    if seed is None:
        return x
    q, upper = np.linalg.qr(as_rng(seed).standard_normal((d, d)))
    return x @ (q * np.sign(np.diag(upper))).T


def teacher_neuron(n: int, d: int, *, seed, teacher=None,
                   noise: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian inputs labelled by one ReLU neuron, ``y = relu(<v, x>) + noise``.

    Returns
    -------
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    v : ndarray, shape (d,)
        The teacher (drawn from ``N(0, I)`` unless given).
    """
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=1)
    noise = as_float(noise, "noise", nonnegative=True)
    rng = as_rng(seed)
    x = rng.standard_normal((n, d))
    v = rng.standard_normal(d) if teacher is None else as_array(teacher, "teacher", ndim=1)
    if v.shape != (d,):
        raise ValueError(f"teacher must have shape ({d},), got {v.shape}")
    y = np.maximum(x @ v, 0.0) + noise * rng.standard_normal(n)
    return x, y, v


def affine_target(n: int, alpha: float, beta: float, *, seed, lo: float = 0.0,
                  hi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform inputs on ``[lo, hi]`` labelled by ``alpha x + beta``.

    Returns
    -------
    x, y : ndarray, shape (n,)
    """
    n = as_int(n, "n", minimum=1)
    alpha, beta = as_float(alpha, "alpha"), as_float(beta, "beta")
    lo, hi = _interval(lo, hi)
    x = np.sort(as_rng(seed).uniform(lo, hi, n))
    return x, alpha * x + beta
