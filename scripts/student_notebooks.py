"""Write the runnable student edition: the chapters as notebooks without their solutions.

Usage (``make student-notebooks`` runs the first form)::

    python scripts/student_notebooks.py _build/student/repo
    python scripts/student_notebooks.py OUT --pass-fail    # checkers say only right / wrong

For every numbered chapter ``chapters/0*.md`` it writes ``OUT/chapters/<name>.md`` (jupytext
MyST, opens as a notebook in JupyterLab as the book's chapters do) and ``<name>.ipynb``
(not executed), with

- every ``{solution}`` removed together with its *solution region* (the code cells after it up
  to the next exercise or heading, which run the checker on the right answer): the same rule
  and the same scanner (``_ext/exercise_index.py``) as the student HTML of
  ``make book-student``; cells tagged ``solution`` are dropped wherever they are;
- after every exercise whose statement names a checker, one **answer cell**: a code cell with
  the tags ``answer`` and ``answer-<exercise label>`` (and, in the ``.ipynb``, the cell id
  ``answer-<exercise label>``) holding the checker call as a comment. ``scripts/grade.py``
  grades the checker calls made in these cells;
- the notebook metadata ``relubook: {chapter, exercises}`` (the exercises that have an answer
  cell), which the grader uses to report a deleted answer cell as "no answer".

Beside the chapters it copies what Binder needs to run them (``binder/``, ``relubook/``,
``pyproject.toml``, ``scripts/warm_numba.py``, ``chapters/data/``) and a short README, and packs
the whole tree into ``OUT.zip``: push the tree to a branch or repository of its own and launch
it on Binder (``chapters/for_instructors.md``). The package's checkers are in that tree, so a
determined student can read how they compute the answers.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("exercise_index",
                                               ROOT / "_ext" / "exercise_index.py")
exercise_index = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("exercise_index", exercise_index)
_spec.loader.exec_module(exercise_index)

ANSWER_TAG = "answer"
SOLUTION_TAG = "solution"
_CALL = re.compile(r"exercises\.check_\w+\(.*?\)(?=`|\s*$)", re.M)
# What Binder needs beside the chapters (binder/postBuild installs relubook, warms numba).
_TREE = ("binder", "relubook", "pyproject.toml", "scripts/warm_numba.py", "chapters/data")
_README = """# relubook: student notebooks

The chapters of relubook as notebooks, without their solutions. Open `chapters/*.md` (or the
`.ipynb` copies) in JupyterLab; run every cell; answer each auto-checked exercise in the cell
tagged `answer` under it, and run the checker the exercise names there. Hand in the executed
notebook as `.ipynb` (File > Save and Export Notebook As > Notebook, or Download from the
`.ipynb` copy).
"""


def answer_tag(label: str) -> str:
    """The tag (and ``.ipynb`` cell id) of the answer cell of exercise ``label``."""
    return f"{ANSWER_TAG}-{label}"


def _answer_cell(exercise) -> list[str]:
    calls = _CALL.findall(exercise.statement) or [
        f"exercises.{name}(...)" for name in exercise.checkers]
    return ["```{code-cell} ipython3",
            f":tags: [{ANSWER_TAG}, {answer_tag(exercise.label)}]",
            "",
            "# Your answer to the exercise above; the checker calls in this cell are graded.",
            *(f"# {call}" for call in dict.fromkeys(calls)),
            "```", ""]


def student_markdown(path: Path) -> tuple[str, list[str]]:
    """The chapter at ``path`` without solutions, with answer cells; and the labels of the
    exercises that got an answer cell."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    exercises, solutions = exercise_index.scan_chapter(path)
    dropped = {i for s in solutions for i in range(s.start, s.stop)}
    answered = [e for e in exercises if e.checkers and e.label]
    after = {e.end: _answer_cell(e) for e in answered}
    out: list[str] = []
    for i, line in enumerate(lines):
        if i not in dropped:
            out.append(line)
            out += [""] + after[i] if i in after else []
    return "\n".join(out) + "\n", [e.label for e in answered]


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student notebook of the chapter at ``path`` (see the module docstring)."""
    text, labels = student_markdown(path)
    nb = jupytext.reads(text, fmt="md:myst")
    nb.cells = [c for c in nb.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        label = next((t[len(ANSWER_TAG) + 1:] for t in tags
                      if t.startswith(ANSWER_TAG + "-")), None)
        cell["id"] = answer_tag(label)[:64] if label else f"cell-{i}"
    nb.metadata["relubook"] = {"chapter": path.stem, "exercises": labels}
    representation = nb.metadata.setdefault("jupytext", {})
    keep = representation.get("notebook_metadata_filter")
    representation["notebook_metadata_filter"] = f"{keep},relubook" if keep else "relubook"
    return nb


def write_tree(out: Path, *, pass_fail: bool = False,
               chapters: Path = ROOT / "chapters") -> list[Path]:
    """Write the student tree of the chapters in ``chapters`` into ``out`` (emptied first)
    and ``out.zip``; return the notebooks written."""
    if out.exists():
        shutil.rmtree(out)
    (out / "chapters").mkdir(parents=True)
    written = []
    for path in sorted(chapters.glob("0*.md")):
        nb = student_notebook(path)
        if pass_fail:
            _prepend_pass_fail(nb)
        md = out / "chapters" / path.name
        md.write_text(jupytext.writes(nb, fmt="md:myst"), encoding="utf-8")
        ipynb = copy.deepcopy(nb)
        ipynb.metadata.pop("jupytext", None)
        nbformat.write(ipynb, md.with_suffix(".ipynb"))
        written += [md, md.with_suffix(".ipynb")]
    for name in _TREE:
        source, target = ROOT / name, out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi",
                                                          "*.nbc"))
        elif source.exists():
            shutil.copy2(source, target)
    (out / "README.md").write_text(_README, encoding="utf-8")
    shutil.make_archive(str(out), "zip", root_dir=out)
    return written


def _prepend_pass_fail(nb: nbformat.NotebookNode) -> None:
    """Put the checkers in the pass/fail mode from the first cell on."""
    cell = nbformat.v4.new_code_cell(
        "import relubook.exercises\nrelubook.exercises.set_feedback_mode(\"pass-fail\")")
    cell["id"] = "feedback-mode"
    cell.metadata["tags"] = ["remove-input"]
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first, cell)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder of the student tree (replaced)")
    parser.add_argument("--pass-fail", action="store_true",
                        help="the notebooks set the checkers' pass/fail mode (no hints)")
    parser.add_argument("--chapters", type=Path, default=ROOT / "chapters",
                        help="folder of the chapters (default: chapters/)")
    args = parser.parse_args(argv)
    written = write_tree(args.output, pass_fail=args.pass_fail, chapters=args.chapters)
    print(f"student_notebooks: {len(written)} notebooks in {args.output}/chapters, "
          f"archive {args.output}.zip")


if __name__ == "__main__":
    main()
