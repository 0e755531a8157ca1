"""The feedback object every exercise checker returns, and the one wrapper every checker has.

:func:`checker` wraps each ``check_...`` function of :mod:`relubook.exercises`:

- a malformed answer (wrong type or shape, NaN, an unknown option, a missing argument: a
  ``TypeError`` or ``ValueError`` raised while checking) gives a negative :class:`Feedback`
  marked ``malformed`` that says what was expected ("Not yet: ..."), never a traceback;
- in the ``"pass-fail"`` feedback mode (:func:`set_feedback_mode`, or the environment variable
  ``RELUBOOK_FEEDBACK=pass-fail`` when the module is imported) a right or wrong answer gets
  only "Correct." or "Not yet.", with no hint and no expected value; a malformed answer still
  says what was expected of its form;
- when ``RELUBOOK_GRADING_LOG`` names a file (``scripts/grade.py`` sets it for the kernel that
  runs a hand-in), every call appends one JSON line: the checker, the answer cell it ran in
  (:func:`grading_cell`), whether it was correct and whether it was malformed.
"""

from __future__ import annotations

import functools
import json
import os
import textwrap
from dataclasses import dataclass

import numpy as np

from .._validate import as_array

WIDTH = 88
"""Column at which a printed :class:`Feedback` wraps."""


@dataclass(frozen=True)
class Feedback:
    """Result of checking an answer.

    Attributes
    ----------
    correct : bool
        Whether the answer is accepted.
    message : str
        What is right, or what is off and a hint ("" in the pass/fail mode).
    malformed : bool
        Whether the answer could not be read (wrong type or shape); ``message`` then says
        what was expected.
    """

    correct: bool
    message: str
    malformed: bool = False

    def __bool__(self) -> bool:
        return self.correct

    def _text(self) -> str:
        head = "Correct." if self.correct else ("Not yet:" if self.message else "Not yet.")
        return f"{head} {self.message}".strip()

    def __str__(self) -> str:
        """The verdict and the message, wrapped at ``WIDTH`` characters (a printed line fits
        a notebook and the book's column)."""
        return "\n".join(textwrap.fill(line, WIDTH, break_on_hyphens=False)
                         for line in self._text().splitlines())

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.correct else "❌"
        return f"{mark} {self._text()}"


def check_close(answer, expected, *, name: str, rtol: float = 1e-6, atol: float = 1e-9,
                hint: str = "") -> Feedback:
    """Compare a numeric answer (scalar or array) with the expected value.

    Raises ``ValueError``/``TypeError`` for malformed answers (wrong shape, NaN); returns a
    negative :class:`Feedback` naming the largest discrepancy for wrong ones.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = as_array(answer, name, allow_empty=True)
    if got.shape != expected.shape:
        raise ValueError(f"{name} must have shape {expected.shape}, got {got.shape}")
    err = np.abs(got - expected)
    ok = bool(np.all(err <= atol + rtol * np.abs(expected)))
    if ok:
        return Feedback(True, f"{name} matches (largest error {float(err.max(initial=0)):.2e}).")
    worst = int(np.argmax(err)) if err.ndim else 0
    where = f" at index {worst}" if expected.ndim else ""
    msg = (f"{name} is off{where}: got {got.flat[worst]:.6g}, "
           f"expected {expected.flat[worst]:.6g}.")
    return Feedback(False, f"{msg} {hint}".strip())


FEEDBACK_MODES = ("hints", "pass-fail")
_state = {"mode": os.environ.get("RELUBOOK_FEEDBACK", "hints"), "cell": None}
if _state["mode"] not in FEEDBACK_MODES:
    raise ValueError(f"RELUBOOK_FEEDBACK must be one of {FEEDBACK_MODES}, "
                     f"got {_state['mode']!r}")


def set_feedback_mode(mode: str) -> None:
    """Choose what the checkers say: ``"hints"`` (the default: what is off, and a hint) or
    ``"pass-fail"`` (only "Correct." or "Not yet.", for graded work)."""
    if mode not in FEEDBACK_MODES:
        raise ValueError(f"mode must be one of {FEEDBACK_MODES}, got {mode!r}")
    _state["mode"] = mode


def feedback_mode() -> str:
    """The current feedback mode (see :func:`set_feedback_mode`)."""
    return _state["mode"]


def grading_cell(label: str | None) -> None:
    """Mark the checker calls that follow as made in the answer cell of exercise ``label``
    (None: outside any answer cell). Called by ``scripts/grade.py`` around answer cells."""
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {type(label).__name__}")
    _state["cell"] = label


def _record(name: str, feedback: Feedback) -> None:
    log = os.environ.get("RELUBOOK_GRADING_LOG")
    if not log:
        return
    entry = {"checker": name, "cell": _state["cell"], "correct": feedback.correct,
             "malformed": feedback.malformed}
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def checker(func):
    """Wrap an exercise checker: malformed answers become feedback, the feedback mode is
    applied, and grading runs record the call (see the module docstring)."""
    name = f"{func.__module__}.{func.__name__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> Feedback:
        try:
            feedback = func(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            feedback = Feedback(False, str(exc), malformed=True)
        if _state["mode"] == "pass-fail" and not feedback.malformed:
            feedback = Feedback(feedback.correct, "")
        _record(name, feedback)
        return feedback

    wrapper.is_checker = True
    return wrapper
