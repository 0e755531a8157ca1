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
