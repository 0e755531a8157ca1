"""Compiled kernels of the training engine (numba, single-threaded, float64).

The parameters live in one flat vector ``theta = [a (m) | w (m*d) | b (m) | c]`` and the
kernels see it through a tuple of views ``P = (theta, a, w1, W, b, c)``: ``w1`` is ``w`` as
an ``(m,)`` array (used when ``d == 1``; a dummy otherwise), ``W`` the same memory as
``(m, d)``, and ``c`` a length-1 view. Gradients use the same layout ``G``. One gradient
routine thus serves gradient descent, gradient flow and Langevin dynamics, and one compiled
specialisation serves every shape.

The gradient is closed form (``relu'(0) = 0``); no ``n x m`` array is ever formed. The
forward pass loops over points and, inside, over neurons (contiguous, vectorised); the
backward pass accumulates per-neuron sums ``P0_j = sum_i r_i x_i 1[z_ij > 0]`` and
``P1_j = sum_i r_i 1[z_ij > 0]``, from which ``dL/da_j = s (<w_j, P0_j> + b_j P1_j)``,
``dL/dw_j = s a_j P0_j`` and ``dL/db_j = s a_j P1_j``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Reassociation and contraction let LLVM vectorise the reductions; NaN/inf semantics are
# kept (no 'nnan'/'ninf'), so a diverging run is still detected.
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

HEUN, RK4, EULER = 0, 1, 2


def views(theta: np.ndarray, m: int, d: int) -> tuple:
    """The tuple ``(theta, a, w1, W, b, c)`` of views into a flat parameter vector."""
    W = theta[m:m + m * d].reshape(m, d)
    w1 = theta[m:2 * m] if d == 1 else theta[:0]
    return theta, theta[:m], w1, W, theta[m + m * d:m + m * d + m], theta[-1:]


@njit(cache=True, fastmath=_FASTMATH)
def loss_and_grad(x1, X, y, P, G, s, has_bias, r, want_grad):
    """Loss ``(1/2n) sum (f - y)^2`` at ``P``; fills the views ``G`` with the gradient.

    ``x1``: (n,) inputs when ``d == 1``; ``X``: (n, d) inputs; ``y``: (n,) targets;
    ``r``: (n,) scratch that receives ``(f - y) / n``. Without hidden biases the ``b``
    gradient is left at zero.
    """
    a, w1, W, b, c = P[1], P[2], P[3], P[4], P[5][0]
    n, m, d = y.size, a.size, X.shape[1]
    loss = 0.0
    for i in range(n):
        acc = 0.0
        if d == 1:
            xi = x1[i]
            for j in range(m):
                z = w1[j] * xi + b[j]
                acc += a[j] * max(z, 0.0)
        else:
            for j in range(m):
                z = b[j]
                for k in range(d):
                    z += W[j, k] * X[i, k]
                acc += a[j] * max(z, 0.0)
        res = s * acc + c - y[i]
        loss += res * res
        r[i] = res / n
    loss *= 0.5 / n
    if not want_grad:
        return loss
    ga, gw1, gW, gb = G[1], G[2], G[3], G[4]
    gW[:] = 0.0
    gb[:] = 0.0
    rsum = 0.0
    for i in range(n):
        ri = r[i]
        rsum += ri
        if d == 1:
            xi = x1[i]
            rx = ri * xi
            for j in range(m):
                active = w1[j] * xi + b[j] > 0.0
                gw1[j] += rx if active else 0.0
                gb[j] += ri if active else 0.0
        else:
            for j in range(m):
                z = b[j]
                for k in range(d):
                    z += W[j, k] * X[i, k]
                if z > 0.0:
                    for k in range(d):
                        gW[j, k] += ri * X[i, k]
                    gb[j] += ri
    for j in range(m):
        dot = b[j] * gb[j]
        for k in range(d):
            dot += W[j, k] * gW[j, k]
        ga[j] = s * dot
        sa = s * a[j]
        for k in range(d):
            gW[j, k] *= sa
        gb[j] = sa * gb[j] if has_bias else 0.0
    G[5][0] = rsum
    return loss


@njit(cache=True, fastmath=_FASTMATH)
def gd_run(x1, X, y, P, G, s, has_bias, train_c, lr, wd, steps, r):
    """``steps`` gradient-descent updates in place; returns the final loss.

    ``theta <- theta - lr * (grad + wd * theta)`` on ``(a, w, b)``; ``c`` moves by
    ``-lr * dL/dc`` only if ``train_c``.
    """
    theta, g = P[0], G[0]
    last = theta.size - 1
    for _ in range(steps):
        loss_and_grad(x1, X, y, P, G, s, has_bias, r, True)
        for p in range(last):
            theta[p] -= lr * (g[p] + wd * theta[p])
        if train_c:
            theta[last] -= lr * g[last]
    return loss_and_grad(x1, X, y, P, G, s, has_bias, r, False)


@njit(cache=True, fastmath=_FASTMATH)
def _velocity(x1, X, y, P, K, s, has_bias, train_c, r):
    """``K = -grad L(P)``, the gradient-flow vector field (``dc/dt = 0`` unless ``train_c``)."""
    loss_and_grad(x1, X, y, P, K, s, has_bias, r, True)
    k = K[0]
    for p in range(k.size):
        k[p] = -k[p]
    if not train_c:
        k[k.size - 1] = 0.0


@njit(cache=True, fastmath=_FASTMATH)
def flow_run(x1, X, y, P, T, K1, K2, K3, K4, s, has_bias, train_c, h, method, steps, r):
    """``steps`` fixed steps of size ``h`` of the gradient flow (Heun, RK4 or Euler).

    ``T`` and ``K1``..``K4`` are view tuples of scratch vectors (stage state and slopes).
    """
    theta, tmp = P[0], T[0]
    k1, k2, k3, k4 = K1[0], K2[0], K3[0], K4[0]
    n_par = theta.size
    for _ in range(steps):
        _velocity(x1, X, y, P, K1, s, has_bias, train_c, r)
        if method == EULER:
            for p in range(n_par):
                theta[p] += h * k1[p]
        elif method == HEUN:
            for p in range(n_par):
                tmp[p] = theta[p] + h * k1[p]
            _velocity(x1, X, y, T, K2, s, has_bias, train_c, r)
            for p in range(n_par):
                theta[p] += 0.5 * h * (k1[p] + k2[p])
        else:
            for p in range(n_par):
                tmp[p] = theta[p] + 0.5 * h * k1[p]
            _velocity(x1, X, y, T, K2, s, has_bias, train_c, r)
            for p in range(n_par):
                tmp[p] = theta[p] + 0.5 * h * k2[p]
            _velocity(x1, X, y, T, K3, s, has_bias, train_c, r)
            for p in range(n_par):
                tmp[p] = theta[p] + h * k3[p]
            _velocity(x1, X, y, T, K4, s, has_bias, train_c, r)
            for p in range(n_par):
                theta[p] += h / 6.0 * (k1[p] + 2.0 * k2[p] + 2.0 * k3[p] + k4[p])
    return loss_and_grad(x1, X, y, P, K1, s, has_bias, r, False)


@njit(cache=True, fastmath=_FASTMATH)
def langevin_run(x1, X, y, P, G, s, has_bias, lr, wd, noise_scale, noise, r):
    """Noisy gradient descent on the mean-field time scale, one step per row of ``noise``.

    With ``m`` neurons: ``theta <- theta - lr * (m * grad + wd * theta) + noise_scale *
    noise[t]`` on ``(a, w, b)`` (``b`` only with hidden biases); ``c`` is fixed.
    ``noise`` has shape (steps, P - 1).
    """
    theta, g = P[0], G[0]
    m = P[1].size
    start_b = theta.size - 1 - m
    for t in range(noise.shape[0]):
        loss_and_grad(x1, X, y, P, G, s, has_bias, r, True)
        for p in range(theta.size - 1):
            step = noise_scale * noise[t, p] - lr * (m * g[p] + wd * theta[p])
            theta[p] += step if (has_bias or p < start_b) else 0.0
    return loss_and_grad(x1, X, y, P, G, s, has_bias, r, False)
