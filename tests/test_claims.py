"""The claims ledger: every claim is checked, and the scanner finds what it should.

The same rules fail the book build (the `claims_ledger` Sphinx extension warns, and -W turns the
warnings into errors); here they fail fast, without Sphinx.
"""

import json
import sys
import textwrap
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "_ext"))   # the local Sphinx extensions, as _config.yml loads them
import claims_ledger as ledger  # noqa: E402

CLAIMS, CHECKS = ledger.scan_book(ROOT / "chapters")


# ---- the book ----------------------------------------------------------------------------

def test_every_claim_has_a_check_cell():
    checked = {label for k in CHECKS for label in k.labels}
    unchecked = [f"{c.path.name}:{c.line} {c.label}" for c in CLAIMS if c.label not in checked]
    assert not unchecked, f"claims without a check cell: {unchecked}"


def test_no_check_names_an_unknown_claim():
    labels = {c.label for c in CLAIMS}
    unknown = [f"{k.path.name}:{k.line} {label}" for k in CHECKS for label in k.labels
               if label not in labels]
    assert not unknown, f"check cells naming unknown claims: {unknown}"


def test_claim_labels_are_unique():
    counts = Counter(c.label for c in CLAIMS)
    assert not [label for label, n in counts.items() if n > 1]


def test_validate_finds_no_problem_in_the_book():
    assert [str(p) for p in ledger.validate(CLAIMS, CHECKS)] == []


# ---- the scanner, on synthetic chapters --------------------------------------------------

FRONT = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
paper: boursier2022gradient
---
"""


def write(tmp_path, name, body, front=FRONT):
    path = tmp_path / name
    path.write_text(front + textwrap.dedent(body), encoding="utf-8")
    return path


def test_scanner_finds_claims_and_checks(tmp_path):
    path = write(tmp_path, "ch.md", """\
        # A chapter

        ```{prf:proposition} Knots move slowly
        :label: claim-knots
        :nonumber:

        Statement.
        ```

        :::{prf:theorem} Colon fenced, $x^2$
        :label: claim-colon
        Statement.
        :::

        ````{prf:lemma} Long fence with nested math
        ---
        label: claim-yaml-options
        ---
        ```{math}
        :label: eq-inner
        a = b
        ```
        ````

        ```{prf:corollary} Not a claim: label without the prefix
        :label: cor-other
        ```

        ```{prf:definition} Not a claim kind
        :label: claim-definition-ignored
        ```

        ```{code-cell} ipython3
        # check: claim-knots
        assert True
        ```

        ```{code-cell} ipython3
        :tags: [hide-input]

        # check: claim-colon, claim-yaml-options
        assert True
        ```

        ```{code-cell} ipython3
        ---
        tags: [remove-input]
        mystnb:
          figure: {caption: a figure}
        ---
        # check: claim-knots
        ```

        ```{code-cell} ipython3
        x = 1  # check: claim-knots  (not the first line: not a check)
        # check: claim-colon
        ```
        """)
    claims, checks = ledger.scan_chapter(path)
    assert [(c.label, c.kind, c.title) for c in claims] == [
        ("claim-knots", "proposition", "Knots move slowly"),
        ("claim-colon", "theorem", "Colon fenced, $x^2$"),
        ("claim-yaml-options", "lemma", "Long fence with nested math"),
    ]
    assert all(c.paper == "boursier2022gradient" and c.path == path for c in claims)
    assert [k.labels for k in checks] == [
        ("claim-knots",), ("claim-colon", "claim-yaml-options"), ("claim-knots",)]
    # Line numbers are 1-based lines of the file: the "# check:" comment itself.
    lines = path.read_text().splitlines()
    assert all(lines[k.line - 1].lstrip().startswith("# check:") for k in checks)
    assert lines[claims[0].line - 1].startswith("```{prf:proposition}")
    assert ledger.validate(claims, checks) == []
    assert ledger.count_checks(claims, checks) == {
        "claim-knots": 2, "claim-colon": 1, "claim-yaml-options": 1}


def test_missing_check_is_a_problem(tmp_path):
    path = write(tmp_path, "ch.md", """\
        ```{prf:proposition} Checked
        :label: claim-checked
        ```

        ```{prf:proposition} Never checked
        :label: claim-unchecked
        ```

        ```{code-cell} ipython3
        # check: claim-checked
        ```
        """)
    problems = ledger.validate(*ledger.scan_chapter(path))
    assert len(problems) == 1
    assert "claim-unchecked" in problems[0].message and "no check cell" in problems[0].message
    assert problems[0].path == path


def test_unknown_and_duplicate_labels_are_problems(tmp_path):
    write(tmp_path, "01_a.md", """\
        ```{prf:theorem} First
        :label: claim-twice
        ```

        ```{code-cell} ipython3
        # check: claim-twice, claim-typo
        ```
        """)
    write(tmp_path, "02_b.md", """\
        :::{prf:theorem} Second
        :label: claim-twice
        :::
        """)
    messages = [p.message for p in ledger.validate(*ledger.scan_book(tmp_path))]
    assert len(messages) == 2
    assert any("duplicate" in m and "claim-twice" in m for m in messages)
    assert any("unknown claim" in m and "claim-typo" in m for m in messages)


def test_fenced_examples_are_not_scanned(tmp_path):
    """A Markdown example of a claim or a check cell, inside a plain code fence, is text."""
    path = write(tmp_path, "index.md", """\
        `````md
        ```{prf:proposition} An example
        :label: claim-example
        ```

        ```{code-cell} ipython3
        # check: claim-example
        ```
        `````
        """, front="")
    assert ledger.scan_chapter(path) == ([], [])


def test_claims_nested_in_other_directives_are_found(tmp_path):
    path = write(tmp_path, "ch.md", """\
        ::::{admonition} Box
        :::{prf:proposition} Inside an admonition
        :label: claim-nested
        :::
        ::::
        """)
    claims, _ = ledger.scan_chapter(path)
    assert [c.label for c in claims] == ["claim-nested"]


@pytest.mark.parametrize("front, paper", [(FRONT, "boursier2022gradient"), ("", None),
                                          ("---\nkernelspec: {name: python3}\n---\n", None)])
def test_paper_comes_from_the_front_matter(tmp_path, front, paper):
    path = write(tmp_path, "ch.md", """\
        ```{prf:proposition} P
        :label: claim-p
        ```
        """, front=front)
    claims, _ = ledger.scan_chapter(path)
    assert claims[0].paper == paper


def test_smallest_margin_by_claim(tmp_path):
    """The ledger's margin column: the smallest margin per claim, 'exact' for holds only."""
    from relubook.check import Record

    lines = {
        "claim-a": [Record("claim-a", "x", "at_most", 0.5, 1.0, 2.0),
                    Record("claim-a", "y", "holds", None, None, None),
                    Record("claim-a", "z", "close", 1e-9, 1e-6, 1000.0)],
        "claim-b": [Record("claim-b", "only exact", "holds", None, None, None)],
        "claim-c": [Record("claim-c", "zero error", "close", 0.0, 1e-6, float("inf"))],
    }
    for claim, records in lines.items():
        (tmp_path / f"{claim}.jsonl").write_text(
            "".join(json.dumps(asdict(r)) + "\n" for r in records))
    assert ledger.smallest_margin_by_claim(tmp_path) == {
        "claim-a": "2", "claim-b": "exact", "claim-c": "∞"}
    assert ledger.smallest_margin_by_claim(tmp_path / "missing") == {}


# ---- the package's side: each paper module ends its docstring with its claims -------------

def _book_with_claims(tmp_path):
    """Chapters 3 and 7 and an unnumbered page, with claims a, b (3), c (7) and s (speed)."""
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    for name, labels in (("03_mf.md", ["claim-a", "claim-b"]), ("07_syn.md", ["claim-c"]),
                         ("speed.md", ["claim-s"])):
        write(chapters, name, "".join(f"```{{prf:proposition}} P\n:label: {label}\n```\n\n"
                                      for label in labels))
    claims, _ = ledger.scan_book(chapters)
    package = tmp_path / "pkg"
    package.mkdir()
    return package, claims


def _module(package, name, docstring):
    path = package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'r"""{textwrap.dedent(docstring)}"""\n\nX = 1\n', encoding="utf-8")
    return path


PAPER = {"mf.py": "2111.02278"}

GOOD = """\
    The mean-field model (after Someone, arXiv 2111.02278).

    More text; a Claims: inside a sentence is not a paragraph of claims.

    Claims: claim-a,
    claim-b (chapter 3); claim-c
    (chapter 7); claim-s (chapter speed).
    """


def test_module_claims_good_paragraph_passes(tmp_path):
    package, claims = _book_with_claims(tmp_path)
    path = _module(package, "mf.py", GOOD)
    _module(package, "helpers.py", "No claims here (not a paper module).\n")
    _module(package, "sub/other.py", "A module of a subpackage.\n\nClaims: claim-b (Chapter 03)\n")
    assert ledger.module_claim_problems(package, claims, PAPER) == []
    entries, problems = ledger.docstring_claims(path)
    assert problems == []
    # Lines of the file: the docstring opens on line 1, "Claims: claim-a," is line 5.
    assert entries == [("claim-a", "3", 5), ("claim-b", "3", 6), ("claim-c", "7", 6),
                       ("claim-s", "speed", 7)]


def test_module_claims_unknown_label_fails(tmp_path):
    package, claims = _book_with_claims(tmp_path)
    path = _module(package, "mf.py", GOOD.replace("claim-c\n", "claim-typo\n"))
    problems = ledger.module_claim_problems(package, claims, PAPER)
    assert [(p.path, p.line) for p in problems] == [(path, 6)]   # the label's own line
    assert "unknown claim 'claim-typo'" in problems[0].message


def test_module_claims_wrong_chapter_fails(tmp_path):
    package, claims = _book_with_claims(tmp_path)
    path = _module(package, "mf.py", GOOD.replace("(chapter 7)", "(chapter 6)"))
    _module(package, "other.py", "Optional, but checked.\n\nClaims: claim-s (chapter 7).\n")
    problems = ledger.module_claim_problems(package, claims, PAPER)
    assert len(problems) == 2
    assert problems[0].path == path and "'claim-c' is in chapter 6" in problems[0].message
    assert "defined in chapter 7 (07_syn.md)" in problems[0].message
    assert problems[1].path == package / "other.py" and "speed.md" in problems[1].message


@pytest.mark.parametrize("docstring, message", [
    ("The model (arXiv 2111.02278).\n\nNo claims.\n", "does not end with a 'Claims:"),
    ("The model (arXiv 2111.02278).\n\nClaims: claim-a (chapter 3).\n\nMore.\n",
     "must be the last paragraph"),
    ("The model (arXiv 2111.02278).\n\nClaims: claim-a, chapter 3\n", "malformed"),
    ("The model (arXiv 2111.022789).\n\nClaims: claim-a (chapter 3).\n", "arXiv 2111.02278"),
    ("The model.\n\nClaims: claim-a (chapter 3).\n", "arXiv 2111.02278"),
])
def test_module_claims_paper_module_without_paragraph_or_id_fails(tmp_path, docstring, message):
    package, claims = _book_with_claims(tmp_path)
    path = _module(package, "mf.py", docstring)
    problems = ledger.module_claim_problems(package, claims, PAPER)
    assert len(problems) == 1 and problems[0].path == path, [str(p) for p in problems]
    assert message in problems[0].message


def test_module_claims_missing_paper_module_or_docstring_fails(tmp_path):
    package, claims = _book_with_claims(tmp_path)
    (package / "mf.py").write_text("X = 1\n", encoding="utf-8")   # no docstring at all
    problems = ledger.module_claim_problems(package, claims, {**PAPER, "gone.py": "1906.07842"})
    messages = [p.message for p in problems]
    assert len(messages) == 3, messages
    assert any("not found" in m for m in messages)
    assert sum("paper module:" in m for m in messages) == 2


def test_the_package_names_only_existing_claims_of_their_chapters():
    assert ledger.module_claim_problems(ROOT / "relubook", CLAIMS) == []


def test_the_paper_modules_are_the_five_papers():
    assert ledger.PAPER_MODULES == {
        "regimes.py": "1906.07842", "mean_field.py": "2111.02278",
        "orthogonal.py": "2206.00939", "single_neuron.py": "2202.05510",
        "landscape.py": "2103.10922"}
    assert all((ROOT / "relubook" / name).is_file() for name in ledger.PAPER_MODULES)


def test_myst_fences_public_api():
    """The fence parser shared by the claims ledger and the exercises index."""
    import myst_fences as mf

    text = textwrap.dedent("""\
        ---
        paper: p
        ---
        ````{prf:lemma} Title
        ---
        label: claim-x
        ---
        ```{math}
        a
        ```
        ````
        ```python
        x
        """)
    lines = text.splitlines()
    assert mf.front_matter(text) == {"paper": "p"} and mf.body_offset(text) == 3
    blocks = list(mf.fenced_blocks(lines, mf.body_offset(text), len(lines)))
    assert [(b.name, b.arg, b.body_start) for b in blocks] == [
        ("prf:lemma", "Title", 4), (None, "python", 12)]   # nested math: not outermost
    assert blocks[1].body == ["x"]                           # unclosed: runs to the end
    assert mf.split_options(blocks[0]) == ({"label": "claim-x"}, 3)
    assert mf.split_options(mf.Fenced("note", "", [":class: tip", "text"])) == (
        {"class": "tip"}, 1)
    assert "code-cell" in mf.LITERAL_DIRECTIVES
