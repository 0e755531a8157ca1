r"""Measuring the engine: interleaved timings, benchmark problems and the machine's limit.

The benchmark script (``benchmarks/bench.py``) and the book's *Speed* page share this module.
It holds no science; it times the dynamics of :mod:`relubook.dynamics` and compares them with
what the hardware allows.

- :func:`interleaved` and :func:`steps_for` time callables in turn (A B C A B C ...), which
  is how comparisons stay fair on a shared machine, and :func:`throughput` combines them into
  steps per second; :func:`gd_runner` wraps gradient descent for them.
- :func:`problem`, :func:`orthogonal_problem` and :func:`general_problem` build the
  benchmark problems.
- :func:`roofline` measures the machine (one thread): matrix-multiply FLOP/s in float64 and
  float32 and the triad bandwidth of arrays that fit in L2, in L3 and only in memory.
  :func:`dense_step_flops`, :func:`dense_step_bytes` and :func:`step_limit` give the
  physical limit of one dense gradient-descent step, so that a measured speed can be stated
  as a fraction of that limit (:meth:`Roofline.dense_limit`).

The dense step of a network with one input, ``m`` neurons and ``n`` points costs about
``10 n m + 12 m`` floating-point operations: ``z = w x + b``, the mask, ``a relu(z)`` summed
into the forward pass, and the two residual-weighted sums of the backward pass are ``10`` per
point and neuron, and the update of ``(a, w, b)`` about ``12`` per neuron. It must read and
write ``a``, ``w`` and ``b``: ``48 m`` bytes in float64 (``24 m`` in float32); the
``n x m`` pre-activations never leave the L1 cache. One step therefore takes at least
``max(flops / peak, bytes / bandwidth)`` seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numba import njit

from ._validate import as_float, as_int, as_net, as_rng
from .data import random_rotation
from .dynamics import Trajectory, gradient_descent
from .model import ShallowNet, random_net

__all__ = ["Timing", "interleaved", "steps_for", "throughput", "gd_runner", "problem",
           "orthogonal_problem", "general_problem", "max_param_diff", "Roofline", "roofline",
           "cache_sizes",
           "dense_step_flops", "dense_step_bytes", "step_limit"]

_DTYPES = ("float64", "float32")
_DEFAULT_CACHES = {"l2": 512 * 1024, "l3": 32 * 1024 * 1024}


# ----------------------------------------------------------------------------- timing
class Timing(NamedTuple):
    """Median CPU and wall-clock seconds of one timed callable."""

    cpu: float
    wall: float


def _check_callables(runs: Mapping, name: str) -> None:
    if not isinstance(runs, Mapping):
        raise TypeError(f"{name} must be a mapping of names to callables, "
                        f"got {type(runs).__name__}")
    if not runs:
        raise ValueError(f"{name} must not be empty")
    for key, run in runs.items():
        if not callable(run):
            raise TypeError(f"{name}[{key!r}] must be callable, got {type(run).__name__}")


def interleaved(runs: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, Timing]:
    """Median CPU and wall times of zero-argument callables, timed in turn.

    Every round calls each callable once, in order (A B C A B C ...), so that a change of
    the machine's load during the measurement hits every callable alike.

    Parameters
    ----------
    runs : mapping of str to callable
        Zero-argument callables to time, by name.
    rounds : int
        Number of rounds (at least 1); the median over the rounds is returned.

    Returns
    -------
    dict of str to Timing
        ``{name: Timing(cpu, wall)}``, medians in seconds. The process's CPU time leaves out
        the time the process waits while other jobs hold the cores, so on a shared machine
        it estimates the wall time on an idle one; both are reported.
    """
    _check_callables(runs, "runs")
    rounds = as_int(rounds, "rounds", minimum=1)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            cpu, wall = time.process_time(), time.perf_counter()
            run()
            times[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    return {name: Timing(*(float(v) for v in np.median(np.array(t), axis=0)))
            for name, t in times.items()}


def steps_for(run: Callable[[int], object], seconds: float, probe: int, *,
              warm: bool = True) -> int:
    """How many steps of ``run(steps)`` take about ``seconds`` of CPU time.

    Times ``run(probe)``, then runs ten to a hundred times as many steps until a call takes
    at least a quarter of ``seconds`` (as ``timeit.Timer.autorange`` does), so that a
    fixed cost per call (a millisecond, say) is not mistaken for a cost per step.

    Parameters
    ----------
    run : callable
        ``run(k)`` performs ``k`` steps.
    seconds : float
        Target CPU time of one timed call (positive).
    probe : int
        Steps of the first probing call (at least 1); the answer is never below ``probe``.
    warm : bool
        Call ``run(probe)`` once before probing, so that a first call's one-off costs
        (compiling, loading a cache, allocating) do not count as steps.

    Returns
    -------
    int
        ``max(probe, seconds * k / t)`` for the last probe of ``k`` steps, which took ``t``.
    """
    if not callable(run):
        raise TypeError(f"run must be callable, got {type(run).__name__}")
    seconds = as_float(seconds, "seconds", positive=True)
    probe = as_int(probe, "probe", minimum=1)
    if warm:
        run(probe)
    k = probe
    while True:
        start = time.process_time()
        run(k)
        elapsed = max(time.process_time() - start, 1e-9)
        if elapsed >= seconds / 4:
            break
        k = int(k * min(100.0, max(10.0, seconds / 2 / elapsed)))
    return max(probe, int(seconds * k / elapsed))


def throughput(runs: Mapping[str, Callable[[int], object]], *, seconds: float, rounds: int,
               probe: int | Mapping[str, int] = 10) -> dict[str, dict]:
    """Steps per second of several step-running callables, measured interleaved.

    Each ``runs[name](k)`` performs ``k`` steps. Every callable is first probed to find a
    number of steps taking about ``seconds`` (:func:`steps_for`), then all are timed in turn
    ``rounds`` times (:func:`interleaved`).

    Parameters
    ----------
    runs : mapping of str to callable
        Callables of one integer argument, the number of steps.
    seconds : float
        Target CPU time of each timed call.
    rounds : int
        Interleaved rounds.
    probe : int or mapping of str to int
        Steps of the probing call, for all callables or per name (slow baselines need few).

    Returns
    -------
    dict of str to dict
        Per name: ``steps`` (per timed call), ``cpu`` and ``wall`` (median seconds),
        ``steps_per_s`` (by CPU time) and ``steps_per_s_wall``.
    """
    _check_callables(runs, "runs")
    seconds = as_float(seconds, "seconds", positive=True)
    rounds = as_int(rounds, "rounds", minimum=1)
    probes = probe if isinstance(probe, Mapping) else {name: probe for name in runs}
    missing = set(runs) - set(probes)
    if missing:
        raise ValueError(f"probe has no entry for {sorted(missing)}")
    steps = {name: steps_for(run, seconds, probes[name]) for name, run in runs.items()}
    times = interleaved({name: (lambda run=run, k=steps[name]: run(k))
                         for name, run in runs.items()}, rounds)
    return {name: {"steps": steps[name], "cpu": t.cpu, "wall": t.wall,
                   "steps_per_s": steps[name] / max(t.cpu, 1e-12),
                   "steps_per_s_wall": steps[name] / max(t.wall, 1e-12)}
            for name, t in times.items()}


def gd_runner(net: ShallowNet, x, y, lr: float, **options) -> Callable[[int], Trajectory]:
    """``run(k)``: ``k`` steps of :func:`~relubook.dynamics.gradient_descent` from ``net``.

    For :func:`throughput`. Only the first and last states are recorded (``record=2``), so the
    timing is that of the training itself.

    Parameters
    ----------
    net : ShallowNet
        Initial network.
    x : array_like, shape (n,) or (n, d)
        Inputs.
    y : array_like, shape (n,)
        Targets.
    lr : float
        Step size.
    **options
        Further keyword arguments of ``gradient_descent``, e.g. ``backend="sorted"`` or
        ``dtype="float32"``.

    Returns
    -------
    callable
        ``run(k) -> Trajectory``.
    """
    as_net(net)
    lr = as_float(lr, "lr", positive=True)
    if "record" in options or "steps" in options:
        raise ValueError("options must not set record or steps: run(k) sets them")
    return lambda k: gradient_descent(net, x, y, lr=lr, steps=k, record=2, **options)


# --------------------------------------------------------------------------- problems
def problem(n: int, m: int, *, init_scale: float = 1.0, scale: float | None = None,
            seed: int = 0) -> tuple[ShallowNet, np.ndarray, np.ndarray]:
    """The univariate benchmark problem.

    ``n`` sorted uniform inputs on ``[-1, 1]`` (seed ``seed``), targets
    ``sin(pi x) + x / 2``, and a :func:`~relubook.model.random_net` of width ``m`` with hidden
    biases and Gaussian weights of standard deviation ``init_scale`` (seed ``seed + 1``).

    Parameters
    ----------
    n : int
        Number of points (at least 1).
    m : int
        Width (at least 1).
    init_scale : float
        Standard deviation of the initial weights.
    scale : float, optional
        Output scale; the mean-field ``1/m`` by default.
    seed : int
        Seed of the inputs; the network uses ``seed + 1``.

    Returns
    -------
    net : ShallowNet
    x : ndarray, shape (n,)
    y : ndarray, shape (n,)
    """
    n = as_int(n, "n", minimum=1)
    m = as_int(m, "m", minimum=1)
    seed = as_int(seed, "seed")
    scale = 1.0 / m if scale is None else as_float(scale, "scale", positive=True)
    x = np.sort(as_rng(seed).uniform(-1.0, 1.0, n))
    y = np.sin(np.pi * x) + 0.5 * x
    net = random_net(m, seed=seed + 1, init_scale=init_scale, scale=scale)
    return net, x, y


def orthogonal_problem(d: int, m: int, *, seed: int = 0
                       ) -> tuple[ShallowNet, np.ndarray, np.ndarray]:
    """The benchmark problem with ``d`` pairwise orthogonal inputs in ``R^d`` and no biases.

    The inputs are the coordinate axes rotated by a random orthogonal matrix (seed
    ``seed``), so they are orthogonal up to rounding but not sparse; the targets are
    ``+-1`` alternately, and the network (seed ``seed + 1``) has Gaussian input weights of
    unit variance, no hidden biases and the mean-field scale ``1/m``.

    Parameters
    ----------
    d : int
        Dimension, equal to the number of points (at least 1).
    m : int
        Width (at least 1).
    seed : int
        Seed of the rotation; the network uses ``seed + 1``.

    Returns
    -------
    net : ShallowNet
        ``w`` of shape ``(m, d)``, ``b`` None.
    x : ndarray, shape (d, d)
    y : ndarray, shape (d,)
    """
    d = as_int(d, "d", minimum=1)
    m = as_int(m, "m", minimum=1)
    seed = as_int(seed, "seed")
    x = random_rotation(d, seed=seed).T          # rows: rotated coordinate axes
    y = np.where(np.arange(d) % 2 == 0, 1.0, -1.0)
    net = random_net(m, seed=seed + 1, dim=d, bias=False, scale=1.0 / m)
    return net, x, y


def general_problem(d: int, n: int, m: int, *, seed: int = 0
                    ) -> tuple[ShallowNet, np.ndarray, np.ndarray]:
    """The benchmark problem with ``n`` Gaussian inputs in ``R^d`` (general position).

    Inputs with independent ``N(0, 1/d)`` coordinates (norms near 1; pairwise orthogonal
    only if ``n = 1``), targets ``tanh(<v, x>)`` for a Gaussian unit direction ``v`` (seed
    ``seed``), and a network with hidden biases, Gaussian weights of unit variance and the
    mean-field scale ``1/m`` (seed ``seed + 1``).

    Parameters
    ----------
    d : int
        Dimension (at least 1).
    n : int
        Number of points (at least 1).
    m : int
        Width (at least 1).
    seed : int
        Seed of the data; the network uses ``seed + 1``.

    Returns
    -------
    net : ShallowNet
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    """
    d = as_int(d, "d", minimum=1)
    n = as_int(n, "n", minimum=1)
    m = as_int(m, "m", minimum=1)
    seed = as_int(seed, "seed")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) / np.sqrt(d)
    v = rng.standard_normal(d)
    y = np.tanh(x @ (v / np.linalg.norm(v)))
    net = random_net(m, seed=seed + 1, dim=d, scale=1.0 / m)
    return net, x, y


def max_param_diff(net: ShallowNet, ref: ShallowNet) -> float:
    """Largest absolute difference of the parameters ``a, w, b, c`` of two networks.

    Parameters
    ----------
    net, ref : ShallowNet
        Networks of the same width, dimension and bias structure.

    Returns
    -------
    float
    """
    as_net(net)
    as_net(ref, "ref")
    if net.w.shape != ref.w.shape or net.has_bias != ref.has_bias:
        raise ValueError(f"net and ref must have the same shape, got w {net.w.shape} "
                         f"and {ref.w.shape}, biases {net.has_bias} and {ref.has_bias}")
    pairs = [(net.a, ref.a), (net.w, ref.w), ([net.c], [ref.c])]
    if net.has_bias:
        pairs.append((net.b, ref.b))
    return max(float(np.max(np.abs(np.subtract(p, q)))) for p, q in pairs)


# --------------------------------------------------------------------------- roofline
def dense_step_flops(n: int, m: int) -> float:
    """Floating-point operations of one dense gradient-descent step: ``10 n m + 12 m``.

    Parameters
    ----------
    n : int
        Number of points (at least 1).
    m : int
        Width (at least 1).
    """
    n = as_int(n, "n", minimum=1)
    m = as_int(m, "m", minimum=1)
    return 10.0 * n * m + 12.0 * m


def dense_step_bytes(m: int, dtype: str = "float64") -> float:
    """Bytes one dense step must move: read and write ``a``, ``w``, ``b`` (``6 m`` numbers).

    Parameters
    ----------
    m : int
        Width (at least 1).
    dtype : {"float64", "float32"}
        Precision of the parameters: ``48 m`` or ``24 m`` bytes.
    """
    m = as_int(m, "m", minimum=1)
    return 6.0 * m * _itemsize(dtype)


def step_limit(flops: float, nbytes: float, peak: float, bandwidth: float) -> float:
    """Steps per second allowed by the machine: ``min(peak / flops, bandwidth / nbytes)``.

    Parameters
    ----------
    flops : float
        Floating-point operations per step (positive).
    nbytes : float
        Bytes moved per step (positive).
    peak : float
        Attainable FLOP/s (positive).
    bandwidth : float
        Attainable bytes per second (positive).

    Returns
    -------
    float
    """
    flops = as_float(flops, "flops", positive=True)
    nbytes = as_float(nbytes, "nbytes", positive=True)
    peak = as_float(peak, "peak", positive=True)
    bandwidth = as_float(bandwidth, "bandwidth", positive=True)
    return min(peak / flops, bandwidth / nbytes)


def _itemsize(dtype: str) -> int:
    if not isinstance(dtype, str) or dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
    return 8 if dtype == "float64" else 4


@dataclass(frozen=True)
class Roofline:
    """The measured limits of one core.

    Attributes
    ----------
    flops64, flops32 : float
        Best matrix-multiply rate, FLOP/s, in float64 and float32 (one BLAS thread).
    bandwidth_l2, bandwidth_l3, bandwidth_dram : float
        Best triad bandwidth, bytes/s, for a working set that fits in L2, one that fits in
        L3 but not L2, and one that fits in neither.
    l2_bytes, l3_bytes : int
        The cache sizes the working sets were chosen from (:func:`cache_sizes`).
    seconds : float
        Wall time the measurement took.
    """

    flops64: float
    flops32: float
    bandwidth_l2: float
    bandwidth_l3: float
    bandwidth_dram: float
    l2_bytes: int
    l3_bytes: int
    seconds: float

    def peak(self, dtype: str = "float64") -> float:
        """The matrix-multiply rate in ``dtype``, FLOP/s."""
        return self.flops64 if _itemsize(dtype) == 8 else self.flops32

    def bandwidth(self, nbytes: float) -> float:
        """The triad bandwidth for a working set of ``nbytes``: L2, L3 or memory."""
        nbytes = as_float(nbytes, "nbytes", positive=True)
        if nbytes <= self.l2_bytes:
            return self.bandwidth_l2
        if nbytes <= self.l3_bytes:
            return self.bandwidth_l3
        return self.bandwidth_dram

    def dense_limit(self, n: int, m: int, dtype: str = "float64") -> float:
        """Steps per second of the dense step at this machine's limit.

        ``min(peak / (10 n m + 12 m), bandwidth / bytes)`` with the matrix-multiply rate
        of ``dtype`` and the bandwidth of the cache level that holds the ``3 m`` parameters
        (each read and written once: ``bytes`` counts ``6 m`` numbers).
        """
        nbytes = dense_step_bytes(m, dtype)
        return step_limit(dense_step_flops(n, m), nbytes, self.peak(dtype),
                          self.bandwidth(nbytes / 2))

    def as_dict(self) -> dict:
        """The fields, for JSON."""
        return asdict(self)


def cache_sizes() -> dict[str, int]:
    """Sizes in bytes of the L2 and L3 caches of CPU 0, ``{"l2": ..., "l3": ...}``.

    Read from ``/sys/devices/system/cpu/cpu0/cache``; 512 KiB and 32 MiB where that is not
    available.
    """
    sizes = dict(_DEFAULT_CACHES)
    root = Path("/sys/devices/system/cpu/cpu0/cache")
    for index in sorted(root.glob("index*")) if root.is_dir() else []:
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            text = (index / "size").read_text().strip().upper()
        except (OSError, ValueError):
            continue
        if kind not in ("Unified", "Data") or level not in (2, 3):
            continue
        units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
        factor = units.get(text[-1:], 1)
        digits = text[:-1] if text[-1:] in units else text
        if digits.isdigit():
            sizes[f"l{level}"] = int(digits) * factor
    return sizes


@njit(cache=True)
def _triad(a, b, c, s, reps):  # pragma: no cover - compiled
    for r in range(reps):
        t = s + r                              # a different scalar each pass
        for i in range(a.size):
            a[i] = b[i] + t * c[i]
    return a[0]


def _best_rate(work: float, run: Callable[[], object], repeats: int, seconds: float) -> float:
    """Best ``work / CPU seconds`` over ``repeats`` timings of ``k`` calls of ``run``."""
    start = time.process_time()
    run()
    k = max(1, math.ceil(seconds / max(time.process_time() - start, 1e-6)))
    best = 0.0
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(k):
            run()
        best = max(best, k * work / max(time.process_time() - start, 1e-9))
    return best


def roofline(*, repeats: int = 5, seconds: float = 0.05, matrix: int = 512,
             dram_bytes: int | None = None, seed: int = 0) -> Roofline:
    """Measure one core's matrix-multiply rate and triad bandwidth.

    BLAS is limited to one thread (``threadpoolctl``) for the measurement. The rates are
    the best of ``repeats`` timings of CPU time: a limit is what the machine can do, and on
    a shared machine the best timing is the one least disturbed.

    - FLOP/s: ``2 N^3`` per product of two ``N x N`` matrices (``N = matrix``), in float64
      and in float32.
    - Bandwidth: the STREAM triad ``a = b + t c`` in float64 (compiled), counted as
      ``24`` bytes per element (two reads, one write), for three working sets: half the L2
      cache, a quarter of the L3 cache, and ``dram_bytes`` (default: 8 times the L3 cache,
      at least 256 MiB).

    Parameters
    ----------
    repeats : int
        Timings per quantity (at least 1).
    seconds : float
        CPU time of each timing (positive).
    matrix : int
        Size ``N`` of the matrices (at least 16).
    dram_bytes : int, optional
        Working set of the memory-bound triad, in bytes (at least 8 times the L3 size is
        needed to measure memory rather than cache).
    seed : int
        Seed of the random matrices and arrays.

    Returns
    -------
    Roofline
    """
    from threadpoolctl import threadpool_limits

    repeats = as_int(repeats, "repeats", minimum=1)
    seconds = as_float(seconds, "seconds", positive=True)
    matrix = as_int(matrix, "matrix", minimum=16)
    seed = as_int(seed, "seed")
    caches = cache_sizes()
    if dram_bytes is None:
        dram_bytes = max(8 * caches["l3"], 256 * 1024 ** 2)
    dram_bytes = as_int(dram_bytes, "dram_bytes", minimum=1024)
    rng = np.random.default_rng(seed)
    wall = time.perf_counter()
    with threadpool_limits(limits=1):
        flops = {}
        for dtype in _DTYPES:
            A = rng.standard_normal((matrix, matrix)).astype(dtype)
            B = rng.standard_normal((matrix, matrix)).astype(dtype)
            C = np.empty_like(A)
            flops[dtype] = _best_rate(2.0 * matrix ** 3, lambda A=A, B=B, C=C: np.matmul(
                A, B, out=C), repeats, seconds)
    bandwidth = {}
    for level, nbytes in (("l2", caches["l2"] // 2), ("l3", caches["l3"] // 4),
                          ("dram", dram_bytes)):
        size = max(nbytes // 24, 16)
        a, b, c = np.zeros(size), rng.standard_normal(size), rng.standard_normal(size)
        _triad(a, b, c, 0.5, 1)                                  # compile; touch the pages
        reps = max(1, (1 << 22) // size)                         # >= 4M elements per call
        bandwidth[level] = _best_rate(24.0 * size * reps,
                                      lambda a=a, b=b, c=c, reps=reps: _triad(a, b, c, 0.5, reps),
                                      repeats, seconds)
        del a, b, c
    return Roofline(flops64=flops["float64"], flops32=flops["float32"],
                    bandwidth_l2=bandwidth["l2"], bandwidth_l3=bandwidth["l3"],
                    bandwidth_dram=bandwidth["dram"], l2_bytes=caches["l2"],
                    l3_bytes=caches["l3"], seconds=time.perf_counter() - wall)
