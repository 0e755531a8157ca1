"""Input checks shared by every public function.

Each helper converts its argument to a float64 NumPy array (or float) and raises a
``ValueError``/``TypeError`` that names the offending argument and says what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None,
             finite: bool = True, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array, checking its dimension and values.

    Parameters
    ----------
    value : array_like
        The argument to check.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    finite : bool
        Reject NaN and infinite entries.
    allow_empty : bool
        Accept arrays with zero entries.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers ({err})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{k}-d" for k in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_float(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a finite float, optionally checking its sign."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    if positive and out <= 0:
        raise ValueError(f"{name} must be positive, got {out}")
    if nonnegative and out < 0:
        raise ValueError(f"{name} must be non-negative, got {out}")
    return out


def as_int(value, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    out = int(value)
    if out < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {out}")
    return out


def as_rng(seed, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from an int seed or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int or a numpy.random.Generator, "
                        f"got {type(seed).__name__}")
    return np.random.default_rng(int(seed))


def paired_1d(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``x`` and targets ``y`` as 1-d float arrays of the same length."""
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    return x, y


def as_interval(value, name: str = "interval") -> tuple[float, float]:
    """A validated pair ``(lo, hi)`` of finite floats with ``lo < hi``."""
    bounds = as_array(value, name, ndim=1)
    if bounds.shape != (2,):
        raise ValueError(f"{name} must be a pair (lo, hi), got shape {bounds.shape}")
    lo, hi = float(bounds[0]), float(bounds[1])
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi
