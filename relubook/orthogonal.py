r"""Orthogonal inputs: alignment, saddle-to-saddle dynamics and the minimum path norm.

The setting of chapter 4 (after Boursier, Pillaud-Vivien and Flammarion, arXiv 2206.00939):
a network without biases, :math:`f(x) = \sum_j a_j \,\mathrm{relu}(\langle w_j, x\rangle)`,
trained by gradient flow on :math:`L = \frac{1}{2n}\sum_k (f(x_k) - y_k)^2` from a balanced
initialisation of scale :math:`\lambda`, with pairwise orthogonal inputs
:math:`x_1, \dots, x_n \in \mathbb{R}^d`. The closed forms used by the chapter:

* :math:`D_\pm = \sum_{\pm y_k > 0} |y_k|\, x_k` (directions of early alignment; a neuron of
  sign :math:`\pm` active on every same-sign point grows like
  :math:`\lambda\, e^{\|D_\pm\| t / n}`);
* :math:`\beta_\pm = \sum_{\pm y_k > 0} (|y_k| / \|x_k\|^2)\, x_k` and the minimum path norm
  :math:`R^* = \|\beta_+\| + \|\beta_-\|`, attained by :math:`h^*(x) =
  \mathrm{relu}(\langle\beta_+, x\rangle) - \mathrm{relu}(\langle\beta_-, x\rangle)`;
* escape times :math:`t_\pm \approx (n / \|D_\pm\|) \log(1/\lambda)` and the plateau
  :math:`(1/2n)\sum_{\text{slower side}} y_k^2` between them.

The settings of the authors' published experiments (their initialisation law and their three
data sets) are :func:`authors_init_net`, :func:`toy_data` and :func:`teacher_student_data`.
Everything here is closed form or a small linear program (scipy HiGHS); the training itself
runs in :func:`relubook.gradient_flow`.

Claims: claim-orth-balancedness, claim-orth-alignment, claim-orth-saddles,
claim-orth-convergence, claim-orth-min-norm, claim-orth-implicit-bias, claim-orth-width,
claim-orth-toy, claim-orth-non-orthogonal, claim-orth-high-dim (chapter 4).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import (
    ORTHOGONALITY_RTOL,
    as_array,
    as_float,
    as_int,
    as_net,
    as_orthogonal,
    as_rng,
)
from .dynamics import Trajectory, gradient_flow
from .least_l1 import least_l1
from .model import ShallowNet, random_net

__all__ = [
    "check_orthogonal", "init_net", "authors_init_net", "lift_bias",
    "toy_data", "teacher_student_data", "default_horizon", "train",
    "D_plus_minus", "beta_plus_minus", "min_path_norm", "min_norm_interpolator",
    "growth_rates", "escape_times", "initial_loss", "plateau_loss", "bias_error_exponent",
    "cosines", "activation_pattern", "fully_active", "covered",
    "coverage_probability", "full_activity_probability", "coverage_census",
    "first_crossing", "measured_escape_times",
    "random_directions", "lp_min_path_norm", "principal_plane",
]



# ------------------------------------------------------------------------ data
def check_orthogonal(x, y=None, *, rtol: float = ORTHOGONALITY_RTOL):
    """Validate pairwise orthogonal inputs (and labels).

    Parameters
    ----------
    x : array_like, shape (n, d)
        Inputs; every row non-zero and ``|cos(x_k, x_l)| <= rtol`` for ``k != l``.
    y : array_like, shape (n,), optional
        Labels.
    rtol : float
        Tolerance on the cosines: by default the one the orthogonal backend of the engine
        uses (``ORTHOGONALITY_RTOL = 1e-12`` in ``relubook._validate``; rounding errors of
        rotated inputs are ~1e-16).

    Returns
    -------
    x : ndarray, shape (n, d)
        Or ``(x, y)`` when ``y`` is given.

    Raises
    ------
    ValueError
        If the shapes disagree, an input is zero or two inputs are not orthogonal.
    """
    x = as_orthogonal(x, "x", rtol=rtol)
    n = x.shape[0]
    if y is None:
        return x
    y = as_array(y, "y", ndim=1)
    if y.shape != (n,):
        raise ValueError(f"y must have one label per input, shape ({n},), got {y.shape}")
    return x, y


def init_net(width: int, dim: int, lam: float, *, seed) -> ShallowNet:
    r"""Balanced small initialisation of scale ``lam``, without biases.

    ``w_j ~ N(0, (lam^2 / dim) I)`` (so ``E ||w_j||^2 = lam^2``) and ``a_j = s_j ||w_j||``
    with independent uniform signs ``s_j``.

    Parameters
    ----------
    width : int
        Number of neurons ``m``.
    dim : int
        Input dimension ``d``.
    lam : float
        Initialisation scale ``lambda > 0``.
    seed : int or numpy.random.Generator
        Source of randomness.
    """
    dim = as_int(dim, "dim", minimum=2)
    lam = as_float(lam, "lam", positive=True)
    return random_net(width, seed=seed, dim=dim, bias=False, init_scale=lam / math.sqrt(dim),
                      balanced=True)


def authors_init_net(width: int, dim: int, lam: float, *, seed,
                     lifted_bias: bool = False) -> ShallowNet:
    r"""The initialisation of the authors' code, without biases.

    Every coordinate of ``w_j`` is ``N(0, lam^2 / (m d_in))``, where ``d_in`` is the input
    dimension without the bias coordinate (``dim - 1`` when ``lifted_bias``, else ``dim``),
    and ``a_j = s_j ||w_j||`` with fair signs ``s_j``. So ``E ||w_j||^2 = lam^2 dim /
    (m d_in)``: without a bias coordinate this is :func:`init_net` at scale
    ``lam / sqrt(m)``.

    Parameters
    ----------
    width : int
        Number of neurons ``m``.
    dim : int
        Dimension of the inputs the network sees (with the bias coordinate, if any).
    lam : float
        The authors' ``init_scale``, positive.
    seed : int or numpy.random.Generator
        Source of randomness.
    lifted_bias : bool
        Whether the last input coordinate is the constant 1 of :func:`lift_bias`.
    """
    width = as_int(width, "width", minimum=1)
    dim = as_int(dim, "dim", minimum=2 if lifted_bias else 1)
    lam = as_float(lam, "lam", positive=True)
    d_in = dim - 1 if lifted_bias else dim
    return random_net(width, seed=seed, dim=dim, bias=False,
                      init_scale=lam / math.sqrt(width * d_in), balanced=True)


def lift_bias(x) -> np.ndarray:
    """One-dimensional inputs ``x_k`` as the points ``(x_k, 1)`` of ``R^2``; shape (n, 2).

    A bias-free neuron ``w = (w_1, w_2)`` on the lifted inputs is the neuron
    ``relu(w_1 x + w_2)`` of one input, with its kink at ``-w_2 / w_1``.
    """
    x = as_array(x, "x", ndim=1)
    return np.stack([x, np.ones_like(x)], axis=1)


def toy_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The two one-dimensional data sets of the authors' notebook, lifted by :func:`lift_bias`.

    ``"orthogonal"``: ``x = (-0.5, 2)``, ``y = (-1, 1)``; the lifted inputs ``(-0.5, 1)`` and
    ``(2, 1)`` are orthogonal. ``"non-orthogonal"``: ``x = (-1.5, -1, 0, 0.25, 2)``,
    ``y = (0.7, -0.3, -0.3, 0.4, 0.2)``.

    Returns
    -------
    x : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
    """
    sets = {"orthogonal": ([-0.5, 2.0], [-1.0, 1.0]),
            "non-orthogonal": ([-1.5, -1.0, 0.0, 0.25, 2.0], [0.7, -0.3, -0.3, 0.4, 0.2])}
    if name not in sets:
        raise ValueError(f"name must be one of {sorted(sets)}, got {name!r}")
    x, y = sets[name]
    return lift_bias(np.array(x)), np.array(y)


def teacher_student_data(n: int, d: int, teacher_width: int, *,
                         seed) -> tuple[np.ndarray, np.ndarray, ShallowNet]:
    """Gaussian inputs labelled by a random bias-free teacher, as in the authors' code.

    ``x_k ~ N(0, I_d)``; the teacher has ``teacher_width`` neurons with input weights
    ``N(0, 1 / (m_t d))`` per coordinate and output weights ``N(0, 1 / m_t)``, not
    balanced.

    Returns
    -------
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    teacher : ShallowNet
    """
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=2)
    m_t = as_int(teacher_width, "teacher_width", minimum=1)
    rng = as_rng(seed)
    teacher = ShallowNet(a=rng.standard_normal(m_t) / math.sqrt(m_t),
                         w=rng.standard_normal((m_t, d)) / math.sqrt(m_t * d))
    x = rng.standard_normal((n, d))
    return x, teacher(x), teacher


def default_horizon(x, y, lam: float) -> float:
    """A horizon past both escapes: ``1.3 max(t_+, t_-) + 40`` (see :func:`escape_times`)."""
    return 1.3 * max(escape_times(x, y, lam)) + 40.0


def train(x, y, lam: float, *, seed, width: int = 200, t_end: float | None = None,
          dt: float = 0.02, record=501, spacing: str = "log",
          progress: bool = False) -> Trajectory:
    """Gradient flow (RK4 in the compiled engine) from :func:`init_net`.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Pairwise orthogonal inputs.
    y : array_like, shape (n,)
        Labels of both signs.
    lam : float
        Initialisation scale, in ``(0, 1)``.
    width : int
        Number of neurons ``m``.
    seed : int or numpy.random.Generator
        Seed of the initialisation.
    t_end : float, optional
        Horizon; defaults to :func:`default_horizon`.
    dt : float
        RK4 step.
    record : int, array_like or "all"
        Snapshots, as in :func:`relubook.gradient_flow`.
    spacing : {"log", "linear"}
        How an int ``record`` is spread over the run (``"linear"`` suits the crossing
        times, which are spread evenly on the scale ``log(1/lam)``).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Trajectory
    """
    x, y = check_orthogonal(x, y)
    t_end = default_horizon(x, y, lam) if t_end is None else as_float(t_end, "t_end",
                                                                      positive=True)
    net = init_net(width, x.shape[1], lam, seed=seed)
    return gradient_flow(net, x, y, t_end, dt=dt, method="rk4", record=record,
                         spacing=spacing, progress=progress)


# ---------------------------------------------------------------- closed forms
def _sides(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return y > 0, y < 0


def D_plus_minus(x, y) -> tuple[np.ndarray, np.ndarray]:
    r"""Alignment directions :math:`D_\pm = \sum_{\pm y_k > 0} |y_k| x_k`; each shape (d,)."""
    x, y = check_orthogonal(x, y)
    pos, neg = _sides(y)
    return np.abs(y[pos]) @ x[pos], np.abs(y[neg]) @ x[neg]


def beta_plus_minus(x, y) -> tuple[np.ndarray, np.ndarray]:
    r"""Directions of the minimum-norm interpolator,
    :math:`\beta_\pm = \sum_{\pm y_k > 0} (|y_k| / \|x_k\|^2)\, x_k`; each shape (d,).

    They satisfy :math:`\langle \beta_\pm, x_k\rangle = |y_k|` on the points of their sign
    and 0 on the others.
    """
    x, y = check_orthogonal(x, y)
    c = np.abs(y) / np.sum(x ** 2, axis=1)
    pos, neg = _sides(y)
    return c[pos] @ x[pos], c[neg] @ x[neg]


def min_path_norm(x, y) -> float:
    r"""The minimum path norm :math:`R^* = \|\beta_+\| + \|\beta_-\|` of an interpolator.

    Equivalently
    :math:`\sqrt{\sum_{y_k>0} y_k^2/\|x_k\|^2} + \sqrt{\sum_{y_k<0} y_k^2/\|x_k\|^2}`: the
    smallest :math:`\sum_j |a_j|\,\|w_j\|` over bias-free networks of any width with
    :math:`f(x_k) = y_k` for every ``k``.
    """
    beta_p, beta_m = beta_plus_minus(x, y)
    return float(np.linalg.norm(beta_p) + np.linalg.norm(beta_m))


def min_norm_interpolator(x, y) -> ShallowNet:
    r"""The interpolator :math:`h^* = \mathrm{relu}(\langle\beta_+,\cdot\rangle) -
    \mathrm{relu}(\langle\beta_-,\cdot\rangle)` as a balanced network.

    Neuron ``j`` has ``a_j = ±sqrt(||beta_±||)`` and ``w_j = beta_± / sqrt(||beta_±||)``, so
    its path norm is ``R*`` and ``||theta||^2 = sum a_j^2 + ||w_j||^2 = 2 R*``, the smallest
    squared Euclidean norm of an interpolating parameter. A side without labels contributes
    no neuron; all-zero labels give one dead neuron (``a = 0``, ``w = 0``).
    """
    x, y = check_orthogonal(x, y)
    a, w = [], []
    for sign, beta in zip((1.0, -1.0), beta_plus_minus(x, y)):
        size = np.linalg.norm(beta)
        if size > 0:
            a.append(sign * math.sqrt(size))
            w.append(beta / math.sqrt(size))
    if not a:
        return ShallowNet(a=[0.0], w=np.zeros((1, x.shape[1])))
    return ShallowNet(a=a, w=np.array(w))


def initial_loss(y) -> float:
    r"""Loss of the zero function, :math:`\frac{1}{2n}\sum_k y_k^2` (the start of the flow)."""
    y = as_array(y, "y", ndim=1)
    return 0.5 * float(np.mean(y ** 2))


def growth_rates(x, y) -> tuple[float, float]:
    r"""Early growth rates :math:`\|D_\pm\| / n` of neurons active on all same-sign points."""
    x, y = check_orthogonal(x, y)
    n = x.shape[0]
    return tuple(float(np.linalg.norm(D)) / n for D in D_plus_minus(x, y))


def _two_sided(x, y) -> tuple[float, float]:
    rates = growth_rates(x, y)
    if min(rates) == 0:
        raise ValueError("y must have labels of both signs for two escapes")
    if math.isclose(rates[0], rates[1], rel_tol=1e-12):
        raise ValueError("||D_+|| = ||D_-||: both sides escape together, there is no plateau")
    return rates


def escape_times(x, y, lam: float) -> tuple[float, float]:
    r"""Predicted escape times :math:`t_\pm = (n / \|D_\pm\|) \log(1/\lambda)`.

    These are the leading terms as :math:`\lambda \to 0`; the actual times carry an
    :math:`O(1)` offset, so compare slopes in :math:`\log(1/\lambda)`, not times.

    Returns
    -------
    t_plus, t_minus : float
    """
    lam = as_float(lam, "lam", positive=True)
    if lam >= 1:
        raise ValueError(f"lam must be below 1 (a small initialisation), got {lam}")
    rates = _two_sided(x, y)
    return tuple(math.log(1 / lam) / r for r in rates)


def plateau_loss(x, y) -> float:
    r"""Loss on the plateau between the escapes, :math:`\frac{1}{2n}\sum_{k\ \text{slow}}
    y_k^2`, where the slow side is the sign with the smaller :math:`\|D_\pm\|`."""
    x, y = check_orthogonal(x, y)
    rate_p, rate_m = _two_sided(x, y)
    slow = y < 0 if rate_p > rate_m else y > 0
    return 0.5 * float(np.sum(y[slow] ** 2)) / y.size


def bias_error_exponent(x, y) -> float:
    r"""Predicted exponent ``p`` in ``path norm - R* ~ lambda^p`` for small ``lambda``.

    A neuron of sign :math:`\pm` active on a proper subset ``S`` of the same-sign points grows
    like :math:`\lambda e^{\|D_S\| t / n}` until that side is fitted at
    :math:`t_\pm`, so it keeps :math:`\|w\|^2 \approx \lambda^{2(1 - \|D_S\|/\|D_\pm\|)}` of
    path norm in a suboptimal direction. The largest such subset drops the point with the
    smallest :math:`|y_k|\,\|x_k\|`. Neurons active on no same-sign point keep
    :math:`\lambda^2`, so ``p`` is at most 2.
    """
    x, y = check_orthogonal(x, y)
    size = np.abs(y) * np.linalg.norm(x, axis=1)        # |y_k| ||x_k|| = ||y_k x_k||
    p = 2.0
    for side in _sides(y):
        s = size[side]
        if s.size >= 2:
            ratio = math.sqrt(1.0 - s.min() ** 2 / np.sum(s ** 2))
            p = min(p, 2.0 * (1.0 - ratio))
    return p


# ------------------------------------------------------------ neurons and data
def cosines(net: ShallowNet, direction) -> np.ndarray:
    """``cos(w_j, direction)`` for every neuron; 0 for ``w_j = 0``; shape (m,)."""
    u = as_array(direction, "direction", ndim=1)
    as_net(net, dim=u.size, bias=False)
    size = np.linalg.norm(u)
    if size == 0:
        raise ValueError("direction must be non-zero")
    norms = np.linalg.norm(net.w, axis=1)
    out = np.zeros(net.width)
    alive = norms > 0
    out[alive] = net.w[alive] @ u / (norms[alive] * size)
    return out


def activation_pattern(net: ShallowNet, x) -> np.ndarray:
    """``<w_j, x_k> > 0`` as a boolean array of shape (m, n)."""
    x = check_orthogonal(x)
    as_net(net, dim=x.shape[1], bias=False)
    return net.w @ x.T > 0


def fully_active(net: ShallowNet, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Neurons of sign ± active on every point of the same sign; two boolean arrays (m,).

    These neurons align with ``D_±`` and carry the implicit bias. A side without labels
    gives an all-false mask.
    """
    x, y = check_orthogonal(x, y)
    act = activation_pattern(net, x)
    out = []
    for sign, side in zip((1.0, -1.0), _sides(y)):
        on_side = np.all(act[:, side], axis=1) if side.any() else np.zeros(net.width, bool)
        out.append(on_side & (np.sign(net.a) == sign))
    return out[0], out[1]


def covered(net: ShallowNet, x, y) -> np.ndarray:
    """Whether each ``x_k`` has a neuron with ``sign(a_j) = sign(y_k)`` active on it.

    A point with ``y_k = 0`` counts as covered. Shape (n,). Under gradient flow no neuron
    switches on and no ``a_j`` changes sign, so an uncovered point keeps
    ``sign(y_k) f(x_k) <= 0`` for ever.
    """
    x, y = check_orthogonal(x, y)
    act = activation_pattern(net, x)                               # (m, n)
    same_sign = np.sign(net.a)[:, None] == np.sign(y)[None, :]     # (m, n)
    return np.any(act & same_sign, axis=0) | (y == 0)


def _counts(n_plus, n_minus, width) -> tuple[int, int, int]:
    return (as_int(n_plus, "n_plus"), as_int(n_minus, "n_minus"),
            as_int(width, "width", minimum=1))


def coverage_probability(n_plus: int, n_minus: int, width: int) -> float:
    r"""Probability that every point is covered at a random initialisation.

    Signs ``s_j`` are fair coins and the activations ``1[<w_j, x_k> > 0]`` independent fair
    coins (true for an isotropic Gaussian ``w_j`` and orthogonal inputs). By
    inclusion-exclusion over the set ``T`` of uncovered points, with ``i`` positive and ``j``
    negative ones,
    :math:`P = \sum_{i, j} \binom{n_+}{i}\binom{n_-}{j} (-1)^{i+j}
    \bigl((2^{-i} + 2^{-j})/2\bigr)^m`.
    """
    n_plus, n_minus, m = _counts(n_plus, n_minus, width)
    total = 0.0
    for i in range(n_plus + 1):
        for j in range(n_minus + 1):
            q = 0.5 * (2.0 ** -i + 2.0 ** -j)
            total += math.comb(n_plus, i) * math.comb(n_minus, j) * (-1) ** (i + j) * q ** m
    return min(1.0, max(0.0, total))


def full_activity_probability(n_plus: int, n_minus: int, width: int) -> float:
    r"""Probability that each labelled side has a fully-active neuron of its sign.

    One neuron is fully active for the side :math:`\pm` with probability
    :math:`p_\pm = 2^{-(n_\pm + 1)}`; by inclusion-exclusion the answer is
    :math:`1 - (1-p_+)^m - (1-p_-)^m + (1 - p_+ - p_-)^m` (a side without points needs
    nothing).
    """
    n_plus, n_minus, m = _counts(n_plus, n_minus, width)
    p = [2.0 ** -(k + 1) if k > 0 else 0.0 for k in (n_plus, n_minus)]
    miss = [(1 - pk) ** m if pk > 0 else 0.0 for pk in p]
    both = (1 - p[0] - p[1]) ** m if p[0] > 0 and p[1] > 0 else 0.0
    return 1.0 - miss[0] - miss[1] + both


def coverage_census(x, y, width: int, trials: int, *, seed) -> tuple[float, float]:
    """Monte Carlo frequencies of the two events above over random initialisations.

    Draws ``trials`` initialisations of the law of :func:`init_net` at once (only the signs
    and the directions matter, so the scale is irrelevant) and counts how often every point
    is covered (:func:`covered`) and how often each labelled side has a fully-active neuron
    (:func:`fully_active`).

    Returns
    -------
    p_covered, p_fully_active : float
    """
    x, y = check_orthogonal(x, y)
    m = as_int(width, "width", minimum=1)
    trials = as_int(trials, "trials", minimum=1)
    rng = as_rng(seed)
    active = rng.standard_normal((trials, m, x.shape[1])) @ x.T > 0      # (trials, m, n)
    sign = rng.choice([-1.0, 1.0], size=(trials, m))
    same_sign = sign[:, :, None] == np.sign(y)[None, None, :]
    all_covered = np.all(np.any(active & same_sign, axis=1) | (y == 0), axis=1)
    full = np.ones(trials, dtype=bool)
    for s, side in zip((1.0, -1.0), _sides(y)):
        if side.any():
            full &= np.any(np.all(active[:, :, side], axis=2) & (sign == s), axis=1)
    return float(all_covered.mean()), float(full.mean())


# --------------------------------------------------------------- measurements
def first_crossing(t, loss, level: float) -> float:
    """First time the loss falls to ``level``, interpolating ``log loss`` linearly in ``t``.

    Parameters
    ----------
    t : array_like, shape (k,)
        Increasing times.
    loss : array_like, shape (k,)
        Positive losses at those times.
    level : float
        Positive threshold.

    Returns
    -------
    float
        ``nan`` if the loss never reaches ``level``.
    """
    t = as_array(t, "t", ndim=1)
    loss = as_array(loss, "loss", ndim=1)
    level = as_float(level, "level", positive=True)
    if t.shape != loss.shape:
        raise ValueError(f"t and loss must have the same length, got {t.size} and {loss.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing")
    if np.any(loss <= 0):
        raise ValueError("loss must be positive")
    below = np.flatnonzero(loss <= level)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(t[0])
    l0, l1 = np.log(loss[i - 1]), np.log(loss[i])
    return float(t[i - 1] + (t[i] - t[i - 1]) * (l0 - math.log(level)) / (l0 - l1))


def measured_escape_times(t, loss, x, y) -> tuple[float, float]:
    r"""Half-drop crossing times of the two steps of the loss.

    The first escape is the first time the loss reaches :math:`(L_0 + L_{mid})/2`, the
    second the first time it reaches :math:`L_{mid}/2` (:func:`initial_loss`,
    :func:`plateau_loss`). Returned in the order (fast side, slow side).
    """
    x, y = check_orthogonal(x, y)
    l0, lmid = initial_loss(y), plateau_loss(x, y)
    return first_crossing(t, loss, 0.5 * (l0 + lmid)), first_crossing(t, loss, 0.5 * lmid)


# ------------------------------------------------------- the linear program
def random_directions(count: int, dim: int, *, seed) -> np.ndarray:
    """``count`` independent uniform unit vectors in ``R^dim``; shape (count, dim)."""
    count = as_int(count, "count", minimum=1)
    dim = as_int(dim, "dim", minimum=1)
    u = as_rng(seed).standard_normal((count, dim))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def lp_min_path_norm(x, y, directions) -> tuple[float, np.ndarray]:
    r"""Smallest path norm of an interpolator whose neurons point along a dictionary.

    Solves the linear program
    :math:`\min \sum_i |c_i|` subject to
    :math:`\sum_i c_i\, \mathrm{relu}(\langle u_i, x_k\rangle) = y_k` for every ``k``, over
    the unit directions :math:`u_i` (rows of ``directions``, normalised here), with scipy's
    HiGHS solver. Each term is a neuron with path norm :math:`|c_i|`, so the value is an
    upper bound on the smallest path norm of an interpolator, for any inputs. For pairwise
    orthogonal inputs that smallest value is :math:`R^*`, so the value is at least
    :math:`R^*`, with equality when the dictionary holds :math:`\beta_\pm / \|\beta_\pm\|`.

    Parameters
    ----------
    x : array_like, shape (n, d)
    y : array_like, shape (n,)
    directions : array_like, shape (k, d)
        Non-zero rows.

    Returns
    -------
    value : float
    coef : ndarray, shape (k,)
        Output weight of each dictionary neuron.

    Raises
    ------
    ValueError
        If no combination of the dictionary interpolates the data.
    """
    x = as_array(x, "x", ndim=2)
    y = as_array(y, "y", ndim=1)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {y.shape}")
    u = as_array(directions, "directions", ndim=2)
    if u.shape[1] != x.shape[1]:
        raise ValueError(f"directions must have shape (k, {x.shape[1]}), got {u.shape}")
    size = np.linalg.norm(u, axis=1)
    if np.any(size == 0):
        raise ValueError("directions must not contain a zero row")
    fit = least_l1(np.maximum(x @ (u / size[:, None]).T, 0.0), y, what="lp_min_path_norm")
    return fit.value, fit.coef


def principal_plane(w) -> np.ndarray:
    """The two leading right singular vectors of a weight matrix, not centred.

    The plane in which the authors' code draws the neurons (a PCA without centring). Each
    vector's sign is fixed so that its largest coordinate in absolute value is positive.

    Parameters
    ----------
    w : array_like, shape (m, d)
        Neurons as rows, ``m >= 2`` and ``d >= 2``.

    Returns
    -------
    ndarray, shape (2, d)
        Orthonormal rows.
    """
    w = as_array(w, "w", ndim=2)
    if min(w.shape) < 2:
        raise ValueError(f"w must have at least two rows and two columns, got {w.shape}")
    vt = np.linalg.svd(w, full_matrices=False)[2][:2]
    k = np.argmax(np.abs(vt), axis=1)
    return vt * np.sign(vt[np.arange(2), k])[:, None]
