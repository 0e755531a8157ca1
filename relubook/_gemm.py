"""The dense backend for several inputs, with blocked matrix products (BLAS through numba).

A network with ``d > 1`` inputs spends its step in two products per block of neurons: the
pre-activations ``Z_b = W_b X^T + b_b`` (block ``b`` of ``_GEMM_BLOCK`` neurons, shape
``(nb, n)``) and the backward sums ``PW_b = M_b X`` with ``M_qi = r_i 1[z_qi > 0]``, shape
``(nb, d)``. Both go to BLAS (``np.dot`` inside numba calls the ``dgemm``/``sgemm`` of SciPy's
BLAS), everything else is one elementwise pass over ``Z_b``. The fused order is the one of
:func:`relubook._kernels._engine`: for each block, its gradient at the current point (from
the residuals of the last forward pass), its update, and its contribution to the forward pass
at the new point, whose ``Z_b`` is kept (an ``(m, n)`` array) for the next step's backward
pass, so that a step costs two products and not three.

The parameters are used in their own layout: ``W`` is the ``(m, d)`` block of ``theta``, so
a block of neurons is a contiguous ``(nb, d)`` matrix and its flat view lines up with a row
of Langevin noise. The update of every parameter is :func:`relubook._kernels._update`, so the
schemes (gradient descent, Euler, Heun, RK4, Langevin) are the same code as for one input.

**Fewer points than inputs** (``n <= d``, no noise, no weight decay): every gradient of ``W``
is a combination of the inputs, ``dL/dW = D X`` with ``D_ji = s a_j r_i 1[z_ji > 0]``, so
within a call ``W = W_0 + C X`` with ``C`` of shape ``(m, n)``, and the pre-activations are
``Z = Z_0 + C G + b`` with ``Z_0 = W_0 X^T`` and the Gram matrix ``G = X X^T``. The span
kernel (:func:`_span_engine`) runs the same schemes on ``C`` (velocity ``-D``) and needs one
product of ``nb x n x n`` per block and stage instead of two of ``nb x n x d``; ``W`` is
brought up to date, ``W <- W_0 + C X``, only when a snapshot is taken
(:meth:`GemmEngine.sync`). This is the orthogonal backend's idea (there ``G`` is diagonal
and the product elementwise) for any inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import (
    _FASTMATH,
    _TABLEAUS,
    EULER,
    _output_bias,
    _residual,
    _stage_buffers,
    _tableau,
    _typed,
    _update,
)

# _rng 8: numba's cache key is this file's text only; bump when _rng.py changes
from ._rng import fill

_GEMM_BLOCK = 256      # neurons per block: Z_b and M_b (nb x n) stay in L2 for n up to ~100


@njit(cache=True, fastmath=_FASTMATH)
def _forward_block(XT, ea, eW, eb, Z, acc, j0, j1):
    """``Z[j0:j1] = W_b X^T + b_b`` at the point ``(ea, eW, eb)``; ``acc += a_b relu(Z_b)``."""
    Zb = Z[j0:j1]
    np.dot(eW[j0:j1], XT, Zb)
    zero = Z.dtype.type(0.0)
    n = Z.shape[1]
    for q in range(j1 - j0):
        bq, aq, zq = eb[j0 + q], ea[j0 + q], Zb[q]
        for i in range(n):
            v = zq[i] + bq
            zq[i] = v
            acc[i] += aq * max(v, zero)


@njit(cache=True, fastmath=_FASTMATH)
def _gradient_block(X, r, ea, eW, eb, Z, M, PW, P1, ga, j0, j1, s, sb):
    """Gradient of neurons ``j0..j1-1`` at the point whose pre-activations are ``Z[j0:j1]``:
    ``dL/da`` into ``ga``, ``dL/dW`` into ``PW`` (nb, d) and ``dL/db`` into ``P1``."""
    nb, n, d = j1 - j0, Z.shape[1], X.shape[1]
    zero = r.dtype.type(0.0)
    Mb, PWb = M[:nb], PW[:nb]
    for q in range(nb):
        zq, mq = Z[j0 + q], Mb[q]
        t = zero
        for i in range(n):
            v = r[i] if zq[i] > 0.0 else zero
            mq[i] = v
            t += v
        P1[q] = t
    np.dot(Mb, X, PWb)
    for q in range(nb):
        j = j0 + q
        wq, pq = eW[j], PWb[q]
        g = eb[j] * P1[q]
        for k in range(d):
            g += wq[k] * pq[k]
        ga[q] = s * g
        sa = s * ea[j]
        for k in range(d):
            pq[k] *= sa
        P1[q] *= sb * ea[j]


@njit(cache=True, fastmath=_FASTMATH)
def _update_block(theta, point, vsum, ga, pw, P1, na, nw, nbias, j0, j1, has_bias, h, gscale,
                  wd, ns, alpha, beta, stage, stages):
    """Stage ``stage`` of the update of neurons ``j0..j1-1`` from their gradient (``ga``,
    flat ``pw``, ``P1``) and noise (``na``, ``nw``, ``nbias``, read only if ``ns != 0``)."""
    a, w, W, b, c = theta
    ea, ew, eW, eb = point
    sa, sw, sW, sbb = vsum
    nb, d = j1 - j0, W.shape[1]
    _update(a[j0:j1], ea[j0:j1], sa[j0:j1], ga[:nb], na, h, gscale, wd, ns, alpha, beta,
            stage, stages)
    _update(w[j0 * d:j1 * d], ew[j0 * d:j1 * d], sw[j0 * d:j1 * d], pw[:nb * d], nw, h,
            gscale, wd, ns, alpha, beta, stage, stages)
    if has_bias:
        _update(b[j0:j1], eb[j0:j1], sbb[j0:j1], P1[:nb], nbias, h, gscale, wd, ns, alpha,
                beta, stage, stages)


@njit(cache=True, fastmath=_FASTMATH)
def _gemm_engine(data, work, theta, point, vsum, s, has_bias, train_c, h, wd, gscale, noise,
                 ns, tableau, steps, key, first):
    """:func:`relubook._kernels._engine` for ``d > 1`` inputs with blocked matrix products.

    ``data = (X, XT, ys)`` (``X`` (n, d), ``XT`` its contiguous transpose); ``work`` the
    scratch of :func:`_prepare`; ``theta = (a, w, W, b, c)`` with ``w`` the flat view of
    ``W`` (m, d); ``point`` and ``vsum`` alike without ``c``. Step ``t`` of a one-stage
    scheme adds ``ns`` times row ``t % len(noise)`` of ``noise`` (laid out like ``theta``
    without ``c``), or, if its rows are empty, the block's part of row ``first + t`` of the
    Gaussian stream ``key`` (:mod:`relubook._rng`). Returns the loss at the end.
    """
    X, XT, ys = data
    acc, r, Z, M, PW, pw, P1, ga, empty, gen = work
    a, W, c = theta[0], theta[2], theta[4]
    ea, eW, eb = point[0], point[2], point[3]
    alphas, betas, stages = tableau
    m, d = a.size, W.shape[1]
    wb0 = m + m * d
    sb = s if has_bias else s - s
    generate = noise.shape[1] == 0 and ns != 0.0
    flags = np.empty(gen.size if generate else 0, np.uint8)   # the stream's scratch
    for j0 in range(0, m, _GEMM_BLOCK):
        _forward_block(XT, ea, eW, eb, Z, acc, j0, min(m, j0 + _GEMM_BLOCK))
    loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, c[0])
    vc = 0.0
    for t in range(steps):
        row = noise[t % noise.shape[0]]
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            for j0 in range(0, m, _GEMM_BLOCK):
                j1 = min(m, j0 + _GEMM_BLOCK)
                nb = j1 - j0
                _gradient_block(X, r, ea, eW, eb, Z, M, PW, P1, ga, j0, j1, s, sb)
                if generate:                # laid out as the block's a | w | b
                    base = np.uint64(first + t) * np.uint64(wb0 + m)
                    fill(key, base + np.uint64(j0), gen[:nb], flags)
                    fill(key, base + np.uint64(m + j0 * d), gen[nb:nb + nb * d], flags)
                    if has_bias:
                        fill(key, base + np.uint64(wb0 + j0), gen[nb + nb * d:nb + nb * d + nb],
                             flags)
                    _update_block(theta, point, vsum, ga, pw, P1, gen[:nb],
                                  gen[nb:nb + nb * d], gen[nb + nb * d:nb + nb * d + nb], j0,
                                  j1, has_bias, h, gscale, wd, ns, alpha, beta, st, stages)
                else:
                    _update_block(theta, point, vsum, ga, pw, P1, row[j0:j1],
                                  row[m + j0 * d:m + j1 * d], row[wb0 + j0:wb0 + j1], j0, j1,
                                  has_bias, h, gscale, wd, ns, alpha, beta, st, stages)
                _forward_block(XT, ea, eW, eb, Z, acc, j0, j1)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, ec)
    return loss


@njit(cache=True, fastmath=_FASTMATH)
def _span_forward_block(G, Z0, ea, eC, eb, Z, acc, j0, j1):
    """``Z[j0:j1] = Z0_b + C_b G + b_b`` at the point ``(ea, eC, eb)``; ``acc += a_b relu(Z_b)``."""
    Zb = Z[j0:j1]
    np.dot(eC[j0:j1], G, Zb)
    zero = Z.dtype.type(0.0)
    n = Z.shape[1]
    for q in range(j1 - j0):
        bq, aq, zq, z0 = eb[j0 + q], ea[j0 + q], Zb[q], Z0[j0 + q]
        for i in range(n):
            v = zq[i] + z0[i] + bq
            zq[i] = v
            acc[i] += aq * max(v, zero)


@njit(cache=True, fastmath=_FASTMATH)
def _span_gradient_block(r, ea, Z, PC, P1, ga, j0, j1, s, sb):
    """Gradient of neurons ``j0..j1-1`` in the coordinates ``C``: ``dL/da`` into ``ga``,
    ``D_b`` (``dL/dW_b = D_b X``) into ``PC`` (nb, n), ``dL/db`` into ``P1``."""
    zero = r.dtype.type(0.0)
    for q in range(j1 - j0):
        j = j0 + q
        zq, pq = Z[j], PC[q]
        sa = s * ea[j]
        t, g = zero, zero
        for i in range(Z.shape[1]):
            v = r[i] if zq[i] > 0.0 else zero
            t += v
            g += v * zq[i]                  # r_i relu(z_i)
            pq[i] = sa * v
        ga[q] = s * g
        P1[q] = sb * ea[j] * t


@njit(cache=True, fastmath=_FASTMATH)
def _span_engine(G, ys, Z0, work, theta, point, vsum, s, has_bias, train_c, h, one, zero,
                 tableau, steps):
    """:func:`_gemm_engine` without noise or weight decay on ``theta = (a, c, C, b, cbias)``,
    ``C`` (m, n) the coefficients of the inputs in ``W - W_0`` and ``c`` its flat view
    (``point`` and ``vsum`` alike without ``cbias``). Returns the loss at the end."""
    acc, r, Z, PC, pc, P1, ga, empty = work
    a, c = theta[0], theta[4]
    ea, eC, eb = point[0], point[2], point[3]
    alphas, betas, stages = tableau
    m = a.size
    sb = s if has_bias else zero
    for j0 in range(0, m, _GEMM_BLOCK):
        _span_forward_block(G, Z0, ea, eC, eb, Z, acc, j0, min(m, j0 + _GEMM_BLOCK))
    loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, c[0])
    vc = 0.0
    for _ in range(steps):
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            for j0 in range(0, m, _GEMM_BLOCK):
                j1 = min(m, j0 + _GEMM_BLOCK)
                _span_gradient_block(r, ea, Z, PC, P1, ga, j0, j1, s, sb)
                _update_block(theta, point, vsum, ga, pc, P1, empty, empty, empty, j0, j1,
                              has_bias, h, one, zero, zero, alpha, beta, st, stages)
                _span_forward_block(G, Z0, ea, eC, eb, Z, acc, j0, j1)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, ec)
    return loss


def step_cost(n: int, m: int, d: int) -> int:
    """Cost of one step in the units of :func:`relubook._kernels.step_cost` (a point and
    neuron of the one-input dense step, about 0.4 ns): the products run at about a quarter
    of that per point, neuron and input (``min(n, d)`` inputs: see the span kernel), the
    elementwise passes at about two."""
    return n * m * (min(n, d) // 4 + 2)


def _prepare(X, y, m, dtype):
    """Data and scratch arrays of :func:`_gemm_engine` in the precision ``dtype``."""
    n, d = X.shape
    X = np.ascontiguousarray(X, dtype=dtype)
    pw = np.empty(_GEMM_BLOCK * d, dtype)
    work = (np.zeros(n, dtype), np.empty(n, dtype), np.empty((m, n), dtype),
            np.empty((_GEMM_BLOCK, n), dtype), pw.reshape(_GEMM_BLOCK, d), pw,
            np.empty(_GEMM_BLOCK, dtype), np.empty(_GEMM_BLOCK, dtype), np.zeros(0, dtype),
            np.zeros(_GEMM_BLOCK * (d + 2), dtype))
    return (X, np.ascontiguousarray(X.T), np.ascontiguousarray(y, dtype=dtype)), work


def _with_matrix(arrays, m, d):
    """``(a, w, b)`` -> ``(a, w, W, b)`` with ``W`` the (m, d) view of the flat ``w``."""
    a, w, b = arrays
    return a, w, w.reshape(m, d), b


class GemmEngine:
    """The dense backend for ``d > 1`` inputs (blocked matrix products), with the interface
    of :class:`relubook._kernels.Engine`: every call advances the parameters ``P`` (views of
    :func:`relubook._kernels.views`, float64 or float32) in place and returns the loss."""

    def __init__(self, X, y, P):
        self.P, self.dtype = P, P[0].dtype
        self.m, self.d = P[3].shape
        self.data, self.work = _prepare(X, y, self.m, self.dtype)
        self.noiseless = np.zeros((1, 0), self.dtype)
        self.tableaus = {method: _tableau(method, self.dtype) for method in _TABLEAUS}
        n = X.shape[0]
        self.span = n <= self.d                 # the span kernel: see the module docstring
        self.moved = False                      # whether C holds steps not yet in W
        if self.span:
            X = self.data[0]
            C = np.zeros((self.m, n), self.dtype)
            self.G, self.C, self.Z0 = X @ X.T, C, np.empty_like(C)
            acc, r, Z, _, _, _, P1, ga, empty, _ = self.work
            pc = np.empty(_GEMM_BLOCK * n, self.dtype)
            self.span_work = (acc, r, Z, pc.reshape(_GEMM_BLOCK, n), pc, P1, ga, empty)

    def _run_span(self, s, has_bias, train_c, h, method, steps) -> float:
        """The span kernel, continuing from the coefficients ``C`` of earlier calls (``W``
        itself is brought up to date by :meth:`sync`)."""
        P, C, X = self.P, self.C, self.data[0]
        if not self.moved:                     # W is current: start the coordinates at it
            np.dot(P[3], X.T, out=self.Z0)
            C[:] = 0
            self.moved = True
        flat = (P[1], C.reshape(-1), P[4])
        point, vsum = _stage_buffers(method, flat)
        theta = (*_with_matrix(flat, *C.shape), P[5])
        s, h, one, zero = _typed(self.dtype, s, h, 1.0, 0.0)
        return _span_engine(self.G, self.data[2], self.Z0, self.span_work, theta,
                            _with_matrix(point, *C.shape), _with_matrix(vsum, *C.shape), s,
                            bool(has_bias), bool(train_c), h, one, zero,
                            self.tableaus[method], int(steps))

    def sync(self) -> None:
        """Bring ``W`` up to date after span-kernel calls: ``W <- W + C X`` (for snapshots;
        the next call starts its coordinates afresh)."""
        if self.moved:
            W = self.P[3]
            W += self.C @ self.data[0]
            self.moved = False

    def _run(self, s, has_bias, train_c, h, wd, gscale, noise, ns, method, steps,
             key=np.uint64(0), first=0) -> float:  # noqa: B008 (a constant)
        if self.span and ns == 0.0 and wd == 0.0 and gscale == 1.0:
            return self._run_span(s, has_bias, train_c, h, method, steps)
        self.sync()
        P, m, d = self.P, self.m, self.d
        flat = (P[1], P[0][m:m + m * d], P[4])
        point, vsum = _stage_buffers(method, flat)
        theta = (*_with_matrix(flat, m, d), P[5])
        s, h, wd, gscale, ns = _typed(self.dtype, s, h, wd, gscale, ns)
        return _gemm_engine(self.data, self.work, theta, _with_matrix(point, m, d),
                            _with_matrix(vsum, m, d), s, bool(has_bias), bool(train_c), h, wd,
                            gscale, noise, ns, self.tableaus[method], int(steps),
                            np.uint64(key), int(first))

    def gd(self, s, has_bias, train_c, lr, wd, steps) -> float:
        """As :meth:`relubook._kernels.Engine.gd`."""
        return self._run(s, has_bias, train_c, lr, wd, 1.0, self.noiseless, 0.0, EULER,
                         steps)

    def flow(self, s, has_bias, train_c, h, method, steps) -> float:
        """As :meth:`relubook._kernels.Engine.flow`."""
        return self._run(s, has_bias, train_c, h, 0.0, 1.0, self.noiseless, 0.0, method,
                         steps)

    def langevin(self, s, has_bias, lr, wd, noise_scale, noise) -> float:
        """As :meth:`relubook._kernels.Engine.langevin`."""
        return self._run(s, has_bias, False, lr, wd, float(self.m), noise, noise_scale, EULER,
                         noise.shape[0])

    def langevin_stream(self, s, has_bias, lr, wd, noise_scale, key, first, steps) -> float:
        """As :meth:`relubook._kernels.Engine.langevin_stream`."""
        return self._run(s, has_bias, False, lr, wd, float(self.m), self.noiseless,
                         noise_scale, EULER, steps, key, first)
