"""The student edition (`make book-student`) contains no solution, and every exercise.

Builds the student edition without execution (``scripts/student_config.py --no-execute``, a
few seconds, like ``tests/test_book_markup.py``), then parses every ``{solution}`` of the
chapters with ``_ext/exercise_index.py`` and asserts that

- no phrase of any solution's text, and no line of the code cells that follow a solution (its
  *solution region*: they print or assert the right answer), is in any file of the HTML output;
- every exercise statement is (so the phrase matching is known to see rendered text);
- no ``_sources/`` copy of a chapter is published (those hold the solutions).

A *phrase* is a run of at least six plain words (letters, hyphens) of the Markdown source with
math, inline code, roles and markup taken out, so it is rendered word for word in the HTML.
"""

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("exercise_index",
                                               ROOT / "_ext" / "exercise_index.py")
exercise_index = importlib.util.module_from_spec(_spec)
sys.modules["exercise_index"] = exercise_index
_spec.loader.exec_module(exercise_index)

EXERCISES, SOLUTIONS = exercise_index.scan_book(ROOT / "chapters")

_MARKUP = re.compile(
    r"\$\$.*?\$\$|\$[^$]*\$"            # math
    r"|\{[\w:-]+\}`[^`]*`"              # roles: {prf:ref}`...`, {cite:p}`...`
    r"|`[^`]*`"                         # inline code
    r"|```.*?```"                       # fenced blocks inside a body
    r"|\[([^\]]*)\]\([^)]*\)",          # links: keep nothing (their text may be rewritten)
    re.S)
_WORD_RUN = re.compile(r"[A-Za-z][A-Za-z-]*(?:[ \t]+[A-Za-z][A-Za-z-]*)+")
MIN_WORDS = 6


def phrases(markdown: str, min_words: int = MIN_WORDS) -> set[str]:
    """Runs of at least ``min_words`` plain words of a Markdown text (see the module doc)."""
    text = _MARKUP.sub("|", markdown)   # markup breaks a phrase; line wraps do not
    text = re.sub(r"[*_]", "", text)    # emphasis markers
    found = set()
    for run in _WORD_RUN.findall(" ".join(text.split())):
        words = run.split()
        if len(words) >= min_words:
            found.add(" ".join(words))
    return found


def test_phrases_ignore_math_and_code():
    md = "The knots solve $w_j x + b_j = 0$ and the *jumps* are `a_j |w_j|` at the knots of f."
    assert phrases(md, 3) == {"The knots solve", "and the jumps are", "at the knots of f"}


def code_lines(region: str) -> set[str]:
    """Distinctive lines of the code cells in a solution region (at least 25 characters)."""
    lines = set()
    for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", region, re.S):
        for line in cell.splitlines():
            line = line.strip()
            if len(line) >= 25 and not line.startswith((":", "#")):
                lines.add(line)
    return lines


def _plain(page: str) -> str:
    """The text of an HTML page: no tags, entities decoded, straight quotes, one space."""
    page = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0xA0: " "})
    return " ".join(text.split())


@pytest.fixture(scope="module")
def student_html(tmp_path_factory):
    """The student edition built without execution; returns its html folder."""
    out = tmp_path_factory.mktemp("student")
    config = out / "_config.yml"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "student_config.py"), str(config),
                    "--no-execute"], check=True, cwd=ROOT, capture_output=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", "--keep-going", "--all", str(ROOT),
         "--config", str(config), "--path-output", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    html_dir = out / "_build" / "html"
    assert (html_dir / "index.html").is_file()
    return html_dir


@pytest.fixture(scope="module")
def student_text(student_html):
    """Plain text of every published text file (HTML pages, search index, sources if any)."""
    texts = {}
    for path in student_html.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".js", ".txt", ".md", ".ipynb", ".json"} \
                and "_static" not in path.parts:
            raw = path.read_text(encoding="utf-8", errors="replace")
            texts[path.relative_to(student_html)] = _plain(raw) + "\n" + raw
    return texts


def test_the_book_has_solutions_to_hide():
    assert SOLUTIONS, "no {solution} found in the chapters: the scanner is broken"
    blank = [s.target for s in SOLUTIONS if not (phrases(s.body) or code_lines(s.region))]
    assert not blank, f"solutions with no phrase to look for (the test would miss them): {blank}"


def test_no_solution_text_in_the_student_edition(student_text):
    leaks = []
    for s in SOLUTIONS:
        for needle in sorted(phrases(s.body) | code_lines(s.region)):
            where = [str(p) for p, text in student_text.items() if needle in text]
            if where:
                leaks.append(f"{s.path.name} solution of {s.target}: {needle!r} in {where}")
    assert not leaks, "solution text in the student edition:\n" + "\n".join(leaks)


def test_exercise_statements_are_in_the_student_edition(student_html):
    missing = []
    for e in EXERCISES:
        page = student_html / "chapters" / (e.path.stem + ".html")
        if not page.is_file():
            continue  # a chapter outside the table of contents is not built
        text = _plain(page.read_text(encoding="utf-8"))
        if f'id="{e.label}"' not in page.read_text(encoding="utf-8"):
            missing.append(f"{e.label}: no anchor")
        for phrase in phrases(e.statement):
            if phrase not in text:
                missing.append(f"{e.label}: {phrase!r}")
    assert not missing, "exercise text missing from the student edition:\n" + "\n".join(missing)


def test_no_sources_published(student_html):
    assert not (student_html / "_sources").exists()
    for page in student_html.rglob("*.html"):
        links = re.findall(r'(?:href|src)="[^"]*_sources/[^"]*"', page.read_text(encoding="utf-8"))
        assert not links, f"{page.name} links to sources: {links}"
