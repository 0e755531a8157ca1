"""The exercises index (`_ext/exercise_index.py`, page `chapters/exercises.md`).

The pure functions are tested without Sphinx; the book's own exercises are checked against the
rule of the index (an exercise has an auto-checker when its statement names a ``check_...``
function of the chapter's exercises module, and that function must exist). The rendered page
is checked by ``tests/test_book_markup.py`` (``-W -n``) and, for its links, here on a small
book built with the extension.
"""

import importlib
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "_ext"))   # the local Sphinx extensions, as _config.yml loads them
import exercise_index as ei  # noqa: E402

EXERCISES, SOLUTIONS = ei.scan_book(ROOT / "chapters")


def _write(tmp_path, text, name="ch.md"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---- the scanner ---------------------------------------------------------------------------

CHAPTER = """\
    ---
    kernelspec: {name: python3}
    ---
    # A chapter

    ```{code-cell} ipython3
    from relubook.exercises import regimes as exercises
    ```

    ```{exercise} A titled one
    :label: ex-a

    Compute $x$ and check it with `exercises.check_thing(x)`; then `exercises.check_thing` again.
    ```

    ```{solution} ex-a
    :class: dropdown

    It is $x = 1$.
    ```

    ```{code-cell} ipython3
    # the answer
    print(exercises.check_thing(1.0))
    ```

    ````{exercise}
    :label: ex-b

    No checker here. A second sentence.

    ```python
    check_not_an_exercise_checker()   # inside the statement, still named: counts
    ```
    ````

    ```{solution} ex-b
    No title, a body.
    ```

    ## Summary

    ```{code-cell} ipython3
    print("not in any solution region")
    ```

    ````text
    ```{exercise}
    :label: ex-in-a-code-block
    ```
    ````
    """


def test_scan_chapter_finds_exercises_solutions_checkers_and_regions(tmp_path):
    exercises, solutions = ei.scan_chapter(_write(tmp_path, CHAPTER))
    assert [e.label for e in exercises] == ["ex-a", "ex-b"]
    a, b = exercises
    assert a.title == "A titled one" and b.title == ""
    assert a.module == "regimes"
    assert a.checkers == ("check_thing",)                     # named twice, listed once
    assert a.checker_paths == ("relubook.exercises.regimes.check_thing",)
    assert b.statement.startswith("No checker here.")
    assert [s.target for s in solutions] == ["ex-a", "ex-b"]
    assert solutions[0].body == "It is $x = 1$."
    assert "print(exercises.check_thing(1.0))" in solutions[0].region
    assert "ex-b" not in solutions[0].region                   # stops at the next exercise
    assert "not in any solution region" not in solutions[1].region  # stops at the heading
    assert ei.validate(exercises, solutions) == []


def test_validate_reports_missing_and_duplicate_labels_and_orphan_solutions(tmp_path):
    path = _write(tmp_path, """\
        ```{exercise}
        No label.
        ```

        ```{exercise}
        :label: ex-x
        One.
        ```

        ```{exercise}
        :label: ex-x
        Two.
        ```

        ```{solution} ex-y
        For nothing.
        ```
        """)
    messages = [p.message for p in ei.validate(*ei.scan_chapter(path))]
    assert len(messages) == 3
    assert "without a :label:" in messages[0]
    assert "duplicate exercise label 'ex-x'" in messages[1]
    assert "unknown exercise 'ex-y'" in messages[2]


@pytest.mark.parametrize("text, expected", [
    ("Short. Second sentence.", "Short."),
    ("What is $a. b$ here? Then more.", "What is $a. b$ here?"),
    ("No full stop at all", "No full stop at all"),
])
def test_summary_is_the_first_sentence(text, expected):
    assert ei.summary(text) == expected


def test_summary_never_cuts_math_or_code():
    text = "Word " * 5 + "$" + "x + " * 40 + "y$ and `code` after."
    s = ei.summary(text, limit=40)
    assert s.endswith(" ...") and "$" not in s
    s = ei.summary("Take " + "`abc` " * 30, limit=30)
    assert s.count("`") % 2 == 0 and s.endswith(" ...")
    s = ei.summary("Consider $" + "x" * 60 + "$ and more words here.", limit=40)
    assert s == "Consider $" + "x" * 60 + "$ ..."      # a short lead keeps its formula
    long_plain = "word " * 60
    s = ei.summary(long_plain, limit=50)
    assert len(s) <= 54 and s.endswith(" ...") and not s.endswith("wor ...")


def test_index_markdown_links_every_exercise(tmp_path):
    exercises, _ = ei.scan_chapter(_write(tmp_path, CHAPTER))
    md = ei.index_markdown(exercises, lambda p: "chapters/" + p.stem)
    assert md.startswith("```{list-table}") and md.endswith("```")
    assert "{ref}`ex-a`" in md and "{ref}`ex-b`" in md
    assert md.count("{doc}`/chapters/ch`") == 2
    assert "`check_thing`" in md
    assert "A titled one" in md and "No checker here." in md
    assert ei.index_markdown([], str) == "No exercises yet."


# ---- the book ------------------------------------------------------------------------------

def test_the_book_has_exercises_and_no_problems():
    assert EXERCISES, "no exercise found: the scanner is broken"
    assert ei.validate(EXERCISES, SOLUTIONS) == []


def test_every_chapter_with_exercises_imports_its_exercises_module():
    missing = sorted({e.path.name for e in EXERCISES if e.module is None})
    assert not missing, (
        f"chapters without `from relubook.exercises import <m> as exercises`: {missing}")


def test_every_named_checker_exists_and_gives_feedback():
    """The rule of the index names real functions: each ``check_...`` of a statement is a
    public function of the chapter's module of relubook.exercises."""
    missing = []
    for e in EXERCISES:
        for path in e.checker_paths:
            module, name = path.rsplit(".", 1)
            func = getattr(importlib.import_module(module), name, None)
            if not callable(func):
                missing.append(f"{e.path.name} {e.label}: {path}")
    assert not missing, "exercises naming a checker that does not exist:\n" + "\n".join(missing)


def test_every_checker_is_named_by_some_exercise():
    """Each public ``check_...`` of a chapter's exercises module is set by an exercise (so
    the index shows it), except the shared helper ``check_close``."""
    named = {p for e in EXERCISES for p in e.checker_paths}
    unused = []
    for module in sorted({e.module for e in EXERCISES if e.module}):
        mod = importlib.import_module(f"relubook.exercises.{module}")
        for name in getattr(mod, "__all__", []):
            if name.startswith("check_") and name != "check_close" \
                    and inspect.isfunction(getattr(mod, name)):
                if f"relubook.exercises.{module}.{name}" not in named:
                    unused.append(f"relubook.exercises.{module}.{name}")
    assert not unused, f"checkers no exercise statement names: {unused}"


def test_every_chapter_has_an_auto_checked_exercise():
    chapters = {e.path.name for e in EXERCISES}
    checked = {e.path.name for e in EXERCISES if e.checkers}
    assert chapters == checked, f"chapters without an auto-checked exercise: {chapters - checked}"


# ---- the rendered index on a small book ----------------------------------------------------

def test_rendered_index_links_each_exercise(tmp_path):
    """A two-page book with the extension: -W -n clean, and the index page links to each
    exercise's anchor in its chapter."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    _write(book / "chapters", CHAPTER.replace("```{code-cell} ipython3", "```python"), "ch.md")
    _write(book / "chapters", """\
        # Exercises index

        ```{exercise-index}
        ```
        """, "exercises.md")
    _write(book, """\
        format: jb-book
        root: chapters/exercises
        chapters:
          - file: chapters/ch
        """, "_toc.yml")
    _write(book, f"""\
        title: t
        only_build_toc_files: true
        execute: {{execute_notebooks: "off"}}
        sphinx:
          extra_extensions: [sphinx_exercise]
          local_extensions: {{exercise_index: {ROOT / "_ext"}}}
        """, "_config.yml")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", "-W", "-n", "--keep-going", "--all",
                             str(book)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    page = (book / "_build" / "html" / "chapters" / "exercises.html").read_text(encoding="utf-8")
    for label in ("ex-a", "ex-b"):
        assert f'href="ch.html#{label}"' in page, label
    assert "ex-in-a-code-block" not in page
    assert "check_thing" in page
    assert page.count('href="ch.html"') >= 2   # the chapter column


# ---- the instructors' page quotes the checkers' real messages -----------------------------

def test_instructors_page_quotes_real_feedback():
    """The ``pycon`` blocks of chapters/for_instructors.md run as doctests (whitespace
    normalised, so the messages may be wrapped): the messages shown are the real ones."""
    import doctest
    import re

    page = (ROOT / "chapters" / "for_instructors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", page, re.S)
    assert blocks, "for_instructors.md shows no checker message"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"for_instructors[{i}]", "for_instructors.md", 0)
        assert test.examples
        result = runner.run(test, out=lambda s: None)
        assert result.failed == 0, f"a quoted message differs; run doctest on block {i}"
