"""Checkers for the exercises of chapter 1."""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..model import ShallowNet
from ._feedback import Feedback, check_close, checker

__all__ = ["EXERCISE_NET", "check_knots", "check_curvature_mass"]

#: The network of the exercises: f(x) = relu(x) - 2 relu(1 - x) + 0.5 relu(2x - 1).
EXERCISE_NET = ShallowNet(a=[1.0, -2.0, 0.5], w=[1.0, -1.0, 2.0], b=[0.0, 1.0, -1.0])


@checker
def check_knots(knots, jumps) -> Feedback:
    """Check the knots of :data:`EXERCISE_NET` and the jumps of ``f'`` there.

    Any order is accepted as long as each jump is listed with its knot.
    """
    e = as_array(knots, "knots", ndim=1)
    J = as_array(jumps, "jumps", ndim=1)
    if e.shape != J.shape:
        raise ValueError(f"give one jump per knot: {e.size} knots but {J.size} jumps")
    expected_e, expected_J = EXERCISE_NET.knots(), EXERCISE_NET.slope_jumps()
    if e.size != expected_e.size:
        return Feedback(False, f"the network has {expected_e.size} neurons with w_j != 0, "
                               f"hence {expected_e.size} knots; you gave {e.size}.")
    order, expected_order = np.argsort(e), np.argsort(expected_e)
    knots_ok = check_close(e[order], expected_e[expected_order], name="knots",
                           hint="A knot solves w_j x + b_j = 0.")
    if not knots_ok:
        return knots_ok
    jumps_ok = check_close(J[order], expected_J[expected_order], name="jumps",
                           hint="At its knot neuron j adds a_j |w_j| to the slope (not a_j w_j):"
                                " a left-facing unit switches off as x grows.")
    if not jumps_ok:
        return Feedback(False, "The knots are right. " + jumps_ok.message)
    return Feedback(True, "Knots and slope jumps both match.")


@checker
def check_curvature_mass(value) -> Feedback:
    """Check the curvature mass ``int |f''|`` of :data:`EXERCISE_NET`."""
    return check_close(value, EXERCISE_NET.to_piecewise().curvature_mass(),
                       name="curvature mass",
                       hint="Sum the absolute values of the slope jumps at the knots.")
