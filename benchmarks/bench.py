"""Speed of relubook's compiled engine against the plain PyTorch loop and the machine's limit.

Usage::

    python benchmarks/bench.py [--quick] [--only SECTION ...]
    python benchmarks/bench.py --gpu

Measured in one run, timings interleaved (A B C A B C ...) with medians reported, because the
machines are shared (the harness is :mod:`relubook.speed`, shared with the book's Speed page):

0. the machine's limit (:func:`relubook.speed.roofline`): one-thread matrix-multiply FLOP/s
   in float64 and float32 and the triad bandwidth in L2, L3 and memory;
1. gradient descent, n in {10, 100}, m in {100, 1000, 10000, 100000} and n = 10, m = 10^6:
   relubook's dense and sorted backends (float64) and dense float32, ``backend="torch"`` on
   the CPU, a closed-form NumPy loop with preallocated buffers
   (:func:`numpy_gradient_descent`, below) and the plain PyTorch loop
   :func:`relubook.torch_loop.torch_gradient_descent` (``nn.Module``, autograd,
   ``torch.optim.SGD``, float64); the dense path as a fraction of the machine's limit;
   the crossover: dense against sorted for n from 8 to 64 points at m in {1000, 10000},
   which sets where ``backend="auto"`` switches;
2. d inputs, pairwise orthogonal, no biases (n = d in {4, 50}, m in {100, 1000, 10000},
   d = 50, m = 10^5, and d = 150, m = 1000): the general dense backend (blocked matrix
   products), the orthogonal backend (``U = W X^T``) and the torch loop, and the orthogonal
   backend as a fraction of its memory limit (:func:`orthogonal_limit`); d inputs in
   general position (d, n, m) in {(50, 50, 1000), (50, 50, 10000), (150, 75, 200)}: the
   dense backend in float64 and float32, ``backend="torch"`` on the CPU and the torch loop;
3. gradient flow to a horizon T from a small initialisation: RK4 and Heun, with and without
   located events, against Euler (gradient descent) with steps 1e-3, 1e-4 and 8e-5, with
   the error of each loss curve against a fine reference; for each run with located events,
   the costliest Euler run that is less accurate by more than twice the reference's own
   error gives a lower bound on its speed-up at equal accuracy, if no larger Euler step is
   as accurate (Euler's error is first order, 1.9 h, up to wiggles of a few per cent: 1.40e-4
   at h = 7e-5 but 1.35e-4 at 7.5e-5; hence a step of 8e-5, at 1.49e-4, not one closer to
   the events' 1.33e-4);
4. Langevin dynamics at the sizes of 1 up to m = 10^5: :func:`relubook.langevin` with
   float64 (NumPy), float32 (``torch.randn``) and in-kernel noise against an autograd loop
   with float64 ``torch.randn`` noise.

``--gpu`` runs only relubook (one core) against PyTorch on a CUDA device: the torch loop as a
GPU user writes it and ``backend="torch", device="cuda"`` in float64 and float32, written to
``results_gpu.json`` and ``results_gpu.md``; without CUDA it says so and writes nothing.

Each comparison also runs the sides from the same start (for Langevin, with the same noise)
and reports the largest difference of the parameters. The tables are printed and written to
``benchmarks/results.json`` and ``benchmarks/results.md`` (``results_quick.*`` with
``--quick``; nothing is written with ``--only``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("NUMBA_CACHE_DIR", str(HERE.parent / "_build" / "numba_cache"))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import relubook as rb  # noqa: E402
from relubook.dynamics import auto_backend, warm_up  # noqa: E402
from relubook.speed import (  # noqa: E402
    gd_runner,
    general_problem,
    max_param_diff,
    orthogonal_problem,
    problem,
    roofline,
    throughput,
)
from relubook.torch_loop import torch_gradient_descent, torch_module  # noqa: E402

torch.set_num_threads(1)
SECTIONS = ("gd", "crossover", "orthogonal", "general", "flow", "langevin")


# ------------------------------------------------------------------------- baselines
def numpy_gradient_descent(net: rb.ShallowNet, x, y, lr: float, steps: int) -> rb.ShallowNet:
    """Gradient descent in closed form with NumPy, preallocated buffers and ``out=`` (one input).

    One step: ``D = 1[x w^T + b > 0]`` (n x m, in place), ``F = D [a w, a b]`` (n x 2) gives
    ``f = s (x F_0 + F_1) + c``; with ``r = (f - y) / n``, ``P = D^T [r x, r]`` (m x 2) gives
    ``dL/dw = s a P_0``, ``dL/db = s a P_1``, ``dL/da = s (w P_0 + b P_1)``. ``c`` is not
    trained, as in the other loops here.
    """
    a, w, b = net.a.copy(), net.w.copy(), net.b.copy()
    s, c, n, m = net.scale, net.c, x.size, net.width
    D = np.empty((n, m))
    AW, RX, F, P = np.empty((m, 2)), np.empty((n, 2)), np.empty((n, 2)), np.empty((m, 2))
    f, ga, gw, gb, tmp = np.empty(n), np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    for _ in range(steps):
        np.multiply.outer(x, w, out=D)
        D += b
        np.greater(D, 0.0, out=D)
        np.multiply(a, w, out=AW[:, 0])
        np.multiply(a, b, out=AW[:, 1])
        np.matmul(D, AW, out=F)
        np.multiply(x, F[:, 0], out=f)
        f += F[:, 1]
        f *= s
        f += c - y
        f /= n                                   # f is now the residual r
        np.multiply(f, x, out=RX[:, 0])
        RX[:, 1] = f
        np.matmul(D.T, RX, out=P)
        np.multiply(w, P[:, 0], out=ga)
        np.multiply(b, P[:, 1], out=tmp)
        ga += tmp
        np.multiply(a, P[:, 0], out=gw)
        np.multiply(a, P[:, 1], out=gb)
        a -= (lr * s) * ga
        w -= (lr * s) * gw
        b -= (lr * s) * gb
    return rb.ShallowNet(a=a, w=w, b=b, c=c, scale=s)


def torch_langevin(net: rb.ShallowNet, x, y, lr: float, steps: int, beta: float,
                   weight_decay: float, noise=None) -> rb.ShallowNet:
    """The update of :func:`relubook.langevin` as a plain autograd loop (one input).

    ``SGD(lr m, weight_decay / m)`` gives ``theta - lr (m grad + weight_decay theta)``, then
    ``sqrt(2 lr / beta)`` times Gaussian noise is added; ``c`` stays fixed. ``noise``:
    optional ``(steps, 3m)`` array in relubook's layout ``[a | w | b]``; by default
    ``torch.randn_like`` (float64).
    """
    m = net.width
    model = torch_module(net)
    xt, yt = torch.from_numpy(x.reshape(-1, 1)), torch.from_numpy(y)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.SGD(params, lr=lr * m, weight_decay=weight_decay / m)
    sigma = math.sqrt(2 * lr / beta)
    for t in range(steps):
        optimiser.zero_grad()
        loss = 0.5 * torch.mean((model(xt) - yt) ** 2)
        loss.backward()
        optimiser.step()
        with torch.no_grad():
            if noise is None:
                for p in params:
                    p.add_(torch.randn_like(p), alpha=sigma)
            else:
                row = torch.from_numpy(np.asarray(noise[t], dtype=np.float64))
                model.out.weight[0].add_(row[:m], alpha=sigma)
                model.hidden.weight[:, 0].add_(row[m:2 * m], alpha=sigma)
                model.hidden.bias.add_(row[2 * m:], alpha=sigma)
    return model.to_net()


def relative_diff(net: rb.ShallowNet, ref: rb.ShallowNet) -> float:
    """Largest parameter difference relative to the largest parameter of ``ref``."""
    scale = max(np.max(np.abs(ref.a)), np.max(np.abs(ref.w)),
                np.max(np.abs(ref.b)) if ref.has_bias else 0.0)
    return max_param_diff(net, ref) / scale


def ratios(speeds: dict, baseline: str = "torch") -> dict:
    """Steps per second (CPU and wall) and the ratios over ``baseline``."""
    base = speeds[baseline]
    return {"steps_per_s": {k: v["steps_per_s"] for k, v in speeds.items()},
            "steps_per_s_wall": {k: v["steps_per_s_wall"] for k, v in speeds.items()},
            "ratio": {k: v["steps_per_s"] / base["steps_per_s"] for k, v in speeds.items()},
            "ratio_wall": {k: v["steps_per_s_wall"] / base["steps_per_s_wall"]
                           for k, v in speeds.items()}}


def torch_probe(n: int, m: int) -> int:
    """Steps of the first (probing) call of the torch loop: a few at the largest sizes."""
    return 2 if n * m >= 10 ** 6 else 5


def check_steps_for(n: int, m: int, base: int) -> int:
    """Steps of the correctness comparison: fewer where the torch loop takes 0.1 s a step."""
    return base if n * m <= 10 ** 6 else max(10, base // 5)


# ------------------------------------------------------------------------ comparisons
def bench_gd(sizes, rounds: int, seconds: float, check_steps: int, roof) -> list[dict]:
    """Gradient descent (lr = m / 2, i.e. 1/2 on the mean-field time scale)."""
    rows = []
    for n, m in sizes:
        net, x, y = problem(n, m)
        lr = 0.5 * m
        runs = {
            "dense": gd_runner(net, x, y, lr, backend="dense"),
            "sorted": gd_runner(net, x, y, lr, backend="sorted"),
            "dense_f32": gd_runner(net, x, y, lr, backend="dense", dtype="float32"),
            "numpy": lambda k: numpy_gradient_descent(net, x, y, lr, k),
            "torch_backend": gd_runner(net, x, y, lr, backend="torch"),
            "torch": lambda k: torch_gradient_descent(net, x, y, lr=lr, steps=k),
        }
        probe = {"dense": 50, "sorted": 50, "dense_f32": 50, "numpy": 5, "torch_backend": 5,
                 "torch": torch_probe(n, m)}
        row = {"n": n, "m": m, "auto_backend": auto_backend(net, x)} | ratios(
            throughput(runs, seconds=seconds, rounds=rounds, probe=probe))
        row["relubook"] = row["auto_backend"]
        row["ratio_auto"] = row["ratio"][row["auto_backend"]]
        row["limit_f64"], row["limit_f32"] = roof.dense_limit(n, m), roof.dense_limit(
            n, m, "float32")
        sps = row["steps_per_s"]
        row["fraction_of_limit"] = {"dense": sps["dense"] / row["limit_f64"],
                                    "sorted": sps["sorted"] / row["limit_f64"],
                                    "dense_f32": sps["dense_f32"] / row["limit_f32"],
                                    "numpy": sps["numpy"] / row["limit_f64"],
                                    "torch": sps["torch"] / row["limit_f64"]}
        k = check_steps_for(n, m, check_steps)
        ref, _ = torch_gradient_descent(net, x, y, lr=lr, steps=k)
        finals = {name: runs[name](k) for name in ("dense", "sorted", "dense_f32",
                                                    "torch_backend")}
        row["check_steps"] = k
        row["loss_after_check"] = float(finals["dense"].loss[-1])
        row["max_param_diff"] = {name: max_param_diff(finals[name].net, ref)
                                 for name in ("dense", "sorted", "torch_backend")}
        row["max_param_diff"]["numpy"] = max_param_diff(numpy_gradient_descent(
            net, x, y, lr, k), ref)
        row["f32_relative_diff"] = relative_diff(finals["dense_f32"].net, finals["dense"].net)
        rows.append(row)
        print(f"  GD n={n:<4d} m={m:<7d} " + "  ".join(
            f"{name} {v:,.0f}/s" for name, v in sps.items())
            + f"  auto={row['auto_backend']} x{row['ratio_auto']:.0f}"
            f"  dense {100 * row['fraction_of_limit']['dense']:.0f}% of limit"
            f"  max|dtheta| {max(row['max_param_diff'].values()):.1e}"
            f"  f32 rel {row['f32_relative_diff']:.1e}", flush=True)
    return rows


def bench_crossover(ns, widths, rounds: int, seconds: float) -> list[dict]:
    """Dense against sorted for one input, by the number of points n: where ``"auto"``
    should switch (``relubook._kernels.SORTED_MIN_N``)."""
    rows = []
    for m in widths:
        for n in ns:
            net, x, y = problem(n, m)
            lr = 0.5 * m
            runs = {"dense": gd_runner(net, x, y, lr, backend="dense"),
                    "sorted": gd_runner(net, x, y, lr, backend="sorted")}
            speeds = {name: r["steps_per_s"] for name, r in
                      throughput(runs, seconds=seconds, rounds=rounds, probe=50).items()}
            rows.append({"n": n, "m": m, "steps_per_s": speeds,
                         "auto_backend": auto_backend(net, x)})
            print(f"  crossover n={n:3d} m={m:6d}: dense {speeds['dense']:9.0f}/s, "
                  f"sorted {speeds['sorted']:9.0f}/s, auto {rows[-1]['auto_backend']}",
                  flush=True)
    return rows


def orthogonal_limit(roof, n: int, m: int, dtype: str) -> float:
    """Steps per second of a gradient-descent step of the orthogonal backend (no biases) at
    the triad bandwidth: it must read and write ``U`` (n x m) and ``a``, ``2 (n + 1) m``
    numbers, with the bandwidth of the cache level that holds ``U``."""
    nbytes = 2 * (n + 1) * m * (8 if dtype == "float64" else 4)
    return roof.bandwidth(nbytes / 2) / nbytes


def bench_orthogonal(sizes, rounds: int, seconds: float, check_steps: int,
                     roof) -> list[dict]:
    """d pairwise orthogonal inputs (n = d), no biases: dense against the ``U = W X^T`` basis,
    and the basis against its memory limit."""
    rows = []
    for d, m in sizes:
        net, x, y = orthogonal_problem(d, m)
        lr = 0.5 * m
        runs = {
            "dense": gd_runner(net, x, y, lr, backend="dense"),
            "orthogonal": gd_runner(net, x, y, lr, backend="orthogonal"),
            "orthogonal_f32": gd_runner(net, x, y, lr, backend="orthogonal", dtype="float32"),
            "torch": lambda k: torch_gradient_descent(net, x, y, lr=lr, steps=k),
        }
        probe = {"dense": 50, "orthogonal": 50, "orthogonal_f32": 50, "torch": 5}
        row = {"d": d, "n": d, "m": m, "auto_backend": auto_backend(net, x)} | ratios(
            throughput(runs, seconds=seconds, rounds=rounds, probe=probe))
        ref, _ = torch_gradient_descent(net, x, y, lr=lr, steps=check_steps)
        finals = {name: runs[name](check_steps) for name in ("dense", "orthogonal",
                                                              "orthogonal_f32")}
        row["check_steps"] = check_steps
        row["loss_after_check"] = float(finals["orthogonal"].loss[-1])
        row["max_param_diff"] = {name: max_param_diff(finals[name].net, ref)
                                 for name in ("dense", "orthogonal")}
        row["f32_relative_diff"] = relative_diff(finals["orthogonal_f32"].net,
                                                 finals["orthogonal"].net)
        row["limit"] = {name: orthogonal_limit(roof, d, m, dtype) for name, dtype in
                        (("orthogonal", "float64"), ("orthogonal_f32", "float32"))}
        row["of_limit"] = {name: row["steps_per_s"][name] / limit
                           for name, limit in row["limit"].items()}
        rows.append(row)
        print(f"  orthogonal d={d:<3d} m={m:<6d} " + "  ".join(
            f"{name} {v:,.0f}/s" for name, v in row["steps_per_s"].items())
            + f"  auto={row['auto_backend']}"
            f"  x{row['ratio']['orthogonal']:.0f} (dense x{row['ratio']['dense']:.0f})"
            f"  max|dtheta| {max(row['max_param_diff'].values()):.1e}", flush=True)
    return rows


def bench_general(sizes, rounds: int, seconds: float, check_steps: int) -> list[dict]:
    """d inputs in general position (``relubook.speed.general_problem``, hidden biases):
    the blocked d-input kernel in float64 and float32, backend="torch" on the CPU and the
    torch loop."""
    rows = []
    for d, n, m in sizes:
        net, x, y = general_problem(d, n, m)
        lr = 0.5 * m
        runs = {
            "dense": gd_runner(net, x, y, lr, backend="dense"),
            "dense_f32": gd_runner(net, x, y, lr, backend="dense", dtype="float32"),
            "torch_backend": gd_runner(net, x, y, lr, backend="torch"),
            "torch": lambda k: torch_gradient_descent(net, x, y, lr=lr, steps=k),
        }
        probe = {"dense": 10, "dense_f32": 10, "torch_backend": 5, "torch": 5}
        row = {"d": d, "n": n, "m": m} | ratios(
            throughput(runs, seconds=seconds, rounds=rounds, probe=probe))
        ref, _ = torch_gradient_descent(net, x, y, lr=lr, steps=check_steps)
        finals = {name: runs[name](check_steps) for name in ("dense", "dense_f32",
                                                              "torch_backend")}
        row["check_steps"] = check_steps
        row["loss_after_check"] = float(finals["dense"].loss[-1])
        row["max_param_diff"] = {name: max_param_diff(finals[name].net, ref)
                                 for name in ("dense", "torch_backend")}
        row["f32_relative_diff"] = relative_diff(finals["dense_f32"].net, finals["dense"].net)
        row["gflops"] = 4 * n * m * d * row["steps_per_s"]["dense"] / 1e9
        rows.append(row)
        print(f"  general d={d:<3d} n={n:<3d} m={m:<6d} " + "  ".join(
            f"{name} {v:,.0f}/s" for name, v in row["steps_per_s"].items())
            + f"  dense x{row['ratio']['dense']:.1f} ({row['gflops']:.0f} GFLOP/s)"
            f"  max|dtheta| {max(row['max_param_diff'].values()):.1e}", flush=True)
    return rows


def bench_flow(t_end: float, rounds: int, torch_steps: int) -> dict:
    """The gradient flow from init scale 1e-6 (n = 10, m = 100, scale 1): loss plateaus."""
    net, x, y = problem(10, 100, init_scale=1e-6, scale=1.0)
    grid = np.linspace(0.0, t_end, 201)
    ref = rb.gradient_flow(net, x, y, t_end, dt=1e-4, method="heun", record=grid)
    methods = [("euler", 1e-3, False), ("heun", 0.02, False), ("heun", 0.01, False),
               ("heun", 0.005, False), ("rk4", 0.1, False), ("rk4", 0.05, False),
               ("rk4", 0.02, False), ("rk4", 0.5, True), ("rk4", 0.25, True),
               ("euler", 1e-4, False), ("euler", 8e-5, False)]
    runs = {f"{meth}{'+events' * ev} h={h:g}": (lambda meth=meth, h=h, ev=ev: rb.gradient_flow(
        net, x, y, t_end, dt=h, method=meth, record=2, events=ev)) for meth, h, ev in methods}
    times = rb.speed.interleaved(runs, rounds)
    rows = []
    for (meth, h, ev), name in zip(methods, runs):
        curve = rb.gradient_flow(net, x, y, t_end, dt=h, method=meth, record=grid,
                                 events=ev).loss
        rows.append({"method": meth + "+events" * ev, "h": h, "steps": round(t_end / h),
                     "seconds": times[name].cpu, "seconds_wall": times[name].wall,
                     "curve_error": float(np.max(np.abs(np.log(curve) - np.log(ref.loss)))),
                     "final_loss_error": float(abs(curve[-1] / ref.loss[-1] - 1))})
    euler = rows[0]
    for row in rows:
        row["speedup_vs_euler"] = euler["seconds"] / row["seconds"]
    start = time.process_time()
    torch_gradient_descent(net, x, y, lr=1e-3, steps=torch_steps)
    torch_seconds = (time.process_time() - start) / torch_steps * euler["steps"]
    fair = [r for r in rows[1:] if r["curve_error"] <= euler["curve_error"]]
    best = min(fair, key=lambda r: r["seconds"]) if fair else None
    # The reference's own error, against a much finer run with located events: a measured
    # error is within ref_error of the true one, so an Euler run measured less accurate by
    # more than 2 ref_error is truly less accurate, and matching the events run would take
    # Euler a smaller step, i.e. more time: its time ratio is a lower bound.
    finer = rb.gradient_flow(net, x, y, t_end, dt=0.05, method="rk4", record=grid,
                             events=True).loss
    ref_error = float(np.max(np.abs(np.log(finer) - np.log(ref.loss))))
    bounds = []
    for row in rows:
        coarser = [e for e in rows if e["method"] == "euler"
                   and e["curve_error"] - ref_error >= row["curve_error"] + ref_error]
        if row["method"].endswith("+events") and coarser:
            e = max(coarser, key=lambda e: e["seconds"])
            bounds.append({"method": row["method"], "h": row["h"],
                           "curve_error": row["curve_error"], "euler_h": e["h"],
                           "euler_curve_error": e["curve_error"],
                           "speedup_at_least": e["seconds"] / row["seconds"]})
    for row in rows:
        print(f"  flow {row['method']:10s} h={row['h']:<6g} {row['seconds'] * 1e3:8.1f} ms  "
              f"curve err {row['curve_error']:.1e}  L(T) err {row['final_loss_error']:.1e}  "
              f"x{row['speedup_vs_euler']:.1f} vs Euler", flush=True)
    return {"t_end": t_end, "backend": auto_backend(net, x), "reference": "heun h=1e-4",
            "reference_final_loss": float(ref.loss[-1]), "rows": rows,
            "torch_gd_seconds_extrapolated": torch_seconds, "torch_probe_steps": torch_steps,
            "best_at_euler_accuracy": best, "reference_error": ref_error,
            "events_vs_euler_at_equal_accuracy": bounds}


def bench_langevin(sizes, rounds: int, seconds: float, check_steps: int) -> list[dict]:
    """Langevin dynamics: lr 0.05, weight decay 1e-3, beta 1e4 (mean-field time scale)."""
    lr, wd, beta = 0.05, 1e-3, 1e4
    rows = []
    for n, m in sizes:
        net, x, y = problem(n, m)
        runs = {
            "noise_f64": lambda k: rb.langevin(net, x, y, lr, k, beta, wd, seed=0, record=2),
            "noise_f32": lambda k: rb.langevin(net, x, y, lr, k, beta, wd, seed=0, record=2,
                                               noise="float32"),
            "noise_kernel": lambda k: rb.langevin(net, x, y, lr, k, beta, wd, seed=0,
                                                  record=2, noise="kernel"),
            "torch": lambda k: torch_langevin(net, x, y, lr, k, beta, wd),
        }
        probe = {"noise_f64": 20, "noise_f32": 20, "noise_kernel": 20,
                 "torch": torch_probe(n, m)}
        row = {"n": n, "m": m, "auto_backend": auto_backend(net, x)} | ratios(
            throughput(runs, seconds=seconds, rounds=rounds, probe=probe))
        k = check_steps_for(n, m, check_steps)
        noise = np.random.default_rng(0).standard_normal((k, 3 * m))
        diff = max_param_diff(runs["noise_f64"](k).net,
                              torch_langevin(net, x, y, lr, k, beta, wd, noise))
        row["check_steps"], row["max_param_diff"] = k, diff
        rows.append(row)
        print(f"  Langevin n={n:<4d} m={m:<7d} " + "  ".join(
            f"{name} {v:,.0f}/s" for name, v in row["steps_per_s"].items())
            + f"  x{row['ratio']['noise_f64']:.1f} (f32 noise x{row['ratio']['noise_f32']:.1f},"
            f" kernel noise x{row['ratio']['noise_kernel']:.1f})"
            f"  max|dtheta| {diff:.1e}", flush=True)
    return rows


def torch_cuda_loop(net: rb.ShallowNet, x, y, lr: float, steps: int, dtype) -> None:
    """The torch loop as a GPU user writes it: the ``nn.Module`` on the device, autograd,
    ``torch.optim.SGD``, no ``.item()`` per step (one synchronisation at the end)."""
    model = torch_module(net).to(device="cuda", dtype=dtype)
    xt = torch.as_tensor(np.reshape(x, (len(x), -1)), device="cuda", dtype=dtype)
    yt = torch.as_tensor(y, device="cuda", dtype=dtype)
    optimiser = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad(set_to_none=True)
        (0.5 * torch.mean((model(xt) - yt) ** 2)).backward()
        optimiser.step()
    torch.cuda.synchronize()


def bench_gpu(rounds: int, seconds: float, check_steps: int) -> list[dict] | None:
    """relubook on one core against PyTorch on the GPU (wall-clock time): the torch loop
    (eager, float64) and ``backend="torch", device="cuda"`` (CUDA graphs) in float64 and
    float32. None without CUDA."""
    if not torch.cuda.is_available():
        print("  --gpu: no CUDA device on this machine; skipped", flush=True)
        return None
    cases = [("gd", 10, 1000), ("gd", 100, 10000), ("gd", 100, 100000), ("gd", 1000, 100000),
             ("orthogonal", 50, 10000), ("orthogonal", 50, 100000)]
    rows = []
    for kind, n, m in cases:
        net, x, y = problem(n, m) if kind == "gd" else orthogonal_problem(n, m)
        lr = 0.5 * m
        runs = {
            "relubook": gd_runner(net, x, y, lr),
            "cuda_loop": lambda k: torch_cuda_loop(net, x, y, lr, k, torch.float64),
            "cuda_backend_f64": gd_runner(net, x, y, lr, backend="torch", device="cuda"),
            "cuda_backend_f32": gd_runner(net, x, y, lr, backend="torch", device="cuda",
                                          dtype="float32"),
        }
        speeds = throughput(runs, seconds=seconds, rounds=rounds, probe=64)
        row = {"kind": kind, "n": n, "m": m, "auto_backend": auto_backend(net, x),
               "steps_per_s_wall": {k: v["steps_per_s_wall"] for k, v in speeds.items()}}
        ref = runs["relubook"](check_steps).net
        row["check_steps"] = check_steps
        row["max_param_diff"] = max_param_diff(runs["cuda_backend_f64"](check_steps).net, ref)
        rows.append(row)
        print(f"  GPU {kind} n={n} m={m}: " + "  ".join(
            f"{k} {v:,.0f}/s" for k, v in row["steps_per_s_wall"].items())
            + f"  max|dtheta| {row['max_param_diff']:.1e}", flush=True)
    return rows


def gpu_markdown(rows: list[dict], mach: dict) -> str:
    """The GPU table in Markdown."""
    lines = [f"Measured {mach['date']} on {mach['gpu']} and {mach['cpu']}; steps per second "
             "by wall-clock time; relubook on one core with `backend=\"auto\"`; "
             f"max |dtheta| of the float64 CUDA backend against relubook after "
             f"{rows[0]['check_steps']} steps.", ""]
    lines += _table(
        ["problem", "n", "m", "relubook (1 core)", "torch loop CUDA f64",
         "backend torch CUDA f64", "backend torch CUDA f32", "max abs dtheta"],
        [["orthogonal d = n" if r["kind"] == "orthogonal" else "one input", str(r["n"]),
          f"{r['m']:,}", f"{_si(r['steps_per_s_wall']['relubook'])} ({r['auto_backend']})"]
         + [_si(r["steps_per_s_wall"][k]) for k in ("cuda_loop", "cuda_backend_f64",
                                                    "cuda_backend_f32")]
         + [f"{r['max_param_diff']:.0e}"] for r in rows])
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- output
def machine() -> dict:
    """The machine and the versions the numbers were measured with."""
    cpu = platform.processor()
    if Path("/proc/cpuinfo").exists():
        names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                 .splitlines() if ln.startswith("model name")]
        cpu = f"{names[0]} x {len(names)}" if names else cpu
    return {"cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "numba": numba.__version__,
            "threads": 1, "load_average": list(os.getloadavg()),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _si(value: float) -> str:
    """Steps per second in a short form: 1.2M, 345k, 6.7k, 89, 1.2."""
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if value >= 0.9995 * scale:         # 999,528 is 1M, not 1e+03k
            return f"{value / scale:.3g}{unit}"
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _x(ratio: float) -> str:
    """A ratio with three significant digits at most: 3.6x, 99.6x, 526x."""
    return f"{ratio:.1f}x" if ratio < 99.95 else f"{ratio:.0f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table: header, separator and rows, one line each."""
    return ["| " + " | ".join(cells) + " |"
            for cells in [header, ["---"] * len(header), *rows]]


def markdown(results: dict) -> str:
    """The tables of ``results`` in Markdown."""
    mach, lines = results["machine"], []
    lines += [f"Measured {mach['date']} on {mach['cpu']}; load average "
              f"{mach['load_average'][0]:.1f} at the start and "
              f"{mach.get('load_average_end', [float('nan')])[0]:.1f} at the end; "
              f"{results['rounds']} interleaved rounds of about {results['seconds']:g} s, "
              "medians of CPU time (ratios by wall-clock time in brackets).", ""]
    roof = results.get("roofline")
    if roof:
        lines += ["**Machine limit** (one thread, best of the timings): matrix multiply "
                  f"{roof['flops64'] / 1e9:.0f} GFLOP/s in float64, "
                  f"{roof['flops32'] / 1e9:.0f} GFLOP/s in float32; triad bandwidth "
                  f"{roof['bandwidth_l2'] / 1e9:.0f} GB/s in L2, "
                  f"{roof['bandwidth_l3'] / 1e9:.0f} GB/s in L3, "
                  f"{roof['bandwidth_dram'] / 1e9:.0f} GB/s from memory.", ""]
    if results.get("gd"):
        gd = results["gd"]
        lines += ["**Gradient descent**, steps per second (lr = m/2, mean-field scale 1/m). "
                  "The ratio is the backend that `backend=\"auto\"` picks over the torch "
                  "loop.", ""]
        lines += _table(
            ["n", "m", "dense", "sorted", "dense f32", "numpy", "torch", "auto",
             "auto / torch"],
            [[str(r["n"]), f"{r['m']:,}"]
             + [_si(r["steps_per_s"][k]) for k in ("dense", "sorted", "dense_f32", "numpy",
                                                   "torch")]
             + [r["auto_backend"], f"**{_x(r['ratio_auto'])}** "
                f"({_x(r['ratio_wall'][r['auto_backend']])})"] for r in gd])
        lines += ["", "Gradient descent as a fraction of the machine's limit for the dense "
                  "step, `min(peak / (10 n m + 12 m), bandwidth / (48 m))` steps/s (float32: "
                  "float32 peak, 24 m bytes); sorted does O(n + m) work and can exceed it.",
                  ""]
        lines += _table(
            ["n", "m", "limit f64", "dense", "sorted", "limit f32", "dense f32", "numpy",
             "torch"],
            [[str(r["n"]), f"{r['m']:,}", _si(r["limit_f64"]),
              f"**{100 * r['fraction_of_limit']['dense']:.0f}%**",
              f"{100 * r['fraction_of_limit']['sorted']:.0f}%", _si(r["limit_f32"]),
              f"{100 * r['fraction_of_limit']['dense_f32']:.0f}%",
              f"{100 * r['fraction_of_limit']['numpy']:.1f}%",
              f"{100 * r['fraction_of_limit']['torch']:.2f}%"] for r in gd])
        lines += ["", f"Agreement after {gd[0]['check_steps']} steps (fewer at n m >= 10^6) "
                  "from the same start: the largest |dtheta| against the torch loop "
                  "(float64), and dense float32 against dense float64, relative.", ""]
        lines += _table(
            ["n", "m", "dense", "sorted", "numpy", "torch backend", "dense f32 vs f64"],
            [[str(r["n"]), f"{r['m']:,}"]
             + [f"{r['max_param_diff'][k]:.0e}" for k in ("dense", "sorted", "numpy")]
             + [f"{r['max_param_diff']['torch_backend']:.0e}",
                f"{r['f32_relative_diff']:.0e}"] for r in gd])
        lines += ["", "**When you outgrow one core**: `backend=\"torch\"` (the same "
                  "closed-form update in PyTorch, here on the CPU with one thread) against "
                  "`backend=\"auto\"` and the torch loop, steps per second.", ""]
        lines += _table(
            ["n", "m", "auto", "torch backend", "torch loop", "auto / torch backend"],
            [[str(r["n"]), f"{r['m']:,}", _si(r["steps_per_s"][r["auto_backend"]]),
              _si(r["steps_per_s"]["torch_backend"]), _si(r["steps_per_s"]["torch"]),
              _x(r["steps_per_s"][r["auto_backend"]] / r["steps_per_s"]["torch_backend"])]
             for r in gd])
    if results.get("crossover"):
        lines += ["", "**Dense or sorted** (one input, gradient descent as above), steps per "
                  "second by the number of points n; `auto` is the backend "
                  "`backend=\"auto\"` picks.", ""]
        lines += _table(
            ["n", "m", "dense", "sorted", "sorted / dense", "auto"],
            [[str(r["n"]), f"{r['m']:,}", _si(r["steps_per_s"]["dense"]),
              _si(r["steps_per_s"]["sorted"]),
              f"{r['steps_per_s']['sorted'] / r['steps_per_s']['dense']:.2f}",
              r["auto_backend"]] for r in results["crossover"]])
    if results.get("orthogonal"):
        ortho = results["orthogonal"]
        lines += ["", "**d orthogonal inputs** (n = d points, no biases, lr = m/2, scale "
                  "1/m), steps per second", ""]
        lines += _table(
            ["d = n", "m", "dense", "orthogonal", "orthogonal f32", "torch",
             "orthogonal / torch", "dense / torch"],
            [[str(r["d"]), f"{r['m']:,}"]
             + [_si(r["steps_per_s"][k]) for k in ("dense", "orthogonal", "orthogonal_f32",
                                                   "torch")]
             + [f"**{_x(r['ratio']['orthogonal'])}** ({_x(r['ratio_wall']['orthogonal'])})",
                _x(r["ratio"]["dense"])] for r in ortho])
        lines += ["", "The orthogonal backend against its memory limit: a step reads and "
                  "writes U (n x m) and a, 2 (n + 1) m numbers, at the triad bandwidth of the "
                  "cache level that holds U (float32: half the bytes).", ""]
        lines += _table(
            ["d = n", "m", "limit f64", "orthogonal", "limit f32", "orthogonal f32"],
            [[str(r["d"]), f"{r['m']:,}", _si(r["limit"]["orthogonal"]),
              f"**{100 * r['of_limit']['orthogonal']:.0f}%**",
              _si(r["limit"]["orthogonal_f32"]),
              f"{100 * r['of_limit']['orthogonal_f32']:.0f}%"] for r in ortho])
        lines += ["", f"Agreement after {ortho[0]['check_steps']} steps from the same start: "
                  "the largest |dtheta| against the torch loop (float64), and orthogonal "
                  "float32 against float64, relative.", ""]
        lines += _table(
            ["d = n", "m", "dense", "orthogonal", "orthogonal f32 vs f64"],
            [[str(r["d"]), f"{r['m']:,}", f"{r['max_param_diff']['dense']:.0e}",
              f"{r['max_param_diff']['orthogonal']:.0e}", f"{r['f32_relative_diff']:.0e}"]
             for r in ortho])
    if results.get("general"):
        gen = results["general"]
        lines += ["", "**d inputs in general position** (`relubook.speed.general_problem`: "
                  "Gaussian inputs, hidden biases, lr = m/2, scale 1/m), steps per second; "
                  "`dense` is the blocked d-input kernel (matrix products on blocks of "
                  "neurons).", ""]
        lines += _table(
            ["d", "n", "m", "dense", "dense f32", "torch backend", "torch", "dense / torch",
             "GFLOP/s"],
            [[str(r["d"]), str(r["n"]), f"{r['m']:,}"]
             + [_si(r["steps_per_s"][k]) for k in ("dense", "dense_f32", "torch_backend",
                                                   "torch")]
             + [f"**{_x(r['ratio']['dense'])}** ({_x(r['ratio_wall']['dense'])})",
                f"{r['gflops']:.0f}"] for r in gen])
        lines += ["", f"Agreement after {gen[0]['check_steps']} steps from the same start: "
                  "the largest |dtheta| against the torch loop (float64), and dense float32 "
                  "against float64, relative.", ""]
        lines += _table(
            ["d", "n", "m", "dense", "torch backend", "dense f32 vs f64"],
            [[str(r["d"]), str(r["n"]), f"{r['m']:,}", f"{r['max_param_diff']['dense']:.0e}",
              f"{r['max_param_diff']['torch_backend']:.0e}", f"{r['f32_relative_diff']:.0e}"]
             for r in gen])
    flow = results.get("flow")
    if flow:
        lines += ["", f"**Gradient flow** to T = {flow['t_end']:g} (n = 10, m = 100, init "
                  f"1e-6, {flow['backend']} backend); errors against {flow['reference']}; "
                  "curve error = max |log L - log L_ref| over 201 times", ""]
        lines += _table(
            ["method", "h", "steps", "time", "curve error", "L(T) error",
             "speed-up vs Euler 1e-3"],
            [[r["method"], f"{r['h']:g}", f"{r['steps']:,}", f"{r['seconds'] * 1e3:.1f} ms",
              f"{r['curve_error']:.1e}", f"{r['final_loss_error']:.1e}",
              f"{r['speedup_vs_euler']:.1f}x"] for r in flow["rows"]])
        best = flow["best_at_euler_accuracy"]
        if best:
            lines += ["", f"Cheapest scheme at least as accurate as Euler h = 1e-3: "
                      f"{best['method']} h = {best['h']:g}, **{best['speedup_vs_euler']:.1f}x** "
                      f"cheaper. The torch autograd loop would take "
                      f"{flow['torch_gd_seconds_extrapolated']:.0f} s for Euler h = 1e-3 "
                      f"(extrapolated from {flow['torch_probe_steps']} steps)."]
        for b in flow.get("events_vs_euler_at_equal_accuracy", []):
            lines += ["", f"{b['method']} h = {b['h']:g} (curve error {b['curve_error']:.1e}) "
                      f"against Euler h = {b['euler_h']:g}, which is still less accurate "
                      f"({b['euler_curve_error']:.1e}, by more than twice the reference's "
                      f"own error of {flow['reference_error']:.0e}): "
                      f"**{b['speedup_at_least']:.0f}x** cheaper, a lower bound on the "
                      "speed-up at equal accuracy."]
    if results.get("langevin"):
        lang = results["langevin"]
        lines += ["", "**Langevin** (lr 0.05, weight decay 1e-3, beta 1e4), steps per "
                  "second. The float64 noise comes from NumPy, the float32 noise from "
                  "`torch.randn`, the kernel noise from the counter-based stream made inside "
                  "the kernel (three streams).", ""]
        lines += _table(
            ["n", "m", "f64 noise", "f32 noise", "kernel noise", "torch"],
            [[str(r["n"]), f"{r['m']:,}"]
             + [_si(r["steps_per_s"][k]) for k in ("noise_f64", "noise_f32", "noise_kernel",
                                                   "torch")] for r in lang])
        lines += ["", "Ratios over the autograd loop, and max |dtheta| of the float64-noise "
                  f"run against the autograd loop fed the same noise after "
                  f"{lang[0]['check_steps']} steps (fewer at n m = 10^7).", ""]
        lines += _table(
            ["n", "m", "f64 noise / torch", "f32 noise / torch", "kernel noise / torch",
             "max abs dtheta"],
            [[str(r["n"]), f"{r['m']:,}"]
             + [f"**{_x(r['ratio'][k])}** ({_x(r['ratio_wall'][k])})"
                for k in ("noise_f64", "noise_f32", "noise_kernel")]
             + [f"{r['max_param_diff']:.0e}"] for r in lang])
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a subset, fewer rounds")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS,
                        help="run these sections only (no files are written)")
    parser.add_argument("--gpu", action="store_true",
                        help="only relubook against PyTorch on a CUDA device, written to "
                             "results_gpu.*; skips cleanly without CUDA")
    args = parser.parse_args(argv)
    if args.gpu:
        return main_gpu()
    if args.quick:
        sizes, rounds, seconds, t_end = [(10, 100), (10, 1000), (100, 1000)], 3, 0.1, 40.0
        ortho, lang_sizes = [(4, 1000)], [(10, 10000)]
        general = [(150, 75, 200)]
        cross = (16, 32, 64), (1000,)
        roof_options = {"repeats": 3, "seconds": 0.02}
    else:
        sizes = [(n, m) for n in (10, 100) for m in (100, 1000, 10000, 100000)]
        sizes.insert(4, (10, 10**6))     # not n = 100: the baselines' n x m arrays take GBs
        rounds, seconds, t_end = 5, 0.25, 100.0
        ortho = [(d, m) for d in (4, 50) for m in (100, 1000, 10000)] + [(50, 10**5),
                                                                         (150, 1000)]
        lang_sizes = [size for size in sizes if size[1] <= 10**5]
        general = [(50, 50, 1000), (50, 50, 10000), (150, 75, 200)]
        cross = (8, 16, 24, 32, 48, 64), (1000, 10000)
        roof_options = {}
    warm_up()
    results = {"machine": machine(), "quick": args.quick, "rounds": rounds, "seconds": seconds}
    print(f"{results['machine']['cpu']}, load {results['machine']['load_average'][0]:.1f}")
    roof = roofline(**roof_options)
    results["roofline"] = roof.as_dict()
    print(f"  roofline: {roof.flops64 / 1e9:.0f} / {roof.flops32 / 1e9:.0f} GFLOP/s (f64/f32), "
          f"triad {roof.bandwidth_l2 / 1e9:.0f} / {roof.bandwidth_l3 / 1e9:.0f} / "
          f"{roof.bandwidth_dram / 1e9:.0f} GB/s (L2/L3/memory)", flush=True)
    with threadpool_limits(limits=1):                    # OpenBLAS, for the NumPy loop
        if "gd" in args.only:
            results["gd"] = bench_gd(sizes, rounds, seconds, check_steps=100, roof=roof)
        if "crossover" in args.only:
            results["crossover"] = bench_crossover(*cross, rounds, seconds)
        if "orthogonal" in args.only:
            results["orthogonal"] = bench_orthogonal(ortho, rounds, seconds, check_steps=100,
                                                     roof=roof)
        if "general" in args.only:
            results["general"] = bench_general(general, rounds, seconds, check_steps=50)
        if "flow" in args.only:
            results["flow"] = bench_flow(t_end, rounds,
                                         torch_steps=500 if args.quick else 2000)
        if "langevin" in args.only:
            results["langevin"] = bench_langevin(lang_sizes, rounds, seconds, check_steps=50)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    table = markdown(results)
    if tuple(args.only) == SECTIONS:
        suffix = "_quick" if args.quick else ""
        (HERE / f"results{suffix}.json").write_text(json.dumps(results, indent=1) + "\n")
        (HERE / f"results{suffix}.md").write_text(table)
    print("\n" + table)
    return results


def main_gpu() -> dict | None:
    """``--gpu``: the GPU table, written to ``results_gpu.json`` and ``results_gpu.md``."""
    warm_up()
    rows = bench_gpu(rounds=5, seconds=0.25, check_steps=200)
    if rows is None:
        return None
    mach = machine() | {"gpu": torch.cuda.get_device_name(0)}
    table = gpu_markdown(rows, mach)
    (HERE / "results_gpu.json").write_text(json.dumps({"machine": mach, "rows": rows},
                                                      indent=1) + "\n")
    (HERE / "results_gpu.md").write_text(table)
    print("\n" + table)
    return {"machine": mach, "rows": rows}


if __name__ == "__main__":
    main()
