r"""Exact univariate piecewise-linear functions.

A univariate shallow ReLU network is continuous and piecewise linear. This module holds that
function exactly: its breakpoints :math:`t_1 < \dots < t_k`, its values there, and its two
outer slopes. Its second derivative is the sum of point masses (the slope jumps) at the
breakpoints, and the *curvature mass* :math:`\int |f''|` is the sum of their sizes.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_float, as_interval

__all__ = ["PiecewiseLinear", "knots_per_gap", "knots_per_closed_interval", "mass_near",
           "distance_to", "METRICS"]

METRICS = ("x", "angle")


class PiecewiseLinear:
    """A continuous piecewise-linear function on the real line.

    Parameters
    ----------
    breakpoints : array_like, shape (k,)
        Strictly increasing breakpoints, ``k >= 1``.
    values : array_like, shape (k,)
        Values of the function at the breakpoints.
    left_slope, right_slope : float
        Slopes left of the first and right of the last breakpoint.
    slopes : array_like, shape (k - 1,), optional
        The slopes of the inner pieces when they are known exactly (:meth:`from_jumps` passes
        them). By default they are the difference quotients of ``values``, which lose every
        digit between breakpoints closer than the rounding of the values: two knots that
        coincide in exact arithmetic but were computed by two roundings (``-b/w`` of two
        neurons) sit an ulp apart, and the quotient across that ulp is noise.

    Examples
    --------
    >>> hat = PiecewiseLinear([-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], 0.0, 0.0)
    >>> hat([-2.0, 0.5]).tolist()
    [0.0, 0.5]
    >>> hat.curvature_mass()
    4.0
    """

    def __init__(self, breakpoints, values, left_slope: float, right_slope: float, *,
                 slopes=None):
        t = as_array(breakpoints, "breakpoints", ndim=1)
        v = as_array(values, "values", ndim=1)
        if v.shape != t.shape:
            raise ValueError(f"values must have shape {t.shape} like breakpoints, got {v.shape}")
        if np.any(np.diff(t) <= 0):
            raise ValueError("breakpoints must be strictly increasing")
        self.breakpoints = t
        self.values = v
        self.left_slope = as_float(left_slope, "left_slope")
        self.right_slope = as_float(right_slope, "right_slope")
        inner = np.diff(v) / np.diff(t) if slopes is None else as_array(
            slopes, "slopes", ndim=1, allow_empty=True)
        if inner.shape != (t.size - 1,):
            raise ValueError(f"slopes must have shape ({t.size - 1},), one per inner piece, "
                             f"got {inner.shape}")
        self._slopes = np.concatenate(([self.left_slope], inner, [self.right_slope]))
        for arr in (self.breakpoints, self.values, self._slopes):
            arr.setflags(write=False)

    @classmethod
    def from_jumps(cls, knots, jumps, *, intercept: float, slope: float) -> PiecewiseLinear:
        """Build ``intercept + slope * x + sum_k jumps_k * relu(x - knots_k)``.

        Knots may repeat (their jumps add) and come in any order. The slopes of the pieces
        are the partial sums of the jumps, exact however close two knots are. With no knots
        the result is affine and carries a single breakpoint at 0 with a zero jump.
        """
        e = as_array(knots, "knots", ndim=1, allow_empty=True)
        J = as_array(jumps, "jumps", ndim=1, allow_empty=True)
        if e.shape != J.shape:
            raise ValueError(f"jumps must have shape {e.shape} like knots, got {J.shape}")
        intercept, slope = as_float(intercept, "intercept"), as_float(slope, "slope")
        if e.size == 0:
            return cls([0.0], [intercept], slope, slope)
        t, inverse = np.unique(e, return_inverse=True)
        jump = np.bincount(inverse, weights=J, minlength=t.size)
        # f(t_k) = intercept + slope t_k + sum_{l<k} J_l (t_k - t_l)
        before = np.concatenate(([0.0], np.cumsum(jump)[:-1]))
        moment = np.concatenate(([0.0], np.cumsum(jump * t)[:-1]))
        values = intercept + slope * t + t * before - moment
        slopes = slope + np.cumsum(jump)
        return cls(t, values, slope, float(slopes[-1]), slopes=slopes[:-1])

    # ------------------------------------------------------------ evaluation
    @property
    def slopes(self) -> np.ndarray:
        """Slopes on the ``k + 1`` pieces, left to right; shape (k + 1,)."""
        return self._slopes

    def __call__(self, x) -> np.ndarray:
        """Evaluate at ``x`` (any shape); returns an array of the same shape."""
        x = as_array(x, "x", allow_empty=True)
        t, v, s = self.breakpoints, self.values, self.slopes
        piece = np.searchsorted(t, x, side="right")       # 0 .. k
        anchor = np.clip(piece - 1, 0, t.size - 1)         # breakpoint the piece starts from
        return v[anchor] + s[piece] * (x - t[anchor])

    def slope_jumps(self) -> np.ndarray:
        """Jump of the slope at each breakpoint (the point masses of ``f''``); shape (k,)."""
        return np.diff(self.slopes)

    def curvature_mass(self, interval=None) -> float:
        """Total variation of ``f'``, i.e. ``int |f''| = sum_k |jump_k|``.

        Parameters
        ----------
        interval : pair of float, optional
            ``(lo, hi)`` with ``lo < hi``: count only the jumps at breakpoints
            ``lo <= t_k <= hi`` (the variation of ``f'`` over the closed interval, so a jump at
            an end point counts). By default the whole real line.
        """
        jumps = np.abs(self.slope_jumps())
        if interval is not None:
            lo, hi = as_interval(interval)
            jumps = jumps[(self.breakpoints >= lo) & (self.breakpoints <= hi)]
        return float(jumps.sum())

    def curvature_near(self, centres, radius: float, *, metric: str = "x",
                       interval=None) -> float:
        """Fraction of the curvature mass at breakpoints within ``radius`` of a centre.

        :func:`mass_near` of the breakpoints and their slope jumps; with ``interval =
        (lo, hi)`` only the breakpoints in ``[lo, hi]`` count, in the mass and in the part
        near the centres (as in :meth:`curvature_mass`).
        """
        t, jump = self.breakpoints, self.slope_jumps()
        if interval is not None:
            lo, hi = as_interval(interval)
            keep = (t >= lo) & (t <= hi)
            t, jump = t[keep], jump[keep]
        return mass_near(t, jump, centres, radius, metric=metric)

    # ------------------------------------------------------------- structure
    def knots(self, tol: float = 0.0, merge: float = 0.0, interval=None) -> np.ndarray:
        """Positions of the knots (see :meth:`knot_clusters`); shape (q,).

        Like :meth:`relubook.model.ShallowNet.knots`, ``knots()`` is a position array on
        every object of the package.
        """
        return self.knot_clusters(tol=tol, merge=merge, interval=interval)[0]

    def knot_clusters(self, tol: float = 0.0, merge: float = 0.0,
                      interval=None) -> tuple[np.ndarray, np.ndarray]:
        """Knots as clusters of breakpoints, with their total slope jumps.

        Breakpoints closer than ``merge`` to their neighbour form one cluster, located at the
        jump-weighted mean position; a cluster is a knot when its total jump exceeds ``tol``
        in absolute value (jumps of opposite sign cancel). With ``interval = (lo, hi)`` only
        the knots whose position lies in ``[lo, hi]`` are returned (clusters are formed over
        all breakpoints first).

        Returns
        -------
        positions, jumps : ndarray, shape (q,)
        """
        tol = as_float(tol, "tol", nonnegative=True)
        merge = as_float(merge, "merge", nonnegative=True)
        t, J = self.breakpoints, self.slope_jumps()
        cluster = np.concatenate(([0], np.cumsum(np.diff(t) > merge)))
        total = np.bincount(cluster, weights=J)
        # jump-weighted mean position, as an offset from the cluster's first breakpoint (exact
        # for single breakpoints; the first breakpoint itself if all its jumps are zero)
        first = t[np.searchsorted(cluster, np.arange(total.size))]
        weight = np.bincount(cluster, weights=np.abs(J))
        offset = np.bincount(cluster, weights=np.abs(J) * (t - first[cluster]))
        centre = first + offset / np.where(weight > 0, weight, 1.0)
        keep = np.abs(total) > tol
        if interval is not None:
            lo, hi = as_interval(interval)
            keep &= (centre >= lo) & (centre <= hi)
        return centre[keep], total[keep]

    def knots_between(self, x_data, tol: float = 0.0, merge: float = 0.0) -> np.ndarray:
        """Number of knots strictly inside each gap between consecutive data points.

        A knot (see :meth:`knots`) counts for the gap ``(x_k, x_{k+1})`` of the sorted unique
        data when it lies more than ``merge`` away from both ends.

        Returns
        -------
        counts : ndarray of int, shape (n_unique - 1,)
        """
        x = np.unique(as_array(x_data, "x_data", ndim=1))
        if x.size < 2:
            raise ValueError("x_data must hold at least two distinct points")
        return knots_per_gap(self.knots(tol=tol, merge=merge), x, margin=merge)

    def knot_census(self, x_data, *, away: float, tol: float = 0.0, merge: float = 0.0,
                    interval=None) -> tuple[int, int]:
        """How many knots lie on the data range, and how many of them lie off the data.

        The knots are those of :meth:`knots` (``tol``, ``merge``) whose position lies in
        ``interval`` (by default the data range ``[min x_data, max x_data]``); a knot is off
        the data when its distance to every data point exceeds ``away``, i.e.
        :math:`\\min_i |e - x_i| > \\text{away}`.

        Parameters
        ----------
        x_data : array_like, shape (n,)
            Data inputs, any order.
        away : float
            Distance (>= 0) beyond which a knot counts as off the data.
        tol, merge : float
            Passed to :meth:`knots`.
        interval : pair of float, optional
            ``(lo, hi)``: the knots counted.

        Returns
        -------
        (knots, off) : tuple of int
            Number of knots in the interval, and of those farther than ``away`` from the data.
        """
        x = as_array(x_data, "x_data", ndim=1)
        away = as_float(away, "away", nonnegative=True)
        if interval is None:
            if not x.min() < x.max():
                raise ValueError("x_data must hold two distinct points when no interval is "
                                 "given")
            interval = (x.min(), x.max())
        pos = self.knots(tol=tol, merge=merge, interval=interval)
        return int(pos.size), int(np.sum(distance_to(pos, x) > away))

    def max_abs_diff(self, other: PiecewiseLinear, interval=None) -> float:
        """Exact ``sup |self - other|`` over the real line or over ``interval = (lo, hi)``.

        Over the whole line the result is ``inf`` when the outer slopes differ by more than
        rounding (a relative ``1e-12``); otherwise the supremum is attained at a breakpoint.
        """
        if not isinstance(other, PiecewiseLinear):
            raise TypeError(f"other must be a PiecewiseLinear, got {type(other).__name__}")
        points = np.union1d(self.breakpoints, other.breakpoints)
        if interval is None:
            for mine, theirs in ((self.left_slope, other.left_slope),
                                 (self.right_slope, other.right_slope)):
                if abs(mine - theirs) > 1e-12 * max(1.0, abs(mine), abs(theirs)):
                    return float("inf")
        else:
            lo, hi = as_interval(interval)
            points = np.concatenate(([lo, hi], points[(points > lo) & (points < hi)]))
        return float(np.max(np.abs(self(points) - other(points))))

    def __repr__(self) -> str:
        return (f"PiecewiseLinear({self.breakpoints.size} breakpoints on "
                f"[{self.breakpoints[0]:.4g}, {self.breakpoints[-1]:.4g}], "
                f"curvature mass {self.curvature_mass():.4g})")


# ------------------------------------------------------- knots against the data
def _positions_and_inputs(positions, x, margin) -> tuple[np.ndarray, np.ndarray, float]:
    """Validated knot positions (``+-inf`` allowed), sorted distinct inputs and margin."""
    e = as_array(positions, "positions", ndim=1, finite=False, allow_empty=True)
    if np.any(np.isnan(e)):
        raise ValueError("positions contains NaN")
    xs = np.unique(as_array(x, "x", ndim=1))
    if xs.size < 2:
        raise ValueError("x must hold at least two distinct points")
    return e, xs, as_float(margin, "margin", nonnegative=True)


def knots_per_gap(positions, x, *, margin: float = 1e-9) -> np.ndarray:
    """Number of knots strictly inside each gap between consecutive distinct inputs.

    A knot at ``e`` counts for the gap ``(x_k, x_{k+1})`` when
    ``x_k + margin < e < x_{k+1} - margin`` (knots at the data and outside the data range
    do not count).

    Parameters
    ----------
    positions : array_like, shape (q,)
        Knot positions (``+-inf`` allowed).
    x : array_like, shape (n,)
        Inputs, at least two distinct.
    margin : float
        Distance from the data below which a knot counts as sitting at a data point.

    Returns
    -------
    ndarray of int, shape (n_distinct - 1,)
    """
    e, xs, margin = _positions_and_inputs(positions, x, margin)
    gap = np.searchsorted(xs, e, side="right") - 1
    inside = (gap >= 0) & (gap < xs.size - 1)
    gap, e = gap[inside], e[inside]
    clear = (e - xs[gap] > margin) & (xs[gap + 1] - e > margin)
    return np.bincount(gap[clear], minlength=xs.size - 1)


def knots_per_closed_interval(positions, x, *,
                              margin: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    r"""Knots in each closed prediction interval, counted as Shevchenko et al. count them.

    The intervals are :math:`(-\infty, x_1], [x_1, x_2], \dots, [x_n, \infty)` for the sorted
    distinct inputs (the paper cuts the outer ones at :math:`\mp L`). A knot within
    ``margin`` of a data point sits *at* it and counts for both closed intervals that end
    there; infinite positions (constant directions) are not knots.

    Parameters
    ----------
    positions : array_like, shape (q,)
        Distinct knot positions (``+-inf`` allowed).
    x : array_like, shape (n,)
        Inputs, at least two distinct.
    margin : float
        Distance from the data below which a knot counts as sitting at a data point.

    Returns
    -------
    total : ndarray of int, shape (n_distinct + 1,)
        Knots in each closed interval, end points included.
    interior : ndarray of int, shape (n_distinct + 1,)
        Knots strictly inside it.
    """
    e, xs, margin = _positions_and_inputs(positions, x, margin)
    e = e[np.isfinite(e)]
    nearest = np.argmin(np.abs(e[:, None] - xs[None, :]), axis=1) if e.size else e.astype(int)
    at_data = np.abs(e - xs[nearest]) <= margin if e.size else e.astype(bool)
    interior = np.bincount(np.searchsorted(xs, e[~at_data]), minlength=xs.size + 1)
    ends = np.bincount(nearest[at_data], minlength=xs.size)
    return interior + np.r_[ends, 0] + np.r_[0, ends], interior


def _metric(metric) -> str:
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    return metric


def mass_near(positions, masses, centres, radius: float, *, metric: str = "x") -> float:
    r"""Fraction of :math:`\sum_k |m_k|` carried by positions within ``radius`` of a centre.

    The one measurement of "how much of the curvature sits near these points", for the knots
    of a network, the breakpoints of a :class:`PiecewiseLinear`
    (:meth:`PiecewiseLinear.curvature_near`) or a curvature density on a grid.

    Parameters
    ----------
    positions : array_like, shape (q,)
        Positions of the masses (``+-inf`` allowed with ``metric="angle"``).
    masses : array_like, shape (q,)
        Masses (their absolute values are used), e.g. slope jumps.
    centres : array_like, shape (p,)
        Reference points (``+-inf`` allowed with ``metric="angle"``).
    radius : float
        Window half-width (non-negative): a mass counts when its distance to some centre is
        at most ``radius``.
    metric : {"x", "angle"}
        As in :func:`distance_to`: ``"x"``: :math:`|e_k - c|`; ``"angle"``:
        :math:`|\arctan e_k - \arctan c|` in radians, the distance between the directions of
        two units (near the origin it is a distance in ``x``).

    Returns
    -------
    float in [0, 1] (0 when all masses vanish or there is no centre)
    """
    distance = distance_to(positions, centres, metric=metric)
    m = np.abs(as_array(masses, "masses", ndim=1, allow_empty=True))
    if m.shape != distance.shape:
        raise ValueError(f"masses must have shape {distance.shape} like positions, got "
                         f"{m.shape}")
    radius = as_float(radius, "radius", nonnegative=True)
    total = m.sum()
    return 0.0 if total == 0 else float(m[distance <= radius].sum() / total)


def distance_to(positions, centres, *, metric: str = "x") -> np.ndarray:
    r"""Distance from each position to its nearest centre; shape (q,) (``inf`` without
    centres).

    ``metric="x"``: :math:`\min_c |e - c|`; ``"angle"``: :math:`\min_c |\arctan e -
    \arctan c|` (``+-inf`` allowed). The one distance behind :func:`mass_near`,
    :meth:`PiecewiseLinear.knot_census` and :func:`relubook.regimes.curvature_off_data`.
    """
    metric = _metric(metric)
    finite = metric == "x"            # directions at +-inf are fine as angles
    e = as_array(positions, "positions", ndim=1, finite=finite, allow_empty=True)
    c = as_array(centres, "centres", ndim=1, finite=finite, allow_empty=True)
    if np.any(np.isnan(e)) or np.any(np.isnan(c)):
        raise ValueError("positions and centres must not contain NaN")
    if metric == "angle":
        e, c = np.arctan(e), np.arctan(c)
    return np.min(np.abs(e[:, None] - c[None, :]), axis=1, initial=np.inf)
