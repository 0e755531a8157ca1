"""Checkers for the exercises of chapter 2 (kernel and adaptive regimes)."""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_float
from ..interpolants import linear_spline, natural_cubic_spline
from ._feedback import Feedback, check_close, checker

__all__ = ["EXERCISE_NEURON", "HAT_DATA", "check_reduced_coordinates",
           "check_interpolant_prediction"]

#: The neuron of the first exercise: ``a relu(w x + b)`` with ``(a, w, b) = (2, -1, 1)``.
EXERCISE_NEURON = (2.0, -1.0, 1.0)

#: Three points of a hat, ``x = (-1, 0, 1)``, ``y = (0, 1, 0)``.
HAT_DATA = (np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0]))


def _expected_reduced() -> tuple[float, float, float]:
    a, w, b = EXERCISE_NEURON
    r = math.hypot(w, b)
    return a * r, math.atan2(b, w), a ** 2 - r ** 2


@checker
def check_reduced_coordinates(rho, theta, delta) -> Feedback:
    """Check ``(rho, theta, delta)`` of :data:`EXERCISE_NEURON`.

    ``theta`` is accepted modulo ``2 pi``.
    """
    rho = as_float(rho, "rho")
    theta = as_float(theta, "theta")
    delta = as_float(delta, "delta")
    a, w, b = EXERCISE_NEURON
    want_rho, want_theta, want_delta = _expected_reduced()
    if math.isclose(abs(rho), abs(a * w), rel_tol=1e-6):
        return Feedback(False, "rho is off: r is the length of the whole input vector "
                               "(w, b), not |w|; rho = a * sqrt(w^2 + b^2).")
    fb = check_close(rho, want_rho, name="rho", hint="rho = a * ||(w, b)|| keeps the sign of a.")
    if not fb:
        return fb
    wrapped = math.remainder(theta - want_theta, 2 * math.pi)
    if math.isclose(abs(wrapped), math.pi, rel_tol=1e-6):
        return Feedback(False, "theta points the opposite way: atan(b / w) loses the sign of "
                               "w. Use atan2(b, w): w < 0 here, so the neuron is active left "
                               "of its knot and cos(theta) < 0.")
    if abs(wrapped) > 1e-6:
        return Feedback(False, f"theta is off by {wrapped:.4g} (mod 2 pi). It is the angle of "
                               "(w, b): cos(theta) = w / r, sin(theta) = b / r.")
    if math.isclose(delta, a ** 2 - w ** 2, rel_tol=1e-9):
        return Feedback(False, "delta is off: the bias belongs to the input layer, so "
                               "delta = a^2 - w^2 - b^2.")
    fb = check_close(delta, want_delta, name="delta", hint="delta = a^2 - w^2 - b^2.")
    if not fb:
        return fb
    return Feedback(True, f"rho = {want_rho:.4f}, theta = {want_theta:.4f} (knot -tan(theta) "
                          f"= {-math.tan(want_theta):.3g}, active on the left), "
                          f"delta = {want_delta:g}.")


@checker
def check_interpolant_prediction(regime: str, value) -> Feedback:
    """Check a prediction of ``f(1/2)`` after training on :data:`HAT_DATA`.

    ``regime="kernel"``: the limit of the kernel regime with knots uniform on ``[-L, L]``,
    ``L -> infinity`` (the natural cubic spline); ``regime="adaptive"``: the linear spline.
    """
    if regime not in ("kernel", "adaptive"):
        raise ValueError(f"regime must be 'kernel' or 'adaptive', got {regime!r}")
    value = as_float(value, "value")
    x, y = HAT_DATA
    cubic = float(natural_cubic_spline(x, y)(0.5))
    linear = float(linear_spline(x, y)(np.array([0.5]))[0])
    if regime == "kernel":
        if math.isclose(value, linear, abs_tol=1e-3):
            return Feedback(False, "0.5 is the linear spline, the adaptive answer. In the "
                                   "kernel regime the knots stay spread out and training "
                                   "minimises the integral of f''^2: which interpolant does?")
        return check_close(value, cubic, name="f(1/2)", rtol=0, atol=1e-3,
                           hint="The natural cubic spline through the three points is "
                                "symmetric, with f'' = 0 at x = -1 and x = 1.")
    if math.isclose(value, cubic, abs_tol=1e-3):
        return Feedback(False, "that is the cubic spline, the kernel answer. In the adaptive "
                               "regime the knots move to the data points.")
    return check_close(value, linear, name="f(1/2)", rtol=0, atol=1e-3,
                       hint="With knots only at data points, f is linear between them.")
