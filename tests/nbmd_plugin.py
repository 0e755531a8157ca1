"""Run the jupytext MyST chapters (``chapters/*.md``) under nbval, cell by cell.

nbval only collects ``.ipynb`` files. This plugin reads a ``.md`` notebook with jupytext, in
memory, and hands its code cells to nbval: test ids look like ``chapters/01_x.md::Cell 4``,
the kernel runs with the chapter's folder as working directory (as in the book build), and no
``.ipynb`` is written. Active with ``--nbval`` or ``--nbval-lax`` (set in pyproject.toml).
Mirrors ``nbval.plugin.IPyNbFile.collect`` (nbval 0.11.0, pinned), which hard-codes
``nbformat.read``.
"""

import os
import warnings
from collections import defaultdict

import jupytext
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags


def _is_notebook(path):
    """A MyST .md file is a notebook if its front matter has a kernelspec."""
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


class MdNbFile(IPyNbFile):
    def collect(self):
        self.nb = jupytext.read(self.path)
        cell_num = 0
        for cell in self.nb.cells:
            if cell.cell_type != "code":
                continue
            with warnings.catch_warnings(record=True) as ws:
                options = defaultdict(bool, find_metadata_tags(cell.metadata))
                comment_opts = dict(find_comment_markers(cell.source))
            loc = f"{self.path}:Cell {cell_num}"
            overlap = set(comment_opts) & set(options)
            if overlap:
                warnings.warn_explicit(
                    f"Overlapping options from comments and metadata, using options from "
                    f"comments: {overlap}", category=UserWarning, filename=loc, lineno=0)
            for w in ws:
                warnings.warn_explicit(str(w.message), category=UserWarning, filename=loc,
                                       lineno=0)
            options.update(comment_opts)
            options.setdefault("check", self.compare_outputs)
            yield IPyNbCell.from_parent(self, name=f"Cell {cell_num}", cell_num=cell_num,
                                        cell=cell, options=options)
            cell_num += 1


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and file_path.suffix == ".md" and _is_notebook(file_path):
        return MdNbFile.from_parent(parent, path=file_path)


CHAPTER_BUDGET_S = 60.0   # DESIGN.md: each chapter under 60 s in `make test`


def chapter_times(reports) -> dict:
    """Seconds spent per notebook file: the sum over its cells of setup (the first cell's
    includes starting the kernel), call and teardown, from pytest's test reports."""
    times = defaultdict(float)
    for report in reports:
        path, sep, cell = report.nodeid.partition("::")
        if sep and cell.startswith("Cell ") and path.endswith(".md"):
            times[path] += report.duration
    return dict(times)


def pytest_terminal_summary(terminalreporter):
    """After the run, the chapters from slowest to fastest, against their budget."""
    reports = [r for rs in terminalreporter.stats.values() for r in rs
               if hasattr(r, "nodeid") and hasattr(r, "duration")]
    times = chapter_times(reports)
    if not times:
        return
    terminalreporter.section("chapter execution times (nbval, slowest first)")
    for path, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        over = f"  OVER THE {CHAPTER_BUDGET_S:.0f} s BUDGET" if seconds > CHAPTER_BUDGET_S else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}{over}")
    _report_margins(terminalreporter)


SMALLEST_MARGINS = 10


def _report_margins(terminalreporter) -> None:
    """The smallest margins the checks recorded (relubook.check), reported, never asserted."""
    from relubook.check import MARGINS_ENV, read_margins, smallest_margins

    folder = os.environ.get(MARGINS_ENV)
    if not folder or not os.path.isdir(folder):
        return
    records = smallest_margins(read_margins(folder), SMALLEST_MARGINS)
    if not records:
        return
    terminalreporter.section(f"the {len(records)} smallest margins of the book's checks "
                             f"(bound / observed; {folder})")
    for r in records:
        terminalreporter.write_line(f"{r.margin:9.3g}  {r.claim}: {r.what} "
                                    f"(observed {r.observed:.3g}, bound {r.bound:.3g})")
