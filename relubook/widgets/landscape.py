"""Chapter 6 explorer: a two-dimensional slice of the true loss through a critical point."""

from __future__ import annotations

import numpy as np

from .. import landscape as ls
from ..plots import axes, plot_network, show_figure

__all__ = ["POINTS", "DIRECTIONS", "draw_loss_slice", "explorer"]

ALPHA, BETA, INTERVAL = 2.0, -0.5, (0.0, 1.0)
#: The critical points on offer, all of width 3
#: (:func:`relubook.landscape.example_critical_points`).
POINTS = tuple(ls.example_critical_points(ALPHA, BETA, INTERVAL))
#: Directions in parameter space: coordinates and the two lowest Hessian eigenvectors.
DIRECTIONS = ("Hessian eigenvector 1", "Hessian eigenvector 2", "c",
              *[f"{p}_{j}" for j in (1, 2, 3) for p in "awb"])


def draw_loss_slice(point: str = "zigzag saddle", first: str = "Hessian eigenvector 1",
                    second: str = "Hessian eigenvector 2", radius: float = 0.3,
                    num: int = 41):
    """Figure: the true loss on the plane through a critical point spanned by two directions.

    Target ``2x - 0.5`` on ``[0, 1]``. Left: contours of ``L(theta + s u + t v) - L(theta)``
    (the point is the cross; when ``first == second`` the profile ``L(theta + s u)`` instead).
    Right: the network and the target on the interval, with the type of each neuron.
    """
    if point not in POINTS:
        raise ValueError(f"point must be one of {POINTS}, got {point!r}")
    for name, value in (("first", first), ("second", second)):
        if value not in DIRECTIONS:
            raise ValueError(f"{name} must be one of {DIRECTIONS}, got {value!r}")
    net = ls.example_critical_points(ALPHA, BETA, INTERVAL)[point]
    base = ls.true_loss(net, ALPHA, BETA, INTERVAL)
    dirs = ls.named_directions(net, ALPHA, BETA, INTERVAL)
    fig, (left, right) = axes(2)
    if first == second:
        s, values = ls.loss_profile(net, ALPHA, BETA, INTERVAL, direction=dirs[first],
                                    radius=radius, num=num)
        left.plot(s, values - base, color="tab:blue")
        left.set_xlabel(f"$s$ along {first}")
        left.set_ylabel(r"$L - L(\theta)$")
        left.axhline(0.0, color="0.6", lw=0.8)
    else:
        s, values = ls.loss_slice(net, ALPHA, BETA, INTERVAL, radius=radius, num=num,
                                  directions=(dirs[first], dirs[second]))
        span = max(float(np.max(np.abs(values - base))), 1e-9)     # flat slices stay white
        cs = left.contourf(s, s, values - base, levels=np.linspace(-span, span, 21),
                           cmap="RdBu_r")
        left.contour(s, s, values - base, levels=[0.0], colors="k", linewidths=0.8)
        bar = fig.colorbar(cs, ax=left)
        bar.ax.set_title(r"$L - L(\theta)$", fontsize=8)
        left.plot(0, 0, "k+", ms=10)
        left.set_xlabel(first)
        left.set_ylabel(second)
    left.set_title(f"{point}: L = {base:.4g}")
    grid = np.linspace(*INTERVAL, 3)
    right.plot(grid, ALPHA * grid + BETA, "k--", lw=1, label="target")   # first: sets y-limits
    plot_network(net, INTERVAL, right, label="network $f$", color="tab:blue")
    right.set_ylabel("$f(x)$")
    types = ls.neuron_types(net, INTERVAL)
    right.set_title("\n".join(f"neuron {j + 1}: {k}" for j, k in enumerate(types)),
                    fontsize=8)
    right.legend(fontsize=8)
    return fig


def explorer():
    """Dropdowns for the critical point and the two directions, a slider for the radius."""
    import ipywidgets as W

    def show(point, first, second, log10_radius):
        show_figure(draw_loss_slice(point, first, second, 10.0 ** log10_radius))

    return W.interactive(
        show,
        point=W.Dropdown(options=POINTS, value="zigzag saddle", description="point"),
        first=W.Dropdown(options=DIRECTIONS, value="Hessian eigenvector 1",
                         description="direction u"),
        second=W.Dropdown(options=DIRECTIONS, value="Hessian eigenvector 2",
                          description="direction v"),
        log10_radius=W.FloatSlider(value=-0.5, min=-2.0, max=0.5, step=0.25,
                                   description="log10 radius"),
    )
