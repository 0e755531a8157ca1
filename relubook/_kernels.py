"""Compiled kernels of the training engine (numba, single-threaded, float64 or float32).

The parameters live in one flat vector ``theta = [a (m) | w (m*d) | b (m) | c]`` and the
entry points see it through a tuple of views ``P = (theta, a, w1, W, b, c)``: ``w1`` is
``w`` as an ``(m,)`` array (used when ``d == 1``; a dummy otherwise), ``W`` the same memory
as ``(m, d)``, and ``c`` a length-1 view. Gradients use the same layout ``G``.

The entry points are :class:`Engine` (dense and sorted backends for one input: its methods
``gd``, ``flow``, ``langevin`` and ``langevin_stream``), :class:`OrthogonalBasis` and
:func:`loss`; networks with several inputs on general data use
:class:`relubook._gemm.GemmEngine` (blocked matrix products), which shares this module's
update rules. An ``Engine`` prepares the data and scratch arrays of a run once; each call
runs the compiled ``_engine``, which does thousands of steps. Inside, the input weights are
held as ``WT``, shape ``(1, m)``, a view of ``w1``: updates go straight into ``theta``.

Every step (every stage of a Runge--Kutta step) is one fused sweep over blocks of ``_BLOCK``
neurons: the gradient of the block at the current point, its update, and its contribution to
the forward pass at the new point, all while the block is in L1. The gradient is closed form
(``relu'(0) = 0``: neuron ``j`` is active at ``x_i`` iff ``<w_j, x_i> + b_j > 0``); no
``n x m`` array is ever formed. With ``r_i = (f(x_i) - y_i) / n`` and the sums
``PW_j = sum_i r_i x_i 1[z_ij > 0]``, ``P1_j = sum_i r_i 1[z_ij > 0]``:
``dL/da_j = s (<w_j, PW_j> + b_j P1_j)``, ``dL/dw_j = s a_j PW_j``, ``dL/db_j = s a_j P1_j``
and ``dL/dc = sum_i r_i``.

Two backends compute the sums and the forward pass, with the same decision rule:

- dense, ``O(n m)`` per step: loops over points and, inside, over the neurons of a block
  (for several inputs only :func:`loss` uses the scalar loops);
- sorted (one input and ``n >= _SORTED_MIN_N``), ``O(n + m)`` per step: with the inputs
  sorted, each neuron is active on a suffix (``w_j >= 0``) or a prefix (``w_j < 0``) of the
  points, so it keeps the index ``k_j`` where its active set starts or ends. Its sums are
  entries of suffix or prefix sums of ``r x`` and ``r``; the forward pass adds
  ``(a_j w_j, a_j b_j)`` to bin ``k_j`` and takes cumulative sums over the bins. After an
  update a neuron tests the points next to its boundary (with the same ``w x + b > 0``) and
  moves ``k_j`` only while its pattern changed. The indices stay in the ``Engine``'s scratch
  space between the calls of a run; :func:`step_cost` tells the caller how much one step
  costs, for sizing its chunks.

A third backend serves several inputs that are pairwise orthogonal (:class:`OrthogonalBasis`):
it evolves the pre-activations ``u_kj = <w_j, x_k> + b_j`` themselves. The gradient of
``w_j`` is a combination of the inputs, so its inner product with ``x_k`` keeps one term:
``d u_kj / dt = -s a_j r_k ||x_k||^2 1[u_kj > 0] - dL/db_j``, and a step is elementwise in
``U``, ``O(n m)`` instead of ``O(n m d)``; the part of ``w_j`` off the span of the inputs
does not move (it only decays under weight decay). ``W`` is recovered when a snapshot is taken.

The dense and orthogonal backends also run in float32 (about 1.5 to 2 times faster on the
dense path): every constant of an inner loop takes the type of the data
(``arr.dtype.type(0.0)``, ``s - s``), because one float64 literal would silently turn the
loop into float64. The loss and ``sum_i r_i`` are accumulated in float64 in both precisions;
everything else is in the precision of the run. Langevin noise may come in float32 while the
parameters stay float64, or be made inside the kernel, block by block, from the
counter-based Gaussian stream of :mod:`relubook._rng` (``langevin_stream``).

A few compiled functions, one specialisation per precision, keep the first (cold)
compilation short; ``cache=True`` stores them for later processes. Each entry point returns
the loss at its final parameters.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# _rng 3: numba's cache key is this file's text only; bump when _rng.py changes
from ._rng import fill_normal

# Reassociation and contraction let LLVM vectorise the reductions; NaN/inf semantics are
# kept (no 'nnan'/'ninf'), so a diverging run is still detected.
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

HEUN, RK4, EULER = 0, 1, 2
# Explicit Runge--Kutta schemes whose stage points all start from theta:
# (next-point coefficients, weights of the stage velocities, number of stages)
_TABLEAUS = {
    EULER: ((0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), 1),
    HEUN: ((1.0, 0.0, 0.0, 0.0), (0.5, 0.5, 0.0, 0.0), 2),
    RK4: ((0.5, 0.5, 1.0, 0.0), (1 / 6, 1 / 3, 1 / 3, 1 / 6), 4),
}

_BLOCK = 512           # neurons per block of a sweep (the block's arrays stay in L1)
_SORTED_MIN_N = 24     # one input and at least this many points: the sorted backend (measured)
_UNKNOWN = np.uint64(2**64 - 1)   # boundary code not yet known


def views(theta: np.ndarray, m: int, d: int) -> tuple:
    """The tuple ``(theta, a, w1, W, b, c)`` of views into a flat parameter vector."""
    W = theta[m:m + m * d].reshape(m, d)
    w1 = theta[m:2 * m] if d == 1 else theta[:0]
    return theta, theta[:m], w1, W, theta[m + m * d:m + m * d + m], theta[-1:]


# --------------------------------------------------------------- dense backend
@njit(cache=True, fastmath=_FASTMATH)
def _preactivation(X, i, WT, bb, z, j0, j1):
    """``z[q] = <w_j, x_i> + b_j`` for ``j = j0 + q`` (several inputs)."""
    for q in range(j1 - j0):
        z[q] = bb[q]
    for k in range(WT.shape[0]):
        wk, xik = WT[k, j0:j1], X[i, k]
        for q in range(j1 - j0):
            z[q] += wk[q] * xik


@njit(cache=True, fastmath=_FASTMATH)
def _dense_forward(xs, X, a, WT, b, acc, z, j0, j1):
    """``acc_i += sum_{j0 <= j < j1} a_j relu(<w_j, x_i> + b_j)``."""
    n, d, nb = acc.size, WT.shape[0], j1 - j0
    ab, bb = a[j0:j1], b[j0:j1]
    zero = acc.dtype.type(0.0)              # typed, so that float32 stays float32
    if d == 1:
        wb = WT[0, j0:j1]
        for i in range(0, n - 1, 2):        # two points per pass over the block
            x0, x1 = xs[i], xs[i + 1]
            t0, t1 = zero, zero
            for q in range(nb):
                t0 += ab[q] * max(wb[q] * x0 + bb[q], zero)
                t1 += ab[q] * max(wb[q] * x1 + bb[q], zero)
            acc[i] += t0
            acc[i + 1] += t1
        if n % 2:
            x0, t0 = xs[n - 1], zero
            for q in range(nb):
                t0 += ab[q] * max(wb[q] * x0 + bb[q], zero)
            acc[n - 1] += t0
    else:
        for i in range(n):
            _preactivation(X, i, WT, bb, z, j0, j1)
            t0 = zero
            for q in range(nb):
                t0 += ab[q] * max(z[q], zero)
            acc[i] += t0


@njit(cache=True, fastmath=_FASTMATH)
def _dense_sums(xs, r, w, b, p0, P1, j0, j1):
    """``p0[q] = sum_i r_i x_i 1[z_ij > 0]``, ``P1[q] = sum_i r_i 1[z_ij > 0]``, j = j0+q
    (one input)."""
    n, nb = r.size, j1 - j0
    wb, bb = w[j0:j1], b[j0:j1]
    zero = r.dtype.type(0.0)
    for q in range(nb):
        P1[q] = 0.0
        p0[q] = 0.0
    for i in range(0, n - 1, 2):
        r0, r1, x0, x1 = r[i], r[i + 1], xs[i], xs[i + 1]
        rx0, rx1 = r0 * x0, r1 * x1
        for q in range(nb):
            on0 = wb[q] * x0 + bb[q] > 0.0
            on1 = wb[q] * x1 + bb[q] > 0.0
            p0[q] += (rx0 if on0 else zero) + (rx1 if on1 else zero)
            P1[q] += (r0 if on0 else zero) + (r1 if on1 else zero)
    if n % 2:
        r0, x0 = r[n - 1], xs[n - 1]
        rx0 = r0 * x0
        for q in range(nb):
            on0 = wb[q] * x0 + bb[q] > 0.0
            p0[q] += rx0 if on0 else zero
            P1[q] += r0 if on0 else zero


# -------------------------------------------------------------- sorted backend
@njit(cache=True, fastmath=_FASTMATH)
def _sorted_forward(xe, a, w, b, kk, bins_a, bins_b, j0, j1):
    """Boundary codes of neurons ``j0..j1-1`` at their current weights, and their bins.

    Code ``k`` (``w >= 0``: active on the points ``k..n-1``) or ``n + 1 + k`` (``w < 0``:
    active on ``0..k-1``). A code is walked from the stored one, or found by bisection when
    the stored one is ``_UNKNOWN``. Unsigned indices spare numba's negative-index checks.
    """
    n = np.uint64(xe.size - 2)
    n1, zero, one = n + np.uint64(1), np.uint64(0), np.uint64(1)
    for j in range(j0, j1):
        wj, bj, code = w[j], b[j], kk[j]
        flip = wj < 0.0
        if code == _UNKNOWN:                # first point k with (w x_k + b > 0) != flip
            k, hi = zero, n
            while k < hi:
                mid = (k + hi) // np.uint64(2)
                if (wj * xe[mid + one] + bj > 0.0) != flip:
                    hi = mid
                else:
                    k = mid + one
        else:
            k = code - n1 if code >= n1 else code
            # xe[k] is point k - 1 and xe[k + 1] is point k; the +-inf sentinels end the walks
            while ((wj * xe[k] + bj > 0.0) != flip) and k > zero:
                k -= one
            while ((wj * xe[k + one] + bj > 0.0) == flip) and k < n:
                k += one
        code = k + n1 if flip else k
        kk[j] = code
        bins_a[code] += a[j] * wj
        bins_b[code] += a[j] * bj


@njit(cache=True, fastmath=_FASTMATH)
def _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, c):
    """Finish the forward pass: residuals ``r``; returns ``(loss, sum r)``.

    Resets the accumulators, and for the sorted backend builds the suffix (codes ``k``) and
    prefix (codes ``n + 1 + k``) sums ``T0`` of ``r x`` and ``T1`` of ``r``.
    """
    n = ys.size
    n1 = n + 1
    if use_sorted:
        da, db = 0.0, 0.0                   # w < 0 neurons active at point i: codes > n1 + i
        for i in range(n - 1, -1, -1):
            da += bins_a[n1 + i + 1]
            db += bins_b[n1 + i + 1]
            acc[i] = xs[i] * da + db
        ua, ub = 0.0, 0.0                   # w >= 0 neurons active at point i: codes <= i
        for i in range(n):
            ua += bins_a[i]
            ub += bins_b[i]
            acc[i] += xs[i] * ua + ub
        for q in range(bins_a.size):
            bins_a[q] = 0.0
        for q in range(bins_b.size):
            bins_b[q] = 0.0
    loss, rsum = 0.0, 0.0
    for i in range(n):
        res = s * acc[i] + c - ys[i]
        loss += res * res
        r[i] = res / n
        rsum += r[i]
        acc[i] = 0.0
    if use_sorted:                          # both tables in one loop, sums in registers
        u0, u1, p0, p1 = 0.0, 0.0, 0.0, 0.0
        T0[n], T1[n], T0[n1], T1[n1] = 0.0, 0.0, 0.0, 0.0
        for i in range(n):
            k = n - 1 - i
            u0 += r[k] * xs[k]
            u1 += r[k]
            T0[k], T1[k] = u0, u1
            p0 += r[i] * xs[i]
            p1 += r[i]
            T0[n1 + i + 1], T1[n1 + i + 1] = p0, p1
    return 0.5 * loss / n, rsum


# ---------------------------------------------------------------------- sweeps
@njit(cache=True, fastmath=_FASTMATH)
def _block_grad(ga, PW, P1, a, WT, b, j0, j1, s, has_bias):
    """Turn the sums of neurons ``j0..j1-1`` into their gradient: ``dL/da`` into ``ga``,
    ``dL/dW`` and ``dL/db`` in place of ``PW`` and ``P1`` (``dL/db = 0`` without biases)."""
    d, nb = WT.shape[0], j1 - j0
    ab, bb = a[j0:j1], b[j0:j1]
    for q in range(nb):
        ga[q] = bb[q] * P1[q]
    for k in range(d):
        wk, pk = WT[k, j0:j1], PW[k]
        for q in range(nb):
            ga[q] += wk[q] * pk[q]
    sb = s if has_bias else s - s
    for q in range(nb):
        ga[q] *= s
        P1[q] *= sb * ab[q]
    for k in range(d):
        pk = PW[k]
        for q in range(nb):
            pk[q] *= s * ab[q]


@njit(cache=True, fastmath=_FASTMATH)
def _descend1(a, w, b, ga, p0, P1, na, nw, nb, s, sb, h, wd, gscale, ns):
    """One descent step of a block of one-input neurons (all arguments are the block's).

    ``th <- th - h (gscale dL/dth + wd th) + ns noise`` from the sums ``p0``, ``P1``; few
    arrays per loop, so that every loop vectorises (``sb = 0``: no hidden biases).
    """
    for q in range(a.size):
        ga[q] = s * (w[q] * p0[q] + b[q] * P1[q])
    hs, hb, hd = h * gscale * s, h * gscale * sb, h * wd
    if ns == 0.0:
        for q in range(a.size):
            w[q] -= hs * a[q] * p0[q] + hd * w[q]
        for q in range(a.size):
            b[q] -= hb * a[q] * P1[q] + hd * b[q]
        for q in range(a.size):
            a[q] -= h * gscale * ga[q] + hd * a[q]
    else:
        nsb = ns if sb != 0.0 else ns - ns
        for q in range(a.size):
            w[q] += ns * nw[q] - (hs * a[q] * p0[q] + hd * w[q])
        for q in range(a.size):
            b[q] += nsb * nb[q] - (hb * a[q] * P1[q] + hd * b[q])
        for q in range(a.size):
            a[q] += ns * na[q] - (h * gscale * ga[q] + hd * a[q])


@njit(cache=True, fastmath=_FASTMATH)
def _update(th, e, vsum, g, noise, h, gscale, wd, ns, alpha, beta, stage, stages):
    """Update one component (``a``, a row of ``WT`` or ``b``) of a block.

    One stage: ``th <- th - h (gscale g + wd th) + ns noise`` (gradient descent, Langevin,
    Euler; ``noise`` is read only if ``ns != 0``). Several stages (Heun, RK4; velocity
    ``v = -g``): ``vsum`` accumulates ``beta_s v_s`` and the next evaluation point is
    ``e = th + alpha h v``, or, at the last stage, ``th <- th + h vsum`` and ``e = th``.
    """
    if stages == 1 and ns == 0.0:
        for q in range(th.size):
            th[q] -= h * (gscale * g[q] + wd * th[q])
    elif stages == 1:
        for q in range(th.size):
            th[q] += ns * noise[q] - h * (gscale * g[q] + wd * th[q])
    elif stage == 0:
        for q in range(th.size):
            vsum[q] = -beta * g[q]
            e[q] = th[q] - alpha * h * g[q]
    elif stage < stages - 1:
        for q in range(th.size):
            vsum[q] -= beta * g[q]
            e[q] = th[q] - alpha * h * g[q]
    else:
        for q in range(th.size):
            th[q] += h * (vsum[q] - beta * g[q])
            e[q] = th[q]


@njit(cache=True, fastmath=_FASTMATH)
def _output_bias(c, vc, rsum, train_c, h, alpha, beta, stage, stages):
    """Stage ``stage`` of the scheme for ``dc/dt = -sum_i r_i`` (``rsum``), in place on
    ``c`` (length 1) when ``train_c``; returns the velocity sum and ``c`` at the next point."""
    if not train_c:
        return vc, c[0]
    vc = -beta * rsum if stage == 0 else vc - beta * rsum
    if stage == stages - 1:
        c[0] += h * vc
        return vc, c[0]
    return vc, c[0] - alpha * h * rsum


@njit(cache=True, fastmath=_FASTMATH)
def _engine(data, work, theta, point, vsum, s, has_bias, train_c, h, wd, gscale, noise, ns,
            tableau, steps, key, first):
    """Run ``steps`` steps in place; returns the loss at the end.

    ``data = (xs, X, ys, xe, use_sorted)``, ``work`` the scratch arrays of :func:`_prepare`,
    ``theta = (a, WT, b, c)`` the parameters, ``point = (a, WT, b)`` the evaluation point
    (the parameters themselves for one-stage schemes) and ``vsum`` the velocity sums.
    Step ``t`` of a one-stage scheme adds ``ns`` times row ``t % len(noise)`` of ``noise``
    (laid out like ``theta`` without ``c``), or, if its rows are empty, row
    ``first + t`` of the Gaussian stream ``key`` (:mod:`relubook._rng`), made block by block
    where it is used; ``c`` moves only if ``train_c`` (no decay). One input (``d == 1``).
    """
    xs, X, ys, xe, use_sorted = data
    acc, r, z, ga, PW, P1, kk, T0, T1, bins_a, bins_b, gen = work
    a, WT, b, c = theta
    ea, eW, eb = point
    sa, sW, sb = vsum
    alphas, betas, stages = tableau
    m, d = a.size, WT.shape[0]
    wb0 = m + m * d                         # offset of b in a noise row
    generate = noise.shape[1] == 0 and ns != 0.0
    width = np.uint64(wb0 + m)
    for j0 in range(0, m, _BLOCK):          # forward pass at the start
        j1 = min(m, j0 + _BLOCK)
        if use_sorted:
            _sorted_forward(xe, ea, eW[0], eb, kk, bins_a, bins_b, j0, j1)
        else:
            _dense_forward(xs, X, ea, eW, eb, acc, z, j0, j1)
    loss, rsum = _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, c[0])
    vc = 0.0
    for t in range(steps):
        row = noise[t % noise.shape[0]]
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            for j0 in range(0, m, _BLOCK):
                j1 = min(m, j0 + _BLOCK)
                if use_sorted:              # the sums of the block, then its update
                    for q in range(j1 - j0):
                        code = kk[j0 + q]
                        PW[0, q], P1[q] = T0[code], T1[code]
                else:
                    _dense_sums(xs, r, eW[0], eb, PW[0], P1, j0, j1)
                if generate:                # this block's noise: a, w, b of row first + t
                    base = np.uint64(first + t) * width
                    nb = j1 - j0
                    fill_normal(key, base + np.uint64(j0), gen[0, :nb])
                    fill_normal(key, base + np.uint64(m + j0), gen[1, :nb])
                    if has_bias:
                        fill_normal(key, base + np.uint64(wb0 + j0), gen[2, :nb])
                    _descend1(a[j0:j1], WT[0, j0:j1], b[j0:j1], ga, PW[0], P1, gen[0, :nb],
                              gen[1, :nb], gen[2, :nb], s, s if has_bias else s - s, h, wd,
                              gscale, ns)
                elif stages == 1:
                    _descend1(a[j0:j1], WT[0, j0:j1], b[j0:j1], ga, PW[0], P1, row[j0:j1],
                              row[m + j0:m + j1], row[wb0 + j0:wb0 + j1], s,
                              s if has_bias else s - s, h, wd, gscale, ns)
                else:
                    _block_grad(ga, PW, P1, ea, eW, eb, j0, j1, s, has_bias)
                    _update(a[j0:j1], ea[j0:j1], sa[j0:j1], ga, row[j0:j1:1], h, gscale, wd,
                            ns, alpha, beta, st, stages)
                    _update(WT[0, j0:j1], eW[0, j0:j1], sW[0, j0:j1], PW[0], row[m + j0:m + j1],
                            h, gscale, wd, ns, alpha, beta, st, stages)
                    if has_bias:
                        _update(b[j0:j1], eb[j0:j1], sb[j0:j1], P1, row[wb0 + j0:wb0 + j1:1],
                                h, gscale, wd, ns, alpha, beta, st, stages)
                if use_sorted:
                    _sorted_forward(xe, ea, eW[0], eb, kk, bins_a, bins_b, j0, j1)
                else:
                    _dense_forward(xs, X, ea, eW, eb, acc, z, j0, j1)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, ec)
    return loss


@njit(cache=True, fastmath=_FASTMATH)
def _loss(data, work, theta, s):
    """Loss at ``theta`` (dense backend, one forward pass)."""
    xs, X, ys, xe, use_sorted = data
    acc, r, z, ga, PW, P1, kk, T0, T1, bins_a, bins_b, gen = work
    a, WT, b, c = theta
    m = a.size
    for j0 in range(0, m, _BLOCK):
        _dense_forward(xs, X, a, WT, b, acc, z, j0, min(m, j0 + _BLOCK))
    return _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, c[0])[0]


# ------------------------------------------------------ orthogonal backend
@njit(cache=True, fastmath=_FASTMATH)
def _orth_block(theta, point, vsum, r, rsq, acc, scratch, j0, j1, s, sb, h, wd, alpha, beta,
                stage, stages):
    """One stage of a step for neurons ``j0..j1-1``, in the basis of pre-activations.

    ``theta = (U, a, b)`` with ``U`` of shape (n, m), ``U[k, j] = <w_j, x_k> + b_j``;
    ``point`` and ``vsum`` alike; ``rsq_k = r_k ||x_k||^2``. For orthogonal inputs the
    gradients at the point are ``dL/da_j = s sum_k r_k relu(u_kj)``, ``dL/db_j = sb a_j
    sum_k r_k 1[u_kj > 0]`` and the image of the ``w`` and ``b`` gradients,
    ``d u_kj / d(-t) = s a_j rsq_k 1[u_kj > 0] + dL/db_j``. Every loop runs over the
    neurons of the block (vectorised for any n): the sums, the update of ``a`` and ``b``,
    then row by row the update of ``U`` and the forward pass ``acc_k += a_j relu(u_kj)``.
    """
    U, a, b = theta
    eU, ea, eb = point
    vU, va, vb = vsum
    ga, gb, sa, gu = scratch
    n, nb = U.shape[0], j1 - j0
    zero, one = U.dtype.type(0.0), U.dtype.type(1.0)
    for q in range(nb):
        ga[q] = zero
        gb[q] = zero
    for k in range(n):
        rk, row = r[k], eU[k, j0:j1]
        for q in range(nb):
            on = rk if row[q] > 0.0 else zero
            ga[q] += on * row[q]
            gb[q] += on
    ea_ = ea[j0:j1]
    for q in range(nb):
        sa[q] = s * ea_[q]                  # at the point, before a moves
        ga[q] *= s
        gb[q] *= sb * ea_[q]
    _update(a[j0:j1], ea_, va[j0:j1], ga, ga, h, one, wd, zero, alpha, beta, stage, stages)
    if sb != 0.0:
        _update(b[j0:j1], eb[j0:j1], vb[j0:j1], gb, gb, h, one, wd, zero, alpha, beta, stage,
                stages)
    for k in range(n):
        row, rk = eU[k, j0:j1], rsq[k]
        for q in range(nb):
            gu[q] = (sa[q] * rk if row[q] > 0.0 else zero) + gb[q]
        _update(U[k, j0:j1], row, vU[k, j0:j1], gu, gu, h, one, wd, zero, alpha, beta,
                stage, stages)
        t = zero
        for q in range(nb):
            t += ea_[q] * max(row[q], zero)
        acc[k] += t


@njit(cache=True, fastmath=_FASTMATH)
def _orth_engine(ys, sq, work, theta, point, vsum, s, has_bias, train_c, h, wd, tableau,
                 steps):
    """:func:`_engine` in the basis of pre-activations, for pairwise orthogonal inputs.

    ``theta = (U, a, b, c)``, ``point`` and ``vsum`` the same without ``c`` (see
    :func:`_orth_block`). Every step is elementwise in ``U``: no inner products.
    """
    acc, r, rsq, scratch, empty = work
    U, a, b, c = theta
    eU, ea, eb = point
    alphas, betas, stages = tableau
    n, m = U.shape
    zero = U.dtype.type(0.0)
    sb = s if has_bias else zero
    for k in range(n):
        t = zero
        for j in range(m):
            t += ea[j] * max(eU[k, j], zero)
        acc[k] = t
    loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, c[0])
    vc = 0.0
    for _step in range(steps):
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            for k in range(n):
                rsq[k] = r[k] * sq[k]
            for j0 in range(0, m, _BLOCK):
                _orth_block((U, a, b), point, vsum, r, rsq, acc, scratch, j0,
                            min(m, j0 + _BLOCK), s, sb, h, wd, alpha, beta, st, stages)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, ec)
    return loss


# -------------------------------------------------------------- entry points
def _typed(dtype, *values):
    """Scalars (and tableaus) in the precision of the run, so that float32 stays float32."""
    t = np.dtype(dtype).type
    return tuple(t(v) for v in values)


def _tableau(method, dtype) -> tuple:
    alphas, betas, stages = _TABLEAUS[method]
    t = np.dtype(dtype).type
    return tuple(t(v) for v in alphas), tuple(t(v) for v in betas), stages


def _prepare(x1, X, y, P, use_sorted=False):
    """Data and scratch arrays of the engine (see :func:`_engine`), in the precision of the
    parameters ``P``; the sorted backend's boundary codes start unknown."""
    n, m, d = y.size, P[1].size, P[3].shape[1]
    dt = P[0].dtype
    xs, ys = x1, y
    if use_sorted:
        order = np.argsort(x1, kind="stable")
        xs, ys = x1[order], y[order]
    xs, X, ys = (np.ascontiguousarray(v, dtype=dt) for v in (xs, X, ys))
    xe = np.concatenate(([-np.inf], xs, [np.inf])).astype(dt)
    size = 2 * (n + 1) * use_sorted
    kk = np.full(m if use_sorted else 0, _UNKNOWN, np.uint64)
    work = (np.zeros(n, dt), np.empty(n, dt), np.empty(_BLOCK, dt), np.empty(_BLOCK, dt),
            np.empty((d, _BLOCK), dt), np.empty(_BLOCK, dt), kk,
            *(np.zeros(size, dt) for _ in range(4)), np.zeros((3, _BLOCK), dt))
    return (xs, X, ys, xe, use_sorted), work


def _stage_buffers(method, arrays):
    """Evaluation points and velocity sums of a scheme: the parameters themselves for
    one-stage schemes, copies and scratch otherwise."""
    if _TABLEAUS[method][2] == 1:
        return arrays, arrays
    return tuple(v.copy() for v in arrays), tuple(np.empty_like(v) for v in arrays)


def step_cost(n: int, m: int, d: int, backend: str = "dense") -> int:
    """Cost of one step in units of a (point, neuron) pair of the dense backend: how
    :mod:`relubook.dynamics` sizes its chunks of steps."""
    if backend == "sorted":
        return 16 * m + 4 * n             # about 6 ns per neuron against 0.4 ns per pair
    if backend == "orthogonal":
        return 2 * n * m
    return n * m * d


def loss(x1, X, y, P, s) -> float:
    """Loss ``(1/2n) sum (f - y)^2`` at the parameters ``P`` (float64 views, see
    :func:`views`); ``x1``: (n,) inputs when ``d == 1``; ``X``: (n, d) inputs; ``y``: (n,)."""
    data, work = _prepare(x1, X, y, P)
    WT = P[2].reshape(1, -1) if P[3].shape[1] == 1 else np.ascontiguousarray(P[3].T)
    return _loss(data, work, (P[1], WT, P[4], P[5]), float(s))


class Engine:
    """The dense or sorted backend (one input) bound to one run: data and scratch space are prepared
    once, and every call advances the parameters ``P`` (views of :func:`views`, float64 or
    float32) in place by some steps and returns the loss at the end.

    The sorted backend keeps each neuron's boundary code in its scratch space between
    calls, so a call starts where the previous one stopped.
    """

    def __init__(self, x1, X, y, P, use_sorted: bool = False):
        self.P, self.dtype = P, P[0].dtype
        self.data, self.work = _prepare(x1, X, y, P, use_sorted)
        self.noiseless = np.zeros((1, 0), self.dtype)
        self.tableaus = {method: _tableau(method, self.dtype) for method in _TABLEAUS}

    def _run(self, s, has_bias, train_c, h, wd, gscale, noise, ns, method, steps,
             key=np.uint64(0), first=0) -> float:  # noqa: B008 (a constant)
        P, dt = self.P, self.dtype
        theta = (P[1], P[2].reshape(1, -1), P[4], P[5])
        point, vsum = _stage_buffers(method, theta[:3])
        s, h, wd, gscale, ns = _typed(dt, s, h, wd, gscale, ns)
        return _engine(self.data, self.work, theta, point, vsum, s, bool(has_bias),
                       bool(train_c), h, wd, gscale, noise, ns, self.tableaus[method],
                       int(steps), np.uint64(key), int(first))

    def gd(self, s, has_bias, train_c, lr, wd, steps) -> float:
        """``steps`` gradient-descent updates ``theta <- theta - lr (grad + wd theta)`` of
        ``(a, w, b)``; ``c`` moves by ``-lr dL/dc`` only if ``train_c``."""
        return self._run(s, has_bias, train_c, lr, wd, 1.0, self.noiseless, 0.0, EULER,
                         steps)

    def flow(self, s, has_bias, train_c, h, method, steps) -> float:
        """``steps`` fixed steps of size ``h`` of the gradient flow by ``method`` (Heun, RK4
        or Euler): each stage is one fused sweep (velocity at the stage point, the next
        stage point, the forward pass there)."""
        return self._run(s, has_bias, train_c, h, 0.0, 1.0, self.noiseless, 0.0, method,
                         steps)

    def langevin(self, s, has_bias, lr, wd, noise_scale, noise) -> float:
        """One step per row of ``noise`` (shape (steps, P - 1), float64 or float32; the
        parameters are float64): ``theta <- theta - lr (m grad + wd theta) + noise_scale
        noise[t]`` on ``(a, w, b)`` (``b`` only with hidden biases); ``c`` is fixed."""
        return self._run(s, has_bias, False, lr, wd, float(self.P[1].size), noise,
                         noise_scale, EULER, noise.shape[0])

    def langevin_stream(self, s, has_bias, lr, wd, noise_scale, key, first, steps) -> float:
        """:meth:`langevin` with the noise of step ``t`` the row ``t`` of the Gaussian
        stream ``key`` (:mod:`relubook._rng`), made inside the kernel; ``first`` is the index
        of the first of these ``steps`` steps in the run."""
        return self._run(s, has_bias, False, lr, wd, float(self.P[1].size), self.noiseless,
                         noise_scale, EULER, steps, key, first)


# ------------------------------------------------- orthogonal inputs: U basis
def is_orthogonal(X, rtol: float = 1e-12) -> bool:
    """Whether the rows of ``X`` (n, d) are non-zero and pairwise orthogonal:
    ``|<x_k, x_l>| <= rtol ||x_k|| ||x_l||`` for ``k != l``."""
    norms = np.linalg.norm(X, axis=1)
    if X.shape[0] > X.shape[1] or np.any(norms == 0):   # more than d inputs, or a zero one
        return False
    cos = (X @ X.T) / np.outer(norms, norms)
    np.fill_diagonal(cos, 0.0)
    return bool(np.all(np.abs(cos) <= rtol))


class OrthogonalBasis:
    """The parameters of a network on pairwise orthogonal inputs in the pre-activation basis.

    ``U[k, j] = <w_j, x_k> + b_j`` (shape (n, m): neurons contiguous) carries the part of each
    ``w_j`` in the span of the inputs; the rest, ``w_perp``, only decays under weight decay
    (its gradient is zero). :meth:`weights` maps back:
    ``w_j = w_perp_j + sum_k (U_kj - b_j) x_k / ||x_k||^2``.
    """

    def __init__(self, X, P, dtype=np.float64):
        W, b = P[3], P[4]
        self.sq = np.einsum("kd,kd->k", X, X)
        self.Xs = X / self.sq[:, None]
        inner = W @ X.T
        self.perp = W - inner @ self.Xs
        self.U = np.ascontiguousarray((inner + b[:, None]).T, dtype=dtype)
        self.decay, self.moved = 1.0, False

    def weights(self, b) -> np.ndarray:
        """The input weights ``W`` (m, d) at the current ``U`` and biases ``b`` (m,)."""
        U = self.U.T.astype(np.float64)
        return self.decay * self.perp + (U - np.asarray(b, np.float64)[:, None]) @ self.Xs

    def run(self, y, P, s, has_bias, train_c, h, wd, method, steps) -> float:
        """``steps`` steps of gradient descent (Euler, with weight decay ``wd``) or of a
        flow scheme, in place on ``U`` and on ``a``, ``b``, ``c`` of ``P`` (whose precision
        matches ``U``); returns the loss at the end. Weight decay is for gradient descent
        only: the off-span part of ``W`` decays by Euler's factor ``1 - h wd`` per step."""
        if wd != 0.0 and _TABLEAUS[method][2] != 1:
            raise ValueError("weight decay is supported for one-stage schemes only")
        dt, n = self.U.dtype, self.U.shape[0]
        work = (np.zeros(n, dt), np.empty(n, dt), np.empty(n, dt),
                tuple(np.empty(_BLOCK, dt) for _ in range(4)), np.zeros(0, dt))
        arrays = (self.U, P[1], P[4])
        point, vsum = _stage_buffers(method, arrays)
        s, h, wd = _typed(dt, s, h, wd)
        loss = _orth_engine(np.ascontiguousarray(y, dtype=dt), self.sq.astype(dt), work,
                            (*arrays, P[5]), point, vsum, s, bool(has_bias), bool(train_c),
                            h, wd, _tableau(method, dt), int(steps))
        self.decay *= (1.0 - float(h) * float(wd)) ** steps
        self.moved = self.moved or steps > 0
        return loss
