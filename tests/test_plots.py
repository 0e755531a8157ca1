"""relubook.plots.axes: a row of panels never grows past the width the book's column shows
readably."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
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
