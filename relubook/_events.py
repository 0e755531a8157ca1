"""Gradient flow with located events: Runge--Kutta steps that stop where a knot crosses a point.

The gradient field of a ReLU network is smooth (polynomial) while the activation pattern
``P_ij = 1[<w_j, x_i> + b_j > 0]`` stays fixed, and jumps where a pre-activation ``z_ij``
changes sign. A fixed-step scheme that steps across such a crossing mixes the two fields
within one step and is only first-order accurate. Here every step integrates the field of
the pattern it started with, *frozen* (``relu(z)`` replaced by ``P z``, the mask by ``P``),
and checks the pattern at its end. If some ``z_ij`` changed sign, the crossing time is the
first root of the cubic Hermite interpolant of ``z_ij`` over the step (from ``z`` and
``dz/dt`` at both ends; its error is ``O(h^4)``, within the scheme's); the step is redone up
to that time, the pair's pattern flips, and the rest of the step continues with the new
field. The scheme then keeps its order across crossings.

Where the fields on both sides of a crossing push back towards it (a sliding mode of the
Filippov flow, which the ReLU flow enters when a knot settles on a data point), the
crossings would pile up without end; after ``_MAX_EVENTS`` events in one step, or at a
crossing closer to the start of a substep than ``_MIN_FRACTION`` of the step, the rest of
the step is taken with the pattern at its end, as the plain schemes do, so that such runs
degrade to first order instead of stalling.

The parameters are one flat vector ``theta = [a (m) | W (m*d) | b (m) | c]`` as in
:mod:`relubook._kernels`; the arithmetic is ``O(n m d)`` per field evaluation (loops over
the neurons that vectorise, no blocking; meant for the small networks whose flows a
chapter plots).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import _FASTMATH, _TABLEAUS

_MAX_EVENTS = 64        # events located in one step before the step falls back
_MIN_FRACTION = 1e-9    # an event this close to a substep's start is handled there
_EXIT_ITERATIONS = 3    # regula falsi steps for the time a sliding weight leaves [0, 1]


@njit(cache=True, fastmath=_FASTMATH)
def _preacts(X, th, m, d, Z):
    """``Z[i, j] = <w_j, x_i> + b_j`` at ``th`` (loops over the neurons innermost, so that
    they vectorise)."""
    n = X.shape[0]
    W, b = th[m:m + m * d], th[m + m * d:m + m * d + m]
    for i in range(n):
        Zi = Z[i]
        Zi[:] = b
        for k in range(d):
            xik = X[i, k]
            for j in range(m):
                Zi[j] += W[j * d + k] * xik


@njit(cache=True, fastmath=_FASTMATH)
def _velocity(X, y, th, P, slide, s, has_bias, train_c, Z, r, alpha, out):
    """``out = -grad L`` at ``th`` for the frozen pattern ``P`` (n, m), with the Filippov
    weight ``alpha[j]`` in place of ``P[i, j]`` in the backward pass of each sliding pair
    ``i = slide[j] >= 0``, chosen so that ``d z_ij / dt = 0``; returns the loss with the
    pattern ``P``.

    The backward pass weighs every pair by its pattern, in loops over the neurons that
    vectorise, then corrects the sliding pairs (weight ``alpha - P``)."""
    n, d = X.shape
    m = P.shape[1]
    hb = 1.0 if has_bias else 0.0
    _preacts(X, th, m, d, Z)
    a = th[:m]
    loss = 0.0
    for i in range(n):
        Zi, Pi, f = Z[i], P[i], 0.0
        for j in range(m):
            f += a[j] * Zi[j] if Pi[j] else 0.0
        res = s * f + th[-1] - y[i]
        loss += res * res
        r[i] = res / n
    out[:] = 0.0
    for i in range(n):
        Zi, Pi, ri = Z[i], P[i], s * r[i]
        for j in range(m):
            out[j] -= ri * Zi[j] if Pi[j] else 0.0
        for k in range(d):
            g = ri * X[i, k]
            for j in range(m):
                out[m + j * d + k] -= g * a[j] if Pi[j] else 0.0
        if has_bias:
            for j in range(m):
                out[m + m * d + j] -= ri * a[j] if Pi[j] else 0.0
    for j in range(m):
        si = slide[j]
        if si < 0:
            continue
        num = 0.0                           # weight of the sliding pair: d z / dt = 0
        for i in range(n):
            if P[i, j] and i != si:
                g = hb
                for k in range(d):
                    g += X[i, k] * X[si, k]
                num += r[i] * g
        den = hb
        for k in range(d):
            den += X[si, k] * X[si, k]
        den *= r[si]
        alpha[j] = -num / den if den != 0.0 else 0.0
        ri = s * r[si] * (alpha[j] - (1.0 if P[si, j] else 0.0))
        out[j] -= ri * Z[si, j]
        for k in range(d):
            out[m + j * d + k] -= ri * th[j] * X[si, k]
        if has_bias:
            out[m + m * d + j] -= ri * th[j]
    if train_c:
        out[-1] = -r.sum()
    return 0.5 * loss / n


@njit(cache=True, fastmath=_FASTMATH)
def _rk_step(X, y, th, P, slide, h, s, has_bias, train_c, tableau, Z, r, alpha, alpha0, K,
             tmp, out):
    """One step of size ``h`` of the explicit scheme ``tableau`` for the frozen field of
    ``P`` and ``slide``, from ``th`` into ``out``; ``K[0]`` is the velocity and ``alpha0``
    the sliding weights at ``th``."""
    alphas, betas, stages = tableau
    out[:] = th
    tmp[:] = th
    for st in range(stages):
        Ks = K[st]
        _velocity(X, y, tmp, P, slide, s, has_bias, train_c, Z, r, alpha, Ks)
        if st == 0:
            alpha0[:] = alpha
        hb, ha = h * betas[st], h * alphas[st]
        for q in range(th.size):
            out[q] += hb * Ks[q]
        if st < stages - 1:
            for q in range(th.size):
                tmp[q] = th[q] + ha * Ks[q]


@njit(cache=True, fastmath=_FASTMATH)
def _rate(v, X, i, j, m, d):
    """``d z_ij / dt`` for the velocity ``v``."""
    dz = v[m + m * d + j]
    for k in range(d):
        dz += v[m + j * d + k] * X[i, k]
    return dz


@njit(cache=True, fastmath=_FASTMATH)
def _exits(slide, alpha):
    """The first neuron whose sliding weight left ``[0, 1]``, or -1."""
    for j in range(slide.size):
        if slide[j] >= 0 and not (0.0 <= alpha[j] <= 1.0):
            return j
    return -1


@njit(cache=True)
def _first_root(z0, z1, v0, v1, h):
    """The first zero in ``(0, h]`` of the cubic Hermite interpolant with values ``z0``,
    ``z1`` and slopes ``v0``, ``v1`` at 0 and ``h``: a scan for the first change of sign
    from ``z0``'s side, then bisection; 0 if the interpolant never leaves that side."""
    c2 = (3.0 * (z1 - z0) / h - 2.0 * v0 - v1) / h
    c3 = (v0 + v1 - 2.0 * (z1 - z0) / h) / (h * h)
    side = z0 > 0.0
    lo, hi, grid = 0.0, -1.0, 16
    for q in range(1, grid + 1):
        t = h * q / grid
        if (z0 + t * (v0 + t * (c2 + t * c3)) > 0.0) != side:
            hi = t
            break
        lo = t
    if hi < 0.0:
        return 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if (z0 + mid * (v0 + mid * (c2 + mid * c3)) > 0.0) != side:
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=True, fastmath=_FASTMATH)
def _crossing(X, Z, Z1, P, slide, K0, v1, m, d, left):
    """The earliest located crossing of the substep: ``(time, i, j)``, ``i = -1`` if none.

    Sliding pairs are left out. A pair that starts on the wrong side of its pattern has
    just been flipped and sits on its knot (up to the error of the located step): it is no
    event while it stays near the knot, and a time of 0 (fall back) if it moves away."""
    n = X.shape[0]
    first, fi, fj = left, -1, -1
    for i in range(n):
        for j in range(m):
            if slide[j] == i or (Z1[i, j] > 0.0) == P[i, j]:
                continue
            if (Z[i, j] > 0.0) != P[i, j]:
                if abs(Z1[i, j]) <= abs(Z[i, j]):
                    continue
                t = 0.0
            else:
                t = _first_root(Z[i, j], Z1[i, j], _rate(K0, X, i, j, m, d),
                                _rate(v1, X, i, j, m, d), left)
            if fi < 0 or t < first:
                first, fi, fj = t, i, j
    return first, fi, fj


@njit(cache=True, fastmath=_FASTMATH)
def _changed(Z1, P, slide):
    for i in range(P.shape[0]):
        for j in range(P.shape[1]):
            if slide[j] != i and (Z1[i, j] > 0.0) != P[i, j]:
                return True
    return False


@njit(cache=True, fastmath=_FASTMATH)
def _exit_time(X, y, theta, P, slide, left, alpha0, s, has_bias, train_c, tableau, work):
    """When the first sliding weight leaves ``[0, 1]`` within ``(0, left]``: the earliest
    linear estimate over the neurons (from the weights at both ends), refined for that
    neuron by a few steps of regula falsi (Illinois). The field is continuous at an exit
    (weight 1 is the field of the active side, 0 of the inactive one), so a rough time
    costs little accuracy. Returns ``(time, neuron)``."""
    Zs, r, K, tmp, out, v1, alpha = work[2], work[4], work[5], work[6], work[7], work[8], \
        work[9]
    tx, jx, bound = left, -1, 0.0
    for j in range(slide.size):
        if slide[j] >= 0 and not (0.0 <= alpha[j] <= 1.0):
            edge = 1.0 if alpha[j] > 1.0 else 0.0
            t = left * (edge - alpha0[j]) / (alpha[j] - alpha0[j])
            t = min(max(t, 0.0), left)
            if jx < 0 or t < tx:
                tx, jx, bound = t, j, edge
    lo, glo = 0.0, alpha0[jx] - bound
    hi, ghi = left, alpha[jx] - bound
    if (glo > 0.0) == (ghi > 0.0):          # already outside at the start: exit now
        return 0.0, jx
    for _ in range(_EXIT_ITERATIONS):
        t = min(max((lo * ghi - hi * glo) / (ghi - glo), lo), hi)
        _rk_step(X, y, theta, P, slide, t, s, has_bias, train_c, tableau, Zs, r, alpha, alpha,
                 K, tmp, out)
        _velocity(X, y, out, P, slide, s, has_bias, train_c, Zs, r, alpha, v1)
        g = alpha[jx] - bound
        if (g > 0.0) == (ghi > 0.0):
            hi, ghi = t, g
            glo *= 0.5
        else:
            lo, glo = t, g
            ghi *= 0.5
    return hi, jx


@njit(cache=True, fastmath=_FASTMATH)
def _settle(X, y, theta, P, slide, i, j, s, has_bias, train_c, work):
    """Pair ``(i, j)`` has reached its knot: it slides if the fields on both sides push it
    back (``d z / dt > 0`` off, ``< 0`` on), else it flips to the side the fields lead to."""
    Z, Z1, Zs, Pt, r, K, tmp, out, v1, alpha, alpha0 = work
    m, d = P.shape[1], X.shape[1]
    was = P[i, j]
    P[i, j] = True
    _velocity(X, y, theta, P, slide, s, has_bias, train_c, Zs, r, alpha, v1)
    on = _rate(v1, X, i, j, m, d)
    P[i, j] = False
    _velocity(X, y, theta, P, slide, s, has_bias, train_c, Zs, r, alpha, v1)
    off = _rate(v1, X, i, j, m, d)
    if off > 0.0 and on < 0.0 and slide[j] < 0:
        slide[j] = i
        P[i, j] = was
    elif off > 0.0 and on > 0.0:
        P[i, j] = True
    elif off < 0.0 and on < 0.0:
        P[i, j] = False
    else:
        P[i, j] = not was


@njit(cache=True, fastmath=_FASTMATH)
def _event_flow(X, y, theta, s, has_bias, train_c, h, tableau, steps, P, slide, work):
    """``steps`` steps of size ``h`` with located events, in place on ``theta``; ``P`` the
    current pattern (n, m) and ``slide`` the sliding pair of each neuron (-1: none), kept
    between calls. Returns the loss, the number of events located and the number of steps
    that fell back."""
    Z, Z1, Zs, Pt, r, K, tmp, out, v1, alpha, alpha0 = work
    d = X.shape[1]
    m = P.shape[1]
    located, fallbacks = 0, 0
    for _ in range(steps):
        left, events = h, 0
        while left > 0.0:
            _rk_step(X, y, theta, P, slide, left, s, has_bias, train_c, tableau, Zs, r, alpha,
                     alpha0, K, tmp, out)
            _preacts(X, out, m, d, Z1)
            _velocity(X, y, out, P, slide, s, has_bias, train_c, Zs, r, alpha, v1)
            crossed, exited = _changed(Z1, P, slide), _exits(slide, alpha) >= 0
            if not (crossed or exited):     # no event: the step stands
                theta[:] = out
                break
            first, fi, fj = left, -1, -1
            if crossed:
                _preacts(X, theta, m, d, Z)
                first, fi, fj = _crossing(X, Z, Z1, P, slide, K[0], v1, m, d, left)
            tx, jx = left, -1
            if exited:
                tx, jx = _exit_time(X, y, theta, P, slide, left, alpha0.copy(), s, has_bias,
                                    train_c, tableau, work)
            if fi < 0 and jx < 0:           # only flipped pairs near their knots
                theta[:] = out
                break
            t = min(first if fi >= 0 else left, tx if jx >= 0 else left)
            if events >= _MAX_EVENTS:
                _rk_step(X, y, theta, P, slide, left, s, has_bias, train_c, tableau, Zs, r,
                         alpha, alpha0, K, tmp, out)
                theta[:] = out              # fall back: the rest with the end's pattern
                _preacts(X, theta, m, d, Z)
                for i in range(P.shape[0]):
                    for j in range(m):
                        P[i, j] = Z[i, j] > 0.0
                slide[:] = -1
                fallbacks += 1
                break
            if t >= _MIN_FRACTION * h:      # else the event is where the substep starts
                _rk_step(X, y, theta, P, slide, t, s, has_bias, train_c, tableau, Zs, r,
                         alpha, alpha0, K, tmp, out)
                theta[:] = out
            if jx >= 0 and (fi < 0 or tx <= first):
                _velocity(X, y, theta, P, slide, s, has_bias, train_c, Zs, r, alpha, v1)
                P[slide[jx], jx] = alpha[jx] > 0.5
                slide[jx] = -1
            else:
                _settle(X, y, theta, P, slide, fi, fj, s, has_bias, train_c, work)
            left -= t
            events += 1
            located += 1
    _preacts(X, theta, m, d, Z)
    for i in range(P.shape[0]):             # the true loss: the pattern of theta itself
        for j in range(m):
            Pt[i, j] = Z[i, j] > 0.0
    none = np.full(m, -1, np.int64)
    loss = _velocity(X, y, theta, Pt, none, s, has_bias, train_c, Zs, r, alpha, v1)
    return loss, located, fallbacks


class EventFlow:
    """The located-events flow bound to one run, with the ``flow`` method of
    :class:`relubook._kernels.Engine` (float64; the parameters ``P`` are views of
    :func:`relubook._kernels.views` and advance in place)."""

    def __init__(self, X, y, P):
        self.P = P
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        n, m = self.X.shape[0], P[3].shape[0]
        W, b = P[3], P[4]
        self.pattern = (self.X @ W.T + b) > 0.0
        self.slide = np.full(m, -1, np.int64)
        size = P[0].size
        self.work = (np.empty((n, m)), np.empty((n, m)), np.empty((n, m)),
                     np.empty((n, m), np.bool_), np.empty(n), np.empty((4, size)),
                     np.empty(size), np.empty(size), np.empty(size), np.zeros(m), np.zeros(m))
        self.located = self.fallbacks = 0

    def flow(self, s, has_bias, train_c, h, method, steps) -> float:
        """``steps`` steps of size ``h`` of ``method`` (a tableau of
        :mod:`relubook._kernels`) with located events; returns the loss at the end."""
        alphas, betas, stages = _TABLEAUS[method]
        loss, located, fallbacks = _event_flow(self.X, self.y, self.P[0], float(s), bool(has_bias),
                                    bool(train_c), float(h),
                                    (np.array(alphas), np.array(betas), stages), int(steps),
                                    self.pattern, self.slide, self.work)
        self.located += located
        self.fallbacks += fallbacks
        return loss
