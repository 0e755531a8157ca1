"""Grade a folder of handed-in student notebooks: one CSV row per student and exercise.

Usage (``make grade HANDINS=folder`` runs the first form)::

    python scripts/grade.py HANDINS                       # writes HANDINS/grades.csv
    python scripts/grade.py HANDINS --out grades.csv --executed executed/ --timeout 300

A hand-in is a notebook made from ``make student-notebooks``: an ``.ipynb`` or a jupytext
``.md`` (``HANDINS/<student>.ipynb``, or ``HANDINS/<student>/<any name>.ipynb`` for several
chapters per student). Each is executed from the top in this environment (the book's: the
kernel's working directory is ``chapters/``, as for the book), with the checkers in their
pass/fail mode, and the grade of an exercise comes from the checker calls made in its **answer
cell** (tags ``answer`` and ``answer-<label>``, see ``scripts/student_notebooks.py``):

=================  =========================================================================
``pass``           the answer cell called the exercise's checker, and every call was correct
``fail``           a call was a wrong answer
``malformed``      a call's answer could not be read (wrong type or shape)
``error``          the answer cell raised, or the kernel died or timed out
``no answer``      the answer cell made no call of the exercise's checker
``no answer cell`` the hand-in has no cell tagged for this exercise (deleted?)
=================  =========================================================================

Calls made elsewhere (a student's attempts in other cells) do not count. The CSV has the
columns ``student, handin, chapter, exercise, result, points`` (1 for pass, else 0). Hand-ins
run as ordinary code with your privileges: grade them in a container or a throw-away account
if you do not trust them.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("exercise_index",
                                               ROOT / "_ext" / "exercise_index.py")
exercise_index = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("exercise_index", exercise_index)
_spec.loader.exec_module(exercise_index)

ANSWER = "answer"
COLUMNS = ("student", "handin", "chapter", "exercise", "result", "points")
_MARK = ("import relubook.exercises._feedback as _relubook_grading\n"
         "_relubook_grading.grading_cell({label!r})")


def checkers_of_exercises(chapters: Path = ROOT / "chapters") -> dict[str, set[str]]:
    """Exercise label -> names of the checkers its statement names."""
    exercises, _ = exercise_index.scan_book(chapters)
    return {e.label: set(e.checkers) for e in exercises if e.label}


def answer_label(cell) -> str | None:
    """The exercise label of an answer cell (tag ``answer-<label>``), else None."""
    tags = cell.get("metadata", {}).get("tags", [])
    if ANSWER not in tags:
        return None
    return next((t[len(ANSWER) + 1:] for t in tags if t.startswith(ANSWER + "-")), None)


def read_handin(path: Path) -> nbformat.NotebookNode:
    """A hand-in as a notebook (``.ipynb``, or jupytext ``.md``)."""
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    return jupytext.read(path)


def _instrumented(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """A copy of ``nb`` without outputs in which every answer cell is framed by cells that
    tell the checkers which answer cell runs; and label -> index of its answer cell."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    where: dict[str, int] = {}
    for cell in nb.cells:
        label = answer_label(cell)
        if cell.cell_type == "code":
            cell = nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata)
        if label is not None:
            out.cells.append(nbformat.v4.new_code_cell(_MARK.format(label=label)))
            where[label] = len(out.cells)
        out.cells.append(cell)
        if label is not None:
            out.cells.append(nbformat.v4.new_code_cell(_MARK.format(label=None)))
    return out, where


def grade_notebook(nb: nbformat.NotebookNode, checkers: dict[str, set[str]], *,
                   timeout: int = 300) -> tuple[dict[str, str], nbformat.NotebookNode]:
    """Execute ``nb`` and grade it: exercise label -> result (see the module docstring), and
    the executed notebook."""
    run, where = _instrumented(nb)
    expected = list(nb.metadata.get("relubook", {}).get("exercises", []))
    labels = expected + [label for label in where if label not in expected]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.jsonl"
        log.touch()
        env = {"RELUBOOK_FEEDBACK": "pass-fail", "RELUBOOK_GRADING_LOG": str(log)}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        crashed = None
        try:
            NotebookClient(run, timeout=timeout, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
        except Exception as exc:  # a dead kernel or a timeout: every answer is an error
            crashed = f"{type(exc).__name__}"
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        calls = [json.loads(line) for line in log.read_text().splitlines() if line]
    results = {}
    for label in labels:
        mine = [c for c in calls if c["cell"] == label
                and c["checker"].rsplit(".", 1)[-1] in checkers.get(label, set())]
        if label not in where:
            results[label] = "no answer cell"
        elif crashed or any(o.get("output_type") == "error"
                            for o in run.cells[where[label]].get("outputs", [])):
            results[label] = "error"
        elif not mine:
            results[label] = "no answer"
        elif any(c["malformed"] for c in mine):
            results[label] = "malformed"
        else:
            results[label] = "pass" if all(c["correct"] for c in mine) else "fail"
    return results, run


def handins(folder: Path) -> list[tuple[str, Path]]:
    """(student, path) of every ``.ipynb``/``.md`` hand-in under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".ipynb", ".md"} or ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        found.append((rel.parts[0] if len(rel.parts) > 1 else path.stem, path))
    return found


def grade_folder(folder: Path, out: Path, *, executed: Path | None = None,
                 timeout: int = 300) -> list[dict]:
    """Grade every hand-in under ``folder`` and write the CSV ``out``; return its rows."""
    checkers = checkers_of_exercises()
    rows = []
    for student, path in handins(folder):
        nb = read_handin(path)
        results, run = grade_notebook(nb, checkers, timeout=timeout)
        chapter = nb.metadata.get("relubook", {}).get("chapter", "")
        for label, result in results.items():
            rows.append({"student": student, "handin": str(path.relative_to(folder)),
                         "chapter": chapter, "exercise": label, "result": result,
                         "points": int(result == "pass")})
        if executed is not None:
            target = executed / path.relative_to(folder).with_suffix(".ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(run, target)
        print(f"grade: {path.relative_to(folder)}: "
              + ", ".join(f"{k} {v}" for k, v in results.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("handins", type=Path, help="folder of hand-ins (.ipynb or .md)")
    parser.add_argument("--out", type=Path, help="the CSV (default: HANDINS/grades.csv)")
    parser.add_argument("--executed", type=Path,
                        help="also write the executed hand-ins (pass/fail outputs) here")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.handins.is_dir():
        parser.error(f"{args.handins} is not a folder")
    out = args.out or args.handins / "grades.csv"
    rows = grade_folder(args.handins, out, executed=args.executed, timeout=args.timeout)
    print(f"grade: {len(rows)} rows in {out}")


if __name__ == "__main__":
    main()
