"""relubook.plots.axes: a row of panels never grows past the width the book's column shows
readably."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from relubook import plots  # noqa: E402


@pytest.mark.parametrize("ncols", [1, 2, 3, 5])
def test_a_row_of_panels_is_at_most_max_width(ncols):
    fig, _ = plots.axes(ncols)
    width, height = fig.get_size_inches()
    plt.close(fig)
    assert width == pytest.approx(min(4.2 * ncols, plots.MAX_WIDTH)) and height == 3.2


def test_narrow_panels_keep_their_width():
    fig, axs = plots.axes(2, width=3.0, height=2.5)
    assert tuple(fig.get_size_inches()) == pytest.approx((6.0, 2.5)) and len(axs) == 2
    plt.close(fig)


@pytest.mark.parametrize("ncols", [0, -1, 2.0])
def test_bad_ncols(ncols):
    with pytest.raises(ValueError, match="ncols"):
        plots.axes(ncols)


def test_knot_ticks_scale_with_the_weights_and_keep_the_limits():
    """The largest weight gets ``fraction`` of the y-range, the others in proportion, all
    from the bottom; the axes' y-limits stay as they were."""
    fig, ax = plots.axes()
    ax.plot([0, 1], [2, 6])
    lo, hi = ax.get_ylim()
    ticks = plots.knot_ticks(ax, [0.2, 0.5, 0.9], [1.0, 4.0, 2.0], fraction=0.1)
    segments = ticks.get_segments()
    plt.close(fig)
    assert ax.get_ylim() == (lo, hi)
    heights = [seg[1, 1] - seg[0, 1] for seg in segments]
    assert heights == pytest.approx([0.025 * (hi - lo), 0.1 * (hi - lo), 0.05 * (hi - lo)])
    assert [seg[0, 0] for seg in segments] == [0.2, 0.5, 0.9]
    assert all(seg[0, 1] == lo for seg in segments)


def test_knot_ticks_without_weights_or_knots():
    fig, ax = plots.axes()
    ticks = plots.knot_ticks(ax, [0.3, 0.7])
    lo, hi = ax.get_ylim()
    assert [s[1, 1] - s[0, 1] for s in ticks.get_segments()] == pytest.approx(
        [0.08 * (hi - lo)] * 2)
    assert plots.knot_ticks(ax, []) is None
    assert plots.knot_ticks(ax, [0.1, 0.2], [0.0, 0.0]) is None     # nothing bends
    plt.close(fig)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(positions=[0.0, np.nan]), ValueError, "positions"),
    (dict(positions=[0.0, 1.0], weights=[1.0]), ValueError, "shape of positions"),
    (dict(positions=[0.0], weights=[-1.0]), ValueError, "non-negative"),
    (dict(positions=[0.0], fraction=0.0), ValueError, "fraction"),
    (dict(positions=[0.0], fraction="big"), TypeError, "fraction"),
])
def test_knot_ticks_reject_bad_input(kwargs, error, match):
    fig, ax = plots.axes()
    with pytest.raises(error, match=match):
        plots.knot_ticks(ax, **kwargs)
    plt.close(fig)
