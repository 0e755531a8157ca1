"""The runnable student notebooks (`make student-notebooks`, scripts/student_notebooks.py).

Like tests/test_student_build.py for the student HTML: no phrase of any solution and no line of
the code cells of its solution region is in any written notebook, every exercise statement is;
and beyond it: every other code cell of the chapter is kept (the notebooks run), and every
auto-checked exercise has exactly one answer cell with its stable tags and cell id.
"""

import importlib.util
import re
import zipfile
from collections import Counter
from pathlib import Path

import jupytext
import nbformat
import pytest

from tests.test_student_build import EXERCISES, SOLUTIONS, code_lines, phrases

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("student_notebooks",
                                               ROOT / "scripts" / "student_notebooks.py")
student_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_notebooks)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "repo"
    written = student_notebooks.write_tree(out)
    assert written, "no chapter notebook written"
    return out


def _texts(tree):
    return {p.relative_to(tree): p.read_text(encoding="utf-8")
            for p in (tree / "chapters").iterdir() if p.suffix in {".md", ".ipynb"}}


def _code_sources(nb):
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


def _tags(cell):
    return cell.metadata.get("tags", [])


def test_no_solution_in_the_student_notebooks(tree):
    texts = _texts(tree)
    leaks = []
    for s in SOLUTIONS:
        for needle in sorted(phrases(s.body) | code_lines(s.region)):
            where = [str(p) for p, text in texts.items()
                     if needle in text or needle in " ".join(text.split())]
            if where:
                leaks.append(f"{s.path.name} solution of {s.target}: {needle!r} in {where}")
    assert not leaks, "solution text in the student notebooks:\n" + "\n".join(leaks)


def test_exercise_statements_are_kept(tree):
    missing = []
    for e in EXERCISES:
        text = (tree / "chapters" / e.path.name).read_text(encoding="utf-8")
        text = " ".join(re.sub(r"[*_]", "", text).split())   # as phrases() drops emphasis
        missing += [f"{e.label}: {p!r}" for p in phrases(e.statement) if p not in text]
    assert not missing, "exercise text missing:\n" + "\n".join(missing)


@pytest.mark.parametrize("chapter", sorted(p.name for p in (ROOT / "chapters").glob("0*.md")))
def test_other_cells_kept_and_one_answer_cell_per_checked_exercise(tree, chapter):
    original = jupytext.read(ROOT / "chapters" / chapter)
    region_code = {line for s in SOLUTIONS if s.path.name == chapter
                   for line in code_lines(s.region)}
    kept = [src for src in _code_sources(original)
            if not any(line.strip() in region_code for line in src.splitlines())]
    checked = [e.label for e in EXERCISES if e.path.name == chapter and e.checkers]
    md = jupytext.read(tree / "chapters" / chapter)
    ipynb = nbformat.read(tree / "chapters" / chapter.replace(".md", ".ipynb"), as_version=4)
    nbformat.validate(ipynb)
    for nb in (md, ipynb):
        answers = [c for c in nb.cells if student_notebooks.ANSWER_TAG in _tags(c)]
        assert [t for c in answers for t in _tags(c) if t != "answer"] == \
            [student_notebooks.answer_tag(label) for label in checked]
        others = [c.source.strip() for c in nb.cells
                  if c.cell_type == "code" and c not in answers]
        assert Counter(others) == Counter(kept), "code cells outside the solutions changed"
        assert nb.metadata["relubook"] == {"chapter": chapter[:-3], "exercises": checked}
        assert not [c for c in nb.cells if student_notebooks.SOLUTION_TAG in _tags(c)]
    ids = {c["id"] for c in ipynb.cells}
    assert {student_notebooks.answer_tag(label) for label in checked} <= ids


def test_answer_cells_name_the_checker(tree):
    nb = jupytext.read(tree / "chapters" / "04_orthogonal.md")
    cell = next(c for c in nb.cells if "answer-ex-orth-min-norm" in _tags(c))
    assert "# exercises.check_min_norm(beta_plus, beta_minus, R_star)" in cell.source


def test_the_tree_launches_on_binder(tree):
    for name in ("binder/requirements.txt", "binder/postBuild", "pyproject.toml",
                 "relubook/exercises/_feedback.py", "scripts/warm_numba.py", "README.md"):
        assert (tree / name).is_file(), name
    with zipfile.ZipFile(tree.with_suffix(".zip")) as archive:
        names = set(archive.namelist())
    assert "chapters/04_orthogonal.ipynb" in names and "binder/postBuild" in names
    assert not [n for n in names if "__pycache__" in n]


def test_pass_fail_edition(tmp_path):
    student_notebooks.write_tree(tmp_path / "repo", pass_fail=True)
    nb = nbformat.read(tmp_path / "repo" / "chapters" / "01_preliminaries.ipynb", as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert 'set_feedback_mode("pass-fail")' in first.source
