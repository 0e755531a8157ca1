"""Gaussian noise generated inside the compiled kernels: a counter-based stream.

Draw number ``i`` of the stream with key ``k`` is a pure function of ``(k, i)``: the
SplitMix64 output ``mix64(k + (i + 1) * GAMMA)`` (Steele, Lea and Flood's generator, whose
sequence passes BigCrush; ``mix64`` is its finaliser) turned into a standard Gaussian by the
ziggurat method of Marsaglia and Tsang (4096 layers of equal area, exact up to rounding).
The layers' widths lie on the grid ``2**-49 Z``, so that one 64-bit table entry holds both a
layer's width and a 12-bit threshold of its inscribed rectangle: in 99.84 % of the draws
the ziggurat needs one table look-up, a comparison and two products. The rest (the base
layer, the top layer, the wedges, the tail beyond ``R``) take further 64-bit words from a
short SplitMix64 chain that starts at a hash of the draw's counter (not at the next counters,
whose words are the next draws), so that every draw still depends on ``(k, i)`` only.
The tables are computed at import with the platform's ``math.exp`` and ``math.log``: a libm
that rounds one of them differently by an ulp can move a layer's width by one step of the
grid, which changes the stream bit for bit on that platform but not its distribution (the
closure of the layers has a margin of about 8e-14 against such changes, of about 1e-14).

Because a draw is addressed by its index, a kernel can make the noise of any step and any
parameter where it needs it: the stream does not depend on how the steps are cut into calls,
nor on the order of the loops. Keys come from :func:`key_from`; two keys give overlapping
windows of the same SplitMix64 sequence only if they differ by a multiple of ``GAMMA`` within
the length of a run, which for keys drawn at random has a probability of order
``length / 2**64``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_BRANCH = np.uint64(0xD1B54A32D192ED03)   # moves a slow draw's chain away from the counters
_LAYERS = 4096                     # a word's bits: 0-11 the layer, 12 the sign, 13-63 u
_LAYER = np.uint64(_LAYERS - 1)
_SIGN = np.uint64(12)
_U = np.uint64(13)                 # u = word >> 13, 51 bits, and x = u * x_i / 2**51
_TOP = np.uint64(52)               # u's top 12 bits, which the thresholds read
_WIDTH = np.uint64(12)             # a table entry: x_i * 2**49 in bits 12-63, threshold 0-11
_CODE = np.uint64(0xFFF)
_GRID = 2.0 ** 49                  # the layers' widths x_i are multiples of 1 / _GRID
_TO_X = 2.0 ** -100                # x = u * (x_i * 2**49) * 2**-100
# R, the start of the tail, is the largest point of the grid for which the layers of equal
# area V = R f(R) + int_R^inf f, stacked by the recursion of _tables, reach f(0) = 1 (the
# top layer overshoots it by 9e-14; bisection on R, then rounded down to the grid);
# tests/test_backends.py checks V and the closure.
_R = 4.385945034871304
_V = 0.00030615410327846585        # area of each layer (f(x) = exp(-x^2 / 2))
_TO_UNIT = 2.0 ** -53


def _tables():
    """The layers ``[0, x_i] x [y_i, y_{i+1}]``, ``i = 0 ... 4095``, of area ``V`` each: the
    base strip ``x_0 = V / f(R)``, ``y_0 = 0``, ``y_1 = f(R)`` (the tail beyond ``R``
    included); above it ``x_i`` is ``f^{-1}(y_i)`` rounded up to the grid (the layer covers
    the curve at its bottom) and ``y_{i+1} = y_i + V / x_i``.

    Returns ``packed`` (the fast path's one look-up: ``x_i * 2**49`` in bits 12-63 and, in
    bits 0-11, a threshold ``c_i``: a draw whose ``u`` has top 12 bits below ``c_i`` lies in
    the inscribed rectangle ``x < f^{-1}(y_{i+1})`` and is accepted at once; ``c_0 = c_4095
    = 0``: the base and the top layer always take the slow path), ``wi`` (``x = u * wi[i]``,
    the same product as the fast path's) and ``yi`` (length 4097)."""
    f = lambda t: math.exp(-0.5 * t * t)
    inverse = lambda y: math.sqrt(-2.0 * math.log(y))
    width, y = np.zeros(_LAYERS), np.zeros(_LAYERS + 1)
    y[1] = f(_R)
    width[0] = _V / y[1]
    for i in range(1, _LAYERS):
        width[i] = math.ceil(inverse(y[i]) * _GRID) / _GRID
        y[i + 1] = y[i] + _V / width[i]
    grid = np.ceil(width * _GRID)                   # x_0 is not on the grid: slow path
    wi = width * 2.0**-51                           # = grid * _TO_X exactly above x_0
    codes = np.zeros(_LAYERS, np.uint64)
    for i in range(1, _LAYERS - 1):                 # top 12 bits of u < c <=> u < c 2**39
        inner = inverse(y[i + 1])
        c = math.floor(inner / width[i] * 2.0**12)
        while c > 0 and (c * 2.0**39 - 1.0) * wi[i] > inner:    # rounded as the fast path
            c -= 1
        codes[i] = c
    packed = (grid.astype(np.uint64) << _WIDTH) | codes
    return packed, wi, y


_PACKED, _WI, _YI = _tables()


@njit(cache=True, inline="always")
def mix64(z):
    """The SplitMix64 finaliser (a bijection of 64-bit words)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _unit(z):
    """A uniform number in (0, 1] from the top 53 bits of ``z``."""
    return (float(z >> np.uint64(11)) + 1.0) * _TO_UNIT


@njit(cache=True)
def _slow(z, w):
    """A draw that missed the fast path (its word ``w``): the base layer (``x < R`` or the
    tail beyond ``R``), a wedge, or a point the fast path's 12-bit threshold left to the
    exact test; ``z`` is the draw's counter, whose hash starts the chain of further words."""
    z = mix64(z ^ _BRANCH)
    while True:
        i = int(w & _LAYER)
        x = float(np.int64(w >> _U)) * _WI[i]
        if (w >> _TOP) < (_PACKED[i] & _CODE):          # (a fresh word) the fast path
            break
        if i == 0:
            while x >= _R:                  # the tail beyond R: Marsaglia's method
                z += GAMMA
                xt = -np.log(_unit(mix64(z))) / _R
                z += GAMMA
                yt = -np.log(_unit(mix64(z)))
                if yt + yt > xt * xt:
                    return -(_R + xt) if (w >> _SIGN) & np.uint64(1) else _R + xt
            break
        z += GAMMA                          # a wedge: y uniform in the layer's band
        if _YI[i] + _unit(mix64(z)) * (_YI[i + 1] - _YI[i]) < np.exp(-0.5 * x * x):
            break
        z += GAMMA                          # rejected: a fresh word
        w = mix64(z)
    return -x if (w >> _SIGN) & np.uint64(1) else x


@njit(cache=True)
def fill_normal(key, start, out):
    """``out[q]`` = draw ``start + q`` of the Gaussian stream with key ``key`` (uint64), for
    a flat ``out`` (float64 or float32)."""
    fill(key, start, out, np.empty(out.size, np.uint8))


@njit(cache=True)
def fill(key, start, out, flags):
    """:func:`fill_normal` with ``flags`` (uint8, at least as long as ``out``) as scratch.

    Two passes, so that the first vectorises: every draw's fast path, with a byte that
    flags the draws that miss it and their count, then the rare slow draws (none in about
    half of the kernels' blocks of 512)."""
    size = out.size
    if flags.size < size:
        raise ValueError("flags is shorter than out")
    first = key + (np.uint64(start) + np.uint64(1)) * GAMMA
    z, slow = first, 0
    for q in range(size):
        w = mix64(z)
        z += GAMMA
        entry = _PACKED[w & _LAYER]
        x = float(np.int64(w >> _U)) * (float(np.int64(entry >> _WIDTH)) * _TO_X)
        out[q] = -x if (w >> _SIGN) & np.uint64(1) else x
        miss = (w >> _TOP) >= (entry & _CODE)
        flags[q] = miss
        slow += miss
    q = 0
    while slow:
        if flags[q]:
            z = first + np.uint64(q) * GAMMA
            out[q] = _slow(z, mix64(z))
            slow -= 1
        q += 1


def key_from(rng: np.random.Generator) -> np.uint64:
    """A key for the stream: one 64-bit draw of ``rng``."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))
