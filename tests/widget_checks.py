"""Shared checks for the explorer tests (DESIGN.md section 7: every control value in range
produces a figure without error, quickly).

- :func:`callback_errors`: ipywidgets' ``interactive`` catches an exception raised by its
  callback and, without an IPython kernel, only logs it (``result`` stays ``None``), so tests
  look at the log instead.
- :func:`control_values` and :func:`each_control_over_its_range`: the values of the controls,
  read from the widget itself (so a test covers the range the reader can reach).
- :func:`assert_draws_quickly`: draw a figure for each setting within a time bound, check it,
  close it.
- :func:`assert_controls_update`: move every control of a live explorer, as a reader would;
  no callback may raise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import matplotlib.pyplot as plt
import numpy as np

#: Seconds allowed for one redraw of an explorer.
TIME_LIMIT = 2.0


def callback_errors(caplog) -> list[str]:
    """Messages of every exception an ``interactive`` callback raised (and ipywidgets logged)."""
    return [r.getMessage() for r in caplog.records
            if "Exception in interact callback" in r.getMessage()]


def control_values(control) -> list:
    """Every value ``control`` can take, in order, as plain Python numbers or strings.

    A selection control (``Dropdown``, ``SelectionSlider``) gives its options (the values of
    ``(label, value)`` pairs); a numeric slider gives ``min, min + step, ..., max``.
    """
    if hasattr(control, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if all(isinstance(v, int) for v in (control.min, control.max, control.step)):
        return list(range(control.min, control.max + 1, control.step))
    return np.arange(control.min, control.max + control.step / 2, control.step).tolist()


def each_control_over_its_range(controls: dict) -> list[dict]:
    """Settings ``{description: value}`` that take each control over its whole range in turn,
    the other controls at their current (initial) values."""
    initial = {name: c.value for name, c in controls.items()}
    return [{**initial, name: v} for name, c in controls.items() for v in control_values(c)]


def assert_draws_quickly(draw: Callable, settings: Iterable, check: Callable,
                         limit: float = TIME_LIMIT) -> int:
    """``draw(setting)`` returns a figure within ``limit`` seconds and ``check(fig)`` holds,
    for every setting; each figure is closed. Returns the number of settings drawn."""
    count = 0
    for setting in settings:
        start = time.perf_counter()
        fig = draw(setting)
        elapsed = time.perf_counter() - start
        assert elapsed < limit, f"{setting}: drawn in {elapsed:.2f} s (limit {limit} s)"
        assert check(fig), f"{setting}: unexpected figure"
        plt.close(fig)
        count += 1
    assert count, "no setting was drawn"
    return count


def assert_controls_update(explorer, caplog) -> None:
    """Set every control of ``explorer`` (its children but the last, the output) to its last
    value, one after the other, as a reader would: no callback may raise."""
    for control in explorer.children[:-1]:
        control.value = control_values(control)[-1]
    errors = callback_errors(caplog)
    assert not errors, errors
