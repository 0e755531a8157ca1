"""The chapter-time summary of ``tests/nbmd_plugin.py`` (printed at the end of `make test`)."""

from types import SimpleNamespace

import pytest

from tests.nbmd_plugin import chapter_times


def report(nodeid, duration):
    return SimpleNamespace(nodeid=nodeid, duration=duration)


def test_chapter_times_sum_the_phases_of_every_cell_per_file():
    reports = [report("chapters/01_a.md::Cell 0", 2.0), report("chapters/01_a.md::Cell 0", 0.5),
               report("chapters/01_a.md::Cell 1", 1.25), report("chapters/02_b.md::Cell 0", 3.0),
               report("tests/test_model.py::test_x", 9.0), report("chapters/01_a.md", 7.0)]
    assert chapter_times(reports) == pytest.approx({"chapters/01_a.md": 3.75,
                                                    "chapters/02_b.md": 3.0})


def test_chapter_times_of_no_chapter_is_empty():
    assert chapter_times([report("tests/test_model.py::test_x", 1.0)]) == {}
