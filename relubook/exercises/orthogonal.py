"""Checkers for the exercises of chapter 4 (orthogonal inputs)."""

from __future__ import annotations

import math

import numpy as np

from .. import orthogonal as orth
from .._validate import as_array, as_float, as_int
from ._feedback import Feedback, check_close, checker

__all__ = ["EXERCISE_X", "EXERCISE_Y", "check_min_norm", "check_saddles",
           "check_min_width"]

#: The exercises' inputs ``x_1 = 2 e_1``, ``x_2 = e_2`` and ``x_3 = e_3`` in ``R^3`` (rows).
EXERCISE_X = np.diag([2.0, 1.0, 1.0])
#: The exercises' labels ``y = (2, 1, -1.5)``.
EXERCISE_Y = np.array([2.0, 1.0, -1.5])


def _vector(value, name: str) -> np.ndarray:
    v = as_array(value, name, ndim=1)
    if v.shape != (3,):
        raise ValueError(f"{name} must be a vector of R^3 (3 numbers), got shape {v.shape}")
    return v


@checker
def check_min_norm(beta_plus, beta_minus, R_star) -> Feedback:
    r"""Check :math:`\beta_+`, :math:`\beta_-` (vectors of R^3) and :math:`R^*` for the data
    ``EXERCISE_X``, ``EXERCISE_Y``.
    """
    bp, bm = _vector(beta_plus, "beta_plus"), _vector(beta_minus, "beta_minus")
    R = as_float(R_star, "R_star")
    want_p, want_m = orth.beta_plus_minus(EXERCISE_X, EXERCISE_Y)
    if np.allclose(bp, want_m) and np.allclose(bm, want_p):
        return Feedback(False, "beta_plus and beta_minus are swapped: beta_+ collects the "
                               "points with positive labels.")
    if np.allclose(bm, -want_m):
        return Feedback(False, "beta_minus has the wrong sign: it is the direction of a "
                               "neuron with a_j < 0, so <beta_-, x_k> = |y_k| > 0 on the "
                               "negative points.")
    D_p, D_m = orth.D_plus_minus(EXERCISE_X, EXERCISE_Y)
    if np.allclose(bp, D_p) and not np.allclose(D_p, want_p):
        return Feedback(False, "beta_plus equals D_+ = sum |y_k| x_k. The interpolator needs "
                               "<beta_+, x_k> = y_k: divide each term by ||x_k||^2.")
    for got, want, name in ((bp, want_p, "beta_plus"), (bm, want_m, "beta_minus")):
        fb = check_close(got, want, name=name,
                         hint="Solve <beta, x_k> = |y_k| on the points of that sign, "
                              "with beta in their span.")
        if not fb:
            return fb
    fb = check_close(R, orth.min_path_norm(EXERCISE_X, EXERCISE_Y), name="R_star",
                     hint="R* = ||beta_+|| + ||beta_-|| (a sum of norms, not the norm of "
                          "a sum).")
    if not fb:
        return fb
    return Feedback(True, "beta_+, beta_- and R* are right; h* = relu(<beta_+, x>) - "
                          "relu(<beta_-, x>) interpolates with path norm R*.")


@checker
def check_saddles(slope_first, slope_second, plateau) -> Feedback:
    r"""Check the predicted escape-time slopes and the plateau for ``EXERCISE_X, EXERCISE_Y``.

    ``slope_first`` and ``slope_second`` are the coefficients of :math:`\log(1/\lambda)` in
    the first and second escape times; ``plateau`` is the loss between the two escapes.
    """
    s1, s2 = as_float(slope_first, "slope_first"), as_float(slope_second, "slope_second")
    plateau = as_float(plateau, "plateau")
    rate_p, rate_m = orth.growth_rates(EXERCISE_X, EXERCISE_Y)
    want = sorted((1 / rate_p, 1 / rate_m))
    if math.isclose(s1, want[1], rel_tol=1e-6) and math.isclose(s2, want[0], rel_tol=1e-6):
        return Feedback(False, "the two slopes are swapped: the side with the larger "
                               "||D_±|| grows faster and escapes first.")
    n = EXERCISE_Y.size
    pairs = ((s1, want[0]), (s2, want[1]))
    if any(math.isclose(s, w / n, rel_tol=1e-6) or math.isclose(s, w * n, rel_tol=1e-6)
           for s, w in pairs):
        return Feedback(False, "check the factor n: a fully-active neuron grows like "
                               "exp(||D|| t / n), so the slope is n / ||D||.")
    if any(math.isclose(s, w / 2, rel_tol=1e-6) for s, w in pairs):
        return Feedback(False, "off by a factor 2: the book's loss is (1/2n) sum (f - y)^2, "
                               "whose gradient carries 1/n, not 2/n.")
    for got, w, name in ((s1, want[0], "slope_first"), (s2, want[1], "slope_second")):
        fb = check_close(got, w, name=name, rtol=1e-6,
                         hint="The slope is n / ||D_±|| with D_± = sum |y_k| x_k over "
                              "the points of that sign.")
        if not fb:
            return fb
    fb = check_close(plateau, orth.plateau_loss(EXERCISE_X, EXERCISE_Y), name="plateau",
                     rtol=1e-6, hint="On the plateau the fast side is fitted and the slow "
                                     "side still predicts 0: (1/2n) sum of its y_k^2.")
    if not fb:
        return fb
    return Feedback(True, "slopes and plateau are right.")


@checker
def check_min_width(width) -> Feedback:
    """Check the smallest width ``m`` for which every point of ``EXERCISE_Y`` (two positive,
    one negative label) is covered at initialisation with probability at least 0.99."""
    if isinstance(width, (float, np.floating)) and float(width).is_integer():
        width = int(width)                # e.g. the result of np.ceil: an equivalent answer
    m = as_int(width, "width", minimum=1)
    n_plus, n_minus = int(np.sum(EXERCISE_Y > 0)), int(np.sum(EXERCISE_Y < 0))
    prob = orth.coverage_probability(n_plus, n_minus, m)
    smallest = next(k for k in range(1, 1000)
                    if orth.coverage_probability(n_plus, n_minus, k) >= 0.99)
    if m == smallest:
        return Feedback(True, f"m = {m}: P(all covered) = {prob:.4f}, and "
                              f"{orth.coverage_probability(n_plus, n_minus, m - 1):.4f} "
                              f"for m = {m - 1}.")
    if m > smallest:
        return Feedback(False, f"m = {m} works (P = {prob:.4f}) but a smaller width does "
                               "too. Hint: a neuron covers a given point with probability "
                               "1/4; the union bound 1 - n (3/4)^m is already close to the "
                               "exact value.")
    return Feedback(False, f"with m = {m}, P(all covered) = {prob:.4f} < 0.99. Hint: "
                           "include-exclude over the set of uncovered points.")
