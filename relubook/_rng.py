"""Gaussian noise generated inside the compiled kernels: a counter-based stream.

Draw number ``i`` of the stream with key ``k`` is a pure function of ``(k, i)``: the
SplitMix64 output ``mix64(k + (i + 1) * GAMMA)`` (Steele, Lea and Flood's generator, whose
sequence passes BigCrush; ``mix64`` is its finaliser) turned into a standard Gaussian by the
ziggurat method of Marsaglia and Tsang (1024 layers, exact up to the rounding of the tables).
In 99.57 % of the draws the ziggurat needs two table look-ups, a comparison and a product;
the rest (wedges and the tail beyond ``R``) take further 64-bit words from a short SplitMix64
chain that starts at a hash of the draw's counter (not at the next counters, whose words are
the next draws), so that every draw still depends on ``(k, i)`` only.

Because a draw is addressed by its index, a kernel can make the noise of any step and any
parameter where it needs it: the stream does not depend on how the steps are cut into calls,
nor on the order of the loops. Keys come from :func:`key_from`; two keys give overlapping
windows of the same SplitMix64 sequence only if they differ by a multiple of ``GAMMA`` within
the length of a run, which for keys drawn at random has a probability of order
``length / 2**64``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_BRANCH = np.uint64(0xD1B54A32D192ED03)   # moves a slow draw's chain away from the counters
_LAYERS = 1024                     # a word's bits: 0-9 the layer, 10 the sign, 12-63 u
_LAYER = np.uint64(_LAYERS - 1)
_SIGN = np.uint64(10)
_U = np.uint64(12)
# R, the start of the tail, solves "the layers of equal area V = R f(R) + int_R^inf f close
# at the top: x_1023 (1 - f(x_1023)) = V" for the recursion of _tables (scipy's brentq on
# the residual; the same solve gives Marsaglia and Tsang's 3.6541528853610088 for 256
# layers, to one ulp); tests/test_backends.py checks the closure.
_R = 4.038849846109504
_V = 0.001226324646353089          # area of each layer (f(x) = exp(-x^2 / 2))
_TO_UNIT = 2.0 ** -53


def _tables():
    """``x_0 > x_1 = R > ... > x_1023 > x_1024 = 0``: layer ``i`` is ``[0, x_i] x [f(x_i),
    f(x_{i+1})]`` (layer 0 the base strip of width ``V / f(R)``, the tail included).

    Returns ``ki`` (accept the 52-bit ``u`` at once if ``u < ki[i]``, i.e. ``x < x_{i+1}``;
    integers stored as float64, exactly), ``wi`` (``x = u * wi[i]``) and ``fi = f(x_i)``
    (``fi[1024] = 1``)."""
    f = lambda t: np.exp(-0.5 * t * t)
    x = np.zeros(_LAYERS + 1)
    x[0], x[1] = _V / f(_R), _R
    for i in range(1, _LAYERS - 1):
        x[i + 1] = np.sqrt(-2.0 * np.log(_V / x[i] + f(x[i])))
    scale = 2.0 ** 52
    ki = np.floor(x[1:] / x[:-1] * scale)
    return ki, x[:-1] / scale, f(x)


_KI, _WI, _FI = _tables()


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
def _slow(z, u, i, negative):
    """The rare draws: the tail (layer 0, ``x > R``) or a wedge; ``z`` is the draw's
    counter, whose hash starts the chain of further words."""
    z = mix64(z ^ _BRANCH)
    while True:
        if i == 0:                          # tail: Marsaglia's method
            while True:
                z += GAMMA
                xt = -np.log(_unit(mix64(z))) / _R
                z += GAMMA
                yt = -np.log(_unit(mix64(z)))
                if yt + yt > xt * xt:
                    return -(_R + xt) if negative else _R + xt
        x = u * _WI[i]
        z += GAMMA
        if _FI[i] + _unit(mix64(z)) * (_FI[i + 1] - _FI[i]) < np.exp(-0.5 * x * x):
            return -x if negative else x
        z += GAMMA                          # rejected: a fresh draw of a layer
        w = mix64(z)
        i = int(w & _LAYER)
        negative = (w >> _SIGN) & np.uint64(1)
        u = float(np.int64(w >> _U))
        if u < _KI[i]:
            x = u * _WI[i]
            return -x if negative else x


@njit(cache=True)
def fill_normal(key, start, out):
    """``out[q]`` = draw ``start + q`` of the Gaussian stream with key ``key`` (uint64), for
    a flat ``out`` (float64 or float32).

    Two passes, so that the first vectorises: every draw's fast path, with a byte that
    flags the draws that miss it, then the rare slow draws, found eight flags at a time."""
    size = out.size
    flags = np.empty((size + 7) // 8 * 8, np.uint8)
    flags[size:] = 0
    first = key + (np.uint64(start) + np.uint64(1)) * GAMMA
    z = first
    for q in range(size):
        w = mix64(z)
        z += GAMMA
        i = w & _LAYER
        u = float(np.int64(w >> _U))        # 52 bits: exact
        x = u * _WI[i]
        out[q] = -x if (w >> _SIGN) & np.uint64(1) else x
        flags[q] = u >= _KI[i]
    words = flags.view(np.uint64)
    for g in range(words.size):
        if words[g]:
            for q in range(8 * g, min(8 * g + 8, size)):
                if flags[q]:
                    z = first + np.uint64(q) * GAMMA
                    w = mix64(z)
                    out[q] = _slow(z, float(np.int64(w >> _U)), int(w & _LAYER),
                                   (w >> _SIGN) & np.uint64(1))


def key_from(rng: np.random.Generator) -> np.uint64:
    """A key for the stream: one 64-bit draw of ``rng``."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))
