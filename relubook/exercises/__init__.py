"""Checkers for the book's exercises, one module per chapter.

A checker takes the reader's answer, never raises on a wrong one, and returns a
:class:`Feedback` that says whether it is right and, if not, what is off and a hint. Malformed
answers (wrong type or shape) raise a readable ``TypeError``/``ValueError``.
"""

from ._feedback import Feedback, check_close
from . import (  # one module per chapter  # isort: skip
    landscape,
    mean_field,
    orthogonal,
    preliminaries,
    regimes,
    single_neuron,
    synthesis,
)

__all__ = [
    "Feedback", "check_close", "landscape", "mean_field", "orthogonal",
    "preliminaries", "regimes", "single_neuron", "synthesis",
]
