"""The exercises index, and the student edition's removal of solutions.

An *exercise* is a sphinx-exercise ``{exercise}`` directive (backtick or colon fence, any fence
length) in a chapter; its label is its ``:label:`` option and its title the directive's
argument (often empty). A *solution* is a ``{solution} <exercise label>`` directive.

**The checker rule.** An exercise *has an auto-checker* when its statement (the directive's
body) names a function ``check_<name>`` (for instance ``exercises.check_knots(knots, jumps)``).
The module the checker lives in is the one the chapter imports as ``exercises``
(``from relubook.exercises import <module> as exercises``), so the index shows
``relubook.exercises.<module>.check_<name>``; ``tests/test_exercise_index.py`` checks that
every named checker exists and returns a ``Feedback``.

Pure functions, used by ``tests/test_exercise_index.py`` and ``tests/test_student_build.py``
without Sphinx:

- :func:`scan_chapter` ``(path) -> (exercises, solutions)``
- :func:`scan_book` ``(chapters_dir) -> (exercises, solutions)`` over ``chapters_dir/*.md``
- :func:`validate` ``(exercises, solutions) -> [Problem]``: an exercise without a label, a
  label defined twice, a solution for an unknown exercise.
- :func:`summary` ``(text, limit)``: the first sentence of a statement, shortened without
  cutting through ``$...$`` math or inline code.
- :func:`index_markdown` ``(exercises, docname_of)``: the index table as MyST markup.

As a Sphinx extension (``local_extensions`` in ``_config.yml``) it

- provides the ``{exercise-index}`` directive (no arguments, no content): one row per exercise
  with a link to it, a short link to its chapter (its number), its title or first sentence
  and the name of its checker in the chapter's exercises module (or "none"). The page
  holding the directive is re-read on every build, since it depends on all chapters; it
  warns (so ``-W`` fails) on the problems :func:`validate` finds.
- with ``exercise_index_student_edition = True`` (set only by ``scripts/student_config.py`` for
  ``make book-student``) removes every solution from the doctree before anything is written,
  together with its *solution region*: the nodes after the solution up to the next exercise or
  the end of the section. In the chapters that region holds the code cells that check the
  solution (they print the right answer), so it goes too. sphinx-exercise's own
  ``hide_solutions = True`` drops only the ``{solution}`` directive itself and leaves those
  code cells in the page.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # Sphinx puts _ext/ on the path; the tests load this file directly
    sys.path.insert(0, _HERE)
import claims_ledger as _cl  # noqa: E402  (Problem, scan_files, add_generated_table)
from myst_fences import (  # noqa: E402  (the MyST fence parser shared with claims_ledger)
    LITERAL_DIRECTIVES,
    body_offset,
    fenced_blocks,
    split_options,
)

_CHECKER = re.compile(r"\bcheck_\w+")
_MODULE = re.compile(r"^\s*from\s+relubook\.exercises\s+import\s+(\w+)\s+as\s+exercises\b",
                     re.M)
# Directives whose body is never Markdown: nothing to find inside.
_LITERAL = LITERAL_DIRECTIVES | {"claims-ledger", "exercise-index"}


@dataclass(frozen=True)
class Exercise:
    label: str                 # the :label: option ("" when missing)
    title: str                 # the directive's argument (may be empty)
    statement: str             # the body, options removed
    path: Path
    line: int                  # 1-based line of the body's first line
    checkers: tuple[str, ...]  # "check_..." names in the statement, in order, no repeats
    module: str | None         # the chapter's exercises module ("preliminaries", ...)
    end: int = -1              # 0-based index of the directive's closing fence line

    @property
    def checker_paths(self) -> tuple[str, ...]:
        """Dotted paths of the checkers (``relubook.exercises.<module>.check_...``)."""
        prefix = f"relubook.exercises.{self.module}." if self.module else "relubook.exercises."
        return tuple(prefix + name for name in self.checkers)


@dataclass(frozen=True)
class Solution:
    target: str                # the exercise label it solves
    body: str                  # the body, options removed
    region: str                # everything after the solution up to the next exercise or
    #                            heading, at the same nesting level (the code cells checking it)
    path: Path
    line: int
    start: int = -1            # 0-based index of the solution's opening fence line
    stop: int = -1             # 0-based index of the first line after its region


Problem = _cl.Problem  # a finding at path:line, shared with the claims ledger


def checkers_named(text: str) -> tuple[str, ...]:
    """The ``check_...`` names in ``text``, in order of first appearance."""
    seen: list[str] = []
    for name in _CHECKER.findall(text):
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def exercises_module(text: str) -> str | None:
    """The module a chapter imports as ``exercises``, or None."""
    m = _MODULE.search(text)
    return m.group(1) if m else None


_HEADING = re.compile(r"^#{1,6}\s")


def _scan(lines, start, stop, path, module, exercises, solutions):
    blocks = list(fenced_blocks(lines, start, stop))
    for i, block in enumerate(blocks):
        if block.name is None or block.name in _LITERAL:
            continue
        opts, k = split_options(block)
        body = "\n".join(block.body[k:]).strip("\n")
        if block.name == "exercise":
            exercises.append(Exercise(
                label=str(opts.get("label", "")).strip(), title=block.arg, statement=body,
                path=path, line=block.body_start + 1, checkers=checkers_named(body),
                module=module, end=block.body_start + len(block.body)))
        elif block.name == "solution":
            # The region: from the line after the closing fence to the next exercise opening
            # fence or heading (at this level), or the end of the enclosing block.
            region_start = block.body_start + len(block.body) + 1
            region_stop = stop
            for later in blocks[i + 1:]:
                if later.name == "exercise":
                    region_stop = later.body_start - 1
                    break
            for j in range(region_start, region_stop):
                if _HEADING.match(lines[j]) and not _inside_fence(lines, start, j):
                    region_stop = j
                    break
            solutions.append(Solution(target=block.arg.strip(), body=body,
                                      region="\n".join(lines[region_start:region_stop]),
                                      path=path, line=block.body_start + 1,
                                      start=block.body_start - 1, stop=region_stop))
            continue  # a solution's body is not scanned for exercises
        if block.name != "code-cell":
            _scan(lines, block.body_start + k, block.body_start + len(block.body), path, module,
                  exercises, solutions)


def _inside_fence(lines, start, j) -> bool:
    """Whether line ``j`` lies inside a fenced block that opens at or after ``start``."""
    return any(b.body_start <= j < b.body_start + len(b.body) + 1
               for b in fenced_blocks(lines, start, j + 1))


def scan_chapter(path) -> tuple[list[Exercise], list[Solution]]:
    """The exercises and solutions of one MyST chapter file, in order of appearance."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    exercises: list[Exercise] = []
    solutions: list[Solution] = []
    _scan(lines, body_offset(text), len(lines), path, exercises_module(text),
          exercises, solutions)
    return exercises, solutions


def scan_book(chapters_dir) -> tuple[list[Exercise], list[Solution]]:
    """The exercises and solutions of every ``*.md`` file in ``chapters_dir`` (by name)."""
    return _cl.scan_files(chapters_dir, scan_chapter)


def validate(exercises: list[Exercise], solutions: list[Solution]) -> list[Problem]:
    """Exercises without a label, labels defined twice, solutions of unknown exercises."""
    problems: list[Problem] = []
    first: dict[str, Exercise] = {}
    for e in exercises:
        if not e.label:
            problems.append(Problem(e.path, e.line, "exercise without a :label: (the index "
                                                    "and the solutions link to it by label)"))
        elif e.label in first:
            f = first[e.label]
            problems.append(Problem(e.path, e.line, f"duplicate exercise label {e.label!r} "
                                                    f"(first defined at {f.path}:{f.line})"))
        else:
            first[e.label] = e
    for s in solutions:
        if s.target not in first:
            problems.append(Problem(s.path, s.line,
                                    f"solution of unknown exercise {s.target!r}"))
    return problems


_MATH_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)


def summary(text: str, limit: int = 100) -> str:
    """The first sentence of ``text`` on one line, at most about ``limit`` characters.

    Never cuts through ``$...$`` math or ``...`` inline code: the text is split into plain
    pieces and math/code pieces, a sentence ends at ". " in a plain piece, and a cut (marked
    with "...") falls on a space of a plain piece. A formula that follows fewer than four words
    may run to twice the limit.
    """
    flat = " ".join(text.split())
    pieces, pos = [], 0
    for m in _MATH_OR_CODE.finditer(flat):
        pieces.append((flat[pos:m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    pieces.append((flat[pos:], False))
    out = ""
    for piece, atomic in pieces:
        if atomic:
            # A formula after a word or two ("Consider $f(x) = ...$") is kept up to twice
            # the limit: without it the summary says nothing.
            if out and len(out) + len(piece) > (limit if len(out.split()) >= 4 else 2 * limit):
                return out.rstrip(" ,;:(") + " ..."
            out += piece
            continue
        end = re.search(r"[.?!](\s|$)", piece)
        chunk = piece[:end.start() + 1] if end else piece
        if len(out) + len(chunk) > limit:
            room = max(limit - len(out), 0)
            cut = chunk.rfind(" ", 0, room + 1)
            return (out + (chunk[:cut] if cut > 0 else "")).rstrip(" ,;:(") + " ..."
        out += chunk
        if end:
            return out.strip()
    return out.strip()


_NUMBERED = re.compile(r"^0*(\d+)_")


def chapter_link(docname: str) -> str:
    """A short link to a chapter: its number for ``chapters/04_orthogonal`` ("4"), else
    the chapter's title."""
    m = _NUMBERED.match(docname.rsplit("/", 1)[-1])
    return f"{{doc}}`{m.group(1)} </{docname}>`" if m else f"{{doc}}`/{docname}`"


def index_markdown(exercises: list[Exercise], docname_of) -> str:
    """The index as a MyST list-table. ``docname_of(path)`` gives the chapter's docname.

    Columns: the exercise (a link), its chapter (short: the chapter's number), and its title
    or first sentence followed by its checker's name, whole (a checker name never wraps;
    the wide statement column leaves it room)."""
    if not exercises:
        return "No exercises yet."
    rows = ["```{list-table} Every exercise of the book",
            ":header-rows: 1", ":widths: 20 8 72", ":width: 100%", "",
            "* - Exercise", "  - Chapter", "  - Statement; auto-checker"]
    for e in exercises:
        text = e.title or summary(e.statement, limit=80)
        # The short name: the module is the chapter's (the page's text says so).
        checker = ", ".join(f"`{name}`" for name in e.checkers) if e.checkers else "none"
        rows += [f"* - {{ref}}`{e.label}`",
                 f"  - {chapter_link(docname_of(e.path))}",
                 f"  - {text}",
                 "",
                 f"    Auto-checker: {checker}"]
    rows.append("```")
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------
# Sphinx side (imported lazily so that the pure functions above need only PyYAML).

def _chapters_dir(app) -> Path:
    return Path(app.srcdir) / app.config.exercise_index_chapters


def setup(app):
    from docutils import nodes
    from sphinx.util import logging

    app.setup_extension("sphinx_exercise")  # the solution directive overridden below
    from sphinx_exercise import nodes as ex_nodes
    from sphinx_exercise.directive import SolutionDirective

    logger = logging.getLogger(__name__)

    def index_of(env) -> str:
        """The MyST table of every exercise; problems of the scan become warnings."""
        exercises, solutions = scan_book(_chapters_dir(env.app))
        for p in validate(exercises, solutions):
            logger.warning(f"exercise index: {p.message}", location=f"{p.path}:{p.line}",
                           type="exercises")
        outside = sorted({e.path for e in exercises
                          if env.path2doc(str(e.path)) not in env.found_docs})
        for path in outside:
            logger.warning(f"exercise index: {path} is not part of the book (missing "
                           f"from _toc.yml?); its exercises are left out",
                           location=env.docname, type="exercises")
        exercises = [e for e in exercises if e.path not in outside and e.label]
        return index_markdown(exercises, lambda p: env.path2doc(str(p)))

    class solution_removed(nodes.Element):
        """Where a solution was, in the student edition; removed in doctree-read."""

    class StudentSolutionDirective(SolutionDirective):
        """In the student edition a solution leaves only a marker (nothing is parsed)."""

        def run(self):
            return [solution_removed()]

    def _is_exercise(node) -> bool:
        return isinstance(node, (ex_nodes.exercise_node, ex_nodes.exercise_enumerable_node))

    def remove_solution_regions(app, doctree):
        for marker in list(doctree.findall(solution_removed)):
            parent = marker.parent
            if parent is None:
                continue
            index = parent.index(marker)
            doomed = [marker]
            for sibling in parent.children[index + 1:]:
                if _is_exercise(sibling) or isinstance(sibling, (nodes.section, nodes.title)) \
                        or isinstance(sibling, solution_removed):
                    break
                doomed.append(sibling)
            for node in doomed:
                parent.remove(node)

    def student_mode(app, config):
        if config.exercise_index_student_edition:
            app.add_directive("solution", StudentSolutionDirective, override=True)
            app.connect("doctree-read", remove_solution_regions)

    app.add_config_value("exercise_index_chapters", "chapters", "env")
    app.add_config_value("exercise_index_student_edition", False, "env")
    app.add_node(solution_removed)
    _cl.add_generated_table(app, "exercise-index", "exercise-index", index_of)
    app.connect("config-inited", student_mode)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
