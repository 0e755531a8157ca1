"""Checkers for the exercises of chapter 3 (mean-field noisy gradient descent)."""

from __future__ import annotations

import numpy as np

from .._validate import as_array, as_float
from ..data import random_dataset
from ..mean_field import sup_certificate, two_point_solution
from ._feedback import Feedback, check_close, checker

__all__ = ["TWO_POINT", "LAMBDA_MAX_DATA", "check_two_point", "check_lambda_max"]

#: The two-point exercise: data {(-X, y), (X, y)} with weight decay lam.
TWO_POINT = {"X": 4.0, "y": 1.0, "lam": 0.05}

#: The data set of the lambda_max exercise: ``random_dataset(6, seed=0)``.
LAMBDA_MAX_DATA = random_dataset(6, seed=0)


@checker
def check_two_point(value, knots) -> Feedback:
    """Check ``f(X) = f(-X)`` and the knots of the beta = infinity fit of :data:`TWO_POINT`.

    Parameters
    ----------
    value : float
        The fitted value at the data.
    knots : array_like, shape (2,)
        The two knot positions, in any order.
    """
    value = as_float(value, "value")
    e = np.sort(as_array(knots, "knots", ndim=1))
    if e.size != 2:
        raise ValueError(f"give the two knot positions, got {e.size}")
    X, y, lam = TWO_POINT["X"], TWO_POINT["y"], TWO_POINT["lam"]
    s = np.hypot(1.0, X)
    expected = two_point_solution(X, y, lam).f_data[0]
    if np.allclose(e, [-X, X], rtol=1e-6):
        return Feedback(False, "Knots at the data points would be the answer if the bias were "
                               "free. The penalty |a| |(w, b)| makes atoms of direction "
                               "(±X, 1)/|(X, 1)| cheapest: where is their knot -b/w?")
    knots_ok = check_close(e, [-1.0 / X, 1.0 / X], name="knots",
                           hint="Each atom faces one data point along its own direction "
                                "(±X, 1); its knot is -b/w.")
    if not knots_ok:
        return knots_ok
    if np.isclose(value, y - lam / s, rtol=1e-6):
        return Feedback(False, "The knots are right. Your value belongs to the loss "
                               "(1/2) sum_i (f(x_i) - y_i)^2, without the 1/n: with n = 2 the "
                               "book's loss is (1/4) sum_i (f(x_i) - y)^2 = (1/2)(t s - y)^2.")
    value_ok = check_close(value, expected, name="f(±X)",
                           hint="Minimise (1/2)(t s - y)^2 + 2 lam t over t >= 0 with "
                                "s = sqrt(1 + X^2), where t is the weight of each atom.")
    if not value_ok:
        return Feedback(False, "The knots are right. " + value_ok.message)
    return Feedback(True, "Knots and value both match the closed form.")


@checker
def check_lambda_max(value) -> Feedback:
    """Check :math:`\\lambda_{max}`, above which the beta = infinity fit of
    :data:`LAMBDA_MAX_DATA` is identically zero.

    Answers within a relative ``1e-6`` of the exact supremum are accepted (a grid of a few
    thousand directions is accurate enough).
    """
    value = as_float(value, "value")
    x, y = LAMBDA_MAX_DATA
    expected = sup_certificate(x, y, np.zeros_like(y))[0]
    if np.isclose(value, x.size * expected, rtol=1e-3):
        return Feedback(False, "You are n times too large: the certificate has the factor 1/n "
                               "of the loss (1/2n) sum (f - y)^2.")
    if value < 0:
        return Feedback(False, "lambda_max is a supremum of |G|, hence non-negative.")
    return check_close(value, expected, name="lambda_max", rtol=1e-6,
                       hint="At f = 0 the certificate is G(phi) = -(1/n) sum_i y_i "
                            "relu(x_i cos(phi) + sin(phi)); take the supremum of |G| over "
                            "all directions, including those where G is negative.")
