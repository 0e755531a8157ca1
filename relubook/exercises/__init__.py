"""Checkers for the book's exercises, one module per chapter.

A checker takes the reader's answer, never raises, and returns a :class:`Feedback` that says
whether it is right and, if not, what is off and a hint; a malformed answer (wrong type or
shape) gives a negative ``Feedback`` marked ``malformed`` that says what was expected. Every
checker is wrapped by :func:`checker`; :func:`set_feedback_mode` ``("pass-fail")`` turns the
hints off for graded work.
"""

from ._feedback import (
    FEEDBACK_MODES,
    Feedback,
    check_close,
    checker,
    feedback_mode,
    set_feedback_mode,
)

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
    "FEEDBACK_MODES", "Feedback", "check_close", "checker", "feedback_mode",
    "set_feedback_mode", "landscape", "mean_field", "orthogonal",
    "preliminaries", "regimes", "single_neuron", "synthesis",
]
