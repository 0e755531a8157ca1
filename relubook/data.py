"""Small synthetic data sets used by the chapters, widgets and exercises.

Every function returns NumPy arrays (float64) and takes its randomness from a required
``seed`` (an int or a ``numpy.random.Generator``, through ``as_rng``); deterministic designs
take no seed. :func:`named` is the one registry of the data sets that the explorers offer by
name (:data:`NAMED`).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_float, as_int, as_interval, as_rng

__all__ = ["grid_1d", "random_1d", "square_wave", "sinusoid", "random_dataset",
           "random_rotation", "orthogonal_inputs", "orthogonal_example", "teacher_instances",
           "affine_target", "NAMED", "named"]


def _interval(lo: float, hi: float) -> tuple[float, float]:
    return as_interval((as_float(lo, "lo"), as_float(hi, "hi")), "(lo, hi)")


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
    return x if seed is None else x @ random_rotation(d, seed=seed).T


def orthogonal_example() -> tuple[np.ndarray, np.ndarray]:
    """The running example of the orthogonal-inputs chapter: ``n = 4`` inputs in ``R^6``.

    ``x_k = r_k e_k`` with radii ``r = (1, 1.5, 0.8, 1.2)`` (:func:`orthogonal_inputs`) and
    labels ``y = (1, 0.5, -0.7, -0.4)``.

    Returns
    -------
    x : ndarray, shape (4, 6)
    y : ndarray, shape (4,)
    """
    return orthogonal_inputs(4, 6, [1.0, 1.5, 0.8, 1.2]), np.array([1.0, 0.5, -0.7, -0.4])


def random_rotation(d: int, *, seed) -> np.ndarray:
    """A random orthogonal matrix, uniform (Haar) on ``O(d)``; shape (d, d).

    The QR factor of a standard Gaussian matrix, with the signs of its columns fixed by the
    diagonal of ``R`` so that the law is exactly uniform.
    """
    d = as_int(d, "d", minimum=1)
    q, upper = np.linalg.qr(as_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(upper))


def teacher_instances(batch: int, n: int, d: int, *, seed, noise: float = 0.0):
    """``batch`` independent teacher problems ``y = relu(x @ v + noise * N(0, 1))``.

    Inputs and teachers are standard Gaussian. With ``noise > 0`` and ``n > d`` the labels
    are (almost surely) not those of any neuron: the non-realisable variant of chapter 5. The
    labels stay non-negative either way.

    Returns
    -------
    x : ndarray, shape (batch, n, d)
    y : ndarray, shape (batch, n)
    v : ndarray, shape (batch, d)
    """
    batch = as_int(batch, "batch", minimum=1)
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=1)
    noise = as_float(noise, "noise", nonnegative=True)
    rng = as_rng(seed)
    x = rng.standard_normal((batch, n, d))
    v = rng.standard_normal((batch, d))
    z = np.einsum("bnd,bd->bn", x, v)
    if noise > 0:
        z = z + noise * rng.standard_normal((batch, n))
    return x, np.maximum(z, 0.0), v


def random_dataset(n: int, *, seed, half_width: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Sorted inputs uniform on ``[-half_width, half_width]`` and labels ``N(0, 1)``.

    The inputs are drawn first, then the labels, from one generator.

    Returns
    -------
    x, y : ndarray, shape (n,)
    """
    n = as_int(n, "n", minimum=1)
    half_width = as_float(half_width, "half_width", positive=True)
    rng = as_rng(seed)
    x = np.sort(rng.uniform(-half_width, half_width, n))
    return x, rng.standard_normal(n)


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


#: The data sets the explorers offer, by name: each entry builds ``(x, y)``.
NAMED = {
    "square wave, 10 points": lambda: square_wave(10),
    "sinusoid, 7 points": lambda: sinusoid(7),
    "sinusoid, 8 points": lambda: sinusoid(8),
    "sinusoid, 10 points": lambda: sinusoid(10),
    "square wave on [-2, 2]": lambda: square_wave(8, lo=-2.0, hi=2.0),
    "slow sinusoid on [-2, 2]": lambda: sinusoid(8, lo=-2.0, hi=2.0, frequency=0.25),
    "two points at ±10": lambda: (np.array([-10.0, 10.0]), np.array([2.0, 2.0])),
    "two points at ±2": lambda: (np.array([-2.0, 2.0]), np.array([1.0, 1.0])),
    "random, seed 0": lambda: random_dataset(6, seed=0),
    "random, seed 3": lambda: random_dataset(6, seed=3),
    "random on [-1, 1], seed 0": lambda: random_dataset(6, seed=0, half_width=1.0),
}


def named(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The data set called ``name`` (a key of :data:`NAMED`); returns ``x, y`` (sorted ``x``).

    Chapters, widgets and exercises that offer data sets by name share this registry.
    """
    if not isinstance(name, str) or name not in NAMED:
        raise ValueError(f"dataset must be one of {list(NAMED)}, got {name!r}")
    return NAMED[name]()
