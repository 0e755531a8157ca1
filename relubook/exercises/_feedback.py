"""The feedback object every exercise checker returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_array


@dataclass(frozen=True)
class Feedback:
    """Result of checking an answer.

    Attributes
    ----------
    correct : bool
        Whether the answer is accepted.
    message : str
        What is right, or what is off and a hint.
    """

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("Correct. " if self.correct else "Not yet. ") + self.message

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.correct else "❌"
        return f"{mark} {self}"


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
