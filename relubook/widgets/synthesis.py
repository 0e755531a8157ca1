"""Chapter 7 explorer: the reference interpolants of the implicit biases, side by side.

For a data set chosen by the reader, :func:`draw_biases` draws the interpolants that the
earlier chapters identify as limits of training: the natural cubic spline (kernel regime),
the linear spline, which is also the minimum variation-norm interpolant returned by
:func:`relubook.interpolants.least_curvature_interpolant` (adaptive regime, small
initialisation), another minimiser of the curvature mass with knots moved off the data
(when there is one), and the :math:`\\beta = \\infty` mean-field solution of
:func:`relubook.mean_field.tv_lasso`. Nothing is trained here: training runs in the chapter.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..interpolants import least_curvature_interpolant, linear_spline, natural_cubic_spline
from ..mean_field import tv_lasso
from ..plots import axes, show_figure

__all__ = ["DATASETS", "LOG10_LAMBDAS", "draw_biases", "explorer"]

#: Names of the explorer's data sets (in :data:`relubook.data.NAMED`).
DATASETS = ("sinusoid, 7 points", "sinusoid, 8 points", "sinusoid, 10 points",
            "square wave, 10 points", "random on [-1, 1], seed 0", "two points at ±2")

#: The explorer's regularisations of the mean-field problem, as log10(lambda).
LOG10_LAMBDAS = (-5.0, -4.5, -4.0, -3.5, -3.0, -2.5, -2.0)


def _stems(ax, positions, jumps, color, label, offset):
    """Slope jumps as vertical segments, shifted by ``offset`` so that they do not overlap."""
    ax.vlines(positions + offset, 0.0, jumps, color=color, lw=2, label=label)


def draw_biases(name: str = "sinusoid, 8 points", log10_lam: float = -4.0):
    """Figure of the four reference interpolants on the data set ``name``.

    Left: the data, the natural cubic spline, the linear spline (the minimum
    variation-norm interpolant with knots at the data), a minimiser of the curvature mass
    with its knots moved off the data where possible, and the mean-field solution at
    ``lambda = 10**log10_lam``. Right: their slope jumps (stems, signed) and the second
    derivative of the cubic spline (line); the title gives the curvature masses on the data
    range.
    """
    if log10_lam not in LOG10_LAMBDAS:
        raise ValueError(f"log10_lam must be one of {LOG10_LAMBDAS}, got {log10_lam!r}")
    x, y = data.named(name)
    lam = 10.0 ** log10_lam
    cubic = natural_cubic_spline(x, y)
    linear = linear_spline(x, y)
    moved = least_curvature_interpolant(x, y, prefer="off")
    field = tv_lasso(x, y, lam).to_piecewise()
    span = x.max() - x.min()
    t = np.linspace(x.min() - 0.1 * span, x.max() + 0.1 * span, 801)
    fig, (left, right) = axes(2)
    left.plot(t, cubic(t), color="tab:green", label="cubic spline (kernel)")
    left.plot(t, linear(t), color="tab:orange", lw=2.5, alpha=0.6,
              label="linear spline = min var. norm")
    left.plot(t, moved(t), ":", color="tab:purple", lw=1.5, label="another min var. norm")
    left.plot(t, field(t), "--", color="k", lw=1, label=rf"mean field, $\lambda$ = {lam:.1e}")
    left.plot(x, y, "ko", ms=4)
    left.set_xlabel("$x$")
    left.legend(fontsize=7)
    width = 0.006 * span
    for pl, color, label, k in ((linear, "tab:orange", "linear spline", -1),
                                (moved, "tab:purple", "another min var. norm", 0),
                                (field, "k", "mean field", 1)):
        inside = (pl.breakpoints >= x.min() - width) & (pl.breakpoints <= x.max() + width)
        _stems(right, pl.breakpoints[inside], pl.slope_jumps()[inside], color, label, k * width)
    inner = np.linspace(x.min(), x.max(), 801)
    right.plot(inner, cubic(inner, 2) * span / 10, color="tab:green", lw=1,
               label=r"cubic: $f''\,\cdot$ range/10")
    for xi in x:
        right.axvline(xi, color="0.85", lw=0.8, zorder=0)
    right.axhline(0.0, color="0.5", lw=0.5)
    right.set_xlabel("$x$")
    right.set_ylabel("slope jump")
    right.legend(fontsize=7)
    masses = [pl.curvature_mass((x.min(), x.max())) for pl in (linear, moved, field)]
    right.set_title("curvature mass on the data: {:.3g}, {:.3g}, {:.3g}".format(*masses),
                    fontsize=8)
    return fig


def explorer():
    """Controls for the data set and the mean-field regularisation (log10 lambda)."""
    import ipywidgets as W

    def show(name, log10_lam):
        show_figure(draw_biases(name, log10_lam))

    return W.interactive(
        show,
        name=W.Dropdown(options=DATASETS, value="sinusoid, 8 points", description="data"),
        log10_lam=W.SelectionSlider(options=[(f"{v:g}", v) for v in LOG10_LAMBDAS],
                                    value=-4.0, description="log10 λ"),
    )
