"""Chapter 5 explorer: the planar flow of one ReLU neuron, its phase portrait and its fate.

Pure drawing functions (``draw_*``) return a matplotlib Figure; :func:`explorer` wraps
:func:`draw_phase_portrait` in ipywidgets. All science comes from
:mod:`relubook.single_neuron`.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Wedge

from .. import data
from .. import single_neuron as sn
from ..plots import axes

__all__ = ["planar_problem", "initial_weight", "draw_phase_portrait", "draw_basins",
           "explorer"]

FATE_COLOURS = {"teacher": "tab:green", "origin": "tab:red", "undecided": "tab:gray"}


def planar_problem(seed: int = 0, n: int = 20):
    """The planar teacher problem of the explorer: ``x`` (n, 2), ``y`` (n,), ``v`` (2,)."""
    x, y, v = data.teacher_instances(1, n, 2, seed=seed)
    return x[0], y[0], v[0]


def initial_weight(v, angle: float, norm: float) -> np.ndarray:
    """``w0`` at ``angle`` degrees (counter-clockwise) from the teacher ``v``, with
    ``|w0| = norm * |v|``."""
    v = np.asarray(v, dtype=float)
    phi = np.arctan2(v[1], v[0]) + np.deg2rad(angle)
    return norm * np.linalg.norm(v) * np.array([np.cos(phi), np.sin(phi)])


def _silent_wedges(ax, x, y, radius: float) -> None:
    """Shade the cone of weights whose active inputs all have label 0."""
    theta = np.linspace(0.0, 360.0, 1441)[:-1]
    dirs = np.stack([np.cos(np.deg2rad(theta)), np.sin(np.deg2rad(theta))], axis=1)
    silent = sn.in_silent_cone(dirs, x, y)
    if not silent.any():
        return
    if silent.all():
        ax.add_patch(Circle((0, 0), radius, color="tab:red", alpha=0.12, lw=0))
        return
    start = np.flatnonzero(silent & ~np.roll(silent, 1))
    for s in start:
        k = s
        while silent[(k + 1) % silent.size]:
            k += 1
        ax.add_patch(Wedge((0, 0), radius, theta[s] - 0.125, theta[k % silent.size] + 0.125
                           + (360.0 if k >= silent.size else 0.0),
                           color="tab:red", alpha=0.12, lw=0))


def _plane(ax, x, y, v, lim: float, *, field: bool = True) -> None:
    """Activation lines, silent cone, the disc |w - v| < |v|, the teacher and the field."""
    if field:
        g = np.linspace(-lim, lim, 23)
        G1, G2 = np.meshgrid(g, g)
        U = sn.velocity(np.stack([G1, G2], axis=-1), x, y)
        speed = np.linalg.norm(U, axis=-1)
        U = U / np.where(speed > 0, speed, 1.0)[..., None]          # directions only
        ax.quiver(G1, G2, U[..., 0], U[..., 1], color="0.6", angles="xy", pivot="mid",
                  scale=30, width=0.004, headwidth=4, zorder=2)
    for xi, yi in zip(x, y):
        p = np.array([-xi[1], xi[0]]) / np.linalg.norm(xi) * 2 * lim
        ax.plot([-p[0], p[0]], [-p[1], p[1]], lw=0.6,
                color="tab:blue" if yi > 0 else "0.75", zorder=1)
    _silent_wedges(ax, x, y, 2 * lim)
    ax.add_patch(Circle(v, np.linalg.norm(v), fill=False, ls="--", color="tab:green", lw=1))
    ax.plot(*v, "*", color="tab:green", ms=14, mec="k", zorder=5, label="teacher $v$")
    ax.plot(0, 0, "P", color="tab:red", ms=9, mec="k", zorder=5)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")


def draw_phase_portrait(seed: int = 0, angle: float = 160.0, norm: float = 0.5,
                        n: int = 20, t_end: float = 400.0):
    """Phase portrait of the planar flow with one trajectory.

    Left: the direction of the vector field (grey arrows), the activation lines ``<w, x_i> = 0``
    (blue for inputs with a positive label, grey for label 0), the silent cone (red shade:
    every active input has label 0), the disc ``|w - v| < |v|`` (dashed) and the trajectory
    from ``w0`` (``angle`` degrees from ``v``, ``|w0| = norm |v|``). Right: ``|w(t) - v|``
    (never increases) and ``|w(t)|`` against time.
    """
    x, y, v = planar_problem(seed, n)
    w0 = initial_weight(v, angle, norm)
    run = sn.flow(w0, x, y, t_end, record=401, spacing="linear")
    outcome = str(sn.fate(run.final, v))
    fig, (left, right) = axes(2, width=3.5, height=3.4)
    lim = 1.35 * max(np.linalg.norm(v), np.linalg.norm(w0))
    _plane(left, x, y, v, lim)
    left.plot(run.w[:, 0], run.w[:, 1], color="k", lw=1.8, zorder=4)
    left.plot(*w0, "o", color="k", ms=6, zorder=6, label="$w(0)$")
    left.legend(loc="lower left", fontsize=9)
    left.set_title(f"seed {seed}: fate = {outcome}")
    right.semilogy(run.t, np.linalg.norm(run.w - v, axis=1), label=r"$|w(t) - v|$")
    right.semilogy(run.t, run.norms(), label=r"$|w(t)|$")
    right.set_xlabel("time $t$")
    right.legend(fontsize=9)
    right.set_title(f"$w(0)\\cdot v$ = {w0 @ v:.3g}")
    return fig


def draw_basins(seed: int = 0, n: int = 20, *, angles: int = 120, radii: int = 12,
                max_norm: float = 3.0, census: sn.Census | None = None):
    """Where each initial weight ends up, on a polar grid around the origin.

    Initial weights at ``angles`` directions and ``radii`` norms (log-spaced from
    ``0.01 |v|`` to ``max_norm |v|``) are run with :func:`relubook.single_neuron.census`
    (or taken from ``census`` if given, in that order: angle-major) and coloured by fate,
    on top of the phase portrait.
    """
    x, y, v = planar_problem(seed, n)
    w0 = polar_grid(v, angles, radii, max_norm)
    if census is None:
        census = sn.census(w0, x, v)
    fig, ax = axes(1, width=5.2, height=5.0)
    lim = 1.05 * max_norm * np.linalg.norm(v)
    _plane(ax, x, y, v, lim, field=False)
    for name, colour in FATE_COLOURS.items():
        sel = census.fate == name
        if sel.any():
            ax.scatter(w0[sel, 0], w0[sel, 1], s=9, color=colour, label=f"{name} ({sel.sum()})",
                       zorder=3)
    ax.legend(loc="lower left", fontsize=9)
    ax.set_title(f"seed {seed}: fate of each initial weight")
    return fig


def polar_grid(v, angles: int, radii: int, max_norm: float) -> np.ndarray:
    """Initial weights on a polar grid around the origin, shape ``(angles * radii, 2)``."""
    theta = np.arange(angles) * 360.0 / angles
    norms = np.geomspace(0.01, max_norm, radii)
    return np.array([initial_weight(v, a, r) for a in theta for r in norms])


def _png(fig, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def explorer():
    """Sliders for the data seed, the initial angle (from the teacher) and the initial norm.

    The figure is an ``ipywidgets.Image`` redrawn by :func:`draw_phase_portrait` whenever a
    slider moves. (An image widget rather than ``interactive`` with a displayed figure: the
    latter makes notebook execution by nbclient stall until its timeout now and then,
    jupyter/nbclient#312.)
    """
    import ipywidgets as W

    wide = {"description_width": "initial"}
    seed = W.IntSlider(value=0, min=0, max=20, description="data seed", style=wide)
    angle = W.FloatSlider(value=160.0, min=-180.0, max=180.0, step=5.0,
                          description="angle (deg)", style=wide)
    log10_norm = W.FloatSlider(value=np.log10(0.5), min=-2.0, max=0.5, step=0.1,
                               description="log10 |w0|/|v|", style=wide)
    image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))

    def update(_change=None):
        fig = draw_phase_portrait(seed.value, angle.value, 10.0 ** log10_norm.value)
        image.value = _png(fig)

    for control in (seed, angle, log10_norm):
        control.observe(update, names="value")
    update()
    return W.VBox([seed, angle, log10_norm, image])
