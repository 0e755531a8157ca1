"""The claims ledger: which claim of the book is checked by which code cell.

A *claim* is a ``{prf:proposition}`` / ``{prf:theorem}`` / ``{prf:lemma}`` /
``{prf:corollary}`` directive (backtick or colon fence, any fence length) whose ``:label:``
starts with ``claim-``; its title is the directive's argument. A *check cell* is a
``{code-cell}`` whose first code line (after any ``:tags:`` option lines or ``---`` YAML
options block) is ``# check: claim-a`` or ``# check: claim-a, claim-b``. The paper a chapter
is about is the top-level front-matter key ``paper: <bibtex key>`` (absent: "background"). myst-nb
accepts the extra key without warnings, but jupytext drops unknown top-level keys when a
notebook is saved from Jupyter, so such a chapter also declares the key in jupytext's filter
(``tests/test_toc.py`` checks this)::

    ---
    jupytext:
      notebook_metadata_filter: paper
      text_representation: {extension: .md, format_name: myst, ...}
    kernelspec: {display_name: Python 3 (ipykernel), language: python, name: python3}
    paper: boursier2022gradient
    ---

Pure functions, used by ``tests/test_claims.py`` without Sphinx:

- :func:`scan_chapter` ``(path) -> (claims, checks)``
- :func:`scan_book` ``(chapters_dir) -> (claims, checks)`` over ``chapters_dir/*.md``
- :func:`validate` ``(claims, checks) -> [Problem]``: a claim without a check cell, a check
  naming an unknown claim, a claim label defined twice.
- :func:`module_claim_problems` ``(package_dir, claims) -> [Problem]``: the package's side.
  Every paper module (:data:`PAPER_MODULES`) gives its paper's arXiv id in its docstring, and
  the docstring ends with the claims that depend on it,
  ``Claims: claim-a, claim-b (chapter 3); claim-c (chapter 7).`` (grammar:
  :func:`docstring_claims`); other modules may end with one too. Each listed label must be a
  claim of the book, defined in the chapter named with it. The modules are read with
  :mod:`ast`, not imported.

As a Sphinx extension (``local_extensions`` in ``_config.yml``) it

- emits one WARNING per problem of :func:`validate` and of :func:`module_claim_problems` (on
  the folder ``claims_ledger_package``, default ``relubook``) at the start of every build (so
  ``-W`` fails), and
- provides the ``{claims-ledger}`` directive, which renders the ledger table: claim (link to
  the proposition), statement, paper (citation), chapter (link), number of check cells. The
  page holding the directive is re-read on every build, since it depends on all chapters.

The scanner reads the Markdown text line by line and follows fences (``myst_fences.py``, shared
with the exercises index), so that fenced examples (plain ```` ``` ```` code blocks) and the
contents of code cells are never mistaken for claims.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # Sphinx puts _ext/ on the path; a file loaded directly may not
    sys.path.insert(0, _HERE)
from myst_fences import (  # noqa: E402  (the MyST fence parser shared with exercise_index)
    LITERAL_DIRECTIVES,
    body_offset,
    fenced_blocks,
    front_matter,
    split_options,
)

CLAIM_KINDS = ("proposition", "theorem", "lemma", "corollary")
CLAIM_PREFIX = "claim-"
# Directives whose body is not Markdown: never look for claims or cells inside them.
_LITERAL_DIRECTIVES = LITERAL_DIRECTIVES | {"claims-ledger"}

_CHECK = re.compile(r"^\s*#\s*check:\s*(?P<labels>.+?)\s*$")


@dataclass(frozen=True)
class Claim:
    label: str          # "claim-..."
    kind: str           # "proposition", "theorem", "lemma" or "corollary"
    title: str          # the directive's argument (may be empty)
    path: Path          # the chapter file
    line: int           # 1-based line of the opening fence
    paper: str | None   # bibtex key from the chapter's front matter, None for background


@dataclass(frozen=True)
class Check:
    labels: tuple[str, ...]  # the claims this cell checks, as written after "# check:"
    path: Path
    line: int                # 1-based line of the "# check:" comment


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _scan_lines(lines, start, stop, path, paper, claims, checks):
    for block in fenced_blocks(lines, start, stop):
        if block.name is None or block.name in _LITERAL_DIRECTIVES - {"code-cell"}:
            continue  # plain code block or literal directive: nothing to find inside
        opts, k = split_options(block)
        if block.name == "code-cell":
            code = [ln for ln in block.body[k:] if ln.strip()]
            if code and (m := _CHECK.match(code[0])):
                labels = tuple(s for s in re.split(r"[,\s]+", m["labels"]) if s)
                line = block.body_start + block.body.index(code[0], k) + 1
                checks.append(Check(labels=labels, path=path, line=line))
            continue
        kind = block.name.removeprefix("prf:")
        label = str(opts.get("label", "")).strip()
        if block.name.startswith("prf:") and kind in CLAIM_KINDS and label.startswith(CLAIM_PREFIX):
            claims.append(Claim(label=label, kind=kind, title=block.arg, path=path,
                                line=block.body_start, paper=paper))
        # Markdown body (admonitions, exercises, proofs, ...): claims may be nested in it.
        _scan_lines(lines, block.body_start + k, block.body_start + len(block.body),
                    path, paper, claims, checks)


def scan_chapter(path) -> tuple[list[Claim], list[Check]]:
    """The claims and check cells of one MyST chapter file, in order of appearance."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    paper = front_matter(text).get("paper")
    lines = text.splitlines()
    claims: list[Claim] = []
    checks: list[Check] = []
    _scan_lines(lines, body_offset(text), len(lines), path,
                str(paper) if paper else None, claims, checks)
    return claims, checks


def scan_files(chapters_dir, scan_one) -> tuple[list, list]:
    """Concatenate the two lists ``scan_one(path)`` returns for every ``*.md`` file in
    ``chapters_dir`` (sorted by name)."""
    first: list = []
    second: list = []
    for path in sorted(Path(chapters_dir).glob("*.md")):
        a, b = scan_one(path)
        first += a
        second += b
    return first, second


def scan_book(chapters_dir) -> tuple[list[Claim], list[Check]]:
    """The claims and check cells of every ``*.md`` file in ``chapters_dir`` (sorted by name)."""
    return scan_files(chapters_dir, scan_chapter)


def validate(claims: list[Claim], checks: list[Check]) -> list[Problem]:
    """Every problem of the ledger: duplicate claim labels, claims without a check cell,
    check cells naming an unknown claim (or naming none)."""
    problems: list[Problem] = []
    first: dict[str, Claim] = {}
    for c in claims:
        if c.label in first:
            f = first[c.label]
            problems.append(Problem(c.path, c.line, f"duplicate claim label {c.label!r} "
                                                    f"(first defined at {f.path}:{f.line})"))
        else:
            first[c.label] = c
    checked = {label for k in checks for label in k.labels}
    for label, c in first.items():
        if label not in checked:
            problems.append(Problem(c.path, c.line, f"claim {label!r} has no check cell "
                                                    f"(a code cell starting '# check: {label}')"))
    for k in checks:
        for label in k.labels:
            if label not in first:
                problems.append(Problem(k.path, k.line,
                                        f"check cell names unknown claim {label!r}"))
    return problems


def count_checks(claims: list[Claim], checks: list[Check]) -> dict[str, int]:
    """Number of check cells per claim label."""
    n = {c.label: 0 for c in claims}
    for k in checks:
        for label in set(k.labels):
            if label in n:
                n[label] += 1
    return n


# --------------------------------------------------------------------------------------------
# The package's side of the ledger: each paper module names the claims that depend on it.

PAPER_MODULES = {              # module file in the package: the arXiv id of its paper
    "regimes.py": "1906.07842",        # chapter 2
    "mean_field.py": "2111.02278",     # chapter 3
    "orthogonal.py": "2206.00939",     # chapter 4
    "single_neuron.py": "2202.05510",  # chapter 5
    "landscape.py": "2103.10922",      # chapter 6
}

_LABEL = r"claim-[\w-]+"
_GROUP = (rf"\s*(?P<labels>{_LABEL}(?:\s*,\s*{_LABEL})*)\s*"
          r"\(\s*chapter\s+(?P<chapter>\d+|[A-Za-z][\w-]*)\s*\)\s*")
_CLAIMS_HEAD = re.compile(r"\s*Claims:")
_ANY_GROUP = re.sub(r"\?P<\w+>", "", _GROUP)   # the same, without group names
_CLAIMS_BODY = re.compile(rf"{_ANY_GROUP}(?:;{_ANY_GROUP})*\.?\s*", re.I)
_GROUP_RE = re.compile(_GROUP, re.I)
_NUMBERED_CHAPTER = re.compile(r"^0*(\d+)_")


def chapter_of(path) -> str:
    """The chapter a file is, as the Claims paragraphs name it: ``"3"`` for
    ``chapters/03_mean_field.md``, the file's stem (``"speed"``) for an unnumbered page."""
    path = Path(path)
    m = _NUMBERED_CHAPTER.match(path.name)
    return str(int(m.group(1))) if m else path.stem


def _docstring(path: Path) -> tuple[str | None, int, Problem | None]:
    """A module's docstring as written (not dedented), the file line of its first line, and
    a problem when the file cannot be parsed. The module is read with :mod:`ast`, not
    imported."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        return None, 1, Problem(path, e.lineno or 1, f"cannot parse the module: {e.msg}")
    first = tree.body[0] if tree.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return first.value.value, first.lineno, None
    return None, 1, None


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """``(start, stop)`` line ranges of the paragraphs (runs of non-blank lines)."""
    spans, start = [], None
    for i, line in enumerate(lines + [""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            spans.append((start, i))
            start = None
    return spans


def docstring_claims(path) -> tuple[list[tuple[str, str, int]] | None, list[Problem]]:
    """The claims a module's docstring says depend on it.

    The docstring's last paragraph (paragraphs are separated by blank lines) may be a
    *Claims paragraph*::

        Claims: claim-a, claim-b (chapter 3); claim-c (chapter 7).

    Its grammar, where any whitespace (line breaks included) may separate two tokens, so the
    paragraph may wrap over several lines::

        paragraph := "Claims:" group (";" group)* ["."]
        group     := label ("," label)* "(" "chapter" chapter ")"
        label     := "claim-" [A-Za-z0-9_-]+
        chapter   := digits            the number of a chapter file chapters/NN_*.md
                   | name              the stem of an unnumbered page (chapters/speed.md)

    ``chapter`` is matched without regard to case; labels are case-sensitive.

    Parameters
    ----------
    path : path-like
        A Python module (read as text and parsed with :mod:`ast`, never imported).

    Returns
    -------
    entries : list of (label, chapter, line) or None
        One entry per listed label, in order: the label, the chapter as written (leading
        zeros removed from a number) and the 1-based line of the label in the file. None
        when the docstring has no Claims paragraph (or the module has no docstring).
    problems : list of Problem
        A module that cannot be parsed, a Claims paragraph that does not follow the grammar,
        a Claims paragraph that is not the docstring's last.
    """
    path = Path(path)
    doc, first_line, problem = _docstring(path)
    if problem is not None:
        return None, [problem]
    if doc is None:
        return None, []
    lines = doc.split("\n")
    spans = _paragraphs(lines)
    problems: list[Problem] = []
    found = [(a, b) for a, b in spans if _CLAIMS_HEAD.match(lines[a])]
    for span in found:
        if span != spans[-1]:
            problems.append(Problem(path, first_line + span[0], "the 'Claims:' paragraph must "
                                    "be the last paragraph of the docstring"))
    if not spans or spans[-1] not in found:
        return None, problems
    a, b = spans[-1]
    text = "\n".join(lines[a:b])
    head = _CLAIMS_HEAD.match(text)
    body = text[head.end():]
    if not _CLAIMS_BODY.fullmatch(body):
        problems.append(Problem(path, first_line + a, "malformed 'Claims:' paragraph; expected "
                                "'Claims: claim-a, claim-b (chapter 3); claim-c (chapter 7).'"))
        return None, problems
    entries = []
    for g in _GROUP_RE.finditer(body):
        chapter = g["chapter"]
        chapter = str(int(chapter)) if chapter.isdigit() else chapter.lower()
        for m in re.finditer(_LABEL, g["labels"]):
            offset = head.end() + g.start("labels") + m.start()
            entries.append((m.group(0), chapter, first_line + a + text.count("\n", 0, offset)))
    return entries, problems


def module_claim_problems(package_dir, claims: list[Claim],
                          paper_modules: dict[str, str] | None = None) -> list[Problem]:
    """Every problem of the package's Claims paragraphs (see :func:`docstring_claims`).

    Every ``*.py`` file under ``package_dir`` (subpackages included) is read with :mod:`ast`;
    a Claims paragraph, where there is one, is checked against the claims scanned from the
    chapters. The problems:

    - a listed label that is not a claim of the book;
    - a listed chapter that is not the chapter of the file where the claim is defined
      (:func:`chapter_of`);
    - a malformed or misplaced Claims paragraph, a module that cannot be parsed;
    - a paper module (a key of ``paper_modules``, a path relative to ``package_dir``) that is
      missing, has no Claims paragraph, or whose docstring does not give its paper's arXiv id
      as ``arXiv <id>`` or ``arXiv:<id>``.

    Parameters
    ----------
    package_dir : path-like
        The package folder (``relubook``).
    claims : list of Claim
        The claims of the book (:func:`scan_book`).
    paper_modules : dict, optional
        Module file (relative to ``package_dir``) -> arXiv id of its paper; default
        :data:`PAPER_MODULES`.

    Returns
    -------
    list of Problem
        Located at the module's file and line.
    """
    package_dir = Path(package_dir)
    paper_modules = PAPER_MODULES if paper_modules is None else paper_modules
    chapters: dict[str, set[str]] = {}
    where: dict[str, Claim] = {}
    for c in claims:
        chapters.setdefault(c.label, set()).add(chapter_of(c.path).lower())
        where.setdefault(c.label, c)
    problems: list[Problem] = []
    for name in sorted(paper_modules):
        if not (package_dir / name).is_file():
            problems.append(Problem(package_dir / name, 1, "paper module not found (update "
                                                           "PAPER_MODULES in claims_ledger.py)"))
    for path in sorted(package_dir.rglob("*.py")):
        name = path.relative_to(package_dir).as_posix()
        entries, found = docstring_claims(path)
        problems += found
        if name in paper_modules:
            doc, line, _ = _docstring(path)
            arxiv = paper_modules[name]
            if not re.search(rf"\barXiv(?::\s*|\s+){re.escape(arxiv)}(?!\d)", doc or ""):
                problems.append(Problem(path, line, f"paper module: its docstring does not "
                                                    f"give its paper's id 'arXiv {arxiv}'"))
            if entries is None and not found:
                problems.append(Problem(path, line, "paper module: its docstring does not end "
                                                    "with a 'Claims: claim-... (chapter N).' "
                                                    "paragraph"))
        for label, chapter, line in entries or []:
            if label not in chapters:
                problems.append(Problem(path, line, f"'Claims:' names unknown claim {label!r}"))
            elif chapter not in chapters[label]:
                c = where[label]
                problems.append(Problem(path, line, f"'Claims:' says {label!r} is in chapter "
                                                    f"{chapter}, but it is defined in chapter "
                                                    f"{chapter_of(c.path)} ({c.path.name})"))
    return problems


# --------------------------------------------------------------------------------------------
# Sphinx side (imported lazily so that the pure functions above need only PyYAML).

def _chapters_dir(app) -> Path:
    return Path(app.srcdir) / app.config.claims_ledger_chapters


def _warn_problems(app) -> None:
    """One Sphinx warning per ledger problem, located in the chapter source: the problems of
    :func:`validate`, then those of :func:`module_claim_problems` on the package folder
    (config ``claims_ledger_package``, default ``relubook``; ``""`` skips it)."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    chapters = _chapters_dir(app)
    if not chapters.is_dir():
        logger.warning(f"claims ledger: no chapters directory {chapters}", type="claims")
        return
    claims, checks = scan_book(chapters)
    problems = validate(claims, checks)
    if app.config.claims_ledger_package:  # "" turns the package's side off
        package = Path(app.srcdir) / app.config.claims_ledger_package
        if package.is_dir():
            problems += module_claim_problems(package, claims)
        else:
            logger.warning(f"claims ledger: no package directory {package}", type="claims")
    for p in problems:
        # A "path:line" string: a (docname, line) tuple would be mapped through doc2path.
        logger.warning(f"claims ledger: {p.message}", location=f"{p.path}:{p.line}",
                       type="claims")


def smallest_margin_by_claim(folder) -> dict[str, str]:
    """Each claim's smallest recorded margin as table text, from a relubook.check folder.

    ``"exact"`` for a claim whose checks are all exact statements; claims without records
    are absent. Empty without the folder (e.g. a build that executes nothing).
    """
    from relubook.check import read_margins

    if not folder or not Path(folder).is_dir():
        return {}
    smallest: dict[str, float | None] = {}
    for record in read_margins(folder):
        old = smallest.get(record.claim)
        if record.margin is not None and (old is None or record.margin < old):
            smallest[record.claim] = record.margin
        else:
            smallest.setdefault(record.claim, None)
    return {claim: "exact" if m is None else "∞" if m == float("inf") else f"{m:.3g}"
            for claim, m in smallest.items()}


def _ledger_markdown(app, env) -> str:
    """The ledger as a MyST list-table; roles make the links (prf:ref, cite:t, doc)."""
    from sphinx.util import logging

    claims, checks = scan_book(_chapters_dir(app))
    counts = count_checks(claims, checks)
    # A chapter left out of the build (not in _toc.yml) would give one broken link per claim;
    # warn once per chapter instead and leave its claims out of the table.
    outside = sorted({c.path for c in claims if env.path2doc(str(c.path)) not in env.found_docs})
    for path in outside:
        logging.getLogger(__name__).warning(
            f"claims ledger: {path} is not part of the book (missing from _toc.yml?); "
            f"its claims are left out of the ledger", location=env.docname, type="claims")
    claims = [c for c in claims if c.path not in outside]
    from relubook.check import MARGINS_ENV

    margins = smallest_margin_by_claim(os.environ.get(MARGINS_ENV))
    rows = ["```{list-table} Every claim of the book and its check cells",
            ":header-rows: 1", ":widths: auto", "",
            "* - Claim", "  - Statement", "  - Paper", "  - Chapter", "  - Check cells",
            "  - Smallest margin"]
    for c in claims:
        chapter = f"{{doc}}`/{env.path2doc(str(c.path))}`"
        paper = f"{{cite:t}}`{c.paper}`" if c.paper else "background"
        title = c.title or "(untitled)"
        # prf:ref without a title renders as "Proposition 2.3", linked; the label follows.
        rows += [f"* - {{prf:ref}}`{c.label}` `{c.label}`",
                 f"  - {title}",
                 f"  - {paper}",
                 f"  - {chapter}",
                 f"  - {counts[c.label]}",
                 f"  - {margins.get(c.label, '–')}"]
    rows.append("```")
    if not claims:
        rows = ["No claims yet."]
    return "\n".join(rows)


def add_generated_table(app, name: str, css_class: str, markdown_of) -> None:
    """Register the directive ``{name}`` (no arguments, no content): a table written as MyST
    markup by ``markdown_of(env)`` and parsed in place into a container of class
    ``css_class``, so the page holding it must be a MyST (.md) page. The table depends on
    every chapter, so the pages holding it are re-read on every build. The claims ledger and
    the exercises index (``exercise_index.py``) are such tables."""
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    attr = name.replace("-", "_") + "_docs"   # the pages holding it, kept in the environment

    class GeneratedTableDirective(SphinxDirective):
        has_content = False

        def run(self):
            setattr(self.env, attr, getattr(self.env, attr, set()) | {self.env.docname})
            container = nodes.container(classes=[css_class])
            text = markdown_of(self.env)
            self.state.nested_parse(StringList(text.splitlines(), source=self.env.docname),
                                    self.content_offset, container)
            return [container]

    def always_reread(app, env, added, changed, removed):
        return sorted(getattr(env, attr, set()) - set(removed))

    def purge(app, env, docname):
        getattr(env, attr, set()).discard(docname)

    def merge(app, env, docnames, other):
        setattr(env, attr, getattr(env, attr, set()) | getattr(other, attr, set()))

    app.add_directive(name, GeneratedTableDirective)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)


def setup(app):
    app.add_config_value("claims_ledger_chapters", "chapters", "env")
    app.add_config_value("claims_ledger_package", "relubook", "env")
    add_generated_table(app, "claims-ledger", "claims-ledger",
                        lambda env: _ledger_markdown(env.app, env))
    app.connect("builder-inited", _warn_problems)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
