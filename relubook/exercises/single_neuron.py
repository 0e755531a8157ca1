"""Checkers for the exercises of chapter 5 (one ReLU neuron)."""

from __future__ import annotations

import numpy as np

from .. import single_neuron as sn
from .._validate import as_array, as_int
from ..data import teacher_instances
from ._feedback import Feedback, check_close, checker

__all__ = [
    "NORM_X", "NORM_Y", "NORM_W", "check_norm_rate",
    "PROJ_X", "PROJ_Y", "PROJ_W0", "check_projection_limit",
    "SPURIOUS_X", "SPURIOUS_V", "check_spurious_stationary",
    "check_collapse",
]

#: Exercise "norm rate": three inputs in the plane.
NORM_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
#: Exercise "norm rate": their labels.
NORM_Y = np.array([1.0, 0.0, 2.0])
#: Exercise "norm rate": the current weight.
NORM_W = np.array([0.5, 0.5])

#: Exercise "projection": three inputs in R^3 (the third is never active).
PROJ_X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, -1.0, 0.0]])
#: Exercise "projection": their labels.
PROJ_Y = np.array([1.0, 2.0, 5.0])
#: Exercise "projection": the initial weight.
PROJ_W0 = np.array([0.5, 1.0, -0.5])

#: Exercise "spurious stationary point": four inputs in R^3.
SPURIOUS_X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0],
                       [-1.0, -1.0, -1.0]])
#: Exercise "spurious stationary point": the teacher that labels them.
SPURIOUS_V = np.array([1.0, 1.0, 1.0])


def _vector(answer, name: str, d: int) -> np.ndarray:
    w = as_array(answer, name, ndim=1)
    if w.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},), got {w.shape}")
    return w


@checker
def check_norm_rate(value) -> Feedback:
    """Check ``d/dt |w|^2`` along the flow at :data:`NORM_W` for the data
    :data:`NORM_X`, :data:`NORM_Y`."""
    if np.ndim(value) != 0:
        raise ValueError(f"the rate must be a single number, got shape {np.shape(value)}")
    expected = float(sn.norm_derivative(NORM_W, NORM_X, NORM_Y))
    return check_close(value, expected, name="d|w|^2/dt",
                       hint="Use (2/n) sum over active i of z_i (y_i - z_i) with n = 3; "
                            "every input is active here.")


@checker
def check_projection_limit(w) -> Feedback:
    """Check the limit of the flow from :data:`PROJ_W0` when the active set stays
    ``{x_1, x_2}`` (the third input is never active)."""
    w = _vector(w, "w", 3)
    active = np.array([True, True, False])
    expected = sn.projection_limit(PROJ_W0, PROJ_X, PROJ_Y, active)
    fit = PROJ_X[:2] @ w - PROJ_Y[:2]
    if np.max(np.abs(fit)) > 1e-6:
        return Feedback(False, f"your w does not fit the active inputs: <w, x_i> - y_i = "
                               f"{np.round(fit, 6).tolist()} for i = 1, 2. The limit is a "
                               f"stationary point, so it fits them exactly.")
    return check_close(w, expected, name="w", atol=1e-6,
                       hint="Many weights fit x_1 and x_2; the flow picks the one with "
                            "w - w(0) in span{x_1, x_2}. The third input (and its label 5) "
                            "plays no role.")


@checker
def check_spurious_stationary(w) -> Feedback:
    """Accept any nonzero stationary point of the loss of :data:`SPURIOUS_X` with teacher
    :data:`SPURIOUS_V` that is not a global minimum."""
    w = _vector(w, "w", 3)
    y = np.maximum(SPURIOUS_X @ SPURIOUS_V, 0.0)
    if np.linalg.norm(w) < 1e-8:
        return Feedback(False, "w = 0 is stationary, but the exercise asks for a nonzero one.")
    g = sn.gradient(w, SPURIOUS_X, y)
    z = SPURIOUS_X @ w
    if np.linalg.norm(g) > 1e-8:
        return Feedback(False, f"the gradient at your w is {np.round(g, 6).tolist()}, not 0 "
                               f"(pre-activations z = {np.round(z, 6).tolist()}). Make every "
                               f"active input fit its label exactly and keep the others at "
                               f"z <= 0.")
    value = float(sn.loss(w, SPURIOUS_X, y))
    if value < 1e-10:
        return Feedback(False, "your w fits every label: it is a global minimum (the teacher "
                               "or an equivalent weight). Look for one that fits only some.")
    if np.any(np.abs(z) < 1e-9):
        note = (" It sits on an activation boundary (some z_i = 0): stationary only by the "
                "convention relu'(0) = 0; a point with every z_i != 0 is more robust.")
    else:
        note = ""
    return Feedback(True, f"w is stationary with loss {value:.4g} > 0: a spurious critical "
                          f"point, possible because its active inputs span fewer than d = 3 "
                          f"directions.{note}")


@checker
def check_collapse(w0, *, seed: int = 3, n: int = 20, t_end: float = 400.0) -> Feedback:
    """Check that the planar flow of the explorer's problem ``seed`` collapses to the origin
    from ``w0``."""
    w0 = _vector(w0, "w0", 2)
    seed = as_int(seed, "seed")
    x, y, v = (a[0] for a in teacher_instances(1, n, 2, seed=seed))
    if not np.any(x @ w0 > 0):
        return Feedback(False, "no input is active at your w0, so it never moves.")
    outcome = str(sn.fate(sn.flow(w0, x, y, t_end).final, v))
    if outcome == "origin":
        return Feedback(True, f"the flow from w0 collapses to 0 (|w0 - v| = "
                              f"{np.linalg.norm(w0 - v):.3g} >= |v| = {np.linalg.norm(v):.3g}, "
                              f"as it must).")
    hint = ("Inside the disc |w - v| < |v| every run converges to v. Start on the far side "
            "of the origin, near the silent cone (the red wedge in the explorer).")
    return Feedback(False, f"from this w0 the run ends as '{outcome}'. {hint}")
