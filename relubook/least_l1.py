r"""Least-:math:`\ell_1` combinations of a dictionary: the one linear program of the book.

Three questions of the book are the same linear program: the least path norm of a network
built from a dictionary of neurons (chapter 4), the least total variation of a measure on a
grid of directions (chapter 3) and the least curvature mass of an interpolant with knots from
a dictionary (chapters 2 and 7). Each asks for coefficients :math:`J` of the columns of a
feature matrix :math:`F` (plus, optionally, unpenalised coefficients :math:`z` of other
columns :math:`G`, e.g. an affine part) with

.. math::

    \min \sum_k c_k |J_k| \quad\text{subject to}\quad F J + G z = y
    \;\bigl(\text{and } \textstyle\sum_k |J_k| \le B\bigr).

Writing :math:`J = u - v` with :math:`u, v \ge 0` makes it a linear program, solved by
scipy's HiGHS with feasibility tolerances of ``1e-10``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ._validate import as_array, as_float

__all__ = ["L1Fit", "least_l1"]

TOLERANCE = 1e-10     # HiGHS's primal and dual feasibility tolerances


@dataclass(frozen=True)
class L1Fit:
    """Solution of :func:`least_l1`.

    Attributes
    ----------
    value : float
        The optimal :math:`\\sum_k c_k |J_k|`.
    coef : ndarray, shape (k,)
        The penalised coefficients :math:`J`.
    free : ndarray, shape (p,)
        The unpenalised coefficients :math:`z` (empty without ``free`` columns).
    """

    value: float
    coef: np.ndarray
    free: np.ndarray


def least_l1(features, targets, *, free=None, cost=None, budget: float | None = None,
             what: str = "least_l1") -> L1Fit:
    r"""Solve :math:`\min \sum_k c_k |J_k|` subject to :math:`F J + G z = y`.

    Parameters
    ----------
    features : array_like, shape (n, k)
        :math:`F`, the dictionary evaluated at the data.
    targets : array_like, shape (n,)
        :math:`y`.
    free : array_like, shape (n, p), optional
        :math:`G`, columns with unpenalised coefficients.
    cost : array_like, shape (k,), optional
        Non-negative weights :math:`c_k` (default all ones: the :math:`\ell_1` norm).
    budget : float, optional
        Adds the constraint :math:`\sum_k |J_k| \le` ``budget``: with a second ``cost`` this
        selects among the minimisers of a first solve.
    what : str
        Name of the calling function, for error messages.

    Returns
    -------
    L1Fit

    Raises
    ------
    ValueError
        If no combination fits the targets (the dictionary is too small).
    RuntimeError
        If HiGHS fails otherwise.
    """
    F = as_array(features, "features", ndim=2)
    y = as_array(targets, "targets", ndim=1)
    n, k = F.shape
    if y.shape != (n,):
        raise ValueError(f"targets must have shape ({n},) to match features, got {y.shape}")
    G = np.zeros((n, 0)) if free is None else as_array(free, "free", ndim=2)
    if G.shape[0] != n:
        raise ValueError(f"free must have {n} rows to match features, got {G.shape}")
    c = np.ones(k) if cost is None else as_array(cost, "cost", ndim=1)
    if c.shape != (k,) or np.any(c < 0):
        raise ValueError(f"cost must be {k} non-negative weights, got shape {c.shape}")
    p = G.shape[1]
    A_ub = b_ub = None
    if budget is not None:
        A_ub = np.concatenate((np.zeros(p), np.ones(2 * k)))[None, :]
        b_ub = [as_float(budget, "budget", nonnegative=True)]
    lp = linprog(np.concatenate((np.zeros(p), c, c)), A_ub=A_ub, b_ub=b_ub,
                 A_eq=np.hstack((G, F, -F)), b_eq=y,
                 bounds=[(None, None)] * p + [(0, None)] * (2 * k), method="highs",
                 options={"primal_feasibility_tolerance": TOLERANCE,
                          "dual_feasibility_tolerance": TOLERANCE})
    if lp.status == 2:
        raise ValueError(f"{what}: the dictionary cannot interpolate the data (the linear "
                         f"program is infeasible): add columns")
    if lp.status != 0:
        raise RuntimeError(f"{what}: HiGHS failed ({lp.message})")
    return L1Fit(value=float(lp.fun), coef=lp.x[p:p + k] - lp.x[p + k:], free=lp.x[:p])
