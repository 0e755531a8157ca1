"""Chapter 3 explorer: the Gibbs minimiser f_beta, its curvature and the knots of f_infinity."""

from __future__ import annotations

import numpy as np

from .. import data
from ..mean_field import gibbs_fixed_point, tv_lasso
from ..piecewise import mass_near
from ..plots import axes, show_figure

__all__ = ["DATASETS", "BETAS", "LAMBDAS", "draw_gibbs", "explorer"]

#: Names of the explorer's data sets (in :data:`relubook.data.NAMED`).
DATASETS = ("two points at ±10", "two points at ±2", "random, seed 0", "random, seed 3",
            "slow sinusoid on [-2, 2]", "square wave on [-2, 2]")

#: The explorer's inverse temperatures and weight decays.
BETAS = (10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6)
LAMBDAS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)

#: Angular half-width (radians) of the windows around the knots of f_infinity.
WINDOW = 0.02


def draw_gibbs(name: str = "random, seed 0", beta: float = 1e4, lam: float = 0.02):
    """Figure of the Gibbs minimiser ``f_beta`` next to the ``beta = infinity`` fit.

    Left: the data, ``f_beta`` and ``f_infinity`` (dashed) with its knots (ticks). Right:
    the curvature density ``|f_beta''|`` on a log scale, and the knots of ``f_infinity``
    (dashed lines); the title gives the fraction of the curvature mass within ``WINDOW``
    (0.02) radians of them.
    """
    x, y = data.named(name)
    gibbs = gibbs_fixed_point(x, y, beta, lam)
    limit = tv_lasso(x, y, lam)
    knots = limit.clustered_knots()
    span = x.max() - x.min()
    t = np.linspace(x.min() - 0.3 * span, x.max() + 0.3 * span, 801)
    fig, (left, right) = axes(2)
    left.plot(t, gibbs(t), color="tab:blue", label=rf"$f_\beta$, $\beta$ = {beta:.3g}")
    left.plot(t, limit(t), "--", color="k", lw=1, label=r"$f_\infty$")
    left.plot(x, y, "ko", ms=4, label="data")
    shown = (knots.position > t[0]) & (knots.position < t[-1])
    lo, hi = left.get_ylim()
    left.vlines(knots.position[shown], lo, lo + 0.08 * (hi - lo), color="tab:red",
                label="knots of $f_\\infty$")
    left.set_ylim(lo, hi)
    left.set_xlabel("$x$")
    left.set_title(rf"$\lambda$ = {lam:.3g}, $\sup|G|/\lambda$ = {gibbs.sup_G / lam:.4f}")
    left.legend(fontsize=7)
    curvature = np.abs(gibbs.curvature_density(t))
    right.semilogy(t, np.maximum(curvature, 1e-12), color="tab:blue")
    for e in knots.position[shown]:
        right.axvline(e, ls="--", color="tab:red", lw=0.8)
    fraction = mass_near(*gibbs.curvature_measure(), knots.position, WINDOW, metric="angle")
    right.set_ylim(max(curvature.max() * 1e-6, 1e-12), curvature.max() * 3)
    right.set_xlabel("$x$")
    right.set_ylabel(r"$|f_\beta''(x)|$")
    right.set_title(f"{100 * fraction:.1f}% of the curvature near the knots", fontsize=9)
    return fig


def explorer():
    """Controls for the data set, beta and lambda (both on logarithmic ladders)."""
    import ipywidgets as W

    def show(name, beta, lam):
        fig = draw_gibbs(name, beta, lam)
        show_figure(fig)

    return W.interactive(
        show,
        name=W.Dropdown(options=DATASETS, value="random, seed 0", description="data"),
        beta=W.SelectionSlider(options=[(f"{b:.0e}".replace("e+0", "e"), b) for b in BETAS],
                               value=1e4, description="β"),
        lam=W.SelectionSlider(options=[(f"{v:g}", v) for v in LAMBDAS], value=0.02,
                              description="λ"),
    )
