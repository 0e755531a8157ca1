"""Chapter 4 explorer: saddle-to-saddle training on orthogonal inputs.

The explorer trains the chapter's running example (:func:`relubook.data.orthogonal_example`)
by gradient flow from a balanced initialisation of scale ``lambda`` and shows, at a chosen
rescaled time ``t / log(1/lambda)``, the loss curve and the directions of the neurons.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import data
from .. import orthogonal as orth
from .._validate import as_float, as_int
from ..model import ShallowNet
from ..plots import axes, show_figure

__all__ = ["LOG10_LAMBDAS", "WIDTHS", "S_MAX", "trajectory", "draw_directions",
           "draw_kinks", "draw_polar", "draw_dynamics", "explorer"]

#: Values of ``log10 lambda`` offered by the explorer (scales ``1e-12`` to ``1e-2``).
LOG10_LAMBDAS = tuple(range(-12, -1))
#: Widths offered by the explorer.
WIDTHS = (10, 20, 50, 100, 200, 500)
#: Horizon of the explorer's runs in rescaled time ``t / log(1/lambda)``.
S_MAX = 8.0


@lru_cache(maxsize=8)
def trajectory(log10_lam: int, width: int, seed: int):
    """Gradient flow of the running example up to ``t = S_MAX log(1/lambda)`` (cached).

    RK4 with ``dt = 0.05`` follows the loss curve to a few ``1e-3`` of its initial value,
    plenty for a picture, at 2.5 times less cost than the chapter's ``dt = 0.02``.
    """
    x, y = data.orthogonal_example()
    lam = 10.0 ** log10_lam
    return orth.train(x, y, lam, width=width, seed=seed, t_end=S_MAX * math.log(1 / lam),
                      dt=0.05, record=321, spacing="linear")


def _plane(x: np.ndarray, y: np.ndarray, sign: float) -> tuple[int, int]:
    """Indices of the first two inputs with label of the given sign."""
    idx = np.flatnonzero(np.sign(y) == sign)
    if idx.size < 2:
        raise ValueError("draw_directions needs at least two labels of each sign")
    return int(idx[0]), int(idx[1])


def draw_directions(net: ShallowNet, x, y, axs) -> None:
    """Neuron directions of each sign in the plane of the first two same-sign inputs.

    A neuron ``w_j`` of sign ``±`` is drawn at ``(cos(w_j, x_k1), cos(w_j, x_k2))``, inside
    the unit disc, with an area proportional to its share of the path norm of the neurons of
    its sign. The solid line marks ``D_±`` (early alignment), the dashed one ``beta_±`` (the
    minimum-norm interpolator). ``axs`` is a pair of matplotlib axes (positive, negative).
    """
    x, y = orth.check_orthogonal(x, y)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    norms = np.linalg.norm(net.w, axis=1)
    mass = np.abs(net.a) * norms
    D, beta = orth.D_plus_minus(x, y), orth.beta_plus_minus(x, y)
    circle = np.linspace(0, 2 * np.pi, 200)
    for ax, sign, Ds, bs, colour in zip(axs, (1.0, -1.0), D, beta, ("tab:blue", "tab:red")):
        k1, k2 = _plane(x, y, sign)
        mine = (np.sign(net.a) == sign) & (norms > 0)
        share = mass[mine] / max(mass[mine].sum(), np.finfo(float).tiny)
        c1 = net.w[mine] @ unit[k1] / norms[mine]
        c2 = net.w[mine] @ unit[k2] / norms[mine]
        ax.plot(np.cos(circle), np.sin(circle), color="0.8", lw=0.8)
        ax.scatter(c1, c2, s=4 + 400 * share, color=colour, alpha=0.6,
                   edgecolors="none")
        sub = "+" if sign > 0 else "-"
        for vec, style, name in ((Ds, "k-", rf"$D_{sub}$"), (bs, "k--", rf"$\beta_{sub}$")):
            v = np.array([vec @ unit[k1], vec @ unit[k2]])
            v /= np.linalg.norm(v)
            ax.plot([0, v[0]], [0, v[1]], style, lw=1.2, label=name)
        ax.set_aspect("equal")
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_xlabel(f"cos$(w_j, x_{k1 + 1})$")
        ax.set_ylabel(f"cos$(w_j, x_{k2 + 1})$")
        ax.set_title(f"neurons with $a_j {'>' if sign > 0 else '<'} 0$")
        ax.legend(loc="lower left", fontsize=8)


def draw_kinks(net: ShallowNet, x, y, ax, *, interval=None) -> None:
    """A network on lifted one-dimensional inputs, drawn as in the authors' Figure 2.

    The function ``x -> net((x, 1))`` and the data (left axis, green); every neuron as a star
    at its kink ``-w_2 / w_1`` and height ``sign(a_j) ||w_j||`` (right axis, blue). Neurons
    with ``w_1 = 0`` have no kink and are not drawn.

    Parameters
    ----------
    net : ShallowNet
        Bias-free network on ``R^2`` (the inputs of :func:`relubook.orthogonal.lift_bias`).
    x : array_like, shape (n, 2)
        Lifted inputs.
    y : array_like, shape (n,)
        Labels.
    ax : matplotlib axes
    interval : (float, float), optional
        Range of ``x`` drawn; the data range widened by 1 on each side by default.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = (x[:, 0].min() - 1, x[:, 0].max() + 1) if interval is None else interval
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, net(np.stack([grid, np.ones_like(grid)], axis=1)), color="tab:green", lw=1.5)
    ax.plot(x[:, 0], y, "o", color="tab:green", ms=5)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("$x$ (data), $-w_{j,2}/w_{j,1}$ (neurons)")
    ax.set_ylabel("$f(x)$", color="tab:green")
    twin = ax.twinx()
    live = net.w[:, 0] != 0
    kinks = -net.w[live, 1] / net.w[live, 0]
    height = np.sign(net.a[live]) * np.linalg.norm(net.w[live], axis=1)
    shown = (kinks >= lo) & (kinks <= hi)
    twin.plot(kinks[shown], height[shown], "*", color="tab:blue", ms=6)
    twin.axhline(0, color="tab:blue", ls="--", lw=0.6, alpha=0.5)
    top = max(np.abs(height).max(), np.finfo(float).tiny) * 1.15
    twin.set_ylim(-top, top)
    twin.set_ylabel(r"$\mathrm{sign}(a_j)\,\|w_j\|$", color="tab:blue")


def draw_polar(w, a, plane, ax) -> None:
    """Neurons projected on a plane, in polar coordinates, as in the authors' PCA view.

    Neuron ``j`` is drawn at the angle and radius of its projection ``plane @ w_j``, purple
    for ``a_j > 0`` and red for ``a_j < 0``.

    Parameters
    ----------
    w : array_like, shape (m, d)
    a : array_like, shape (m,)
    plane : array_like, shape (2, d)
        Orthonormal rows, e.g. from :func:`relubook.orthogonal.principal_plane`.
    ax : matplotlib polar axes
    """
    proj = np.asarray(w, dtype=float) @ np.asarray(plane, dtype=float).T      # (m, 2)
    angle = np.arctan2(proj[:, 1], proj[:, 0])
    radius = np.linalg.norm(proj, axis=1)
    positive = np.asarray(a) > 0
    ax.scatter(angle[positive], radius[positive], marker="*", s=25, color="darkviolet",
               label="$a_j > 0$")
    ax.scatter(angle[~positive], radius[~positive], marker="*", s=25, color="firebrick",
               label="$a_j < 0$")
    ax.set_yticklabels([])


def draw_dynamics(log10_lam: int = -8, s: float = 4.0, width: int = 200, seed: int = 0):
    """Loss curve and neuron directions at rescaled time ``s = t / log(1/lambda)``.

    Parameters
    ----------
    log10_lam : int
        ``log10`` of the initialisation scale, one of :data:`LOG10_LAMBDAS`.
    s : float
        Rescaled time in ``[0, S_MAX]``.
    width : int
        Number of neurons.
    seed : int
        Seed of the initialisation.

    Returns
    -------
    matplotlib.figure.Figure
    """
    log10_lam = as_int(log10_lam, "log10_lam", minimum=LOG10_LAMBDAS[0])
    if log10_lam > LOG10_LAMBDAS[-1]:
        raise ValueError(f"log10_lam must be at most {LOG10_LAMBDAS[-1]}, got {log10_lam}")
    s = as_float(s, "s", nonnegative=True)
    if s > S_MAX:
        raise ValueError(f"s must lie in [0, {S_MAX}], got {s}")
    traj = trajectory(log10_lam, as_int(width, "width", minimum=1), as_int(seed, "seed"))
    x, y = data.orthogonal_example()
    log_inv = math.log(10.0 ** -log10_lam)
    i = int(np.argmin(np.abs(traj.t - s * log_inv)))
    fig, (ax_loss, ax_pos, ax_neg) = axes(3, height=2.9)
    ax_loss.semilogy(traj.t / log_inv, np.maximum(traj.loss, 1e-16), color="k", lw=1.2)
    rate_p, rate_m = orth.growth_rates(x, y)
    for r in (rate_p, rate_m):
        ax_loss.axvline(1 / r, color="0.6", ls="--", lw=0.8)
    ax_loss.axhline(orth.plateau_loss(x, y), color="0.6", ls=":", lw=0.8)
    ax_loss.plot(traj.t[i] / log_inv, max(traj.loss[i], 1e-16), "o", color="tab:orange")
    ax_loss.set_ylim(1e-16, 1.0)
    ax_loss.set_xlabel(r"$t / \log(1/\lambda)$")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title(rf"$\lambda = 10^{{{log10_lam}}}$, $m = {width}$: "
                      f"L = {traj.loss[i]:.2g}")
    draw_directions(traj.nets[i], x, y, (ax_pos, ax_neg))
    return fig


def explorer():
    """Sliders for ``log10 lambda``, the rescaled time, the width and the seed."""
    import ipywidgets as W

    def show(log10_lam, s, width, seed):
        show_figure(draw_dynamics(log10_lam, s, width, seed))

    return W.interactive(
        show,
        log10_lam=W.SelectionSlider(options=LOG10_LAMBDAS, value=-8,
                                    description="log10 λ"),
        s=W.FloatSlider(value=4.0, min=0.0, max=S_MAX, step=0.1,
                        description="t / log(1/λ)"),
        width=W.SelectionSlider(options=WIDTHS, value=200, description="width m"),
        seed=W.IntSlider(value=0, min=0, max=20, description="seed"),
    )
