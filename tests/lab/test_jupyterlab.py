"""What a student does on Binder, in a real JupyterLab: open each chapter, Run All, move sliders.

JupyterLab with the Binder pins (binder/requirements.txt: jupyterlab, jupyterlab-myst,
jupytext; ``make lab-test`` installs them) is started on a free local port with Binder's
settings: ``binder/overrides.json`` (Markdown opens as a jupytext notebook) and
``binder/jupyter_server_config.py``. It serves a temporary copy of ``chapters/``, so nothing in
the repository is written. Debian's Chromium (Playwright with ``executable_path``, network
limited to localhost) then, for every numbered chapter,

- opens ``lab/tree/chapters/<chapter>.md`` as Binder's launch link does, and asserts that it
  opens as a notebook, is not marked modified once its kernel is idle, that its file is
  unchanged, and that its propositions and exercises are numbered as in the book (N.1, ...);
- runs all cells (Run > Run All Cells) and asserts that every code cell ran and none has an
  error output;
- in two chapters (``EXPLORERS``), moves the explorer's first slider with the keyboard, as a
  reader would, and asserts that the explorer's figure changes.

Screenshots (the chapter as opened, after Run All, before and after the slider) are kept in
``_build/lab-screenshots/``
(``RELUBOOK_LAB_SCREENSHOTS``). It takes minutes, so it runs only when asked:
``RELUBOOK_LAB=1``, or ``RELUBOOK_LAB_REQUIRED=1`` (``make lab-test``, ``.ci/run``). The module
is skipped, with the reason, when it is not asked for or when Playwright, Chromium
(``RELUBOOK_CHROMIUM``) or JupyterLab with jupyterlab-myst is missing; under
``RELUBOOK_LAB_REQUIRED=1`` a missing piece is a failure instead.

Run: ``make lab-test``, or ``RELUBOOK_LAB=1 python -m pytest -p no:cacheprovider -rs tests/lab``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("RELUBOOK_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("RELUBOOK_LAB_SCREENSHOTS", REPO / "_build" / "lab-screenshots"))
CHAPTERS = sorted(p.name for p in (REPO / "chapters").glob("0*.md"))
EXPLORERS = ("01_preliminaries.md", "04_orthogonal.md")  # chapters whose slider is moved
RUN_TIMEOUT_S = 300      # Run All of one chapter (they take 5-30 s on an idle machine)
OPEN_TIMEOUT_MS = 90_000  # JupyterLab's first page load, a chapter opening, a kernel starting


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (pip) is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    for module in ("jupyterlab", "jupyterlab_myst", "jupytext"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (make lab-test installs the Binder pins)"
    return None


_required = os.environ.get("RELUBOOK_LAB_REQUIRED") == "1"
if not (_required or os.environ.get("RELUBOOK_LAB") == "1"):
    pytest.skip("the JupyterLab test runs with RELUBOOK_LAB=1 (make lab-test)",
                allow_module_level=True)
_reason = _skip_reason()
if _reason and _required:
    pytest.fail(f"JupyterLab test required but cannot run: {_reason}", pytrace=False)
if _reason:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server with Binder's settings on a copy of the chapters; its base URL."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    shutil.copytree(REPO / "chapters", root / "chapters",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    (tmp / "settings").mkdir()
    overrides = json.loads((REPO / "binder" / "overrides.json").read_text(encoding="utf-8"))
    # No "get notified about Jupyter news?" toast over the screenshots (and no fetch).
    overrides["@jupyterlab/apputils-extension:notification"] = {"fetchNews": "false"}
    (tmp / "settings" / "overrides.json").write_text(json.dumps(overrides), encoding="utf-8")
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
         "--ServerApp.disable_check_xsrf=True",        # _shut_down_kernels' DELETE requests
         f"--config={REPO / 'binder' / 'jupyter_server_config.py'}",
         f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={tmp / 'settings'}",
         f"--LabApp.user_settings_dir={tmp / 'user-settings'}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--expose-app-in-browser"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (tmp / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield {"base": base, "root": root}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    return SHOTS


_NOTEBOOK = "window.jupyterapp.shell.currentWidget"

_OPENED = f"""() => {{
  const w = window.jupyterapp && {_NOTEBOOK};
  if (!w || !w.context || !w.content || !w.content.model) return null;
  const s = w.context.sessionContext;
  const kernel = s && s.session && s.session.kernel;
  return {{path: w.context.path, kind: w.content.constructor.name,
          cells: w.content.model.cells.length, ready: w.context.isReady,
          kernel: kernel ? kernel.status : null, dirty: w.context.model.dirty}};
}}"""

_RUN_STATE = f"""() => {{
  const w = {_NOTEBOOK};
  const cells = [...w.content.model.cells].map(c => c.toJSON()).filter(c => c.cell_type === 'code');
  const kernel = w.context.sessionContext.session.kernel;
  return {{code: cells.length, ran: cells.filter(c => c.execution_count !== null).length,
          kernel: kernel ? kernel.status : null,
          errors: cells.flatMap(c => (c.outputs || []).filter(o => o.output_type === 'error')
              .map(o => o.ename + ': ' + String(o.evalue).slice(0, 300) + '  [cell: '
                        + String(Array.isArray(c.source) ? c.source.join('') : c.source)
                              .split('\\n')[0].slice(0, 80) + ']'))}};
}}"""

# The explorer's cell: its index, and the src of the images in its output.
_EXPLORER = f"""() => {{
  const w = {_NOTEBOOK};
  const i = w.content.widgets.findIndex(c => c.model.type === 'code'
      && /^\\s*widgets\\.explorer\\(\\)\\s*;?\\s*$/m.test(c.model.sharedModel.getSource()));
  if (i < 0) return null;
  const node = w.content.widgets[i].node;
  return {{index: i, images: [...node.querySelectorAll('.jp-OutputArea img')]
                               .map(im => im.src.slice(-200)),
          handles: node.querySelectorAll('.noUi-handle').length}};
}}"""


def _shut_down_kernels(base: str) -> None:
    """One kernel per chapter, not seven at once (Jupyter Server's REST API, bounded waits)."""
    with urllib.request.urlopen(base + "api/kernels", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(base + f"api/kernels/{kernel['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _open_chapter(page, lab, chapter):
    # ?reset: a fresh workspace, as a new Binder session has; without it JupyterLab reopens the
    # previous chapter beside this one, and its kernel and dialogs get in the way.
    page.goto(lab["base"] + f"lab/tree/chapters/{chapter}?reset", wait_until="load")
    page.wait_for_function(f"() => {{ const s = ({_OPENED})(); return s && s.ready && "
                           f"s.cells > 0 && s.kernel === 'idle'; }}", timeout=OPEN_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # anything that would mark it modified after the kernel starts
    return page.evaluate(_OPENED)


# The numbers jupyterlab-myst gives the chapter's propositions and exercises (the labels of
# the rendered boxes), in document order.
_NUMBERS = f"""() => {{
  const node = {_NOTEBOOK}.content.node;
  const text = node.textContent;
  return {{propositions: [...text.matchAll(/Proposition (\\d+(?:\\.\\d+)?)/g)].map(m => m[1]),
          exercises: [...text.matchAll(/Exercise (\\d+(?:\\.\\d+)?)/g)].map(m => m[1])}};
}}"""


def _book_numbering(page, chapter):
    """Assert that the chapter's first proposition and exercise carry the book's numbers."""
    number = int(chapter[:2])
    source = (REPO / "chapters" / chapter).read_text(encoding="utf-8")
    wanted = {"propositions": "{prf:proposition}" in source, "exercises": "{exercise}" in source}
    try:
        page.wait_for_function(
            f"""() => {{ const n = ({_NUMBERS})();
                 return {str(wanted["propositions"]).lower()} <= (n.propositions.length > 0)
                     && {str(wanted["exercises"]).lower()} <= (n.exercises.length > 0); }}""",
            timeout=30_000)
    except Exception:
        pass  # asserted below, with what was seen
    seen = page.evaluate(_NUMBERS)
    for kind, present in wanted.items():
        if present:
            assert f"{number}.1" in seen[kind], (
                f"{chapter}: {kind} are not numbered as in the book ({number}.1, ...): "
                f"{seen[kind][:8]}")
            assert all("." in n for n in seen[kind]), (   # no "Proposition 1" left
                f"{chapter}: {kind} numbered without the chapter: {seen[kind][:8]}")


def _run_all(page):
    # Not awaited: the command's promise waits on the whole run (and forever on a dialog); the
    # loop below polls with a deadline instead.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state = page.evaluate(_RUN_STATE)
        if state["ran"] == state["code"] and state["kernel"] == "idle":
            return state
        if time.monotonic() > deadline:
            return state
        page.wait_for_timeout(1000)


def _move_first_slider(page, shots, chapter):
    explorer = page.evaluate(_EXPLORER)
    assert explorer, f"{chapter}: no cell runs widgets.explorer()"
    page.evaluate(f"() => {{ const w = {_NOTEBOOK}; w.content.activeCellIndex = "
                  f"{explorer['index']}; return w.content.scrollToItem({explorer['index']}); }}")
    page.wait_for_function(f"() => {{ const e = ({_EXPLORER})(); return e && e.handles > 0 "
                           f"&& e.images.length > 0; }}", timeout=OPEN_TIMEOUT_MS)
    before = page.evaluate(_EXPLORER)
    handle = page.evaluate_handle(
        f"() => {{ const w = {_NOTEBOOK}; return w.content.widgets[{explorer['index']}]"
        f".node.querySelector('.noUi-handle'); }}").as_element()
    handle.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"{chapter[:-3]}__explorer_before.png"))
    handle.focus()
    page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function(
            f"""(old) => {{ const e = ({_EXPLORER})();
                 return e && e.images.length > 0 && e.images.join() !== old; }}""",
            arg=",".join(before["images"]), timeout=60_000)
    except Exception:
        pass  # asserted below, with what was seen
    page.screenshot(path=str(shots / f"{chapter[:-3]}__explorer_after.png"))
    return before["images"], page.evaluate(_EXPLORER)["images"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_jupyterlab(lab, browser, shots, chapter):
    source = (lab["root"] / "chapters" / chapter).read_bytes()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(OPEN_TIMEOUT_MS)
    try:
        opened = _open_chapter(page, lab, chapter)
        assert opened["path"] == f"chapters/{chapter}", opened
        assert opened["kind"] == "Notebook" or opened["cells"] > 1, (
            f"{chapter} did not open as a notebook (overrides.json?): {opened}")
        assert not opened["dirty"], f"{chapter} is marked modified right after opening"
        assert (lab["root"] / "chapters" / chapter).read_bytes() == source, (
            f"opening {chapter} rewrote the file")
        _book_numbering(page, chapter)
        page.screenshot(path=str(shots / f"{chapter[:-3]}__opened.png"))
        started = time.monotonic()
        state = _run_all(page)
        seconds = time.monotonic() - started
        page.screenshot(path=str(shots / f"{chapter[:-3]}__run_all.png"))
        assert state["ran"] == state["code"], (
            f"{chapter}: {state['ran']} of {state['code']} code cells ran in {seconds:.0f} s "
            f"(kernel {state['kernel']})")
        assert not state["errors"], f"{chapter}: error outputs after Run All:\n" + "\n".join(
            state["errors"])
        print(f"{chapter}: Run All {seconds:.1f} s, {state['code']} code cells")
        if chapter in EXPLORERS:
            before, after = _move_first_slider(page, shots, chapter)
            assert after and after != before, (
                f"{chapter}: the explorer's figure did not change after moving its first slider")
    finally:
        context.close()
        _shut_down_kernels(lab["base"])
