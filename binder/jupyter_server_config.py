"""Jupyter Server configuration of the book's live path (Binder; tests/lab/ uses it too).

binder/postBuild copies it to ``$NB_PYTHON_PREFIX/etc/jupyter/jupyter_server_config.py``.

A chapter is a jupytext Markdown file, which does not store the notebook's ``language_info``
(the kernel's Python version would be written into the source). JupyterLab 4 fills a missing
``language_info`` in, and again when the kernel reports its own: either change marks a chapter
modified as soon as it is opened, and closing it asks to save. This contents manager (jupytext's,
which opens the ``.md`` files as notebooks) hands JupyterLab the kernel's ``language_info`` for
Python text notebooks that lack it, so the notebook is unchanged when the kernel starts. Saving
still goes through jupytext, whose metadata filter leaves ``language_info`` out of the file.

It also gives a numbered chapter (``NN_name.md``, or the ``.ipynb`` of a hand-in) the book's
numbering in JupyterLab.
jupyterlab-myst numbers propositions, exercises and sections 1, 2, ... on each notebook, and
reads numbering options only from a YAML block at the top of the first Markdown cell, which
the chapter cannot hold (Sphinx would print it). So the first Markdown cell is handed out with
``chapter_frontmatter(N)`` on top (Proposition N.1, Exercise N.1, section N.1, as in the book;
equations unnumbered, since the book numbers only the labelled ones), and the block is taken
off again before jupytext writes the file: the chapter on disk never holds it.
"""

import copy
import re

from jupytext import AsyncTextFileContentsManager

CHAPTER = re.compile(r"(?:^|/)(\d\d)_[^/]*\.(?:md|ipynb)$")


def chapter_frontmatter(number: int) -> str:
    """The YAML block that gives jupyterlab-myst the numbering of chapter ``number``."""
    return ("---\n"
            "numbering:\n"
            f"  enumerator: '{number}.%s'\n"
            "  headings: true\n"
            "  equation: false\n"
            "---\n")


def _first_markdown_cell(notebook: dict) -> dict | None:
    return next((c for c in notebook.get("cells", []) if c.get("cell_type") == "markdown"), None)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def add_numbering(path: str, notebook: dict) -> None:
    """Put the chapter's numbering block on top of its first Markdown cell (in place)."""
    match, cell = CHAPTER.search(path), _first_markdown_cell(notebook)
    if match and cell is not None and not _source(cell).startswith("---"):
        cell["source"] = chapter_frontmatter(int(match.group(1))) + _source(cell)


def remove_numbering(path: str, notebook: dict) -> None:
    """Take off the block that :func:`add_numbering` put there (in place), and only that."""
    match, cell = CHAPTER.search(path), _first_markdown_cell(notebook)
    if match and cell is not None:
        block = chapter_frontmatter(int(match.group(1)))
        if _source(cell).startswith(block):
            cell["source"] = _source(cell)[len(block):]


def _kernel_language_info() -> dict:
    """What the Python kernel of this environment reports (ipykernel, same interpreter)."""
    from ipykernel.ipkernel import IPythonKernel

    return copy.deepcopy(IPythonKernel.language_info)


class TextNotebookContentsManager(AsyncTextFileContentsManager):
    """jupytext's contents manager; Python text notebooks get the kernel's language_info, and
    chapters the book's numbering."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook":
            metadata = model["content"]["metadata"]
            if not path.endswith(".ipynb") and "language_info" not in metadata and \
                    metadata.get("kernelspec", {}).get("language") == "python":
                metadata["language_info"] = _kernel_language_info()
            add_numbering(path, model["content"])
        return model

    async def save(self, model, path=""):
        if model.get("type") == "notebook" and model.get("content"):
            model = copy.deepcopy(model)
            remove_numbering(path, model["content"])
        return await super().save(model, path)


c.ServerApp.contents_manager_class = TextNotebookContentsManager  # noqa: F821
