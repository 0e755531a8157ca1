"""Plotting helpers shared by the chapters (matplotlib; no science computed here)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._validate import as_array, as_float
from .model import ShallowNet

__all__ = ["MAX_WIDTH", "axes", "knot_ticks", "plot_function", "plot_network", "show_figure"]


MAX_WIDTH = 8.4
"""Widest figure in inches: the book's column shows it at about 80 % of its size, so its
10 pt labels stay readable (the browser test fails below 72 %)."""


def axes(ncols: int = 1, *, width: float = 4.2, height: float = 3.2):
    """A figure with ``ncols`` side-by-side axes of ``width`` inches each, narrowed so that the
    figure is at most ``MAX_WIDTH`` wide; returns ``(fig, axes)``."""
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    width = min(width, MAX_WIDTH / ncols)
    fig, ax = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False,
                           constrained_layout=True)
    return fig, ax[0] if ncols > 1 else ax[0, 0]


def plot_function(f, interval, ax=None, *, num: int = 801, **style):
    """Plot a callable ``f`` on ``interval = (lo, hi)``; returns the axes."""
    if ax is None:
        ax = axes()[1]
    t = np.linspace(interval[0], interval[1], num)
    ax.plot(t, f(t), **style)
    return ax


def knot_ticks(ax, positions, weights=None, *, fraction: float = 0.08, **style):
    """Mark knots as ticks that rise from the bottom of ``ax``, keeping its y-limits.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    positions : array_like, shape (k,)
        Where the knots are (finite).
    weights : array_like, shape (k,), optional
        Non-negative sizes (e.g. ``|slope jump|``): the largest tick is ``fraction`` of the
        axes' height and the others in proportion. Without weights every tick has that
        height.
    fraction : float
        Height of the largest tick as a fraction of the y-range, in ``(0, 1]``.
    **style
        Passed to ``ax.vlines`` (``color="tab:red"`` unless given).

    Returns
    -------
    matplotlib.collections.LineCollection or None
        The ticks; None when there is nothing to draw (no knots, or all weights zero).
    """
    positions = as_array(positions, "positions", ndim=1, allow_empty=True)
    sizes = (np.ones_like(positions) if weights is None else
             as_array(weights, "weights", ndim=1, allow_empty=True))
    if sizes.shape != positions.shape:
        raise ValueError(f"weights must have the shape of positions {positions.shape}, "
                         f"got {sizes.shape}")
    if np.any(sizes < 0):
        raise ValueError("weights must be non-negative")
    if not 0.0 < as_float(fraction, "fraction") <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    if positions.size == 0 or sizes.max() == 0.0:
        return None
    lo, hi = ax.get_ylim()
    ticks = ax.vlines(positions, lo, lo + fraction * (hi - lo) * sizes / sizes.max(),
                      **{"color": "tab:red"} | style)
    ax.set_ylim(lo, hi)
    return ticks


def plot_network(net: ShallowNet, interval, ax=None, *, data=None, knots: bool = True,
                 label: str = "network", **style):
    """Plot a univariate network on ``interval``, its knots as ticks and optional data.

    Knot ticks along the bottom of the axes have lengths proportional to ``|slope jump|``
    (:func:`knot_ticks`).
    """
    ax = plot_function(net, interval, ax, label=label, **style)
    if knots:
        e, jump = net.knots(), np.abs(net.slope_jumps())
        inside = (e >= interval[0]) & (e <= interval[1])
        knot_ticks(ax, e[inside], jump[inside], fraction=0.12, lw=0.8, label="knots")
    if data is not None:
        ax.plot(*data, "ko", ms=4, label="data")
    ax.set_xlabel("$x$")
    return ax


def show_figure(fig) -> None:
    """Display ``fig`` in the current output (a notebook cell or a widget's output) and close it.

    Explorers call this from their callbacks: ``plt.show(fig)`` is not a figure-level call and
    fails outside the inline backend, and an unclosed figure would be drawn a second time.
    """
    from IPython.display import display

    display(fig)
    plt.close(fig)
