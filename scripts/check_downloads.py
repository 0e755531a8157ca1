"""Check the built book's download buttons give executed notebooks.

After ``make book``, each chapter page with code offers its notebook for download as
``_sources/chapters/<name>.ipynb`` (myst-nb writes the *executed* notebook there; the button
also offers the ``.md`` source). For every chapter of the book that is a notebook (a ``.md``
file in ``chapters/`` with a ``kernelspec``) this script asserts that

- the ``.ipynb`` exists and the chapter's page links to it,
- it opens with ``nbformat`` and validates against the notebook schema,
- it has as many code cells as the chapter, and code-cell outputs (text, results or images;
  a notebook that was never executed has none).

Usage: ``python scripts/check_downloads.py [HTML_DIR]`` (default ``_build/html``). Exits 1 with
one line per problem, 0 with one line per notebook checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]


def notebook_chapters(chapters: Path) -> list[Path]:
    """The chapters that are jupytext notebooks (front matter with a kernelspec)."""
    found = []
    for path in sorted(chapters.glob("*.md")):
        head = path.read_text(encoding="utf-8")[:2000]
        if head.startswith("---") and "kernelspec:" in head:
            found.append(path)
    return found


def check(html: Path, chapters: Path = ROOT / "chapters") -> tuple[list[str], list[str]]:
    """(problems, report lines) for the downloads of every notebook chapter built in ``html``."""
    problems, report = [], []
    for chapter in notebook_chapters(chapters):
        page = html / "chapters" / f"{chapter.stem}.html"
        if not page.is_file():
            report.append(f"{chapter.name}: not in the built book (not in _toc.yml?), skipped")
            continue
        ipynb = html / "_sources" / "chapters" / f"{chapter.stem}.ipynb"
        if not ipynb.is_file():
            problems.append(f"{chapter.name}: no download {ipynb.relative_to(html)}")
            continue
        if f"_sources/chapters/{chapter.stem}.ipynb" not in page.read_text(encoding="utf-8"):
            problems.append(f"{chapter.name}: {page.name} has no download link to the .ipynb")
        try:
            nb = nbformat.read(ipynb, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # noqa: BLE001  (any failure to open is the finding)
            problems.append(f"{chapter.name}: {ipynb.name} does not open with nbformat: {exc}")
            continue
        code = [c for c in nb.cells if c.cell_type == "code"]
        expected = sum(1 for c in jupytext.read(chapter).cells if c.cell_type == "code")
        with_outputs = [c for c in code if c.get("outputs")]
        kinds = {o.get("output_type") for c in with_outputs for o in c.outputs}
        if len(code) != expected:
            problems.append(f"{chapter.name}: {len(code)} code cells in the download, "
                            f"{expected} in the chapter")
        if not code or not kinds & {
                "stream", "display_data", "execute_result"}:
            problems.append(f"{chapter.name}: {ipynb.name} is not executed "
                            f"({len(with_outputs)} of {len(code)} code cells have outputs)")
            continue
        images = sum(1 for c in with_outputs for o in c.outputs
                     if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}))
        report.append(f"{chapter.name}: {ipynb.name} opens, {len(with_outputs)}/{len(code)} "
                      f"code cells with outputs, {images} images")
    return problems, report


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    html = Path(argv[0]) if argv else ROOT / "_build" / "html"
    if not (html / "index.html").is_file():
        print(f"check_downloads: {html}/index.html not found: run `make book` first")
        return 1
    problems, report = check(html)
    for line in report:
        print(f"check_downloads: {line}")
    for line in problems:
        print(f"check_downloads: FAIL: {line}")
    if not report and not problems:
        print("check_downloads: FAIL: no notebook chapter in the built book")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
