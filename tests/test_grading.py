"""Grading: the checkers' one wrapper (modes, malformed answers, records) and scripts/grade.py
on sample hand-ins (right, wrong, malformed, and an answer cell deleted) of chapter 4."""

import csv
import importlib.util
import inspect
import json
from pathlib import Path

import jupytext
import nbformat
import pytest

import relubook.exercises as exercises
from relubook.exercises import _feedback
from relubook.exercises import orthogonal as ex
from tests.feedback_checks import assert_malformed

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


grade = _load("grade")
student_notebooks = _load("student_notebooks")

MODULES = [getattr(exercises, name) for name in exercises.__all__
           if inspect.ismodule(getattr(exercises, name))]


@pytest.fixture
def pass_fail():
    exercises.set_feedback_mode("pass-fail")
    yield
    exercises.set_feedback_mode("hints")


def test_every_checker_has_the_wrapper():
    checkers = {f"{m.__name__}.{n}": getattr(m, n) for m in MODULES for n in m.__all__
                if n.startswith("check_")}
    named = set().union(*grade.checkers_of_exercises().values())
    assert named <= {name.rsplit(".", 1)[1] for name in checkers}   # the index sees them all
    bare = [name for name, f in checkers.items() if not getattr(f, "is_checker", False)]
    assert not bare, f"checkers without relubook.exercises.checker: {bare}"


def test_malformed_answers_give_feedback():
    assert_malformed(ex.check_min_norm([1.0, 1.0], [0.0, 0.0, 1.5], 1.0), r"R\^3")
    assert_malformed(ex.check_min_norm([1.0, 1.0, 0.0]), "missing")   # an argument forgotten
    assert_malformed(ex.check_min_width("twenty"), "width")


def test_pass_fail_mode_hides_hints_and_expected_values(pass_fail):
    wrong = ex.check_min_norm([2.0, 1.0, 0.0], [0.0, 0.0, 1.5], 2.9)
    assert not wrong and wrong.message == "" and str(wrong) == "Not yet."
    right = ex.check_min_width(20)
    assert right and str(right) == "Correct."
    assert_malformed(ex.check_min_width(0), "width")   # the form of the answer is still said


def test_hints_mode_explains():
    fb = ex.check_min_norm([2.0, 1.0, 0.0], [0.0, 0.0, 1.5], 2.9)
    assert str(fb).startswith("Not yet: ") and "expected" in fb.message


def test_mode_is_validated():
    with pytest.raises(ValueError, match="mode"):
        exercises.set_feedback_mode("quiet")


def test_calls_are_recorded_for_grading(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("RELUBOOK_GRADING_LOG", str(log))
    _feedback.grading_cell("ex-orth-width")
    try:
        ex.check_min_width(20)
        ex.check_min_width([1, 2])
    finally:
        _feedback.grading_cell(None)
    ex.check_min_width(7)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(c["cell"], c["correct"], c["malformed"]) for c in calls] == [
        ("ex-orth-width", True, False), ("ex-orth-width", False, True), (None, False, False)]
    assert calls[0]["checker"] == "relubook.exercises.orthogonal.check_min_width"


# ---- scripts/grade.py on sample hand-ins ---------------------------------------------------

RIGHT = {
    "ex-orth-min-norm": "exercises.check_min_norm([1.0, 1.0, 0.0], [0.0, 0.0, 1.5], "
                        "math.sqrt(2) + 1.5)",
    "ex-orth-saddles": "exercises.check_saddles(3 / math.sqrt(17), 2.0, 0.375)",
    "ex-orth-width": "exercises.check_min_width(20)",
}


def _handin(answers: dict[str, str], drop: str | None = None) -> nbformat.NotebookNode:
    """The chapter 4 student notebook cut to its import cell and its answer cells, the
    answer cells filled with ``answers`` (exercise label -> code)."""
    nb = student_notebooks.student_notebook(ROOT / "chapters" / "04_orthogonal.md")
    imports = next(c for c in nb.cells if c.cell_type == "code" and "as exercises" in c.source)
    cells = [imports]
    for cell in nb.cells:
        label = grade.answer_label(cell)
        if label and label != drop:
            cell.source = answers.get(label, cell.source)
            cells.append(cell)
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handins")
    right = _handin(RIGHT)
    wrong = _handin({**RIGHT, "ex-orth-width": "exercises.check_min_width(30)"})
    # malformed min-norm; a wrong try outside the answer cell does not count; width deleted
    malformed = _handin({**RIGHT, "ex-orth-min-norm":
                         "exercises.check_min_norm([1.0, 1.0], [0.0, 0.0, 1.5], 2.9)"},
                        drop="ex-orth-width")
    malformed.cells.insert(1, nbformat.v4.new_code_cell("exercises.check_saddles(1, 1, 1)"))
    nbformat.write(right, folder / "alice.ipynb")
    (folder / "bob").mkdir()
    (folder / "bob" / "04_orthogonal.md").write_text(jupytext.writes(wrong, fmt="md:myst"))
    nbformat.write(malformed, folder / "carol.ipynb")
    out = folder / "grades.csv"
    grade.main([str(folder), "--out", str(out), "--executed", str(folder / "executed"),
                "--timeout", "120"])
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {(r["student"], r["exercise"]): r for r in rows}, folder


def test_grades_per_student_and_exercise(graded):
    rows, _ = graded
    result = {key: row["result"] for key, row in rows.items()}
    assert result == {
        ("alice", "ex-orth-min-norm"): "pass", ("alice", "ex-orth-saddles"): "pass",
        ("alice", "ex-orth-width"): "pass",
        ("bob", "ex-orth-min-norm"): "pass", ("bob", "ex-orth-saddles"): "pass",
        ("bob", "ex-orth-width"): "fail",
        ("carol", "ex-orth-min-norm"): "malformed", ("carol", "ex-orth-saddles"): "pass",
        ("carol", "ex-orth-width"): "no answer cell",
    }
    assert {row["points"] for key, row in rows.items() if row["result"] == "pass"} == {"1"}
    assert rows[("bob", "ex-orth-width")]["points"] == "0"
    assert rows[("bob", "ex-orth-width")]["chapter"] == "04_orthogonal"
    assert rows[("bob", "ex-orth-width")]["handin"] == str(Path("bob") / "04_orthogonal.md")


def test_executed_handins_show_no_expected_value(graded):
    _, folder = graded
    nb = nbformat.read(folder / "executed" / "bob" / "04_orthogonal.ipynb", as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Not yet." in shown and "expected" not in shown and "Traceback" not in shown


def test_an_error_in_an_answer_cell(tmp_path):
    nb = _handin({**RIGHT, "ex-orth-saddles": "raise RuntimeError('oops')"})
    results, _ = grade.grade_notebook(nb, grade.checkers_of_exercises(), timeout=120)
    assert results == {"ex-orth-min-norm": "pass", "ex-orth-saddles": "error",
                       "ex-orth-width": "pass"}


def test_printed_feedback_wraps_at_its_width():
    """A long message prints on lines of at most WIDTH characters, with every word kept;
    the notebook's Markdown view keeps it on one paragraph line."""
    from relubook.exercises._feedback import WIDTH, Feedback

    message = " ".join(f"word{k}" for k in range(60)) + "\nsecond paragraph"
    fb = Feedback(False, message)
    lines = str(fb).splitlines()
    assert len(lines) > 2 and max(map(len, lines)) <= WIDTH
    assert str(fb).split() == ("Not yet: " + message).split()
    assert lines[-1] == "second paragraph"
    assert fb._repr_markdown_() == "❌ Not yet: " + message
