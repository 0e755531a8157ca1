"""Checkers for the exercises of chapter 6 (the true-loss landscape for affine targets).

The exercises use the target ``g(x) = 3x + 1`` on ``I = [-1, 2]`` (:data:`ALPHA`,
:data:`BETA`, :data:`INTERVAL`) and the book's normalisation of the true loss: the mean of
``(f - g)^2`` over ``I``, without a factor 1/2.
"""

from __future__ import annotations

from .. import landscape as ls
from .._validate import as_float
from ._feedback import Feedback, check_close, checker

__all__ = ["ALPHA", "BETA", "INTERVAL", "check_dead_minimum", "check_zigzag_loss",
           "check_revival_rate"]

#: Slope of the exercises' target ``g(x) = 3x + 1``.
ALPHA = 3.0
#: Intercept of the exercises' target.
BETA = 1.0
#: The interval ``[p, q]`` of the exercises.
INTERVAL = (-1.0, 2.0)
_LENGTH = INTERVAL[1] - INTERVAL[0]


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= 1e-6 * max(1.0, abs(target))


@checker
def check_dead_minimum(c, loss) -> Feedback:
    """Check the output bias ``c`` and the loss of the all-inactive local minimum for the
    target ``3x + 1`` on ``[-1, 2]``."""
    c, loss = as_float(c, "c"), as_float(loss, "loss")
    c_star = ls.best_constant(ALPHA, BETA, INTERVAL)
    if not _close(c, c_star):
        if _close(c, BETA):
            return Feedback(False, "c = beta would be right on an interval centred at 0. With "
                                   "every neuron dead f = c on I: minimise the mean of "
                                   "(c - g)^2 over I, i.e. take the mean of g over I.")
        return Feedback(False, f"c is off (got {c:.6g}). With every neuron dead f = c on I, "
                               "and the best constant is the mean of g over I.")
    expected = ls.dead_loss(ALPHA, INTERVAL)
    hints = {ALPHA ** 2 * _LENGTH ** 3 / 12: "that is the integral; the book's true loss is "
                                              "the mean over I, so divide by |I|.",
             ALPHA ** 2 * _LENGTH ** 2 / 24: "the book's true loss has no factor 1/2.",
             ALPHA ** 2 / 12: "that is the value on an interval of length 1; here |I| = 3."}
    for wrong, hint in hints.items():
        if _close(loss, wrong):
            return Feedback(False, "c is right. The loss is off: " + hint)
    verdict = check_close(loss, expected, name="loss", rtol=1e-6,
                          hint="The residual c - g is affine with slope -alpha and mean zero "
                               "on I; its mean square is alpha^2 |I|^2 / 12.")
    if not verdict:
        return Feedback(False, "c is right. " + verdict.message)
    return Feedback(True, f"c = {c_star:g} and loss = {expected:g}: the variance of the "
                          "target under the uniform law on I.")


@checker
def check_zigzag_loss(loss) -> Feedback:
    """Check the loss of the zigzag saddle (knots at the thirds of ``I``) for ``3x + 1`` on
    ``[-1, 2]``."""
    loss = as_float(loss, "loss")
    expected = ls.true_loss(ls.zigzag_saddle(ALPHA, BETA, INTERVAL), ALPHA, BETA, INTERVAL)
    if _close(loss, ls.dead_loss(ALPHA, INTERVAL)):
        return Feedback(False, "That is the loss of the dead local minimum. On each third of I "
                               "the residual has slope -+alpha/3, not -alpha.")
    if _close(loss, expected * _LENGTH):
        return Feedback(False, "That is the integral; the book's true loss is the mean over I.")
    return check_close(loss, expected, name="loss", rtol=1e-6,
                       hint="On each third (length |I|/3) the residual has mean zero and slope "
                            "+-alpha/3; the mean square of s(x - mid) over a cell of length h "
                            "is s^2 h^2 / 12.")


@checker
def check_revival_rate(rate) -> Feedback:
    """Check the coefficient ``k`` in ``L(b_1 + delta) - L(b_1) = k delta^2 + O(delta^3)`` for
    the semi-inactive neuron ``a_1 = 0.5``, ``w_1 = 1``, knot at ``q = 2``, at the dead
    minimum of ``3x + 1`` on ``[-1, 2]``."""
    rate = as_float(rate, "rate")
    expected = -ALPHA * 0.5 / (2 * 1.0)
    if _close(rate, -expected):
        return Feedback(False, "The size is right but the sign is not: near q the residual "
                               "c* - g is negative and the revived neuron adds a positive "
                               "bump, so the loss goes down.")
    if _close(rate, expected * 2 / _LENGTH) or _close(rate, expected * _LENGTH):
        return Feedback(False, "Check the normalisation: the 1/|I| of the mean cancels the "
                               "|I| in e*(q) = -alpha |I| / 2.")
    return check_close(rate, expected, name="rate", rtol=1e-6,
                       hint="To first order the change is (2/|I|) int e* delta_f, with a "
                            "triangle delta_f of height a delta and width delta / w at q.")
