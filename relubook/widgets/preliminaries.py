"""Chapter 1 explorer: a random shallow network, its knots and its curvature mass."""

from __future__ import annotations

import numpy as np

from ..model import random_net
from ..plots import axes, plot_network, show_figure

__all__ = ["draw_random_network", "explorer"]

WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200)


def draw_random_network(width: int = 10, init_scale: float = 1.0, seed: int = 0,
                        interval=(-3.0, 3.0)):
    """Figure of a random network ``f = (1/sqrt(m)) sum a_j relu(w_j x + b_j)``.

    Weights are ``N(0, init_scale^2)``. Left: ``f`` with its knots (tick length proportional
    to the slope jump). Right: the slope jumps ``a_j |w_j| / sqrt(m)`` against the knots,
    whose absolute values sum to the curvature mass.
    """
    net = random_net(width, seed=seed, init_scale=init_scale, scale=1 / np.sqrt(width))
    fig, (left, right) = axes(2)
    plot_network(net, interval, left, color="tab:blue")
    left.set_title(f"m = {width}, init scale = {init_scale:g}")
    pl = net.to_piecewise()
    right.stem(net.knots(), net.slope_jumps(), basefmt="k-")
    right.set_xlim(*interval)
    right.set_xlabel("knot $e_j$")
    right.set_ylabel("slope jump")
    right.set_title(f"curvature mass $\\int|f''|$ = {pl.curvature_mass():.3g}")
    return fig


def explorer():
    """Sliders for the width, the initialisation scale (log) and the seed."""
    import ipywidgets as W

    def show(width, log10_scale, seed):
        fig = draw_random_network(width, 10.0 ** log10_scale, seed)
        show_figure(fig)

    return W.interactive(
        show,
        width=W.SelectionSlider(options=WIDTHS, value=10, description="width m"),
        log10_scale=W.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.25,
                                  description="log10 scale"),
        seed=W.IntSlider(value=0, min=0, max=20, description="seed"),
    )
