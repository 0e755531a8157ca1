r"""Shallow ReLU networks: the object every chapter studies.

A shallow (one-hidden-layer) ReLU network with ``m`` neurons is

.. math::

    f(x) = s \sum_{j=1}^m a_j \,\mathrm{relu}(\langle w_j, x\rangle + b_j) + c,

with output weights ``a``, input weights ``w``, optional hidden biases ``b``, output bias ``c``
and a fixed output scale ``s`` (``scale``; ``1/m`` in the mean-field chapters). The book's
empirical loss is :math:`L = \frac{1}{2n}\sum_i (f(x_i) - y_i)^2` and the convention
:math:`\mathrm{relu}'(0) = 0` is used throughout.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ._validate import as_array, as_float, as_int, as_rng

__all__ = ["ShallowNet", "random_net", "relu"]

_BLOCK = 1 << 20  # largest number of (point, neuron) pairs held in memory at once


def relu(z):
    """The rectified linear unit, ``max(z, 0)``, elementwise."""
    return np.maximum(z, 0.0)


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class ShallowNet:
    """A shallow ReLU network (immutable; arrays are read-only copies).

    Parameters
    ----------
    a : array_like, shape (m,)
        Output weights.
    w : array_like, shape (m,) or (m, d)
        Input weights: shape ``(m,)`` for one input, ``(m, d)`` for ``d`` inputs.
    b : array_like, shape (m,), optional
        Hidden biases; ``None`` means a network without hidden biases.
    c : float
        Output bias.
    scale : float
        Fixed positive output scale ``s`` (for instance ``1/m`` for mean-field scaling).

    Examples
    --------
    >>> net = ShallowNet(a=[1.0, -1.0], w=[1.0, 1.0], b=[0.0, -1.0])
    >>> net([0.5, 2.0]).tolist()
    [0.5, 1.0]
    """

    a: np.ndarray
    w: np.ndarray
    b: np.ndarray | None = None
    c: float = 0.0
    scale: float = 1.0

    def __post_init__(self):
        a = as_array(self.a, "a", ndim=1)
        w = as_array(self.w, "w", ndim=(1, 2))
        if w.shape[0] != a.shape[0]:
            raise ValueError(f"w must have one row per neuron: a has {a.shape[0]} entries, "
                             f"w has shape {w.shape}")
        if w.ndim == 2 and w.shape[1] == 0:
            raise ValueError("w must have at least one input dimension")
        object.__setattr__(self, "a", _frozen(a))
        object.__setattr__(self, "w", _frozen(w))
        if self.b is not None:
            b = as_array(self.b, "b", ndim=1)
            if b.shape != a.shape:
                raise ValueError(f"b must have shape {a.shape} like a, got {b.shape}")
            object.__setattr__(self, "b", _frozen(b))
        object.__setattr__(self, "c", as_float(self.c, "c"))
        object.__setattr__(self, "scale", as_float(self.scale, "scale", positive=True))

    @classmethod
    def _trusted(cls, a, w, b, c: float, scale: float) -> ShallowNet:
        """A network from arrays the caller has already checked (float, finite, matching
        shapes): the training engine's snapshots. Copies them, as the constructor does,
        without its checks (which cost more than a small training chunk)."""
        net = object.__new__(cls)
        for name, value in (("a", a), ("w", w), ("b", b)):
            object.__setattr__(net, name, None if value is None else _frozen(value))
        object.__setattr__(net, "c", float(c))
        object.__setattr__(net, "scale", float(scale))
        return net

    # ------------------------------------------------------------------ shape
    @property
    def width(self) -> int:
        """Number of hidden neurons ``m``."""
        return self.a.shape[0]

    @property
    def dim(self) -> int:
        """Input dimension ``d`` (1 when ``w`` has shape ``(m,)``)."""
        return 1 if self.w.ndim == 1 else self.w.shape[1]

    @property
    def has_bias(self) -> bool:
        """Whether the hidden neurons have biases."""
        return self.b is not None

    def replace(self, **changes) -> ShallowNet:
        """A copy with some fields replaced, e.g. ``net.replace(c=0.5)``."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------ evaluation
    def check_inputs(self, x, name: str = "x") -> np.ndarray:
        """Validate inputs: shape ``(n,)`` for one input, ``(n, d)`` for ``d`` inputs."""
        if self.w.ndim == 1:
            x = as_array(x, name, ndim=(0, 1))
            return np.atleast_1d(x)
        x = as_array(x, name, ndim=2)
        if x.shape[1] != self.dim:
            raise ValueError(f"{name} must have shape (n, {self.dim}), got {x.shape}")
        return x

    def _check_data(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = self.check_inputs(x)
        y = as_array(y, "y", ndim=1)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x and y must have the same number of points, "
                             f"got {x.shape[0]} and {y.shape[0]}")
        return x, y

    def preactivations(self, x) -> np.ndarray:
        """``z_ij = <w_j, x_i> + b_j``, shape (n, m). Use only for small ``n * m``."""
        x = self.check_inputs(x)
        z = np.outer(x, self.w) if self.w.ndim == 1 else x @ self.w.T
        return z if self.b is None else z + self.b

    def _blocks(self, n: int):
        step = max(1, _BLOCK // max(self.width, 1))
        for start in range(0, n, step):
            yield slice(start, min(n, start + step))

    def __call__(self, x) -> np.ndarray:
        """Evaluate the network at the inputs ``x``; returns shape (n,)."""
        x = self.check_inputs(x)
        out = np.empty(x.shape[0])
        for blk in self._blocks(x.shape[0]):
            out[blk] = self.scale * (relu(self.preactivations(x[blk])) @ self.a) + self.c
        return out

    def loss(self, x, y) -> float:
        """Empirical square loss ``(1/2n) sum_i (f(x_i) - y_i)^2``."""
        x, y = self._check_data(x, y)
        return 0.5 * float(np.mean((self(x) - y) ** 2))

    def grad(self, x, y) -> ShallowNet:
        """Gradient of :meth:`loss` with respect to every parameter.

        Returns a :class:`ShallowNet` of the same shape whose fields hold the partial
        derivatives (``.a``, ``.w``, ``.b`` and ``.c``; ``.scale`` is copied, not a
        derivative). Uses :math:`\\mathrm{relu}'(0) = 0`.
        """
        x, y = self._check_data(x, y)
        n = x.shape[0]
        r = (self(x) - y) / n                                   # (n,)
        ga = np.zeros(self.width)
        gw = np.zeros(self.w.shape)
        gb = np.zeros(self.width)
        for blk in self._blocks(n):
            z = self.preactivations(x[blk])                     # (n_blk, m)
            active = (z > 0).astype(np.float64)
            rb = r[blk]
            ga += relu(z).T @ rb
            gb += active.T @ rb
            gw += (active.T @ (rb[:, None] * x[blk].reshape(len(rb), -1))).reshape(gw.shape)
        s = self.scale
        return ShallowNet(a=s * ga, w=s * self.a.reshape(-1, *([1] * (gw.ndim - 1))) * gw,
                          b=None if self.b is None else s * self.a * gb,
                          c=float(r.sum()), scale=self.scale)

    # ------------------------------------------------------------- structure
    def knots(self) -> np.ndarray:
        """Knots ``e_j = -b_j / w_j`` of the neurons with ``w_j != 0`` (one input only).

        Without hidden biases every knot is at 0. The order follows the neurons; neurons
        with ``w_j = 0`` (constant units) have no knot and are left out.
        """
        self._require_univariate("knots")
        alive = self.w != 0
        b = np.zeros(self.width) if self.b is None else self.b
        return -b[alive] / self.w[alive]

    def slope_jumps(self) -> np.ndarray:
        """Jump of ``f'`` at each knot, ``scale * a_j * |w_j|`` (one input only).

        Same order as :meth:`knots`; ``f''`` is the sum of point masses of these sizes.
        """
        self._require_univariate("slope_jumps")
        alive = self.w != 0
        return self.scale * self.a[alive] * np.abs(self.w[alive])

    def curvature_mass(self) -> float:
        """Upper bound ``sum_j |scale a_j w_j|`` of the curvature mass ``int |f''|``.

        Equal to :meth:`~relubook.piecewise.PiecewiseLinear.curvature_mass` of
        :meth:`to_piecewise` unless knots of opposite jumps coincide (one input only).
        """
        return float(np.abs(self.slope_jumps()).sum())

    def path_norm(self) -> float:
        """Path norm ``sum_j |a_j| ||w_j||`` (the variation norm of chapter 4)."""
        return float(np.sum(np.abs(self.a) * self._row_norms(self.w)))

    def balancedness(self) -> np.ndarray:
        """Per-neuron ``a_j^2 - ||w_j||^2 - b_j^2``, conserved by gradient flow; shape (m,)."""
        out = self.a ** 2 - self._row_norms(self.w) ** 2
        return out if self.b is None else out - self.b ** 2

    def to_piecewise(self):
        """The exact :class:`~relubook.piecewise.PiecewiseLinear` form (one input only).

        Uses ``a relu(w x + b) = a |w| relu(x - e)`` for ``w > 0`` and
        ``a |w| (relu(x - e) - (x - e))`` for ``w < 0``, with knot ``e = -b / w``; units
        with ``w = 0`` are the constants ``a relu(b)``.
        """
        from .piecewise import PiecewiseLinear

        self._require_univariate("to_piecewise")
        b = np.zeros(self.width) if self.b is None else self.b
        const, left = self.w == 0, self.w < 0
        alive = ~const
        knots = -b[alive] / self.w[alive]
        jumps = self.scale * self.a[alive] * np.abs(self.w[alive])
        e_left = -b[left] / self.w[left]
        amp_left = self.scale * self.a[left] * np.abs(self.w[left])
        intercept = (self.c + self.scale * float(self.a[const] @ relu(b[const]))
                     + float(amp_left @ e_left))
        return PiecewiseLinear.from_jumps(knots, jumps, intercept=intercept,
                                          slope=-float(amp_left.sum()))

    def _require_univariate(self, what: str) -> None:
        if self.w.ndim != 1:
            raise ValueError(f"{what}() needs a network with one input (w of shape (m,)), "
                             f"got w of shape {self.w.shape}")

    @staticmethod
    def _row_norms(w: np.ndarray) -> np.ndarray:
        return np.abs(w) if w.ndim == 1 else np.linalg.norm(w, axis=1)


def random_net(width: int, *, seed, dim: int = 1, bias: bool = True,
               init_scale: float = 1.0, a_scale: float | None = None,
               scale: float = 1.0, balanced: bool = False) -> ShallowNet:
    """A network with Gaussian random weights.

    Parameters
    ----------
    width : int
        Number of neurons ``m`` (at least 1).
    seed : int or numpy.random.Generator
        Source of randomness.
    dim : int
        Input dimension ``d``; ``w`` has shape ``(m,)`` when ``d == 1``.
    bias : bool
        Whether neurons have hidden biases.
    init_scale : float
        Standard deviation of the entries of ``w`` and ``b``.
    a_scale : float, optional
        Standard deviation of ``a`` (defaults to ``init_scale``). Ignored if ``balanced``.
    scale : float
        Output scale of the network.
    balanced : bool
        If true, ``a_j = ±||(w_j, b_j)||`` with random signs, so every neuron starts with
        ``balancedness() == 0``.
    """
    width = as_int(width, "width", minimum=1)
    dim = as_int(dim, "dim", minimum=1)
    init_scale = as_float(init_scale, "init_scale", nonnegative=True)
    rng = as_rng(seed)
    w = init_scale * rng.standard_normal(width if dim == 1 else (width, dim))
    b = init_scale * rng.standard_normal(width) if bias else None
    if balanced:
        sq = (w ** 2 if dim == 1 else np.sum(w ** 2, axis=1)) + (0.0 if b is None else b ** 2)
        a = rng.choice([-1.0, 1.0], size=width) * np.sqrt(sq)
    else:
        sd = init_scale if a_scale is None else as_float(a_scale, "a_scale", nonnegative=True)
        a = sd * rng.standard_normal(width)
    return ShallowNet(a=a, w=w, b=b, c=0.0, scale=scale)
