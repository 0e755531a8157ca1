r"""Training dynamics: gradient descent, gradient flow and Langevin dynamics, and the driver
every dynamics of the package runs on.

Every function here drives the compiled kernels (``relubook._kernels``) in chunks of
thousands of steps, so that snapshots can be recorded and a progress bar can be shown. Time is
measured in the units of the gradient flow: ``t = steps * lr`` for the discrete dynamics.

Which parameters move: ``a`` and ``w`` always, ``b`` when the network has hidden biases, and
the output bias ``c`` only with ``train_c=True`` (most papers in this book have none).

How any dynamics is run (here and in the paper modules, whose kernels integrate other vector
fields): :func:`fixed_steps` turns ``t_end`` and ``dt`` into a number of steps and the exact
step, :data:`SCHEMES` maps ``"euler"``, ``"heun"``, ``"rk4"`` to the one code every kernel
reads, :func:`snapshot_steps` says what ``record`` and ``spacing`` mean, and :func:`drive`
runs the steps up to each snapshot with the progress bar and the one divergence error. A
result's ``t`` holds the snapshot times and its ``loss`` the loss curve over ``t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import _kernels as K
from . import _rng
from ._events import EventFlow
from ._gemm import GemmEngine
from ._gemm import step_cost as gemm_step_cost
from ._torch_backend import TorchEngine, check_device
from ._validate import as_array, as_float, as_int, as_net, as_rng, is_orthogonal
from .model import ShallowNet

__all__ = ["Trajectory", "gradient_descent", "gradient_flow", "langevin", "auto_backend",
           "SCHEMES", "scheme_code", "fixed_steps", "snapshot_steps", "drive", "steps_per_call",
           "warm_up"]

_WORK_PER_CHUNK = 4_000_000   # (point, neuron) pairs per kernel call: a few milliseconds
_MIN_CHUNK = 16               # steps per kernel call at least, however large the network
_NOISE_PER_CHUNK = 1 << 20    # Gaussian draws held in memory at once by langevin


@dataclass(frozen=True)
class Trajectory:
    """Recorded snapshots of a training run.

    Attributes
    ----------
    t : ndarray, shape (k,)
        Times of the snapshots, in gradient-flow units (``steps * lr`` for discrete dynamics).
    loss : ndarray, shape (k,)
        Empirical loss ``(1/2n) sum (f - y)^2`` at each snapshot.
    nets : list of ShallowNet, length k
        The network at each snapshot.
    """

    t: np.ndarray
    loss: np.ndarray
    nets: list = field(repr=False)

    @property
    def net(self) -> ShallowNet:
        """The final network."""
        return self.nets[-1]

    def observe(self, fn) -> np.ndarray:
        """``np.array([fn(net) for net in self.nets])``: a quantity along the run."""
        return np.array([fn(net) for net in self.nets])

    def __len__(self) -> int:
        return len(self.nets)


# -------------------------------------------------------------------- backends
BACKENDS = ("auto", "dense", "sorted", "orthogonal", "torch")
DTYPES = ("float64", "float32")
NOISES = ("float64", "float32", "kernel")


def _choice(value, name: str, options: tuple) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def auto_backend(net: ShallowNet, x, *, dtype: str = "float64") -> str:
    """The backend that ``backend="auto"`` picks for ``net`` on the inputs ``x``.

    ``"sorted"`` for one input and at least 24 points in float64 (its cost per step is
    ``O(n + m)``; below that the dense kernel is faster, as ``benchmarks/bench.py --only
    crossover`` measures); ``"orthogonal"`` for several inputs that are non-zero and
    pairwise orthogonal up to rounding (cosines at most ``1e-12``), where a step is
    elementwise in the pre-activations ``U = W X^T + b``;
    ``"dense"`` otherwise. :func:`langevin` never picks ``"orthogonal"``, and ``"auto"``
    never picks ``"torch"``.

    Parameters
    ----------
    net : ShallowNet
    x : array_like, shape (n,) or (n, d)
    dtype : {"float64", "float32"}

    Returns
    -------
    str
    """
    as_net(net)
    X = net.check_inputs(x).reshape(-1, net.dim)
    dtype = _choice(dtype, "dtype", DTYPES)
    if net.dim == 1:
        return "sorted" if X.shape[0] >= K.SORTED_MIN_N and dtype == "float64" else "dense"
    return "orthogonal" if is_orthogonal(X) else "dense"


def _resolve(backend, net: ShallowNet, x, dtype: str, noisy: bool = False,
             device=None) -> str:
    """The backend of a run, after checking that the requested one applies."""
    backend = _choice(backend, "backend", BACKENDS)
    dtype = _choice(dtype, "dtype", DTYPES)
    if device is not None and backend != "torch":
        raise ValueError(f"device is for backend='torch' only, got backend {backend!r}")
    if backend == "auto":
        chosen = auto_backend(net, x, dtype=dtype)
        return "dense" if noisy and chosen == "orthogonal" else chosen
    if backend == "sorted" and (net.dim != 1 or dtype != "float64"):
        raise ValueError(f"backend 'sorted' needs one input and float64, got d = {net.dim} "
                         f"and dtype {dtype!r}")
    if backend == "orthogonal":
        if noisy:
            raise ValueError("backend 'orthogonal' is not available for langevin")
        if net.dim == 1 or not is_orthogonal(net.check_inputs(x)):
            raise ValueError("backend 'orthogonal' needs several inputs (d > 1) that are "
                             "non-zero and pairwise orthogonal (cosines at most 1e-12)")
    return backend


# --------------------------------------------------------------------- packing
class _State:
    """A network as the flat vector the kernels update, plus the data and scratch space.

    ``theta`` has the precision of the run; with the orthogonal backend the input weights
    of ``theta`` are brought up to date from the basis only when a snapshot is taken.
    """

    def __init__(self, net: ShallowNet, x, y, train_c: bool, backend: str = "dense",
                 dtype: str = "float64", device=None):
        x = net.check_inputs(x)
        self.y = as_array(y, "y", ndim=1)
        if self.y.shape[0] != x.shape[0]:
            raise ValueError(f"x and y must have the same number of points, "
                             f"got {x.shape[0]} and {self.y.shape[0]}")
        self.X = np.ascontiguousarray(x.reshape(x.shape[0], -1))
        self.x1 = np.ascontiguousarray(self.X[:, 0])
        self.template, self.train_c, self.backend = net, bool(train_c), backend
        self.m, self.d = net.width, net.dim
        b = np.zeros(self.m) if net.b is None else net.b
        theta = np.concatenate([net.a, net.w.ravel(), b, [net.c]])
        self.basis = (K.OrthogonalBasis(self.X, self.views(theta), dtype)
                      if backend == "orthogonal" else None)
        self.theta0, self.theta = theta, theta.astype(dtype)
        self.P = self.views(self.theta)
        if self.basis is not None:
            self.engine = None
        elif backend == "torch":
            self.engine = TorchEngine(self.X, self.y, self.P, check_device(device, dtype))
        elif backend == "events":           # gradient flow with located crossings
            self.engine = EventFlow(self.X, self.y, self.P)
        elif self.d > 1:                    # blocked matrix products
            self.engine = GemmEngine(self.X, self.y, self.P)
        else:
            self.engine = K.Engine(self.x1, self.X, self.y, self.P, backend == "sorted")

    def views(self, vector: np.ndarray) -> tuple:
        return K.views(vector, self.m, self.d)

    def sync(self) -> None:
        """Bring the input weights up to date (orthogonal backend and the span kernel of the
        d-input backend; before the first step they are the initial ones, exactly)."""
        if self.basis is not None and self.basis.moved:
            self.P[3][:] = self.basis.weights(self.P[4])
        if isinstance(self.engine, GemmEngine):
            self.engine.sync()

    def net(self) -> ShallowNet:
        self.sync()
        _, a, _, W, b, c = self.P
        t = self.template
        return ShallowNet._trusted(a, W.reshape(t.w.shape), b if t.has_bias else None, c[0],
                                   t.scale)            # finite: _run checks every chunk

    def loss(self, value: float | None = None) -> float:
        """The loss of the current network in float64: ``value`` (the loss a float64
        kernel returned at the current parameters) when given, else evaluated."""
        if value is not None and self.theta.dtype == np.float64:
            return value
        self.sync()
        return K.loss(self.x1, self.X, self.y, self.views(self.theta.astype(np.float64)),
                      self.template.scale)

    def initial_net(self) -> ShallowNet:
        """A copy of the initial network (before any rounding to float32)."""
        t = self.template
        return ShallowNet._trusted(t.a, t.w, t.b, t.c, t.scale)

    def initial_loss(self) -> float:
        """The loss of the initial network, exactly (before any rounding to float32)."""
        return K.loss(self.x1, self.X, self.y, self.views(self.theta0), self.template.scale)

    def finite(self) -> bool:
        """Whether the parameters that move are finite: with the orthogonal backend ``U``,
        with the span kernel of the d-input backend its coefficients ``C``, and not the
        out-of-date ``W`` (a scan of ``W`` would cost as much as a step)."""
        _, a, _, _, b, c = self.P
        if self.basis is not None:
            moving = (a, b, c, self.basis.U)
        elif isinstance(self.engine, GemmEngine) and self.engine.moved:
            moving = (a, b, c, self.engine.C)
        else:
            moving = (self.theta,)
        return all(bool(np.all(np.isfinite(v))) for v in moving)

    def chunk(self) -> int:
        """Steps per kernel call: about ``_WORK_PER_CHUNK`` units of work, and at least
        ``_MIN_CHUNK`` steps, so that a call's fixed costs stay small against its steps."""
        n = self.X.shape[0]
        cost = (gemm_step_cost(n, self.m, self.d) if isinstance(self.engine, GemmEngine) else
                K.step_cost(n, self.m, self.d, self.backend))
        return steps_per_call(cost)


# ---------------------------------------------------------------- the driver
SCHEMES = {"heun": K.HEUN, "rk4": K.RK4, "euler": K.EULER}
"""The one table of integration schemes: name -> the code every compiled kernel reads."""
SPACINGS = ("log", "linear")


def scheme_code(method) -> int:
    """The kernel code of the scheme ``method`` (a key of :data:`SCHEMES`)."""
    if not isinstance(method, str) or method not in SCHEMES:
        raise ValueError(f"method must be one of {sorted(SCHEMES)}, got {method!r}")
    return SCHEMES[method]


def fixed_steps(t_end: float, dt: float) -> tuple[int, float]:
    """The number of steps and the exact step for integrating to ``t_end`` with step ``dt``.

    ``steps = ceil(t_end / dt)`` (up to ``1e-9`` relative, so that ``t_end = 10 dt`` is
    ten steps) and ``h = t_end / steps``, which is ``dt`` shrunk slightly so that ``t_end``
    is a whole number of steps; ``(0, dt)`` for ``t_end = 0``.

    Returns
    -------
    steps : int
    h : float
    """
    t_end = as_float(t_end, "t_end", nonnegative=True)
    dt = as_float(dt, "dt", positive=True)
    steps = math.ceil(t_end / dt - 1e-9)
    return steps, (t_end / steps if steps > 0 else dt)


def snapshot_steps(record, steps: int, h: float, *, spacing: str = "log") -> np.ndarray:
    """Step indices of the snapshots of a run of ``steps`` steps of size ``h``.

    The one meaning of ``record`` in every dynamics of the package:

    - an int ``k >= 2``: ``k`` snapshots (fewer when two round to the same step), spaced
      by ``spacing``: ``"log"`` (the default) puts ``k - 1`` of them at the steps
      ``round(geomspace(1, steps, k - 1))``, which resolves the long plateaus of small
      initialisations; ``"linear"`` puts them at ``round(linspace(0, steps, k))``;
    - ``"all"``: every step;
    - an array of times in ``[0, steps * h]``, each rounded to the nearest step.

    The initial and the final states are always recorded.

    Returns
    -------
    ndarray of int64, shape (k,)
        Sorted, distinct step indices from 0 to ``steps``.
    """
    spacing = _choice(spacing, "spacing", SPACINGS)
    if isinstance(record, str):
        if record != "all":
            raise ValueError(f"record must be an int >= 2, an array of times or 'all', got "
                             f"{record!r}")
        marks = np.arange(steps + 1)
    elif isinstance(record, (int, np.integer)) and not isinstance(record, bool):
        k = as_int(record, "record", minimum=2)
        if spacing == "linear":
            marks = np.round(np.linspace(0, steps, k))
        else:
            marks = np.round(np.geomspace(1, max(steps, 1), k - 1)) if k > 2 else np.zeros(0)
    else:
        times = as_array(record, "record", ndim=1)
        if np.any(times < 0) or np.any(times > steps * h * (1 + 1e-12)):
            raise ValueError(f"record times must lie in [0, {steps * h:.6g}], the length of "
                             f"the run ({steps} steps of {h:.6g})")
        marks = np.round(times / h)
    marks = np.concatenate(([0, steps], marks))
    return np.unique(np.clip(marks, 0, steps).astype(np.int64))


def steps_per_call(cost: int) -> int:
    """How many steps a compiled kernel runs per call when one step costs ``cost`` units of
    work (a point and neuron of the dense step): about ``4e6`` units, so that the progress
    bar and the divergence check come every few milliseconds, and at least 16 steps, so that
    a call's fixed costs stay small against its steps."""
    return max(_MIN_CHUNK, _WORK_PER_CHUNK // max(1, as_int(cost, "cost")))


class _NoBar:
    """Stands for a progress bar when there is none (a disabled tqdm costs ~30 us)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, k: int) -> None:
        pass


def drive(advance, marks: np.ndarray, h: float, *, what: str, finite=math.isfinite,
          chunk: int | None = None, progress: bool = False):
    """Run a dynamics up to each of its snapshot steps; the loop every dynamics shares.

    A generator: for each mark it calls ``advance(k)`` (which runs ``k`` more steps of the
    compiled kernel and returns a value to test, such as the loss) until the mark is
    reached, then yields the step reached, so the caller records its snapshot.

    Parameters
    ----------
    advance : callable, int -> object
        Runs ``k`` steps.
    marks : ndarray of int, shape (k,)
        Sorted step indices, from :func:`snapshot_steps`.
    h : float
        The step, for the time in the error message.
    what : str
        Name of the dynamics, for the progress bar and the error message.
    finite : callable, object -> bool
        Whether the value returned by ``advance`` shows a finite state.
    chunk : int, optional
        At most this many steps per call of ``advance`` (default: up to the next mark).
    progress : bool
        Show a progress bar (tqdm) over the steps.

    Yields
    ------
    int
        The step reached, each mark in turn.

    Raises
    ------
    FloatingPointError
        When ``finite`` fails: the dynamics diverged, the step is too large.
    """
    done = 0
    with tqdm(total=int(marks[-1]), desc=what, unit="step") if progress else _NoBar() as bar:
        for mark in marks:
            while done < mark:
                k = int(mark - done) if chunk is None else min(chunk, int(mark - done))
                value = advance(k)
                done += k
                bar.update(k)
                if not finite(value):
                    raise FloatingPointError(f"{what} diverged before t = {done * h:.4g} "
                                             f"(step {done}); use a smaller step size")
            yield done


def _run(state: _State, advance, total: int, h: float, record, spacing: str,
         progress: bool, what: str, max_chunk: int | None = None) -> Trajectory:
    """Advance ``state`` to step ``total``, recording a :class:`Trajectory`."""
    t, loss, nets, value = [], [], [], [None]

    def step(k):
        value[0] = advance(k)
        return value[0]

    marks = snapshot_steps(record, total, h, spacing=spacing)
    chunk = min(state.chunk(), max_chunk or total) if total else None
    finite = lambda v: math.isfinite(v) and state.finite()
    for done in drive(step, marks, h, what=what, finite=finite, chunk=chunk,
                      progress=progress):
        t.append(done * h)
        if done == 0:                       # the input network, exactly, in any precision
            loss.append(state.initial_loss())
            nets.append(state.initial_net())
        else:
            loss.append(state.loss(value[0]))
            nets.append(state.net())
    return Trajectory(t=np.array(t), loss=np.array(loss), nets=nets)


# ------------------------------------------------------------------ dynamics
def gradient_descent(net: ShallowNet, x, y, lr: float, steps: int, *, record=100,
                     spacing: str = "log", weight_decay: float = 0.0, train_c: bool = False,
                     progress: bool = False, backend: str = "auto",
                     dtype: str = "float64", device=None) -> Trajectory:
    r"""Full-batch gradient descent on ``L + (weight_decay / 2) ||theta||^2``.

    Each step is ``theta <- theta - lr * (grad L(theta) + weight_decay * theta)``
    (``c`` is never decayed).

    Parameters
    ----------
    net : ShallowNet
        Initial network (not modified).
    x : array_like, shape (n,) or (n, d)
        Inputs.
    y : array_like, shape (n,)
        Targets.
    lr : float
        Step size (positive).
    steps : int
        Number of steps.
    record : int, array_like or "all"
        Number of snapshots, an explicit array of times in ``[0, steps * lr]``, or every
        step: see :func:`snapshot_steps`, which is the rule of every dynamics in the
        package. The initial and final states are always recorded. Times are rounded to the
        nearest step: compare runs of different step sizes at times that are multiples of
        both.
    spacing : {"log", "linear"}
        How an int ``record`` is spread over the run.
    weight_decay : float
        Coefficient of the ``l2`` penalty on ``a``, ``w`` and ``b``.
    train_c : bool
        Whether the output bias ``c`` is trained.
    progress : bool
        Show a progress bar.
    backend : {"auto", "dense", "sorted", "orthogonal", "torch"}
        The compiled kernel: see :func:`auto_backend`, which says what ``"auto"`` picks.
        ``"torch"`` (never picked by ``"auto"``) runs the same closed-form update with
        PyTorch on ``device``, for networks that outgrow one core. All of them follow the
        same trajectory up to rounding.
    dtype : {"float64", "float32"}
        Precision of the run (float32: dense, orthogonal or torch backend, about twice as
        fast on the dense path). Snapshots and their losses are float64 either way.
    device : str or torch.device, optional
        With ``backend="torch"`` only: ``"cpu"`` (the default) or a CUDA device such as
        ``"cuda"``, where the steps are captured in a CUDA graph and replayed.

    Returns
    -------
    Trajectory
        Snapshots at times ``t = step * lr``.
    """
    lr = as_float(lr, "lr", positive=True)
    steps = as_int(steps, "steps")
    wd = as_float(weight_decay, "weight_decay", nonnegative=True)
    st = _State(as_net(net), x, y, train_c, _resolve(backend, net, x, dtype, device=device),
                dtype, device)

    def advance(k):
        if st.basis is not None:
            return st.basis.run(st.y, st.P, net.scale, net.has_bias, st.train_c, lr, wd,
                                K.EULER, k)
        return st.engine.gd(net.scale, net.has_bias, st.train_c, lr, wd, k)

    return _run(st, advance, steps, lr, record, spacing, progress, "gradient descent")


_DEFAULT_DT = {"heun": 0.01, "rk4": 0.02, "euler": 0.001}


def gradient_flow(net: ShallowNet, x, y, t_end: float, *, dt: float | None = None,
                  method: str = "rk4", record=100, spacing: str = "log",
                  train_c: bool = False,
                  progress: bool = False, backend: str = "auto",
                  dtype: str = "float64", device=None, events: bool = False) -> Trajectory:
    r"""The gradient flow :math:`\dot\theta = -\nabla L(\theta)` integrated to ``t_end``.

    A fixed-step scheme runs inside the compiled loop: classical Runge--Kutta (``"rk4"``),
    Heun's method (``"heun"``) or explicit Euler (``"euler"``, which is gradient descent with
    ``lr = dt``). The step is ``dt`` shrunk slightly so that ``t_end`` is a whole number of
    steps.

    Accuracy. The vector field is discontinuous where a knot crosses a data point, so every
    scheme is only first-order accurate globally: halving ``dt`` roughly halves the error.
    With ``events=True`` each step integrates the field of its own activation pattern, stops
    where a pre-activation crosses zero (located on a cubic interpolant), and continues with
    the new pattern; where the fields on both sides push a knot onto a data point it slides
    along it (Filippov's convex combination), so the schemes keep their order (RK4: the
    error falls about 16-fold per halving of ``dt``).
    On the problems of this book (losses of order one) RK4 with ``dt = 0.02`` follows
    ``log L(t)`` to about ``1e-3`` and Heun with ``dt = 0.01`` to a few ``1e-4``, at 5 to 20
    times less cost than Euler of the same accuracy. Small initialisations cost little: the
    time spent on a plateau grows only like ``log(1/scale)``. The scheme is stable when
    ``dt`` times the largest Hessian eigenvalue of ``L`` is below about 2 (Euler, Heun) or
    2.8 (RK4); a divergence raises ``FloatingPointError``.

    Parameters
    ----------
    net : ShallowNet
        Initial network (not modified).
    x, y : array_like
        Data, as in :func:`gradient_descent`.
    t_end : float
        Final time (non-negative).
    dt : float, optional
        Step size; defaults to 0.02 (RK4), 0.01 (Heun) or 0.001 (Euler).
    method : {"rk4", "heun", "euler"}
        Integration scheme.
    record : int, array_like or "all"
        Snapshots, as in :func:`gradient_descent` (times in ``[0, t_end]``).
    spacing : {"log", "linear"}
        As in :func:`gradient_descent`.
    train_c : bool
        Whether the output bias moves.
    progress : bool
        Show a progress bar.
    backend, dtype, device : str
        As in :func:`gradient_descent`.
    events : bool
        Locate the crossings (float64, backend ``"auto"`` or ``"dense"``; scalar loops of
        ``O(n m d)`` per evaluation, meant for networks of up to a few thousand neurons).

    Returns
    -------
    Trajectory
    """
    code = scheme_code(method)
    total, h = fixed_steps(t_end, _DEFAULT_DT[method] if dt is None else dt)
    if not isinstance(events, bool):
        raise TypeError(f"events must be a bool, got {type(events).__name__}")
    if events and (backend not in ("auto", "dense") or dtype != "float64"):
        raise ValueError(f"events=True needs backend 'auto' or 'dense' and float64, got "
                         f"backend {backend!r} and dtype {dtype!r}")
    st = _State(as_net(net), x, y, train_c, "events" if events else
                _resolve(backend, net, x, dtype, device=device), dtype, device)

    def advance(k):
        if st.basis is not None:
            return st.basis.run(st.y, st.P, net.scale, net.has_bias, st.train_c, h, 0.0,
                                code, k)
        return st.engine.flow(net.scale, net.has_bias, st.train_c, h, code, k)

    return _run(st, advance, total, h, record, spacing, progress, f"gradient flow ({method})")


def langevin(net: ShallowNet, x, y, lr: float, steps: int, beta: float, weight_decay: float,
             *, seed, record=100, spacing: str = "log", progress: bool = False,
             backend: str = "auto",
             noise: str = "float64", device=None) -> Trajectory:
    r"""Noisy full-batch gradient descent on the mean-field time scale.

    For ``f = (1/m) sum_j a_j relu(w_j x + b_j)`` (``net.scale`` must be ``1/m``) each neuron
    ``theta_j = (a_j, w_j, b_j)`` moves by

    .. math::

        -\mathrm{lr}\,\bigl(m\,\partial L/\partial\theta_j + \lambda\,\theta_j\bigr)
        + \sqrt{2\,\mathrm{lr}/\beta}\;\xi_j,\qquad \xi_j \sim N(0, I),

    the Euler--Maruyama scheme of the mean-field Langevin dynamics at inverse temperature
    ``beta`` with weight decay ``lambda`` on every parameter. The output bias stays fixed.

    Parameters
    ----------
    net : ShallowNet
        Initial network, with ``scale == 1 / width``.
    x, y : array_like
        Data.
    lr : float
        Step size.
    steps : int
        Number of steps.
    beta : float
        Inverse temperature (positive; ``inf`` gives noiseless gradient descent).
    weight_decay : float
        ``lambda``, non-negative.
    seed : int or numpy.random.Generator
        Source of the Gaussian noise.
    record : int, array_like or "all"
        Snapshots, as in :func:`gradient_descent`.
    spacing : {"log", "linear"}
        As in :func:`gradient_descent`.
    progress : bool
        Show a progress bar.
    backend : {"auto", "dense", "sorted", "torch"}
        As in :func:`gradient_descent` (the parameters are float64). With ``"torch"`` the
        noise is ``torch.randn`` in float64 on ``device``, from a torch generator seeded by
        one draw of ``seed``'s generator: reproducible, independent of ``record`` and
        ``steps``, but another stream (and on CUDA another again); ``noise`` must be left
        at its default.
    noise : {"float64", "float32", "kernel"}
        Source of ``xi``. ``"float64"``: ``seed``'s NumPy generator, drawn in blocks of
        steps. ``"float32"`` (opt-in, needs torch): ``torch.randn`` in float32 from a torch
        generator seeded by one draw of ``seed``'s generator, about twice as fast per
        sample. ``"kernel"``: float64 Gaussians made inside the compiled kernel where they
        are used, from a counter-based stream keyed by one draw of ``seed``'s generator
        (SplitMix64 and the ziggurat method), about nine times as
        fast per sample as NumPy's and with no noise array in memory. All three are
        reproducible (the stream depends on the seed only, not on ``record`` nor on
        ``steps``: a shorter run sees the first steps of a longer one), but they are three
        different streams.
    device : str or torch.device, optional
        As in :func:`gradient_descent`.

    Returns
    -------
    Trajectory
        Snapshots at times ``t = step * lr``.
    """
    lr = as_float(lr, "lr", positive=True)
    steps = as_int(steps, "steps")
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating, np.integer)):
        raise TypeError(f"beta must be a real number, got {type(beta).__name__}")
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta}")
    wd = as_float(weight_decay, "weight_decay", nonnegative=True)
    if not math.isclose(as_net(net).scale * net.width, 1.0, rel_tol=1e-12):
        raise ValueError(f"langevin needs the mean-field scale 1/m = {1 / net.width:.6g}, "
                         f"got net.scale = {net.scale:.6g}")
    noise = _choice(noise, "noise", NOISES)
    rng = as_rng(seed)
    st = _State(net, x, y, False,
                _resolve(backend, net, x, "float64", noisy=True, device=device),
                device=device)
    noise_scale = math.sqrt(2.0 * lr / beta)
    if st.backend == "torch":
        if noise != "float64":
            raise ValueError(f"backend 'torch' draws its own noise (torch.randn); leave "
                             f"noise at its default, got {noise!r}")
        seed_t = int(rng.integers(2**63 - 1))

        def torch_steps(k):
            return st.engine.langevin_torch(net.scale, net.has_bias, lr, wd, noise_scale,
                                            seed_t, k)

        return _run(st, torch_steps, steps, lr, record, spacing, progress, "Langevin")
    if noise == "kernel":
        key, done = _rng.key_from(rng), [0]

        def stream(k):
            value = st.engine.langevin_stream(net.scale, net.has_bias, lr, wd, noise_scale,
                                              key, done[0], k)
            done[0] += k
            return value

        return _run(st, stream, steps, lr, record, spacing, progress, "Langevin")
    rows = _NOISE_PER_CHUNK // st.theta.size + 1
    draw = _noise_source(noise, rng, rows, st.theta.size - 1, steps, noise_scale > 0)

    def advance(k):
        return st.engine.langevin(net.scale, net.has_bias, lr, wd, noise_scale, draw(k))

    return _run(st, advance, steps, lr, record, spacing, progress, "Langevin", max_chunk=rows)


def _noise_source(noise: str, rng: np.random.Generator, rows: int, width: int, steps: int,
                  random: bool):
    """``draw(k)``, ``k <= rows``: the next ``k`` rows (steps) of standard Gaussian noise of
    ``width`` entries, written into one buffer reused by every chunk (zeros when not
    ``random``). The stream depends only on the seed: not on how the run is cut into
    chunks, nor on its length (a shorter run sees the first steps of a longer one)."""
    buffer = np.zeros((min(rows, max(steps, 1)), width),
                      np.float32 if noise == "float32" else np.float64)
    if not random:
        return lambda k: buffer[:k]
    if noise == "float64":                    # NumPy draws sample by sample
        return lambda k: rng.standard_normal(out=buffer[:k])
    try:
        import torch
    except ImportError:
        raise ImportError("noise='float32' draws its noise with torch; install torch or use "
                          "noise='float64'") from None
    # torch's stream depends on how the draws are split into calls: fill a pool of a fixed
    # number of rows, always whole, and hand out its rows.
    generator = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
    pool = torch.empty((rows, width), dtype=torch.float32)
    whole = torch.from_numpy(buffer)
    used = [rows]                             # rows of the pool already handed out

    def draw(k):
        if k == rows == buffer.shape[0] and used[0] == rows:   # a whole pool: no copy
            torch.randn((rows, width), generator=generator, dtype=torch.float32, out=whole)
            return buffer
        done = 0
        while done < k:
            if used[0] == rows:
                torch.randn((rows, width), generator=generator, dtype=torch.float32, out=pool)
                used[0] = 0
            take = min(k - done, rows - used[0])
            buffer[done:done + take] = pool[used[0]:used[0] + take].numpy()
            used[0] += take
            done += take
        return buffer[:k]

    return draw


def warm_up() -> None:
    """Compile (or load from the numba cache) every kernel: each backend in each precision,
    for one and several inputs, and Langevin with every noise source."""
    y = np.array([0.3, 0.1])
    one = ShallowNet(a=[1.0, -0.5], w=[1.0, -1.0], b=[0.1, 0.2], scale=0.5), np.array([0.5, -1.0])
    two = ShallowNet(a=[1.0, -0.5], w=np.ones((2, 2)), b=[0.1, 0.2], scale=0.5), np.eye(2)
    for (net, x), backend in ((one, "dense"), (two, "dense"), (two, "orthogonal")):
        for dtype in DTYPES:
            gradient_descent(net, x, y, lr=0.1, steps=2, record=2, backend=backend,
                             dtype=dtype)
            for method in SCHEMES:
                gradient_flow(net, x, y, t_end=0.1, method=method, record=2, backend=backend,
                              dtype=dtype)
        gradient_flow(net, x, y, t_end=0.1, record=2, events=True)
    try:
        import torch  # noqa: F401  (float32 noise needs it; torch is an optional extra)
        noises = NOISES
    except ImportError:
        noises = ("float64",)
    for noise in noises:
        langevin(*one, y, lr=0.1, steps=2, beta=100.0, weight_decay=0.1, seed=0, record=2,
                 noise=noise)
    for net, x in (one, two):
        langevin(net, x, y, lr=0.1, steps=2, beta=100.0, weight_decay=0.1, seed=0, record=2,
                 noise="kernel")
