"""Checkers for the exercises of chapter 7 (the implicit biases side by side)."""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..interpolants import linear_spline, secant_slope_jumps
from ..piecewise import PiecewiseLinear
from ._feedback import Feedback, check_close, checker

__all__ = ["ZIGZAG", "CONVEX", "BIASES", "check_min_curvature", "check_other_minimiser",
           "check_bias_map"]

#: The data of the lower-bound exercise, four points of a zigzag.
ZIGZAG = (np.array([0.0, 1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0, 3.0]))

#: The data of the non-uniqueness exercise, four points on the convex parabola y = x^2.
CONVEX = (np.array([-1.0, 0.0, 1.0, 2.0]), np.array([1.0, 0.0, 1.0, 4.0]))

#: The settings of the bias map and the interpolant each one selects.
BIASES = {
    "large input weights, small output weights": "cubic spline",
    "small input weights, large output weights": "linear spline",
    "weight decay on all parameters, vanishing noise": "bias-penalised norm",
}


@checker
def check_min_curvature(answer) -> Feedback:
    """Check the least curvature mass of an interpolant of :data:`ZIGZAG`.

    Parameters
    ----------
    answer : float
        The minimum of :math:`\\int |f''|` over all functions through the four points.
    """
    x, y = ZIGZAG
    expected = float(np.abs(secant_slope_jumps(x, y)).sum())
    got = float(as_array(answer, "answer", ndim=0))
    signed = float(secant_slope_jumps(x, y).sum())
    if np.isclose(got, abs(signed), rtol=1e-9):
        return Feedback(False, "That is |s_3 - s_1|, the net change of the slope. The jumps of "
                               "the slope at x_2 and x_3 have opposite signs, so their sizes "
                               "add: sum |s_(k+1) - s_k|.")
    return check_close(got, expected, name="least curvature mass", rtol=1e-9,
                       hint="Compute the secant slopes s_k of the three gaps; every "
                            "interpolant has f' = s_k somewhere in gap k.")


@checker
def check_other_minimiser(candidate) -> Feedback:
    """Check a minimiser of the curvature mass through :data:`CONVEX` other than the
    linear spline.

    Parameters
    ----------
    candidate : PiecewiseLinear
        An interpolant of :data:`CONVEX`.
    """
    if not isinstance(candidate, PiecewiseLinear):
        raise TypeError(f"candidate must be a relubook.PiecewiseLinear, got "
                        f"{type(candidate).__name__}")
    x, y = CONVEX
    miss = float(np.max(np.abs(candidate(x) - y)))
    if miss > 1e-8:
        return Feedback(False, f"The candidate misses the data by {miss:.3g}; it must pass "
                               "through all four points.")
    least = float(np.abs(secant_slope_jumps(x, y)).sum())
    mass = candidate.curvature_mass()
    if mass > least * (1 + 1e-8) + 1e-12:
        return Feedback(False, f"Its curvature mass is {mass:.6g}, above the least value "
                               f"{least:.6g}. Keep f convex (all slope jumps positive) and "
                               "its outer slopes equal to the outer secant slopes.")
    linear = linear_spline(x, y)
    if candidate.max_abs_diff(linear, (x[0], x[-1])) < 1e-8:
        return Feedback(False, "This is the linear spline itself. Move the jump at x = 0 or "
                               "x = 1 into the middle gap (0, 1): two knots there, one "
                               "on each side of it, keep f convex.")
    return Feedback(True, f"Curvature mass {mass:.6g}, the least possible, and the function "
                          "differs from the linear spline: the minimiser is not unique.")


@checker
def check_bias_map(answer) -> Feedback:
    """Check a map from training settings to the interpolant they select (:data:`BIASES`).

    Parameters
    ----------
    answer : dict
        Maps each key of :data:`BIASES` to one of ``"cubic spline"``, ``"linear spline"``,
        ``"bias-penalised norm"``.
    """
    if not isinstance(answer, dict):
        raise TypeError(f"answer must be a dict, got {type(answer).__name__}")
    if set(answer) != set(BIASES):
        raise ValueError(f"answer must have exactly the keys {sorted(BIASES)}")
    options = set(BIASES.values())
    for key, value in answer.items():
        if value not in options:
            raise ValueError(f"answer[{key!r}] must be one of {sorted(options)}, got {value!r}")
    wrong = [key for key in BIASES if answer[key] != BIASES[key]]
    if not wrong:
        return Feedback(True, "Each setting is matched with the interpolant it selects.")
    hints = {
        "large input weights, small output weights":
            "with delta << 0 the knots freeze: which norm does a kernel method minimise?",
        "small input weights, large output weights":
            "with delta >> 0 the knots travel to the data.",
        "weight decay on all parameters, vanishing noise":
            "the penalty |a| |(w, b)| charges the bias too.",
    }
    return Feedback(False, "Not matched: " + "; ".join(f"'{k}' ({hints[k]})" for k in wrong))
