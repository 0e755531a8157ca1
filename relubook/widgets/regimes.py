"""Chapter 2 explorer: train from a chosen ratio of layer sizes, compare with the splines."""

from __future__ import annotations

import numpy as np

from .. import data
from .. import regimes as rg
from ..interpolants import linear_spline, natural_cubic_spline
from ..plots import axes, plot_network, show_figure

__all__ = ["DATASETS", "RATIOS", "WIDTHS", "run", "draw_regime",
           "explorer"]

DATASETS = ("square wave, 10 points", "sinusoid, 10 points")   # names in data.NAMED
RATIOS = tuple(range(-6, 3))          # log10(B / A)
WIDTHS = (40, 80, 160)
STEPS = 60_000                        # short runs: about half a second at m = 160


def run(log10_ratio: float, width: int, dataset: str, steps: int = STEPS, seed: int = 0):
    """Train :func:`relubook.regimes.regime_net` on a dataset; returns ``(start, trajectory)``."""
    x, y = data.named(dataset)
    start = rg.regime_net(width, log10_ratio, L=rg.KNOT_RANGE, seed=seed)
    return start, rg.train(start, x, y, steps, chunk=10_000, loss_tol=1e-12)


def draw_regime(log10_ratio: float = -5, width: int = 160, dataset: str = "square wave, 10 points",
                steps: int = STEPS, result=None):
    """Figure of a network trained from ``regime_net(width, log10_ratio)``.

    Left: the trained network with its knots, the natural cubic spline and the linear
    spline (both on the data range). Right: the slope jumps of the trained network (its
    curvature) against the knot positions, with the data positions as grey lines. ``result``
    may hold a precomputed ``run(...)``.
    """
    x, y = data.named(dataset)
    start, traj = run(log10_ratio, width, dataset, steps) if result is None else result
    net = traj.net
    cubic, linear = natural_cubic_spline(x, y), linear_spline(x, y)
    d_cubic = rg.relative_sup_distance(net, cubic, x)
    d_linear = rg.relative_sup_distance(net, linear, x)
    fig, (left, right) = axes(2, width=4.6)
    span = (-1.4, 1.4)
    inside = np.linspace(x.min(), x.max(), 400)
    plot_network(net, span, left, data=(x, y), color="tab:blue", label="trained network")
    left.plot(inside, cubic(inside), "--", color="tab:green", lw=1.2, label="cubic spline")
    left.plot(inside, linear(inside), ":", color="tab:orange", lw=1.5, label="linear spline")
    left.set_ylim(-1.9, 1.9)
    left.legend(fontsize=7, loc="lower left")
    left.set_title(f"log10(B/A) = {log10_ratio:g}, m = {width}, loss {traj.loss[-1]:.1e}",
                   fontsize=9)
    e, jump = net.knots(), net.slope_jumps()
    keep = (e >= span[0]) & (e <= span[1])
    for xi in x:
        right.axvline(xi, color="0.85", lw=0.8)
    right.stem(e[keep], jump[keep], basefmt="k-", markerfmt=".")
    right.set_xlim(*span)
    right.set_xlabel("knot $e_j$")
    right.set_ylabel("slope jump $s a_j |w_j|$")
    right.set_title(f"sup distance to cubic {d_cubic:.3f}, to linear {d_linear:.3f}",
                    fontsize=9)
    return fig


def explorer():
    """Controls for the ratio ``log10(B/A)``, the width and the dataset (runs are cached)."""
    import ipywidgets as W

    cache = {}

    def show(log10_ratio, width, dataset):
        key = (log10_ratio, width, dataset)
        if key not in cache:
            cache[key] = run(log10_ratio, width, dataset)
        show_figure(draw_regime(log10_ratio, width, dataset, result=cache[key]))

    return W.interactive(
        show,
        log10_ratio=W.SelectionSlider(options=RATIOS, value=-5, description="log10(B/A)"),
        width=W.SelectionSlider(options=WIDTHS, value=160, description="width m"),
        dataset=W.Dropdown(options=DATASETS, value=DATASETS[0], description="data"),
    )
