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

As a Sphinx extension (``local_extensions`` in ``_config.yml``) it

- emits one WARNING per problem at the start of every build (so ``-W`` fails), and
- provides the ``{claims-ledger}`` directive, which renders the ledger table: claim (link to
  the proposition), statement, paper (citation), chapter (link), number of check cells. The
  page holding the directive is re-read on every build, since it depends on all chapters.

The scanner reads the Markdown text line by line and follows fences, so that fenced examples
(plain ```` ``` ```` code blocks) and the contents of code cells are never mistaken for claims.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CLAIM_KINDS = ("proposition", "theorem", "lemma", "corollary")
CLAIM_PREFIX = "claim-"
# Directives whose body is not Markdown: never look for claims or cells inside them.
_LITERAL_DIRECTIVES = {"code-cell", "code-block", "code", "sourcecode", "literalinclude",
                       "math", "eval-rst", "raw", "bibliography", "claims-ledger"}

_FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
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


@dataclass
class _Fenced:
    """One fenced block: its directive name (or None), argument, body lines and position."""

    name: str | None
    arg: str
    body: list[str] = field(default_factory=list)
    body_start: int = 0  # 0-based index in the file of the first body line


def front_matter(text: str) -> dict:
    """The YAML front matter of a MyST file (``---`` ... ``---`` at the very top), or {}."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            data = yaml.safe_load("\n".join(lines[1:end]))
            return data if isinstance(data, dict) else {}
    return {}


def _body_offset(text: str) -> int:
    """Number of lines taken by the front matter (0 if there is none)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                return end + 1
    return 0


def _blocks(lines: list[str], start: int, stop: int):
    """Yield the outermost fenced blocks in ``lines[start:stop]`` (CommonMark/MyST rules:
    a fence is closed by a line of the same character, at least as long, with no info)."""
    i = start
    while i < stop:
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"]
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < stop and not closing.match(lines[j]):
            j += 1
        d = _DIRECTIVE.match(info)
        block = _Fenced(name=d["name"] if d else None, arg=d["arg"].strip() if d else info,
                        body=lines[i + 1:j], body_start=i + 1)
        yield block
        i = j + 1


def _split_options(block: _Fenced) -> tuple[dict, int]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block at the top of its
    body) and the index in ``block.body`` of the first line after them."""
    body = block.body
    if body and body[0].strip() == "---":
        for end in range(1, len(body)):
            if body[end].strip() == "---":
                try:
                    opts = yaml.safe_load("\n".join(body[1:end])) or {}
                except yaml.YAMLError:
                    opts = {}
                return (opts if isinstance(opts, dict) else {}), end + 1
        return {}, 0
    opts, k = {}, 0
    while k < len(body) and (m := _OPTION.match(body[k])):
        opts[m["key"]] = m["value"]
        k += 1
    return opts, k


def _scan_lines(lines, start, stop, path, paper, claims, checks):
    for block in _blocks(lines, start, stop):
        if block.name is None or block.name in _LITERAL_DIRECTIVES - {"code-cell"}:
            continue  # plain code block or literal directive: nothing to find inside
        opts, k = _split_options(block)
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
    _scan_lines(lines, _body_offset(text), len(lines), path,
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
# Sphinx side (imported lazily so that the pure functions above need only PyYAML).

def _chapters_dir(app) -> Path:
    return Path(app.srcdir) / app.config.claims_ledger_chapters


def _warn_problems(app) -> None:
    """One Sphinx warning per ledger problem, located in the chapter source."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    chapters = _chapters_dir(app)
    if not chapters.is_dir():
        logger.warning(f"claims ledger: no chapters directory {chapters}", type="claims")
        return
    for p in validate(*scan_book(chapters)):
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
    add_generated_table(app, "claims-ledger", "claims-ledger",
                        lambda env: _ledger_markdown(env.app, env))
    app.connect("builder-inited", _warn_problems)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
