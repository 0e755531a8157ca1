"""relubook: the support package of an executable textbook on shallow ReLU networks.

Layer 0 (objects): :mod:`~relubook.model`, :mod:`~relubook.piecewise`, :mod:`~relubook.data`,
:mod:`~relubook.interpolants`. Layer 1 (dynamics): :mod:`~relubook.dynamics`, driving the
compiled kernels. Layer 3 (presentation): :mod:`~relubook.plots`, :mod:`~relubook.widgets`,
:mod:`~relubook.exercises`. :mod:`~relubook.torch_loop` is the plain PyTorch reference loop
that tests, benchmarks and chapter 1 compare against.
"""

from . import (
    check,
    data,
    dynamics,
    exercises,
    interpolants,
    landscape,
    mean_field,
    model,
    orthogonal,
    piecewise,
    plots,
    regimes,
    single_neuron,
    speed,
    torch_loop,
    widgets,
)
from .check import Check
from .dynamics import Trajectory, gradient_descent, gradient_flow, langevin
from .model import ShallowNet, random_net, relu
from .piecewise import PiecewiseLinear

__all__ = [
    "Check", "check", "ShallowNet", "PiecewiseLinear", "Trajectory", "gradient_descent",
    "gradient_flow",
    "langevin", "random_net", "relu", "data", "dynamics", "exercises", "interpolants",
    "landscape", "mean_field", "model", "orthogonal", "piecewise", "plots", "regimes",
    "single_neuron", "speed", "torch_loop", "widgets",
]
__version__ = "0.1.0"
