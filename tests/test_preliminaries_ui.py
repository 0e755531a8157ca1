"""Chapter 1's widget and exercise checkers."""

import itertools

import matplotlib
import numpy as np
import pytest

from relubook.exercises import Feedback, check_close
from relubook.exercises import preliminaries as ex
from relubook.widgets import preliminaries as wid
from tests.feedback_checks import assert_malformed
from tests.widget_checks import (
    assert_controls_update,
    assert_draws_quickly,
    control_values,
    each_control_over_its_range,
)

matplotlib.use("Agg")


def test_every_control_value_draws_a_figure_quickly():
    w = wid.explorer()
    controls = {c.description: c for c in w.children[:-1]}
    assert set(controls) == {"width m", "log10 scale", "seed"}
    values = {name: control_values(c) for name, c in controls.items()}
    assert values["width m"] == list(wid.WIDTHS)
    assert values["log10 scale"] == list(np.arange(-1.0, 1.0 + 1e-9, 0.25))
    # every (width, scale) pair, and then every control over its whole range
    settings = ([{"width m": m, "log10 scale": s, "seed": int(m) % 21}
                 for m, s in itertools.product(values["width m"], values["log10 scale"])]
                + each_control_over_its_range(controls))
    assert_draws_quickly(
        lambda s: wid.draw_random_network(s["width m"], 10.0 ** s["log10 scale"],
                                          seed=s["seed"]),
        settings, lambda fig: len(fig.axes) == 2 and fig.axes[0].lines)


def test_explorer_updates_when_controls_change(caplog):
    assert_controls_update(wid.explorer(), caplog)


def test_check_knots_accepts_right_answers_in_any_order():
    assert ex.check_knots([0.0, 1.0, 0.5], [1.0, -2.0, 1.0])
    assert ex.check_knots([0.5, 0.0, 1.0], [1.0, 1.0, -2.0])


@pytest.mark.parametrize("knots, jumps, phrase", [
    ([0.0, 1.0, 0.5], [1.0, 2.0, 1.0], "a_j |w_j|"),          # sign of a left-facing unit
    ([0.0, -1.0, 0.5], [1.0, -2.0, 1.0], "w_j x + b_j = 0"),   # wrong knot
    ([0.0, 1.0], [1.0, -2.0], "3 knots"),                       # missing one
])
def test_check_knots_explains_wrong_answers(knots, jumps, phrase):
    fb = ex.check_knots(knots, jumps)
    assert not fb and phrase in fb.message


def test_check_knots_rejects_malformed_input():
    assert_malformed(ex.check_knots([0.0, 1.0, 0.5], [1.0, 2.0]), "one jump per knot")
    assert_malformed(ex.check_knots("0 1 0.5", [1.0, 2.0, 1.0]), "knots")


def test_check_curvature_mass():
    assert ex.check_curvature_mass(4.0) and ex.check_curvature_mass(4 + 1e-9)
    fb = ex.check_curvature_mass(0.0)
    assert not fb and "absolute values" in fb.message
    assert_malformed(ex.check_curvature_mass([4.0, 1.0]), "shape")


def test_feedback_rendering():
    fb = check_close([1.0, 2.0], [1.0, 2.5], name="v", hint="try again")
    assert isinstance(fb, Feedback) and not fb
    assert "index 1" in fb.message and fb._repr_markdown_().startswith("❌")
