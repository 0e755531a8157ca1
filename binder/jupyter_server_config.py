"""Jupyter Server configuration of the book's live path (Binder; tests/lab/ uses it too).

binder/postBuild copies it to ``$NB_PYTHON_PREFIX/etc/jupyter/jupyter_server_config.py``.

A chapter is a jupytext Markdown file, which does not store the notebook's ``language_info``
(the kernel's Python version would be written into the source). JupyterLab 4 fills a missing
``language_info`` in, and again when the kernel reports its own: either change marks a chapter
modified as soon as it is opened, and closing it asks to save. This contents manager (jupytext's,
which opens the ``.md`` files as notebooks) hands JupyterLab the kernel's ``language_info`` for
Python text notebooks that lack it, so the notebook is unchanged when the kernel starts. Saving
still goes through jupytext, whose metadata filter leaves ``language_info`` out of the file.
"""

import copy

from jupytext import AsyncTextFileContentsManager


def _kernel_language_info() -> dict:
    """What the Python kernel of this environment reports (ipykernel, same interpreter)."""
    from ipykernel.ipkernel import IPythonKernel

    return copy.deepcopy(IPythonKernel.language_info)


class TextNotebookContentsManager(AsyncTextFileContentsManager):
    """jupytext's contents manager; Python text notebooks get the kernel's language_info."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and not path.endswith(".ipynb"):
            metadata = model["content"]["metadata"]
            if "language_info" not in metadata and \
                    metadata.get("kernelspec", {}).get("language") == "python":
                metadata["language_info"] = _kernel_language_info()
        return model


c.ServerApp.contents_manager_class = TextNotebookContentsManager  # noqa: F821
