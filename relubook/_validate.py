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


ORTHOGONALITY_RTOL = 1e-12
"""The one tolerance on ``|cos(x_k, x_l)|`` under which inputs count as orthogonal: in the
orthogonal chapter's checks and in the choice of the orthogonal backend alike (rotated
coordinate axes have cosines of about ``1e-16``; the orthogonal backend's steps differ from
the dense ones by a relative amount of the order of the cosines)."""


def _largest_cosine(x: np.ndarray) -> tuple[float, int, int]:
    """``(|cos|, k, l)`` of the least orthogonal pair of non-zero rows ``k != l`` of ``x``."""
    norms = np.linalg.norm(x, axis=1)
    cos = (x @ x.T) / np.outer(norms, norms)
    np.fill_diagonal(cos, 0.0)
    k, l = np.unravel_index(np.argmax(np.abs(cos)), cos.shape)
    return float(abs(cos[k, l])), int(k), int(l)


def is_orthogonal(x: np.ndarray, rtol: float = ORTHOGONALITY_RTOL) -> bool:
    """Whether the rows of ``x`` (n, d) are non-zero and pairwise orthogonal:
    ``|<x_k, x_l>| <= rtol ||x_k|| ||x_l||`` for ``k != l``."""
    if x.shape[0] > x.shape[1] or np.any(np.linalg.norm(x, axis=1) == 0):
        return False
    return _largest_cosine(x)[0] <= rtol


def as_orthogonal(x, name: str = "x", *, rtol: float = ORTHOGONALITY_RTOL) -> np.ndarray:
    """``x`` as a 2-d float array of non-zero, pairwise orthogonal rows (see
    :func:`is_orthogonal`); the error says which rows are not."""
    x = as_array(x, name, ndim=2)
    rtol = as_float(rtol, "rtol", nonnegative=True)
    n, d = x.shape
    if d < n:
        raise ValueError(f"{name} must hold pairwise orthogonal inputs, but {n} non-zero "
                         f"inputs cannot be orthogonal in R^{d} (need d >= n)")
    norms = np.linalg.norm(x, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"{name} must not contain a zero input (row {int(np.argmin(norms))})")
    cos, k, l = _largest_cosine(x)
    if cos > rtol:
        raise ValueError(f"{name} must hold pairwise orthogonal inputs: rows {k} and {l} have "
                         f"cosine {cos:.3g} (tolerance {rtol:g}); build them with "
                         f"relubook.data.orthogonal_inputs")
    return x


def as_net(net, name: str = "net", *, dim: int | None = None, bias: bool | None = None,
           scale: float | None = None):
    """``net`` checked to be a :class:`~relubook.model.ShallowNet` of the required shape.

    Parameters
    ----------
    net : object
        The argument to check.
    name : str
        Its name, for the error messages.
    dim : int, optional
        Number of inputs: 1 means ``w`` of shape ``(m,)``, ``d > 1`` means ``(m, d)``.
    bias : bool, optional
        Whether the network must have hidden biases (``True``) or none (``False``).
    scale : float, optional
        The output scale it must have.

    Returns
    -------
    ShallowNet
        ``net`` itself.
    """
    from .model import ShallowNet  # model imports this module

    if not isinstance(net, ShallowNet):
        raise TypeError(f"{name} must be a ShallowNet, got {type(net).__name__}")
    if dim == 1 and net.w.ndim != 1:
        raise ValueError(f"{name} must have one input (w of shape (m,)), got w of shape "
                         f"{net.w.shape}")
    if dim is not None and dim > 1 and (net.w.ndim != 2 or net.dim != dim):
        raise ValueError(f"{name} must have {dim} inputs (w of shape (m, {dim})), got w of "
                         f"shape {net.w.shape}")
    if bias is True and not net.has_bias:
        raise ValueError(f"{name} must have hidden biases b")
    if bias is False and net.has_bias:
        raise ValueError(f"{name} must be a network without biases (b=None)")
    if scale is not None and net.scale != scale:
        raise ValueError(f"{name} must have scale {scale:g}, got scale {net.scale}")
    return net
