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


def test_terminal_summary_lists_chapters_slowest_first_and_flags_the_budget():
    from types import SimpleNamespace as NS

    from tests.nbmd_plugin import pytest_terminal_summary

    lines = []
    reporter = NS(stats={"passed": [report("chapters/a.md::Cell 0", 3.0),
                                    report("chapters/b.md::Cell 0", 61.0)],
                         "warnings": [NS(message="no nodeid")]},
                  section=lambda title: lines.append(f"== {title}"),
                  write_line=lines.append)
    pytest_terminal_summary(reporter)
    assert lines[0].startswith("== chapter execution times")
    assert "chapters/b.md" in lines[1] and "OVER THE 60 s BUDGET" in lines[1]
    assert "chapters/a.md" in lines[2] and "BUDGET" not in lines[2]
