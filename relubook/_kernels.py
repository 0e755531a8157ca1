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
runs the compiled ``_engine``, which does thousands of steps, and starts from the forward
pass the previous call ended with. Inside, the input weights are held as ``WT``, shape
``(1, m)``, a view of ``w1``: updates go straight into ``theta``.

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
  (for several inputs :func:`loss` uses matrix products on blocks of neurons);
- sorted (one input and ``n >= SORTED_MIN_N``), ``O(n + m)`` per step: with the inputs
  sorted, each neuron is active on a suffix (``w_j >= 0``) or a prefix (``w_j < 0``) of the
  points, so it keeps the index ``k_j`` where its active set starts or ends. Its sums are
  entries of suffix or prefix sums of ``r x`` and ``r``; the forward pass adds
  ``(a_j w_j, a_j b_j)`` to bin ``k_j`` and takes cumulative sums over the bins. After an
  update a neuron tests the points next to its boundary (with the same ``w x + b > 0``) and
  moves ``k_j`` only while its pattern changed. A gradient-descent step without noise is
  one pass over the neurons with everything in registers (:func:`_sorted_descend`); the
  other schemes use the blocks. The indices stay in the ``Engine``'s scratch space between
  the calls of a run; :func:`step_cost` tells the caller how much one step costs, for
  sizing its chunks.

A third backend serves several inputs that are pairwise orthogonal (:class:`OrthogonalBasis`):
it evolves the pre-activations ``u_kj = <w_j, x_k> + b_j`` themselves. The gradient of
``w_j`` is a combination of the inputs, so its inner product with ``x_k`` keeps one term:
``d u_kj / dt = -s a_j r_k ||x_k||^2 1[u_kj > 0] - dL/db_j``, and a step is elementwise in
``U``, ``O(n m)`` instead of ``O(n m d)``; the part of ``w_j`` off the span of the inputs
does not move (it only decays under weight decay). ``W`` is recovered when a snapshot is
taken. ``U`` is stored in tiles of neurons, each one contiguous piece of memory that stays
in L2 while a step takes its sums and then, two rows per pass, updates it and adds it to
the forward pass: a gradient-descent step reads and writes ``U`` once, near the memory
bandwidth for large ``m``.

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

# _rng 8: numba's cache key is this file's text only; bump when _rng.py changes
from ._rng import fill

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
_TILE_BYTES = 1 << 18  # largest tile of the orthogonal backend, bytes (it stays in L2)
_LOSS_BLOCK = 4096     # neurons per matrix product of the loss with several inputs
SORTED_MIN_N = 24     # one input and at least this many points: the sorted backend (measured)
_UNKNOWN = np.uint64(2**64 - 1)   # boundary code not yet known


def views(theta: np.ndarray, m: int, d: int) -> tuple:
    """The tuple ``(theta, a, w1, W, b, c)`` of views into a flat parameter vector."""
    W = theta[m:m + m * d].reshape(m, d)
    w1 = theta[m:2 * m] if d == 1 else theta[:0]
    return theta, theta[:m], w1, W, theta[m + m * d:m + m * d + m], theta[-1:]


# --------------------------------------------------------------- dense backend
@njit(cache=True, fastmath=_FASTMATH)
def _dense_forward(xs, a, w, b, acc, j0, j1):
    """``acc_i += sum_{j0 <= j < j1} a_j relu(w_j x_i + b_j)`` (one input)."""
    n, nb = acc.size, j1 - j0
    ab, wb, bb = a[j0:j1], w[j0:j1], b[j0:j1]
    zero = acc.dtype.type(0.0)              # typed, so that float32 stays float32
    for i in range(0, n - 1, 2):            # two points per pass over the block
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
def _walk(xe, wj, bj, code, n):
    """The boundary code of a neuron at ``(wj, bj)``, walked from its previous ``code``
    (see :func:`_sorted_forward`): ``k`` moves only while the pattern changed."""
    n1, zero, one = n + np.uint64(1), np.uint64(0), np.uint64(1)
    flip = wj < 0.0
    k = code - n1 if code >= n1 else code
    # xe[k] is point k - 1 and xe[k + 1] is point k; the +-inf sentinels end the walks
    while ((wj * xe[k] + bj > 0.0) != flip) and k > zero:
        k -= one
    while ((wj * xe[k + one] + bj > 0.0) == flip) and k < n:
        k += one
    return k + n1 if flip else k


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
            code = k + n1 if flip else k
        else:
            code = _walk(xe, wj, bj, code, n)
        kk[j] = code
        bins_a[code] += a[j] * wj
        bins_b[code] += a[j] * bj


@njit(cache=True, fastmath=_FASTMATH)
def _sorted_descend(xe, a, w, b, kk, T0, T1, bins_a, bins_b, s, sb, h, wd, gscale):
    """A noiseless descent step of the sorted backend (one stage), neuron by neuron: the
    sums (entries of ``T0``, ``T1``), the update of :func:`_descend1`, the new boundary code
    (:func:`_walk`) and the bins of the forward pass at the new point, all in registers."""
    n = np.uint64(xe.size - 2)
    hg = h * gscale
    hs, hb, hd = hg * s, hg * sb, h * wd
    keep = 1.0 - hd     # decay as a factor: a shorter chain from w, b to the walk (12 % faster)
    for j in range(a.size):
        code, aj, wj, bj = kk[j], a[j], w[j], b[j]
        p0, p1 = T0[code], T1[code]
        ga = s * (wj * p0 + bj * p1)
        wj = keep * wj - hs * aj * p0
        bj = keep * bj - hb * aj * p1
        aj = keep * aj - hg * ga
        code = _walk(xe, wj, bj, code, n)
        a[j], w[j], b[j], kk[j] = aj, wj, bj, code
        bins_a[code] += aj * wj
        bins_b[code] += aj * bj


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
            tableau, steps, key, first, resume):
    """Run ``steps`` steps in place; returns the loss at the end.

    ``data = (xs, ys, xe, use_sorted)``, ``work`` the scratch arrays of :func:`_prepare`,
    ``theta = (a, WT, b, c)`` the parameters, ``point = (a, WT, b)`` the evaluation point
    (the parameters themselves for one-stage schemes) and ``vsum`` the velocity sums.
    Step ``t`` of a one-stage scheme adds ``ns`` times row ``t % len(noise)`` of ``noise``
    (laid out like ``theta`` without ``c``), or, if its rows are empty, row
    ``first + t`` of the Gaussian stream ``key`` (:mod:`relubook._rng`), made block by block
    where it is used; ``c`` moves only if ``train_c`` (no decay). One input (``d == 1``).
    The forward pass at the end (residuals, sorted tables, ``(loss, sum r)`` in ``state``)
    stays in ``work``: with ``resume`` the run starts from it.
    """
    xs, ys, xe, use_sorted = data
    acc, r, ga, PW, P1, kk, T0, T1, bins_a, bins_b, gen, state = work
    a, WT, b, c = theta
    ea, eW, eb = point
    sa, sW, sb = vsum
    alphas, betas, stages = tableau
    m, d = a.size, WT.shape[0]
    wb0 = m + m * d                         # offset of b in a noise row
    generate = noise.shape[1] == 0 and ns != 0.0
    flags = np.empty(gen.shape[1] if generate else 0, np.uint8)   # the stream's scratch
    width = np.uint64(wb0 + m)
    loss, rsum = state[0], state[1]
    for j0 in range(0, 0 if resume else m, _BLOCK):      # forward pass at the start
        j1 = min(m, j0 + _BLOCK)
        if use_sorted:
            _sorted_forward(xe, ea, eW[0], eb, kk, bins_a, bins_b, j0, j1)
        else:
            _dense_forward(xs, ea, eW[0], eb, acc, j0, j1)
    if not resume:
        loss, rsum = _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, c[0])
    vc = 0.0
    plain = use_sorted and stages == 1 and ns == 0.0     # gradient descent, sorted
    for t in range(steps):
        row = noise[t % noise.shape[0]]
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            if plain:
                _sorted_descend(xe, a, WT[0], b, kk, T0, T1, bins_a, bins_b, s,
                                s if has_bias else s - s, h, wd, gscale)
            for j0 in range(0, 0 if plain else m, _BLOCK):
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
                    fill(key, base + np.uint64(j0), gen[0, :nb], flags)
                    fill(key, base + np.uint64(m + j0), gen[1, :nb], flags)
                    if has_bias:
                        fill(key, base + np.uint64(wb0 + j0), gen[2, :nb], flags)
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
                    _dense_forward(xs, ea, eW[0], eb, acc, j0, j1)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, ec)
    state[0], state[1] = loss, rsum
    return loss


@njit(cache=True, fastmath=_FASTMATH)
def _loss(data, work, theta, s):
    """Loss at ``theta = (a, w, b, c)`` (one input; dense backend, one forward pass)."""
    xs, ys, xe, use_sorted = data
    acc, r, ga, PW, P1, kk, T0, T1, bins_a, bins_b, gen, state = work
    a, w, b, c = theta
    m = a.size
    for j0 in range(0, m, _BLOCK):
        _dense_forward(xs, a, w, b, acc, j0, min(m, j0 + _BLOCK))
    return _residual(xs, ys, acc, r, use_sorted, T0, T1, bins_a, bins_b, s, c[0])[0]


# ------------------------------------------------------ orthogonal backend
@njit(cache=True, fastmath=_FASTMATH)
def _orth_sums(U, r, ga, gb, nb, with_bias):
    """``ga_q = sum_k r_k relu(U[k, q])`` and, ``with_bias``, ``gb_q = sum_k r_k 1[U[k, q]
    > 0]`` for the first ``nb`` columns of a tile, two rows per pass."""
    n, zero = U.shape[0], U.dtype.type(0.0)
    ga[:nb] = zero
    gb[:nb] = zero
    for k in range(0, n, 2):
        k1 = min(k + 1, n - 1)              # an odd last row pairs with itself, weight 0
        u0, u1, r0 = U[k, :nb], U[k1, :nb], r[k]
        r1 = r[k1] if k1 > k else zero
        if with_bias:
            for q in range(nb):
                on0 = r0 if u0[q] > 0.0 else zero
                on1 = r1 if u1[q] > 0.0 else zero
                ga[q] += on0 * u0[q] + on1 * u1[q]
                gb[q] += on0 + on1
        else:
            for q in range(nb):
                ga[q] += r0 * max(u0[q], zero) + r1 * max(u1[q], zero)


@njit(cache=True, fastmath=_FASTMATH)
def _orth_block(theta, point, vsum, r, rsq, acc, scratch, s, sb, h, wd, alpha, beta, stage,
                stages):
    """One stage of a step for one tile of neurons, in the basis of pre-activations.

    ``theta = (U, a, b)``: ``U`` one tile, shape (n, B), whose first ``nb = a.size`` columns
    hold ``U[k, q] = <w_j, x_k> + b_j`` of the block's neurons ``j``, and ``a``, ``b`` their
    slices; ``point`` and ``vsum`` alike; ``rsq_k = r_k ||x_k||^2``. For orthogonal inputs
    the gradients at the point are ``dL/da_j = s sum_k r_k relu(u_kj)``, ``dL/db_j = sb a_j
    sum_k r_k 1[u_kj > 0]`` and the image of the ``w`` and ``b`` gradients,
    ``d u_kj / d(-t) = s a_j rsq_k 1[u_kj > 0] + dL/db_j``. Every loop runs over the
    neurons of the tile (vectorised for any n): the sums, the update of ``a`` and ``b``,
    then row by row the update of ``U`` and the forward pass ``acc_k += a_j relu(u_kj)``,
    while the tile is in cache.
    """
    U, a, b = theta
    eU, ea, eb = point
    vU, va, vb = vsum
    ga, gb, sa, gu = scratch
    n, nb = U.shape[0], a.size
    zero, one = U.dtype.type(0.0), U.dtype.type(1.0)
    _orth_sums(eU, r, ga, gb, nb, sb != 0.0)
    if stages == 1:
        _orth_descend(U, a, b, ga, gb, sa, rsq, acc, s, sb, h, wd)
        return
    for q in range(nb):
        sa[q] = s * ea[q]                   # at the point, before a moves
        ga[q] *= s
        gb[q] *= sb * ea[q]
    _update(a, ea, va, ga, ga, h, one, wd, zero, alpha, beta, stage, stages)
    if sb != 0.0:
        _update(b, eb, vb, gb, gb, h, one, wd, zero, alpha, beta, stage, stages)
    for k in range(n):
        row, rk = eU[k, :nb], rsq[k]
        for q in range(nb):
            gu[q] = (sa[q] * rk if row[q] > 0.0 else zero) + gb[q]
        _update(U[k, :nb], row, vU[k, :nb], gu, gu, h, one, wd, zero, alpha, beta, stage,
                stages)
        t = zero
        for q in range(nb):
            t += ea[q] * max(row[q], zero)
        acc[k] += t


@njit(cache=True, fastmath=_FASTMATH)
def _orth_descend(U, a, b, ga, gb, hsa, rsq, acc, s, sb, h, wd):
    """The rest of a gradient-descent step of a tile (:func:`_orth_block`) from the sums
    ``ga``, ``gb``: each row of ``U`` is updated and added to the forward pass in one
    pass, ``u <- (1 - h wd) u - h dL/db - h s a rsq_k 1[u > 0]`` (``a`` before its step)."""
    n, nb = U.shape[0], a.size
    zero, keep = U.dtype.type(0.0), U.dtype.type(1.0) - h * wd
    for q in range(nb):
        hsa[q] = h * s * a[q]
        gb[q] *= h * sb * a[q]
        a[q] = keep * a[q] - h * s * ga[q]
    if sb != 0.0:
        for q in range(nb):
            b[q] = keep * b[q] - gb[q]
    plain = wd == 0.0 and sb == 0.0         # u <- u - h s a rsq_k 1[u > 0]: one FMA
    for k in range(0, n, 2):                # two rows per pass: a, hsa, gb loaded once
        k1 = min(k + 1, n - 1)              # an odd last row is done twice, the same way
        u0, u1, r0, r1 = U[k, :nb], U[k1, :nb], rsq[k], rsq[k1]
        t0, t1 = zero, zero
        if plain:
            for q in range(nb):
                x0, x1 = u0[q], u1[q]
                v0 = x0 - hsa[q] * r0 if x0 > 0.0 else x0
                v1 = x1 - hsa[q] * r1 if x1 > 0.0 else x1
                u0[q], u1[q] = v0, v1
                t0 += a[q] * max(v0, zero)
                t1 += a[q] * max(v1, zero)
        else:
            for q in range(nb):
                x0, x1, g = u0[q], u1[q], gb[q]
                v0 = keep * x0 - g - (hsa[q] * r0 if x0 > 0.0 else zero)
                v1 = keep * x1 - g - (hsa[q] * r1 if x1 > 0.0 else zero)
                u0[q], u1[q] = v0, v1
                t0 += a[q] * max(v0, zero)
                t1 += a[q] * max(v1, zero)
        acc[k] += t0
        acc[k1] += t1 if k1 > k else zero


@njit(cache=True, fastmath=_FASTMATH)
def _orth_forward(U, a, acc):
    """``acc_k = sum_j a_j relu(u_kj)``, tile by tile."""
    tiles, n, width = U.shape
    zero = U.dtype.type(0.0)
    acc[:] = zero
    for t in range(tiles):
        j0 = t * width
        nb = min(a.size - j0, width)
        for k in range(n):
            row, s = U[t, k, :nb], zero
            for q in range(nb):
                s += a[j0 + q] * max(row[q], zero)
            acc[k] += s


@njit(cache=True, fastmath=_FASTMATH)
def _orth_engine(ys, sq, work, theta, point, vsum, s, has_bias, train_c, h, wd, tableau,
                 steps, resume):
    """:func:`_engine` in the basis of pre-activations, for pairwise orthogonal inputs.

    ``theta = (U, a, b, c)`` with ``U`` in tiles (see :class:`OrthogonalBasis`), ``point``
    and ``vsum`` the same without ``c``; one tile at a time (:func:`_orth_block`). Every
    step is elementwise in ``U``: no inner products. The residuals ``r`` and ``(loss, sum
    r)`` (in ``state``) at the end stay in ``work``: with ``resume`` the run starts from
    them instead of a forward pass.
    """
    acc, r, rsq, scratch, empty, state = work
    U, a, b, c = theta
    eU, ea, eb = point
    vU, va, vb = vsum
    alphas, betas, stages = tableau
    tiles, n, width = U.shape
    m = a.size
    sb = s if has_bias else s - s
    if resume:
        loss, rsum = state[0], state[1]
    else:
        _orth_forward(eU, ea, acc)
        loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, c[0])
    vc = 0.0
    for _step in range(steps):
        for st in range(stages):
            alpha, beta = alphas[st], betas[st]
            for k in range(n):
                rsq[k] = r[k] * sq[k]
            for t in range(tiles):
                j0, j1 = t * width, min(m, (t + 1) * width)
                _orth_block((U[t], a[j0:j1], b[j0:j1]), (eU[t], ea[j0:j1], eb[j0:j1]),
                            (vU[t], va[j0:j1], vb[j0:j1]), r, rsq, acc, scratch, s, sb, h,
                            wd, alpha, beta, st, stages)
            vc, ec = _output_bias(c, vc, rsum, train_c, h, alpha, beta, st, stages)
            loss, rsum = _residual(ys, ys, acc, r, False, empty, empty, empty, empty, s, ec)
    state[0], state[1] = loss, rsum
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


def _prepare(x1, y, P, use_sorted=False):
    """Data and scratch arrays of the engine (see :func:`_engine`), in the precision of the
    parameters ``P`` (one input); the sorted backend's boundary codes start unknown."""
    n, m = y.size, P[1].size
    dt = P[0].dtype
    xs, ys = x1, y
    if use_sorted:
        order = np.argsort(x1, kind="stable")
        xs, ys = x1[order], y[order]
    xs, ys = (np.ascontiguousarray(v, dtype=dt) for v in (xs, ys))
    xe = np.concatenate(([-np.inf], xs, [np.inf])).astype(dt)
    size = 2 * (n + 1) * use_sorted
    kk = np.full(m if use_sorted else 0, _UNKNOWN, np.uint64)
    work = (np.zeros(n, dt), np.empty(n, dt), np.empty(_BLOCK, dt), np.empty((1, _BLOCK), dt),
            np.empty(_BLOCK, dt), kk,
            *(np.zeros(size, dt) for _ in range(4)), np.zeros((3, _BLOCK), dt), np.zeros(2))
    return (xs, ys, xe, use_sorted), work


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
        return 12 * m + 4 * n             # about 4-5 ns per neuron against 0.4 ns per pair
    if backend == "orthogonal":
        return n * m                      # 0.3 to 0.8 ns per (point, neuron) (measured)
    return n * m * d


def loss(x1, X, y, P, s) -> float:
    """Loss ``(1/2n) sum (f - y)^2`` at the parameters ``P`` (float64 views, see
    :func:`views`); ``x1``: (n,) inputs when ``d == 1``; ``X``: (n, d) inputs; ``y``: (n,)."""
    if P[3].shape[1] > 1:
        return _loss_blocked(X, y, P, float(s))
    data, work = _prepare(x1, y, P)
    return _loss(data, work, (P[1], P[2], P[4], P[5]), float(s))


def _loss_blocked(X, y, P, s) -> float:
    """:func:`loss` for several inputs: the forward pass by matrix products (BLAS) on
    blocks of ``_LOSS_BLOCK`` neurons."""
    _, a, _, W, b, c = P
    f = np.zeros(X.shape[0])
    for j0 in range(0, a.size, _LOSS_BLOCK):
        j1 = min(a.size, j0 + _LOSS_BLOCK)
        Z = X @ W[j0:j1].T
        Z += b[j0:j1]
        f += np.maximum(Z, 0.0, out=Z) @ a[j0:j1]
    res = s * f + c[0] - y
    return 0.5 * float(res @ res) / y.size


class Engine:
    """The dense or sorted backend (one input) bound to one run: data and scratch space are
    prepared once, and every call advances the parameters ``P`` (views of :func:`views`,
    float64 or float32) in place by some steps and returns the loss at the end.

    A call starts where the previous one stopped, from the forward pass it ended with (and,
    for the sorted backend, each neuron's boundary code), kept in the scratch space: the
    parameters must change only through the engine, with the same ``s``. ``X`` (the inputs
    as an (n, 1) array) is not used: the inputs are ``x1``.
    """

    def __init__(self, x1, X, y, P, use_sorted: bool = False):
        self.P, self.dtype = P, P[0].dtype
        self.data, self.work = _prepare(x1, y, P, use_sorted)
        self.noiseless = np.zeros((1, 0), self.dtype)
        self.tableaus = {method: _tableau(method, self.dtype) for method in _TABLEAUS}
        self.started = False

    def _run(self, s, has_bias, train_c, h, wd, gscale, noise, ns, method, steps,
             key=np.uint64(0), first=0) -> float:  # noqa: B008 (a constant)
        P, dt = self.P, self.dtype
        theta = (P[1], P[2].reshape(1, -1), P[4], P[5])
        point, vsum = _stage_buffers(method, theta[:3])
        s, h, wd, gscale, ns = _typed(dt, s, h, wd, gscale, ns)
        loss = _engine(self.data, self.work, theta, point, vsum, s, bool(has_bias),
                       bool(train_c), h, wd, gscale, noise, ns, self.tableaus[method],
                       int(steps), np.uint64(key), int(first), self.started)
        self.started = True
        return loss

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
def _tile_width(n: int, itemsize: int) -> int:
    """Neurons per tile of the orthogonal backend: the largest power of two, between 16 and
    ``_BLOCK``, whose ``n`` rows take at most ``_TILE_BYTES``."""
    width = 16
    while width < _BLOCK and 2 * width * n * itemsize <= _TILE_BYTES:
        width *= 2
    return width


class OrthogonalBasis:
    """The parameters of a network on pairwise orthogonal inputs in the pre-activation basis.

    ``U[k, j] = <w_j, x_k> + b_j`` carries the part of each ``w_j`` in the span of the inputs;
    the rest, ``w_perp``, only decays under weight decay (its gradient is zero).
    :meth:`weights` maps back: ``w_j = w_perp_j + sum_k (U_kj - b_j) x_k / ||x_k||^2``.
    ``U`` is stored in tiles of ``B`` neurons (:func:`_tile_width`), shape
    ``(ceil(m / B), n, B)``: ``U[t, k, q]`` is ``U[k, t B + q]`` (zero past ``m``), so that
    the rows of a tile are one contiguous piece of memory that stays in cache for a step.
    """

    def __init__(self, X, P, dtype=np.float64):
        W, b = P[3], P[4]
        (m, d), n = W.shape, X.shape[0]
        self.sq = np.einsum("kd,kd->k", X, X)
        self.Xs = X / self.sq[:, None]
        # the part of W off the span of the inputs; none when they span R^d
        self.perp = W - (W @ X.T) @ self.Xs if n < d else None
        width = _tile_width(n, np.dtype(dtype).itemsize)
        self.U = np.zeros((-(-m // width), n, width), dtype)
        for t, j0 in enumerate(range(0, m, width)):
            j1 = min(m, j0 + width)
            self.U[t, :, :j1 - j0] = X @ W[j0:j1].T + b[j0:j1]
        self.decay, self.moved = 1.0, False
        dt = self.U.dtype
        self.work = (np.zeros(n, dt), np.empty(n, dt), np.empty(n, dt),
                     tuple(np.empty(width, dt) for _ in range(4)), np.zeros(0, dt),
                     np.zeros(2))

    def weights(self, b) -> np.ndarray:
        """The input weights ``W`` (m, d) at the current ``U`` and biases ``b`` (m,)."""
        b = np.asarray(b, np.float64)
        W = np.empty((b.size, self.Xs.shape[1]))
        width = self.U.shape[2]
        for t, j0 in enumerate(range(0, b.size, width)):
            j1 = min(b.size, j0 + width)
            W[j0:j1] = (self.U[t, :, :j1 - j0].T - b[j0:j1, None]) @ self.Xs
        if self.perp is not None:
            W += self.decay * self.perp
        return W

    def run(self, y, P, s, has_bias, train_c, h, wd, method, steps) -> float:
        """``steps`` steps of gradient descent (Euler, with weight decay ``wd``) or of a
        flow scheme, in place on ``U`` and on ``a``, ``b``, ``c`` of ``P`` (whose precision
        matches ``U``); returns the loss at the end. Weight decay is for gradient descent
        only: the off-span part of ``W`` decays by Euler's factor ``1 - h wd`` per step.
        A call continues from the residuals where the previous one stopped: the parameters
        must change only through this method, with the same ``y`` and ``s``."""
        if wd != 0.0 and _TABLEAUS[method][2] != 1:
            raise ValueError("weight decay is supported for one-stage schemes only")
        dt = self.U.dtype
        arrays = (self.U, P[1], P[4])
        point, vsum = _stage_buffers(method, arrays)
        s, h, wd = _typed(dt, s, h, wd)
        loss = _orth_engine(np.ascontiguousarray(y, dtype=dt), self.sq.astype(dt), self.work,
                            (*arrays, P[5]), point, vsum, s, bool(has_bias), bool(train_c),
                            h, wd, _tableau(method, dt), int(steps), self.moved)
        self.decay *= (1.0 - float(h) * float(wd)) ** steps
        self.moved = self.moved or steps > 0
        return loss
