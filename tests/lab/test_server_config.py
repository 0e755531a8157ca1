"""binder/jupyter_server_config.py, without a browser: the contents manager that Binder (and
tests/lab/test_jupyterlab.py) uses hands a chapter out with the book's numbering for
jupyterlab-myst on top of its first Markdown cell, and never writes that block to the file.

Needs jupyter_server (a Binder pin, installed by ``make lab-test``); skipped without it unless
``RELUBOOK_LAB_REQUIRED=1``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import runpy
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "binder" / "jupyter_server_config.py"

if importlib.util.find_spec("jupyter_server") is None:
    if os.environ.get("RELUBOOK_LAB_REQUIRED") == "1":
        pytest.fail("jupyter_server is not installed (make lab-test installs the Binder pins)",
                    pytrace=False)
    pytest.skip("jupyter_server is not installed (make lab-test installs the Binder pins)",
                allow_module_level=True)

from traitlets.config import Config  # noqa: E402

SERVER_CONFIG = runpy.run_path(str(CONFIG), init_globals={"c": Config()})
CHAPTERS = sorted(p.name for p in (REPO / "chapters").glob("0*.md"))


@pytest.fixture
def manager(tmp_path):
    shutil.copytree(REPO / "chapters", tmp_path / "chapters",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    return SERVER_CONFIG["TextNotebookContentsManager"](root_dir=str(tmp_path))


def _first_markdown(model) -> str:
    cell = SERVER_CONFIG["_first_markdown_cell"](model["content"])
    return SERVER_CONFIG["_source"](cell)


def _saved_by_jupytext(tmp_path, path) -> bytes:
    """The chapter as jupytext's own contents manager writes it back after opening it (it
    rewraps long YAML lines of cell metadata, so this is the reference, not the source)."""
    from jupytext import AsyncTextFileContentsManager

    shutil.copytree(tmp_path / "chapters", tmp_path / "plain" / "chapters")
    plain = AsyncTextFileContentsManager(root_dir=str(tmp_path / "plain"))
    asyncio.run(plain.save(asyncio.run(plain.get(path, content=True)), path))
    return (tmp_path / "plain" / path).read_bytes()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_numbered_and_saves_without_the_block(manager, tmp_path, chapter):
    path = f"chapters/{chapter}"
    reference = _saved_by_jupytext(tmp_path, path)
    model = asyncio.run(manager.get(path, content=True))
    block = SERVER_CONFIG["chapter_frontmatter"](int(chapter[:2]))
    assert _first_markdown(model).startswith(block + "# "), _first_markdown(model)[:200]
    assert f"enumerator: '{int(chapter[:2])}.%s'" in block
    asyncio.run(manager.save(model, path))
    assert (tmp_path / path).read_bytes() == reference, (
        f"saving {chapter} wrote something else than jupytext alone")
    again = asyncio.run(manager.get(path, content=True))
    assert _first_markdown(again).count("numbering:") == 1     # not added twice


def test_an_edit_is_saved_and_the_block_is_not(manager, tmp_path):
    path = "chapters/04_orthogonal.md"
    model = asyncio.run(manager.get(path, content=True))
    cell = next(c for c in model["content"]["cells"] if c["cell_type"] == "code")
    cell["source"] += "\nanswer = 42"
    asyncio.run(manager.save(model, path))
    text = (tmp_path / path).read_text(encoding="utf-8")
    assert "answer = 42" in text and "numbering:" not in text


def test_other_files_are_left_alone(manager, tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\ntext\n", encoding="utf-8")
    model = asyncio.run(manager.get("notes.md", content=True, type="notebook"))
    assert _first_markdown(model) == "# Notes\n\ntext"
