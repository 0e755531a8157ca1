"""The table of contents and the chapters' front matter are in step."""

import re
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def _toc_files(node):
    """Every `root` / `file` entry of a jb-book _toc.yml, in order."""
    found = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found += _toc_files(item)
    return found


def _front_matter_text(text):
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return (yaml.safe_load(m.group(1)) or {}) if m else {}


def _front_matter(path):
    return _front_matter_text(path.read_text(encoding="utf-8"))


TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
ENTRIES = _toc_files(TOC)
# Chapter notebooks: numbered chapter files, and any page whose front matter has a kernelspec.
NOTEBOOKS = sorted({p for p in CHAPTERS.glob("*.md")
                    if re.match(r"\d\d_", p.name) or "kernelspec" in _front_matter(p)})


def test_toc_format():
    assert TOC["format"] == "jb-book"
    assert TOC["root"] == "chapters/index"


def test_no_duplicate_entries():
    assert len(ENTRIES) == len(set(ENTRIES)), f"duplicated toc entries in {ENTRIES}"


def test_every_toc_entry_exists():
    missing = [e for e in ENTRIES
               if not any((ROOT / f"{e}{ext}").is_file() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_chapter_file_is_in_the_toc():
    listed = {str(Path(e).with_suffix("")) for e in ENTRIES}
    absent = [p.name for p in sorted(CHAPTERS.glob("*.md"))
              if str(p.relative_to(ROOT).with_suffix("")) not in listed]
    assert not absent, f"chapters/ files missing from _toc.yml: {absent}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_front_matter(path):
    meta = _front_matter(path)
    assert meta.get("kernelspec", {}).get("name") == "python3", \
        f"{path.name}: front matter needs kernelspec.name: python3"
    assert meta.get("kernelspec", {}).get("language") == "python"
    text_repr = meta.get("jupytext", {}).get("text_representation", {})
    assert text_repr.get("format_name") == "myst", \
        f"{path.name}: front matter needs jupytext.text_representation.format_name: myst"
    assert text_repr.get("extension") == ".md"


PAPER_CHAPTERS = [p for p in NOTEBOOKS if "paper" in _front_matter(p)]


@pytest.mark.parametrize("path", PAPER_CHAPTERS, ids=lambda p: p.name)
def test_paper_key_survives_saving_from_jupyter(path):
    """The claims ledger reads `paper:` from the front matter. jupytext drops unknown top-level
    keys when a notebook is saved unless `jupytext.notebook_metadata_filter` lists them."""
    meta = _front_matter(path)
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    assert re.search(rf"@\w+\{{{re.escape(str(meta['paper']))},", bib), \
        f"{path.name}: paper {meta['paper']!r} is not a key of references.bib"
    saved = jupytext.writes(jupytext.read(path), fmt="md:myst")
    assert _front_matter_text(saved).get("paper") == meta["paper"], (
        f"{path.name}: add `notebook_metadata_filter: paper` under `jupytext:` in the front "
        "matter, or jupytext drops `paper:` when the notebook is saved")
