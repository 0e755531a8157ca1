"""The book's markup, checked strictly without executing any notebook.

Builds the book with `-W -n --keep-going --all` and `execute_notebooks: off` (a modified copy of
_config.yml in a temporary folder) so that broken cross-references, unknown citations,
autodoc failures and claims-ledger problems fail the tests in a few seconds. The executed build
is `make book`; nbval executes the chapters in the test run.
"""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _figure_names() -> set[str]:
    """Names of the figures that code cells create (``mystnb: figure: name:`` metadata)."""
    names = set()
    for chapter in (ROOT / "chapters").glob("*.md"):
        text = chapter.read_text(encoding="utf-8")
        for block in re.findall(r"```\{code-cell\}[^\n]*\n---\n(.*?)\n---\n", text, re.S):
            figure = (yaml.safe_load(block) or {}).get("mystnb", {}).get("figure", {})
            if "name" in figure:
                names.add(figure["name"])
    return names


def test_book_builds_strictly_without_execution(tmp_path):
    """No warning at all, except references to figures that only execution creates.

    Without execution a code cell has no output, so ``{numref}`` to a figure made by a cell
    cannot resolve; those labels are checked to exist in the cells' metadata instead, and
    ``make book`` (executed, ``-W -n``) resolves them for real.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    # jupyter-book resolves local_extensions paths against the config file's folder.
    local = config["sphinx"].get("local_extensions") or {}
    for name, path in local.items():
        local[name] = str((ROOT / path).resolve())
    config_path = tmp_path / "_config.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")

    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", "-n", "--keep-going", "--all", str(ROOT),
         "--config", str(config_path), "--path-output", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours
    figures = _figure_names()
    problems = [line for line in output.splitlines()
                if ("WARNING" in line or "ERROR" in line or "Traceback" in line)
                and "Kernel is running over TCP" not in line
                and not any(f"undefined label: '{name}'" in line for name in figures)]
    assert result.returncode == 0 and not problems, (
        "strict markup build failed:\n" + "\n".join(problems or output.splitlines()[-40:]))
    assert (tmp_path / "_build" / "html" / "index.html").is_file()


def test_api_page_lists_every_public_module():
    """chapters/api.md has an automodule block for every public module of relubook."""
    api = (ROOT / "chapters" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\.\. automodule:: ([\w.]+)", api))
    package = ROOT / "relubook"
    modules = {"relubook"}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(p.startswith("_") for p in parts):
            modules.add(".".join(parts))
    assert sorted(modules - documented) == [], "add these modules to chapters/api.md"


def test_no_table_cell_splits_a_formula():
    """A ``|`` inside ``$...$`` in a Markdown table row ends the cell (write ``\\lvert``).

    Chapter 7's map of the biases once lost a column that way: ``$|\\delta_j|$`` split the
    row, the rest of it shifted one column and rendered as one long formula.
    """
    bad = []
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        for number, line in enumerate(chapter.read_text(encoding="utf-8").splitlines(), 1):
            if not (line.startswith("|") and line.rstrip().endswith("|")):
                continue                            # a table row starts and ends with a pipe
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            if any(len(re.findall(r"(?<!\\)\$", cell)) % 2 for cell in cells):
                bad.append(f"{chapter.name}:{number}: {line[:90]}")
    assert not bad, "table rows whose cells split a formula:\n" + "\n".join(bad)
