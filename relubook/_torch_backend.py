"""``backend="torch"``: the engine's closed-form update in PyTorch, on a CPU or a CUDA device.

For users whose networks outgrow one core (``m`` beyond about ``10^5``, or many inputs on a
GPU). Every step is the update of :mod:`relubook._kernels`, written with whole-array
operations instead of fused loops: with ``Z = X W^T + b`` (n, m), ``r = (f - y) / n``,

``dL/da = s relu(Z)^T r``, ``dL/dW = s a * (1[Z > 0] * r)^T X``, ``dL/db = s a * (1[Z > 0]^T r)``,
``dL/dc = sum r``, and the schemes (gradient descent with weight decay, Euler, Heun, RK4,
Langevin) use the same tableaus. No autograd is involved.

On CUDA, gradient descent and the flows capture ``_GRAPH_STEPS`` steps in a CUDA graph once
per run and replay it, which removes the launch overhead of the many small kernels of a
step; Langevin dynamics (whose noise would need graph-safe generator state) runs eagerly. On
the CPU the same step functions run eagerly.

Langevin noise comes from ``torch.randn`` in the precision of the run, on the device, from a
``torch.Generator`` seeded by one draw of ``seed``'s generator: reproducible and independent
of ``record`` and of how the steps are cut into calls (each step draws ``a``, ``W``, ``b`` in
that order), but a stream of its own, different from the NumPy and in-kernel streams of the
other backends, and on CUDA different again from the CPU stream of the same seed.
"""

from __future__ import annotations

import numpy as np

from ._kernels import _TABLEAUS, EULER

_GRAPH_STEPS = 64   # steps per captured CUDA graph


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("backend='torch' needs PyTorch; install torch or use another "
                          "backend") from None
    return torch


def check_device(device, dtype: str):
    """The ``torch.device`` for ``device`` (None: the CPU); ValueError if unusable."""
    torch = _torch()
    try:
        dev = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', "
                         f"got {device!r}") from err
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: CUDA is not available on this machine")
    return dev


class TorchEngine:
    """The closed-form update in PyTorch, with the interface of
    :class:`relubook._kernels.Engine`; the parameters ``P`` (NumPy views of
    :func:`relubook._kernels.views`) are copied to the device once and written back at the
    end of every call.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    P : tuple of ndarray
        Views of the flat parameter vector, float64 or float32.
    device : torch.device
    """

    def __init__(self, X, y, P, device):
        torch = self.torch = _torch()
        self.P, self.device = P, device
        self.dt = torch.float64 if P[0].dtype == np.float64 else torch.float32
        as_t = lambda v: torch.tensor(np.asarray(v), dtype=self.dt, device=device)
        self.X, self.y = as_t(X), as_t(y)
        m, d = P[3].shape
        self.theta = [as_t(P[1]), as_t(P[3]).reshape(m, d), as_t(P[4]), as_t(P[5])]
        self.graphs = {}
        self.generator = None

    # ------------------------------------------------------------------ the step
    def _grad(self, point, s, has_bias):
        """Gradients of ``(a, W, b)``, ``dL/dc`` and the loss at ``point = (a, W, b, c)``."""
        a, W, b, c = point
        Z = self.torch.addmm(b, self.X, W.T)
        R = Z.clamp_min(0)
        f = s * (R @ a) + c
        r = (f - self.y) / self.y.shape[0]
        Mr = (Z > 0).to(self.dt) * r[:, None]
        ga = s * (R.T @ r)
        gW = (s * a)[:, None] * (Mr.T @ self.X)
        gb = s * a * Mr.sum(0) if has_bias else self.torch.zeros_like(b)
        return (ga, gW, gb), r.sum(), 0.5 * self.y.shape[0] * (r @ r)

    def _step(self, s, has_bias, train_c, h, wd, gscale, ns, method):
        """One step of ``method`` in place on ``self.theta``."""
        alphas, betas, stages = _TABLEAUS[method]
        theta = self.theta
        point, vsum, vc = theta, [None, None, None], 0.0
        for st in range(stages):
            g, gc, _ = self._grad(point, s, has_bias)
            if stages == 1:
                for p, gp in zip(theta[:3], g):
                    p.sub_(h * (gscale * gp + wd * p))
                if ns != 0.0:
                    for k, p in enumerate(theta[:3]):
                        if k < 2 or has_bias:
                            p.add_(self.torch.randn(p.shape, generator=self.generator,
                                                    dtype=self.dt, device=self.device),
                                   alpha=ns)
                if train_c:
                    theta[3].sub_(h * gc)
                return
            vsum = [-betas[st] * gp if st == 0 else v - betas[st] * gp
                    for v, gp in zip(vsum, g)]
            vc = -betas[st] * gc if st == 0 else vc - betas[st] * gc
            if st < stages - 1:
                point = [p - alphas[st] * h * gp for p, gp in zip(theta[:3], g)]
                point.append(theta[3] - alphas[st] * h * gc if train_c else theta[3])
        for p, v in zip(theta[:3], vsum):
            p.add_(h * v)
        if train_c:
            theta[3].add_(h * vc)

    # --------------------------------------------------------------- the calls
    def _steps(self, k, args):
        """``k`` steps: eagerly on the CPU and for Langevin, else on CUDA by replaying
        captured graphs."""
        if self.device.type != "cuda" or args[6] != 0.0:
            for _ in range(k):
                self._step(*args)
            return
        full, rest = divmod(k, _GRAPH_STEPS)
        if full:
            graph = self._graph(args)
            for _ in range(full):
                graph.replay()
        for _ in range(rest):
            self._step(*args)

    def _graph(self, args):
        """The CUDA graph of ``_GRAPH_STEPS`` steps with these arguments (captured once,
        after warm-up steps on a side stream, as torch's documentation prescribes)."""
        if args not in self.graphs:
            torch = self.torch
            saved = [p.clone() for p in self.theta]
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    self._step(*args)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                for _ in range(_GRAPH_STEPS):
                    self._step(*args)
            for p, q in zip(self.theta, saved):       # capture ran nothing for real, but
                p.copy_(q)                            # the warm-up steps did
            self.graphs[args] = graph
        return self.graphs[args]

    def _run(self, s, has_bias, train_c, h, wd, gscale, ns, method, steps) -> float:
        args = (float(s), bool(has_bias), bool(train_c), float(h), float(wd), float(gscale),
                float(ns), int(method))
        with self.torch.no_grad():
            self._steps(int(steps), args)
            loss = float(self._grad(self.theta, args[0], args[1])[2])
        for view, p in zip((self.P[1], self.P[3], self.P[4], self.P[5]), self.theta):
            view[...] = p.cpu().numpy().reshape(view.shape)
        return loss

    def gd(self, s, has_bias, train_c, lr, wd, steps) -> float:
        """As :meth:`relubook._kernels.Engine.gd`."""
        return self._run(s, has_bias, train_c, lr, wd, 1.0, 0.0, EULER, steps)

    def flow(self, s, has_bias, train_c, h, method, steps) -> float:
        """As :meth:`relubook._kernels.Engine.flow`."""
        return self._run(s, has_bias, train_c, h, 0.0, 1.0, 0.0, method, steps)

    def langevin_torch(self, s, has_bias, lr, wd, noise_scale, seed, steps) -> float:
        """:meth:`relubook._kernels.Engine.langevin` with ``torch.randn`` noise from a
        generator on the device seeded by ``seed`` (an int) at the first call."""
        if self.generator is None:
            self.generator = self.torch.Generator(device=self.device).manual_seed(int(seed))
        return self._run(s, has_bias, False, lr, wd, float(self.P[1].size), noise_scale,
                         EULER, steps)

