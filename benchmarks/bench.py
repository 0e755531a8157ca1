"""Speed of relubook's compiled engine against the plain PyTorch training loop.

Usage::

    python benchmarks/bench.py [--quick]

Three comparisons, measured in one run. Timings are interleaved (A B A B ...) and the
medians are reported, because the machines are shared:

1. gradient descent: :func:`relubook.gradient_descent` against
   :func:`relubook.torch_loop.torch_gradient_descent` (``nn.Module``, autograd,
   ``torch.optim.SGD``, float64) for n in {10, 100} and m in {100, 1000, 10000};
2. gradient flow to a horizon T from a small initialisation: RK4 and Heun against Euler
   (gradient descent) with step 1e-3, with the error of each loss curve against a fine
   reference;
3. Langevin dynamics: :func:`relubook.langevin` (float64 NumPy noise) against an autograd
   loop with float64 ``torch.randn`` noise.

Each comparison also runs both sides from the same start (and, for Langevin, with the same
noise) and reports the largest difference of the parameters. The tables are printed and
written to ``benchmarks/results.json`` and ``benchmarks/results.md``.
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

import relubook as rb  # noqa: E402
from relubook.dynamics import warm_up  # noqa: E402
from relubook.torch_loop import torch_gradient_descent, torch_module  # noqa: E402

torch.set_num_threads(1)


# ---------------------------------------------------------------------------- problems
def problem(n: int, m: int, init_scale: float = 1.0, scale: float | None = None, seed: int = 0):
    """Sorted uniform inputs on [-1, 1], targets ``sin(pi x) + x / 2``, a random network
    (mean-field scale ``1/m`` unless ``scale`` is given)."""
    x = np.sort(np.random.default_rng(seed).uniform(-1, 1, n))
    y = np.sin(np.pi * x) + 0.5 * x
    net = rb.random_net(m, seed=seed + 1, init_scale=init_scale,
                        scale=1.0 / m if scale is None else scale)
    return net, x, y


def max_diff(net: rb.ShallowNet, ref: rb.ShallowNet) -> float:
    """Largest absolute difference of the parameters of two networks of the same shape."""
    pairs = [(net.a, ref.a), (net.w, ref.w), ([net.c], [ref.c])]
    if net.b is not None:
        pairs.append((net.b, ref.b))
    return max(float(np.max(np.abs(np.subtract(p, q)))) for p, q in pairs)


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
                row = torch.from_numpy(noise[t])
                model.out.weight[0].add_(row[:m], alpha=sigma)
                model.hidden.weight[:, 0].add_(row[m:2 * m], alpha=sigma)
                model.hidden.bias.add_(row[2 * m:], alpha=sigma)
    return model.to_net()


# ----------------------------------------------------------------------------- timing
def interleaved(runs: dict, rounds: int) -> dict:
    """Median CPU and wall times of zero-argument callables, timed in turn ``rounds`` times.

    Returns ``{name: (cpu, wall)}``. The process's CPU time does not count the time the
    process waits while other jobs hold the cores, so on a shared machine it estimates the
    wall time on an idle one; both are reported.
    """
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            cpu, wall = time.process_time(), time.perf_counter()
            run()
            times[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    return {name: tuple(np.median(t, axis=0)) for name, t in times.items()}


def steps_for(run, seconds: float, probe: int) -> int:
    """How many steps of ``run(steps)`` take about ``seconds`` (from a run of ``probe``)."""
    start = time.process_time()
    run(probe)
    per_step = (time.process_time() - start) / probe
    return max(probe, int(seconds / per_step))


def speeds(n: int, m: int, k_ours: int, k_torch: int, t: dict) -> dict:
    """Steps per second (CPU time) and the ratios by CPU and by wall time."""
    (c_ours, w_ours), (c_torch, w_torch) = t["relubook"], t["torch"]
    return {"n": n, "m": m, "relubook_steps_per_s": k_ours / c_ours,
            "torch_steps_per_s": k_torch / c_torch,
            "ratio": k_ours / c_ours / (k_torch / c_torch),
            "ratio_wall": k_ours / w_ours / (k_torch / w_torch)}


# ------------------------------------------------------------------------ comparisons
def bench_gd(sizes, rounds: int, seconds: float, check_steps: int) -> list[dict]:
    """Gradient descent (lr = m / 2, i.e. 1/2 on the mean-field time scale)."""
    rows = []
    for n, m in sizes:
        net, x, y = problem(n, m)
        lr = 0.5 * m

        def ours(k):
            return rb.gradient_descent(net, x, y, lr=lr, steps=k, record=2)

        def theirs(k):
            return torch_gradient_descent(net, x, y, lr=lr, steps=k)

        k_ours, k_torch = steps_for(ours, seconds, 200), steps_for(theirs, seconds, 5)
        t = interleaved({"relubook": lambda: ours(k_ours), "torch": lambda: theirs(k_torch)},
                        rounds)
        run = ours(check_steps)
        diff = max_diff(run.net, theirs(check_steps)[0])
        rows.append(speeds(n, m, k_ours, k_torch, t) | {
            "check_steps": check_steps, "loss_after_check": float(run.loss[-1]),
            "max_param_diff": diff})
        print(f"  GD n={n:<4d} m={m:<6d} relubook {rows[-1]['relubook_steps_per_s']:10.0f}/s  "
              f"torch {rows[-1]['torch_steps_per_s']:7.0f}/s  x{rows[-1]['ratio']:6.1f} "
              f"(wall x{rows[-1]['ratio_wall']:.1f})  max|dtheta| {diff:.1e}", flush=True)
    return rows


def bench_flow(t_end: float, rounds: int, torch_steps: int) -> dict:
    """The gradient flow from init scale 1e-6 (n = 10, m = 100, scale 1): loss plateaus."""
    net, x, y = problem(10, 100, init_scale=1e-6, scale=1.0)
    grid = np.linspace(0.0, t_end, 201)
    ref = rb.gradient_flow(net, x, y, t_end, dt=1e-4, method="heun", record=grid)
    methods = [("euler", 1e-3), ("heun", 0.02), ("heun", 0.01), ("heun", 0.005),
               ("rk4", 0.1), ("rk4", 0.05), ("rk4", 0.02)]
    runs = {f"{meth} h={h:g}": (lambda meth=meth, h=h: rb.gradient_flow(
        net, x, y, t_end, dt=h, method=meth, record=2)) for meth, h in methods}
    times = interleaved(runs, rounds)
    rows = []
    for (meth, h), name in zip(methods, runs):
        curve = rb.gradient_flow(net, x, y, t_end, dt=h, method=meth, record=grid).loss
        rows.append({"method": meth, "h": h, "steps": round(t_end / h),
                     "seconds": times[name][0], "seconds_wall": times[name][1],
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
    for row in rows:
        print(f"  flow {row['method']:5s} h={row['h']:<6g} {row['seconds'] * 1e3:8.1f} ms  "
              f"curve err {row['curve_error']:.1e}  L(T) err {row['final_loss_error']:.1e}  "
              f"x{row['speedup_vs_euler']:.1f} vs Euler", flush=True)
    return {"t_end": t_end, "reference": "heun h=1e-4", "reference_final_loss":
            float(ref.loss[-1]), "rows": rows, "torch_gd_seconds_extrapolated": torch_seconds,
            "torch_probe_steps": torch_steps, "best_at_euler_accuracy": best}


def bench_langevin(sizes, rounds: int, seconds: float, check_steps: int) -> list[dict]:
    """Langevin dynamics: lr 0.05, weight decay 1e-3, beta 1e4 (mean-field time scale)."""
    lr, wd, beta = 0.05, 1e-3, 1e4
    rows = []
    for n, m in sizes:
        net, x, y = problem(n, m)

        def ours(k):
            return rb.langevin(net, x, y, lr, k, beta, wd, seed=0, record=2)

        def theirs(k):
            return torch_langevin(net, x, y, lr, k, beta, wd)

        k_ours, k_torch = steps_for(ours, seconds, 20), steps_for(theirs, seconds, 5)
        t = interleaved({"relubook": lambda: ours(k_ours), "torch": lambda: theirs(k_torch)},
                        rounds)
        noise = np.random.default_rng(0).standard_normal((check_steps, 3 * m))
        diff = max_diff(ours(check_steps).net,
                        torch_langevin(net, x, y, lr, check_steps, beta, wd, noise))
        rows.append(speeds(n, m, k_ours, k_torch, t) | {
            "check_steps": check_steps, "max_param_diff": diff})
        print(f"  Langevin n={n:<4d} m={m:<6d} relubook {rows[-1]['relubook_steps_per_s']:8.0f}/s"
              f"  torch {rows[-1]['torch_steps_per_s']:7.0f}/s  x{rows[-1]['ratio']:5.1f} "
              f"(wall x{rows[-1]['ratio_wall']:.1f})  max|dtheta| {diff:.1e}", flush=True)
    return rows


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
            "date": time.strftime("%Y-%m-%d %H:%M")}


def markdown(results: dict) -> str:
    """The three tables of ``results`` in Markdown."""
    lines = [f"Measured {results['machine']['date']} on {results['machine']['cpu']}; "
             f"load average {results['machine']['load_average'][0]:.1f} at the start; "
             f"{results['rounds']} interleaved rounds, medians of CPU time (the ratio by "
             "wall-clock time in brackets).", "",
             "**Gradient descent** (lr = m/2, mean-field scale 1/m; max |dtheta| after "
             f"{results['gd'][0]['check_steps']} steps from the same start)", "",
             "| n | m | relubook steps/s | torch steps/s | ratio | max abs param diff |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['n']} | {r['m']} | {r['relubook_steps_per_s']:,.0f} | "
              f"{r['torch_steps_per_s']:,.0f} | **{r['ratio']:.0f}x** ({r['ratio_wall']:.0f}x) | "
              f"{r['max_param_diff']:.1e} |" for r in results["gd"]]
    flow = results["flow"]
    lines += ["", f"**Gradient flow** to T = {flow['t_end']:g} (n = 10, m = 100, init 1e-6); "
              f"errors against {flow['reference']}; curve error = max |log L - log L_ref| "
              "over 201 times", "",
              "| method | h | steps | time | curve error | L(T) error | speed-up vs Euler 1e-3 |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['h']:g} | {r['steps']:,} | {r['seconds'] * 1e3:.1f} ms | "
              f"{r['curve_error']:.1e} | {r['final_loss_error']:.1e} | "
              f"{r['speedup_vs_euler']:.1f}x |" for r in flow["rows"]]
    best = flow["best_at_euler_accuracy"]
    if best:
        lines += ["", f"Cheapest scheme at least as accurate as Euler h = 1e-3: {best['method']} "
                  f"h = {best['h']:g}, **{best['speedup_vs_euler']:.0f}x** cheaper. The torch "
                  f"autograd loop would take {flow['torch_gd_seconds_extrapolated']:.0f} s for "
                  f"Euler h = 1e-3 (extrapolated from {flow['torch_probe_steps']} steps)."]
    lines += ["", "**Langevin** (lr 0.05, weight decay 1e-3, beta 1e4; max |dtheta| after "
              f"{results['langevin'][0]['check_steps']} steps with the same noise)", "",
              "| n | m | relubook steps/s | torch steps/s | ratio | max abs param diff |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['n']} | {r['m']} | {r['relubook_steps_per_s']:,.0f} | "
              f"{r['torch_steps_per_s']:,.0f} | **{r['ratio']:.1f}x** ({r['ratio_wall']:.1f}x) "
              f"| {r['max_param_diff']:.1e} |" for r in results["langevin"]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a subset, fewer rounds")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, rounds, seconds, t_end = [(10, 100), (10, 1000), (100, 1000)], 3, 0.1, 40.0
    else:
        sizes = [(n, m) for n in (10, 100) for m in (100, 1000, 10000)]
        rounds, seconds, t_end = 5, 0.25, 100.0
    warm_up()
    results = {"machine": machine(), "quick": args.quick, "rounds": rounds}
    print(f"{results['machine']['cpu']}, load {results['machine']['load_average'][0]:.1f}")
    results["gd"] = bench_gd(sizes, rounds, seconds, check_steps=100)
    results["flow"] = bench_flow(t_end, rounds, torch_steps=500 if args.quick else 2000)
    lang_sizes = [(10, 10000)] if args.quick else sizes
    results["langevin"] = bench_langevin(lang_sizes, rounds, seconds, check_steps=50)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    suffix = "_quick" if args.quick else ""
    (HERE / f"results{suffix}.json").write_text(json.dumps(results, indent=1))
    table = markdown(results)
    (HERE / f"results{suffix}.md").write_text(table)
    print("\n" + table)
    return results


if __name__ == "__main__":
    main()
