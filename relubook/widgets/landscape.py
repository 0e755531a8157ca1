"""Chapter 6 explorer: a two-dimensional slice of the true loss through a critical point."""

from __future__ import annotations

import numpy as np

from .. import landscape as ls
from ..model import ShallowNet
from ..plots import axes, show_figure

__all__ = ["ACTIVATIONS", "POINTS", "DIRECTIONS", "critical_point", "draw_loss_slice",
           "explorer"]

ALPHA, BETA, INTERVAL = 2.0, -0.5, (0.0, 1.0)
#: The activations on offer, by name.
ACTIVATIONS = {"relu": ls.RELU, "leaky relu (0.2)": ls.leaky_relu(0.2),
               "quadratic": ls.QUADRATIC}
#: The critical points on offer for each activation. For ReLU these are
#: :func:`relubook.landscape.example_critical_points`, with the zigzag of any odd number of
#: cells; for leaky ReLU a global minimum, the best constant with ``a = w = 0`` and the
#: zigzag; for the square the first two.
POINTS = {"relu": tuple(ls.example_critical_points(ALPHA, BETA, INTERVAL)),
          "leaky relu (0.2)": ("global minimum", "best-constant saddle", "zigzag saddle"),
          "quadratic": ("global minimum", "best-constant saddle")}
#: Directions in parameter space: the four lowest Hessian eigenvectors and coordinates.
DIRECTIONS = (*[f"Hessian eigenvector {k}" for k in (1, 2, 3, 4)], "c",
              *[f"{p}_{j}" for j in (1, 2, 3) for p in "awb"])


def critical_point(activation: str = "relu", point: str = "zigzag saddle",
                   cells: int = 3) -> ShallowNet:
    """The named critical point of the target ``2x - 0.5`` on ``[0, 1]`` for the activation.

    ``"zigzag saddle"`` is :func:`relubook.landscape.zigzag_saddle` with ``cells`` cells plus
    one neuron that is inactive (ReLU) or has ``a_j = w_j = 0`` (leaky ReLU, first knot
    facing right). For the others, ``"best-constant saddle"`` has three
    neurons with ``a_j = w_j = 0`` and ``c`` the best constant, and ``"global minimum"``
    realises the target with two neurons plus one with ``a_j = w_j = 0``.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
    if point not in POINTS[activation]:
        raise ValueError(f"point must be one of {POINTS[activation]} for {activation}, "
                         f"got {point!r}")
    if activation == "relu":
        if point == "zigzag saddle":
            zz = ls.zigzag_saddle(ALPHA, BETA, INTERVAL, cells=cells)
            dead = ls.dead_local_minimum(1, ALPHA, BETA, INTERVAL, seed=0)
            return ShallowNet(a=np.r_[zz.a, dead.a], w=np.r_[zz.w, dead.w],
                              b=np.r_[zz.b, dead.b], c=zz.c)
        return ls.example_critical_points(ALPHA, BETA, INTERVAL)[point]
    if point == "zigzag saddle":
        zz = ls.zigzag_saddle(ALPHA, BETA, INTERVAL, cells=cells,
                              activation=ACTIVATIONS[activation])
        return ShallowNet(a=np.r_[zz.a, 0.0], w=np.r_[zz.w, 0.0], b=np.r_[zz.b, 1.0], c=zz.c)
    if point == "best-constant saddle":
        return ShallowNet(a=np.zeros(3), w=np.zeros(3), b=[1.0, 0.5, -1.0],
                          c=ls.best_constant(ALPHA, BETA, INTERVAL))
    if activation == "quadratic":        # (a/2)((x + 1)^2 - x^2) = a (x + 1/2)
        return ShallowNet(a=[ALPHA / 2, -ALPHA / 2, 0.0], w=[1.0, 1.0, 0.0], b=[1.0, 0.0, 1.0],
                          c=BETA - ALPHA / 2)
    glob = ls.global_minimum(ALPHA, BETA, INTERVAL)
    return ShallowNet(a=np.r_[glob.a, 0.0, 0.0], w=np.r_[glob.w, 0.0, 0.0],
                      b=np.r_[glob.b, 1.0, 0.5], c=glob.c)


def draw_loss_slice(point: str = "zigzag saddle", first: str = "Hessian eigenvector 1",
                    second: str = "Hessian eigenvector 2", radius: float = 0.3,
                    num: int = 41, activation: str = "relu", cells: int = 3):
    """Figure: the true loss on the plane through a critical point spanned by two directions.

    Target ``2x - 0.5`` on ``[0, 1]``; the point is :func:`critical_point`
    ``(activation, point, cells)``. Left: contours of ``L(theta + s u + t v) - L(theta)``
    (the point is the cross; when ``first == second`` the profile ``L(theta + s u)``
    instead), titled with the Hessian's negative eigenvalues. Right: the network and the
    target on the interval, with the type of each neuron.
    """
    net = critical_point(activation, point, cells)
    for name, value in (("first", first), ("second", second)):
        if value not in DIRECTIONS:
            raise ValueError(f"{name} must be one of {DIRECTIONS}, got {value!r}")
    act = ACTIVATIONS[activation]
    case = (ALPHA, BETA, INTERVAL)
    base = ls.true_loss(net, *case, activation=act)
    dirs = ls.named_directions(net, *case, activation=act, eigenvectors=4)
    lam = np.linalg.eigvalsh(ls.true_loss_hessian(net, *case, activation=act))
    fig, (left, right) = axes(2)
    if first == second:
        s, values = ls.loss_profile(net, *case, direction=dirs[first], radius=radius, num=num,
                                    activation=act)
        left.plot(s, values - base, color="tab:blue")
        left.set_xlabel(f"$s$ along {first}")
        left.set_ylabel(r"$L - L(\theta)$")
        left.axhline(0.0, color="0.6", lw=0.8)
    else:
        s, values = ls.loss_slice(net, *case, radius=radius, num=num, activation=act,
                                  directions=(dirs[first], dirs[second]))
        span = max(float(np.max(np.abs(values - base))), 1e-9)     # flat slices stay white
        cs = left.contourf(s, s, values - base, levels=np.linspace(-span, span, 21),
                           cmap="RdBu_r")
        left.contour(s, s, values - base, levels=[0.0], colors="k", linewidths=0.8)
        bar = fig.colorbar(cs, ax=left)
        bar.set_label(r"$L - L(\theta)$", fontsize=9)
        left.plot(0, 0, "k+", ms=10)
        left.set_xlabel(first)
        left.set_ylabel(second)
    negative = lam[lam < -1e-9]
    shown = ", ".join(f"{v:.2g}" for v in negative[:3]) + (", ..." if negative.size > 3 else "")
    left.set_title(f"{point}: L = {base:.4g}\n{negative.size} negative Hessian eigenvalues"
                   + (f" ({shown})" if negative.size else ""), fontsize=9)
    grid = np.linspace(*INTERVAL, 401)
    right.plot(grid, ALPHA * grid + BETA, "k--", lw=1, label="target")
    right.plot(grid, ls.realisation(net, grid, act), color="tab:blue", label="network $f$")
    right.set_ylabel("$f(x)$")
    right.set_xlabel("$x$")
    types = ls.neuron_types(net, INTERVAL)
    counted = ", ".join(f"{types.count(k)} {k}" for k in ls.NEURON_TYPES if k in types)
    right.set_title(f"{activation}\nneurons: {counted}", fontsize=9)
    right.legend(fontsize=9, loc="upper left")
    return fig


def explorer():
    """Dropdowns for the activation, the critical point and the two directions, sliders for
    the zigzag's cells and the radius."""
    import ipywidgets as W

    activation = W.Dropdown(options=tuple(ACTIVATIONS), value="relu", description="activation")
    point = W.Dropdown(options=POINTS["relu"], value="zigzag saddle", description="point")

    def follow(change):
        point.options = POINTS[change["new"]]

    activation.observe(follow, names="value")

    def show(activation, point, cells, first, second, log10_radius):
        if point in POINTS[activation]:
            show_figure(draw_loss_slice(point, first, second, 10.0 ** log10_radius,
                                        activation=activation, cells=cells))

    return W.interactive(
        show, activation=activation, point=point,
        cells=W.IntSlider(value=3, min=3, max=9, step=2, description="zigzag cells"),
        first=W.Dropdown(options=DIRECTIONS, value="Hessian eigenvector 1",
                         description="direction u"),
        second=W.Dropdown(options=DIRECTIONS, value="Hessian eigenvector 2",
                          description="direction v"),
        log10_radius=W.FloatSlider(value=-0.5, min=-2.0, max=0.5, step=0.25,
                                   description="log10 radius"),
    )
