"""relubook: the support package of an executable textbook on shallow ReLU networks.

Layer 0 (objects): :mod:`~relubook.model`, :mod:`~relubook.piecewise`, :mod:`~relubook.data`,
:mod:`~relubook.least_l1`, :mod:`~relubook.interpolants`. Layer 1 (dynamics):
:mod:`~relubook.dynamics`, driving the compiled kernels, and the driver every dynamics runs
on. Layer 2 (one module per paper): :mod:`~relubook.regimes`, :mod:`~relubook.mean_field`,
:mod:`~relubook.orthogonal`, :mod:`~relubook.single_neuron`, :mod:`~relubook.landscape`.
Layer 3 (presentation): :mod:`~relubook.plots`, :mod:`~relubook.widgets`,
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
    least_l1,
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
    "landscape", "least_l1", "mean_field", "model", "orthogonal", "piecewise", "plots", "regimes",
    "single_neuron", "speed", "torch_loop", "widgets",
]
__version__ = "0.1.0"
