"""The plain PyTorch training loop: the reference that relubook's engine is checked against.

This is how shallow networks are usually trained (``nn.Module``, autograd,
``torch.optim.SGD``), written once so that the tests, the benchmarks and chapter 1 all compare
against the same loop. It is never used to train anything in the book's experiments.
torch is imported lazily: the rest of relubook does not need it.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_float, as_int
from .model import ShallowNet

__all__ = ["torch_gradient_descent", "torch_module"]


def torch_module(net: ShallowNet, train_c: bool = False):
    """A float64 ``torch.nn.Module`` computing the same function as ``net``.

    The hidden layer is ``nn.Linear(d, m)`` (without bias if ``net`` has none), the output
    layer ``nn.Linear(m, 1)``, whose weight is ``a`` and whose bias is ``c``; the output scale
    multiplies the weighted sum only.
    """
    import torch
    from torch import nn

    class Shallow(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = net.scale
            self.hidden = nn.Linear(net.dim, net.width, bias=net.has_bias, dtype=torch.float64)
            self.out = nn.Linear(net.width, 1, dtype=torch.float64)
            with torch.no_grad():
                self.hidden.weight.copy_(torch.tensor(net.w.reshape(net.width, net.dim)))
                if net.has_bias:
                    self.hidden.bias.copy_(torch.tensor(net.b))
                self.out.weight.copy_(torch.tensor(net.a[None, :]))
                self.out.bias.fill_(net.c)
            self.out.bias.requires_grad_(train_c)

        def forward(self, x):
            h = torch.relu(self.hidden(x))
            return self.scale * (h @ self.out.weight[0]) + self.out.bias[0]

        def to_net(self) -> ShallowNet:
            w = self.hidden.weight.detach().numpy().copy()
            return ShallowNet(a=self.out.weight.detach().numpy()[0].copy(),
                              w=w[:, 0] if net.dim == 1 and net.w.ndim == 1 else w,
                              b=self.hidden.bias.detach().numpy().copy() if net.has_bias else None,
                              c=float(self.out.bias.detach()[0]), scale=net.scale)

    return Shallow()


def torch_gradient_descent(net: ShallowNet, x, y, lr: float, steps: int, *,
                           weight_decay: float = 0.0,
                           train_c: bool = False) -> tuple[ShallowNet, np.ndarray]:
    """Full-batch gradient descent with autograd and ``torch.optim.SGD``, in float64.

    Same update as :func:`relubook.gradient_descent`: loss ``(1/2n) sum (f - y)^2``,
    ``SGD(lr, weight_decay)`` on ``a``, ``w``, ``b`` and plain SGD on ``c`` if ``train_c``.

    Returns
    -------
    net : ShallowNet
        The network after ``steps`` updates.
    losses : ndarray, shape (steps + 1,)
        The loss before each update and at the end.
    """
    import torch

    lr = as_float(lr, "lr", positive=True)
    steps = as_int(steps, "steps")
    weight_decay = as_float(weight_decay, "weight_decay", nonnegative=True)
    x = net.check_inputs(x)
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"x and y must have the same number of points, "
                         f"got {x.shape[0]} and {y.shape[0]}")
    model = torch_module(net, train_c)
    xt = torch.from_numpy(np.ascontiguousarray(x.reshape(x.shape[0], -1)))
    yt = torch.from_numpy(y)
    groups = [{"params": [p for name, p in model.named_parameters() if name != "out.bias"],
               "weight_decay": weight_decay}]
    if train_c:
        groups.append({"params": [model.out.bias], "weight_decay": 0.0})
    optimiser = torch.optim.SGD(groups, lr=lr)
    losses = np.empty(steps + 1)
    for step in range(steps + 1):
        optimiser.zero_grad()
        loss = 0.5 * torch.mean((model(xt) - yt) ** 2)
        losses[step] = loss.item()
        if step < steps:
            loss.backward()
            optimiser.step()
    return model.to_net(), losses
