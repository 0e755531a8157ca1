"""Shared assertion for the exercise checkers' tests: a malformed answer gives feedback.

A checker never raises (relubook.exercises._feedback.checker): an answer of the wrong type or
shape returns a negative ``Feedback`` marked ``malformed`` whose message says what was
expected.
"""

import re

from relubook.exercises import Feedback


def assert_malformed(feedback, match: str) -> None:
    """``feedback`` is a negative, malformed ``Feedback`` whose message matches ``match``."""
    assert isinstance(feedback, Feedback), f"a checker returned {type(feedback).__name__}"
    assert not feedback and feedback.malformed, f"not reported as malformed: {feedback}"
    assert re.search(match, feedback.message), f"{match!r} not in {feedback.message!r}"
    assert str(feedback).startswith("Not yet: ")
