"""The rendered book in a real browser: headless Chromium from Debian, network blocked.

Every HTML page of a built book (``make book``) is served from localhost and opened in
Debian's ``/usr/bin/chromium`` through Playwright (``executable_path``; Playwright's own
browser download is never used). For every page the tests assert that

- nothing outside localhost is requested (every other request is aborted and recorded:
  remote scripts, stylesheets, fonts, images alike) and no local request fails (404 ...);
- the JavaScript console shows no error and no exception escapes (see ``KNOWN_CONSOLE_ERRORS``
  for the only tolerated messages, each with its reason);
- math is typeset by MathJax: every ``.math`` element holds an ``mjx-container``, and MathJax
  reports no TeX error and no undefined control sequence;
- every ``<img>`` loads (``naturalWidth > 0``);
- every embedded widget view renders (``.jupyter-widgets`` DOM next to its view script, no
  error widget) with the control labels stored in the embedded widget state;

- no display equation is clipped at the content column (wider than its box, so scrolled, or
  reaching past the column's right edge), and no text output (``pre`` of a cell's output) is
  wider than the column;

plus: the search page finds "knot", the claims ledger's table has rows whose claim links
resolve, every table fits the page's content column, and the API page documents the package's
functions. A full-page screenshot of every page is kept in ``_build/screenshots/``
(``RELUBOOK_SCREENSHOTS`` to change it) as a build artefact.

Which book: ``RELUBOOK_HTML`` (a built ``_build/html``), else ``_build/html`` of this
repository. The module is skipped, with the reason, when Playwright, Chromium
(``RELUBOOK_CHROMIUM``, default ``/usr/bin/chromium``) or the built book is missing, and, when
``RELUBOOK_HTML`` is not set, when the default build is older than the sources (``make test``
must not judge an old build). ``make browser-test`` and ``.ci/run`` set ``RELUBOOK_HTML`` and
``RELUBOOK_BROWSER_REQUIRED=1``: there every one of these conditions is a failure instead.

Run: ``RELUBOOK_HTML=_build/html python -m pytest -p no:cacheprovider -rs tests/browser``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
HTML_ENV = os.environ.get("RELUBOOK_HTML")
HTML = Path(HTML_ENV).resolve() if HTML_ENV else REPO / "_build" / "html"
CHROMIUM = Path(os.environ.get("RELUBOOK_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("RELUBOOK_SCREENSHOTS", REPO / "_build" / "screenshots"))
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000  # per wait; a chapter page with MathJax and widgets takes 2-4 s

# Console messages tolerated on every page: (regex on the text, reason). Nothing else is.
KNOWN_CONSOLE_ERRORS = [
    # pydata-sphinx-theme 0.17.1: the theme's inline head script sets
    # `dataset.mode = localStorage.getItem("mode") || ""`, and setTheme("") logs this error,
    # then falls back to "auto" and stores it. It happens once per fresh browser profile
    # (every page here, since each test page gets a new context); nothing changes on screen.
    (r"^Got invalid theme mode: \. Resetting to auto\.$",
     "pydata-sphinx-theme, first visit with empty localStorage: harmless, self-healing"),
]

PAGE_EXCLUDE_DIRS = {"_static", "_sources", "_images", "_downloads", "reports", "_panels_static"}


def _pages(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")
                  if not PAGE_EXCLUDE_DIRS.intersection(p.relative_to(root).parts[:-1]))


def _stale_reason(root: Path) -> str | None:
    """Why the default build is older than its sources (None: it is not)."""
    built = max(p.stat().st_mtime for p in root.rglob("*.html")
                if not PAGE_EXCLUDE_DIRS.intersection(p.relative_to(root).parts[:-1]))
    sources = [REPO / "_config.yml", REPO / "_toc.yml", REPO / "references.bib",
               *(REPO / "chapters").glob("*.md"), *(REPO / "_ext").glob("*.py"),
               *(REPO / "relubook").rglob("*.py")]
    newer = [p for p in sources if p.exists() and p.stat().st_mtime > built]
    if newer:
        return (f"{root} is older than {newer[0].relative_to(REPO)} (and {len(newer) - 1} more):"
                " run `make book` (or set RELUBOOK_HTML to test a build anyway)")
    return None


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (pip) is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not (HTML / "index.html").is_file():
        return f"no built book at {HTML} (make book)"
    if not HTML_ENV:
        return _stale_reason(HTML)
    return None


_reason = _skip_reason()
if _reason and os.environ.get("RELUBOOK_BROWSER_REQUIRED") == "1":
    # .ci/run and `make browser-test`: a missing browser or book is a failure, not a skip.
    pytest.fail(f"browser tests required but cannot run: {_reason}", pytrace=False)
if _reason:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

PAGES = _pages(HTML)
_REFRESH = re.compile(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.I)


# --------------------------------------------------------------------------- the server

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def base_url():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            # Second line of defence behind the request interception: no name resolves.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots_dir():
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    return SHOTS


class Visit:
    """One page opened once; what the tests assert on."""

    def __init__(self, rel: str):
        self.rel = rel
        self.remote: list[str] = []         # "resource_type url" of every non-local request
        self.failed: list[str] = []         # local requests that failed or answered >= 400
        self.console: list[str] = []        # console errors and uncaught exceptions
        self.math: dict = {}
        self.images: list = []
        self.widgets: dict = {}
        self.tables: list = []              # [scroll width, column width] of every table
        self.overflow: dict = {}            # clipped display math, over-wide text outputs
        self.screenshot: Path | None = None


def _open(context, base: str, rel: str, visit: Visit, query: str = ""):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            visit.console.append(f"console.error: {msg.text} [{loc.get('url', '')}]")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: visit.console.append(f"uncaught: {exc.message}"))

    def failed(url: str, why: str):
        # A 404 is also reported as a failed request (net::ERR_ABORTED): keep the first reason.
        if url.startswith(base) and not any(f.startswith(url[len(base):] + " (")
                                            for f in visit.failed):
            visit.failed.append(f"{url[len(base):]} ({why})")

    page.on("requestfailed", lambda req: failed(req.url, req.failure))
    page.on("response", lambda resp: resp.status >= 400 and failed(resp.url,
                                                                   f"HTTP {resp.status}"))
    page.goto(base + rel + query, wait_until="load")
    # Jupyter Book's root index.html is a stub that redirects (meta refresh) to the root
    # document: follow it, and check the page a reader lands on.
    target = _REFRESH.search((HTML / rel).read_text(encoding="utf-8", errors="replace")[:2000])
    if target:
        dest = urljoin(base + rel, target.group(1))
        assert (HTML / dest[len(base):].split("#")[0]).is_file(), f"{rel} redirects to {dest}"
        page.wait_for_url(dest)
        page.wait_for_load_state("load")
    return page


@pytest.fixture(scope="module")
def context_factory(browser, base_url):
    def make(visit: Visit):
        ctx = browser.new_context(viewport=VIEWPORT, service_workers="block",
                                  java_script_enabled=True)

        def route(r):
            url = r.request.url
            if url.startswith(base_url) or url.startswith("data:") or url.startswith("blob:"):
                r.continue_()
            else:
                visit.remote.append(f"{r.request.resource_type} {url}")
                r.abort("blockedbyclient")

        ctx.route("**/*", route)
        return ctx
    return make


_WAIT_MATH = """async () => {
  const nodes = [...document.querySelectorAll('.math')];
  if (!nodes.length) return {count: 0};
  const t0 = Date.now();
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() - t0 > %d) return {count: nodes.length, loaded: false};
    await new Promise(r => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  const raw = nodes.filter(n => !n.querySelector('mjx-container'))
                   .map(n => n.textContent.trim().slice(0, 80));
  let items = [];
  try { items = Array.from(MathJax.startup.document.math); } catch (e) {}
  const texOf = el => {  // the TeX source of the formula holding el (CHTML text is CSS)
    const c = el.closest('mjx-container');
    const it = items.find(i => i.typesetRoot === c);
    return it ? it.math.trim().slice(0, 100) : '?';
  };
  const errors = [...new Set([...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
      .map(e => (e.getAttribute('data-mjx-error') || '') + ' in: ' + texOf(e)))];
  // MathJax's noundefined package shows an undefined \\macro in red instead of failing.
  const undef = [...new Set([...document.querySelectorAll(
      'mjx-container [style*="color: red"]')].map(texOf))];
  return {count: nodes.length, loaded: true, version: MathJax.version,
          typeset: document.querySelectorAll('mjx-container').length,
          raw, errors, undef};
}""" % TIMEOUT_MS  # noqa: UP031 (JavaScript braces)

_WAIT_IMAGES = """async () => {
  const imgs = [...document.images];
  for (const img of imgs) img.loading = 'eager';
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  return imgs.map(img => ({src: img.currentSrc || img.src, complete: img.complete,
                           width: img.naturalWidth, shown: img.getBoundingClientRect().width,
                           figure: !!img.closest('.cell_output, figure')}));
}"""

_WIDGETS = """() => {
  const views = [...document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')];
  const rendered = views.filter(s => s.parentElement.querySelector('.jupyter-widgets'));
  const errors = [...document.querySelectorAll('.jupyter-widgets-error-widget, .widget-error')]
      .map(e => e.textContent.trim().slice(0, 120));
  const labels = new Set([...document.querySelectorAll('.jupyter-widgets .widget-label, '
      + '.jupyter-widgets button, .jupyter-widgets .widget-label-basic')]
      .map(e => e.textContent.trim()).filter(Boolean));
  const stateTag = document.querySelector(
      'script[type="application/vnd.jupyter.widget-state+json"]');
  return {views: views.length, rendered: rendered.length, errors,
          labels: [...labels], state: stateTag ? stateTag.textContent : null};
}"""


_TABLE_WIDTHS = """() => [...document.querySelectorAll('article table')].map(t => ({
  width: t.scrollWidth, column: t.parentElement.clientWidth,
  right: t.getBoundingClientRect().right, edge: t.parentElement.getBoundingClientRect().right,
  caption: (t.caption || t.rows[0] || {textContent: ''}).textContent.trim().slice(0, 60)}))"""


# Display math and text outputs wider than the article's content column. A display formula is
# clipped when its container scrolls (scrollWidth > clientWidth) or its typeset box reaches past
# the column's right edge; a text output when its <pre> (or the box that scrolls it) does.
_OVERFLOW = """() => {
  const art = document.querySelector('article.bd-article') || document.querySelector('main')
      || document.body;
  const box = art.getBoundingClientRect(), style = getComputedStyle(art);
  const edge = box.right - parseFloat(style.paddingRight || 0);
  let items = [];
  try { items = Array.from(MathJax.startup.document.math); } catch (e) {}
  const texOf = c => { const it = items.find(i => i.typesetRoot === c);
                       return (it ? it.math : c.textContent).trim().slice(0, 90); };
  const over = el => Math.max(el.scrollWidth - el.clientWidth,
                              el.getBoundingClientRect().right - edge);
  const math = [...document.querySelectorAll('mjx-container[display="true"]')].map(c => {
    const inner = c.querySelector('mjx-math') || c;
    const px = Math.max(over(c), inner.getBoundingClientRect().right - edge,
                        c.parentElement ? c.parentElement.scrollWidth
                                          - c.parentElement.clientWidth : 0);
    return {px: Math.round(px), tex: texOf(c)};
  }).filter(m => m.px > 1);
  const outputs = [...document.querySelectorAll('.cell_output pre, div.output pre')].map(pre => {
    const scroller = pre.closest('div.highlight') || pre;
    const px = Math.max(over(pre), over(scroller));
    const line = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
    return {px: Math.round(px), line: line.slice(0, 100)};
  }).filter(o => o.px > 1);
  return {math, outputs, column: Math.round(edge - box.left)};
}"""


@pytest.fixture(scope="module")
def visits(context_factory, base_url, shots_dir):
    """Open each page once (lazily) and remember what happened."""
    cache: dict[str, Visit] = {}

    def get(rel: str) -> Visit:
        if rel in cache:
            return cache[rel]
        visit = cache[rel] = Visit(rel)
        ctx = context_factory(visit)
        try:
            page = _open(ctx, base_url, rel, visit)
            visit.math = page.evaluate(_WAIT_MATH)
            if page.query_selector('script[type="application/vnd.jupyter.widget-view+json"]'):
                try:  # the embed manager renders on the load event, asynchronously
                    page.wait_for_function(
                        """() => [...document.querySelectorAll(
                             'script[type="application/vnd.jupyter.widget-view+json"]')]
                           .every(s => s.parentElement.querySelector('.jupyter-widgets'))""",
                        timeout=TIMEOUT_MS)
                except Exception:  # reported by test_widgets_render
                    pass
            visit.widgets = page.evaluate(_WIDGETS)
            visit.images = page.evaluate(_WAIT_IMAGES)
            visit.tables = page.evaluate(_TABLE_WIDTHS)
            visit.overflow = page.evaluate(_OVERFLOW)
            page.wait_for_load_state("networkidle")
            visit.screenshot = shots_dir / (rel.replace("/", "__").removesuffix(".html") + ".png")
            page.screenshot(path=str(visit.screenshot), full_page=True)
        finally:
            ctx.close()
        return visit
    return get


def _unexpected(console: list[str]) -> list[str]:
    def known(line: str) -> bool:
        text = re.sub(r"^(console\.error|uncaught): ", "", line)
        text = re.sub(r" \[[^\]]*\]$", "", text)
        return any(re.search(rx, text) for rx, _ in KNOWN_CONSOLE_ERRORS)
    return [line for line in console if not known(line)]


# --------------------------------------------------------------------------- every page

def test_book_has_pages():
    assert "index.html" in PAGES and "search.html" in PAGES, PAGES
    assert any(p.startswith("chapters/") for p in PAGES), PAGES


@pytest.mark.parametrize("rel", PAGES)
def test_offline(visits, rel):
    """No request leaves localhost (no remote script, stylesheet, font ...); none fails."""
    v = visits(rel)
    remote_code = [r for r in v.remote if r.split()[0] in ("script", "stylesheet")]
    assert not remote_code, f"{rel} requests remote scripts/stylesheets:\n" + "\n".join(
        remote_code)
    assert not v.remote, f"{rel} requests remote resources:\n" + "\n".join(v.remote)
    assert not v.failed, f"{rel}: local requests failed:\n" + "\n".join(v.failed)


@pytest.mark.parametrize("rel", PAGES)
def test_no_console_errors(visits, rel):
    v = visits(rel)
    bad = _unexpected(v.console)
    assert not bad, f"{rel}: JavaScript errors:\n" + "\n".join(bad)


@pytest.mark.parametrize("rel", PAGES)
def test_math_typeset(visits, rel):
    m = visits(rel).math
    if not m.get("count"):
        pytest.skip("no math on this page")
    assert m["loaded"], f"{rel} has {m['count']} math elements but MathJax never loaded"
    assert not m["raw"], f"{rel}: math left as raw TeX:\n" + "\n".join(m["raw"][:10])
    assert not m["errors"], f"{rel}: MathJax errors:\n" + "\n".join(m["errors"][:10])
    assert not m["undef"], f"{rel}: undefined TeX macros (red):\n" + "\n".join(m["undef"][:10])


@pytest.mark.parametrize("rel", PAGES)
def test_images_load(visits, rel):
    imgs = visits(rel).images
    broken = [i["src"][:120] for i in imgs if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"{rel}: images that did not load:\n" + "\n".join(broken)


# A figure shown below this fraction of its natural width has tick labels of about 6-7 px
# (matplotlib's 10 pt at the inline backend's resolution); relubook.plots.axes caps a row of
# panels at plots.MAX_WIDTH inches for that reason.
MIN_FIGURE_SCALE = 0.72


@pytest.mark.parametrize("rel", PAGES)
def test_figures_are_not_shrunk(visits, rel):
    """No figure of a code cell is scaled down so far that its labels become unreadable."""
    small = [f"{i['shown'] / i['width']:.2f} of {i['width']} px: {i['src'][-70:]}"
             for i in visits(rel).images
             if i["figure"] and i["width"] > 0 and i["shown"] > 0
             and i["shown"] / i["width"] < MIN_FIGURE_SCALE]
    assert not small, (f"{rel}: figures shown below {MIN_FIGURE_SCALE:.0%} of their width at "
                       f"{VIEWPORT['width']} px:\n" + "\n".join(small))


def _state_descriptions(state_json: str | None) -> set[str]:
    """Descriptions of the controls stored in a page's embedded widget state."""
    if not state_json:
        return set()
    state = json.loads(state_json).get("state", {})
    out = set()
    for model in state.values():
        s = model.get("state", {})
        d = s.get("description")
        if d and not s.get("description_allow_html") and model.get("model_name") not in (
                "HTMLModel", "HTMLMathModel", "LabelModel"):
            out.add(d.strip())
    return out


@pytest.mark.parametrize("rel", PAGES)
def test_widgets_render(visits, rel):
    w = visits(rel).widgets
    if not w.get("views"):
        pytest.skip("no widget on this page")
    assert w["rendered"] == w["views"], (
        f"{rel}: {w['views'] - w['rendered']} of {w['views']} widget views did not render")
    assert not w["errors"], f"{rel}: widget errors:\n" + "\n".join(w["errors"])
    missing = {d for d in _state_descriptions(w["state"])
               if not any(d == lab or d in lab for lab in w["labels"])}
    assert not missing, (f"{rel}: controls of the widget state not rendered: {sorted(missing)}"
                         f"\nrendered labels: {w['labels']}")


@pytest.mark.parametrize("rel", PAGES)
def test_tables_fit_the_column(visits, rel):
    """No table is wider than the page's content column (a reader would have to scroll)."""
    wide = [t for t in visits(rel).tables
            if t["width"] > t["column"] or t["right"] > t["edge"] + 0.5]
    assert not wide, f"{rel}: tables wider than the column at {VIEWPORT['width']} px: {wide}"


@pytest.mark.parametrize("rel", PAGES)
def test_display_math_fits_the_column(visits, rel):
    """No display equation is clipped at the column edge (split long ones with aligned)."""
    clipped = visits(rel).overflow.get("math", [])
    assert not clipped, (f"{rel}: display math wider than the column at {VIEWPORT['width']} px "
                         "(px over, TeX):\n" + "\n".join(f"{m['px']:5d}  {m['tex']}"
                                                          for m in clipped))


@pytest.mark.parametrize("rel", PAGES)
def test_text_outputs_fit_the_column(visits, rel):
    """No printed output is wider than the column (wrap the lines, ~90 characters)."""
    wide = visits(rel).overflow.get("outputs", [])
    assert not wide, (f"{rel}: text outputs wider than the column at {VIEWPORT['width']} px "
                      "(px over, longest line):\n" + "\n".join(f"{o['px']:5d}  {o['line']}"
                                                               for o in wide))


def test_overflow_checks_see_what_they_should(browser):
    """The two checks above on a page made for them: a clipped formula and an over-wide
    output are found, and ones that fit are not."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.set_content("""<main><article class="bd-article" style="width:600px">
          <div class="math"><mjx-container display="true" style="display:block;overflow-x:auto">
            <mjx-math style="display:inline-block;width:900px">wide</mjx-math></mjx-container></div>
          <div class="math"><mjx-container display="true" style="display:block">
            <mjx-math style="display:inline-block;width:100px">ok</mjx-math></mjx-container></div>
          <div class="cell_output"><div class="highlight" style="overflow-x:auto">
            <pre>""" + "x" * 300 + """</pre></div></div>
          <div class="cell_output"><pre>short</pre></div></article></main>""")
        found = page.evaluate(_OVERFLOW)
    finally:
        page.close()
    assert [m["tex"] for m in found["math"]] == ["wide"], found
    assert len(found["outputs"]) == 1 and found["outputs"][0]["line"].startswith("x"), found


@pytest.mark.parametrize("rel", PAGES)
def test_screenshot_kept(visits, rel):
    shot = visits(rel).screenshot
    assert shot is not None and shot.is_file() and shot.stat().st_size > 1000, shot


# --------------------------------------------------------------------------- special pages

def test_search_finds_knot(context_factory, base_url):
    """The search page works offline: "knot" (chapter 1 on) gives results linking to pages."""
    v = Visit("search.html?q=knot")
    ctx = context_factory(v)
    try:
        page = _open(ctx, base_url, "search.html", v, query="?q=knot")
        page.wait_for_function(
            """() => { const s = document.querySelector('#search-results .search-summary, '
                         + '#search-results p');
                       return s && /found|did not match/i.test(s.textContent); }""")
        summary = page.inner_text("#search-results")
        links = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))")
    finally:
        ctx.close()
    assert links, f"search for 'knot' found nothing:\n{summary[:500]}"
    assert any(h.startswith("chapters/") for h in links), links
    assert not v.remote, v.remote
    assert not _unexpected(v.console), v.console


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, val in attrs:
            if k == "id" and val:
                self.ids.add(val)


@functools.cache
def _ids_of(path: Path) -> frozenset:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def _is_margin(text: str) -> bool:
    """A ledger margin cell: "exact", "∞", "–" (no record) or a positive number."""
    if text in ("exact", "∞", "–"):
        return True
    try:
        return float(text) > 0
    except ValueError:
        return False


def test_ledger_is_populated(context_factory, base_url):
    """The claims ledger has one row per claim, each linking to an existing proposition."""
    rel = "chapters/ledger.html"
    assert rel in PAGES
    v = Visit(rel)
    ctx = context_factory(v)
    try:
        page = _open(ctx, base_url, rel, v)
        rows = page.eval_on_selector_all(
            ".claims-ledger table tbody tr",
            """rows => rows.map(r => ({
                 cells: [...r.cells].map(c => c.innerText.trim()),
                 claim: (r.cells[0].querySelector('a') || {}).href || null,
                 visible: r.getBoundingClientRect().height > 0}))""")
    finally:
        ctx.close()
    assert rows, "the ledger table has no rows"          # its width: test_tables_fit_the_column
    for row in rows:
        assert row["visible"], row
        assert len(row["cells"]) == 6 and all(row["cells"]), row
        assert row["claim"] and "#claim-" in row["claim"], f"claim without a link: {row}"
        assert row["cells"][4].isdigit() and int(row["cells"][4]) >= 1, row
        assert _is_margin(row["cells"][5]), f"smallest margin not a margin: {row}"
        url = urlsplit(row["claim"])
        target = HTML / unquote(url.path.lstrip("/"))
        assert target.is_file(), f"ledger link to a missing page: {row['claim']}"
        assert url.fragment in _ids_of(target), f"ledger link to a missing anchor: {row['claim']}"


def test_api_page_documents_functions(context_factory, base_url):
    """The API page carries autodoc entries: functions and classes with their docstrings."""
    rel = "chapters/api.html"
    assert rel in PAGES
    v = Visit(rel)
    ctx = context_factory(v)
    try:
        page = _open(ctx, base_url, rel, v)
        entries = page.eval_on_selector_all(
            "dl.py.function, dl.py.class",
            """dls => dls.map(dl => ({
                 kind: dl.classList.contains('function') ? 'function' : 'class',
                 id: (dl.querySelector(':scope > dt') || {}).id || '',
                 doc: ((dl.querySelector(':scope > dd') || {}).innerText || '').trim()}))""")
    finally:
        ctx.close()
    functions = [e for e in entries if e["kind"] == "function"]
    assert len(functions) >= 10, f"only {len(functions)} documented functions: {functions}"
    assert any(e["kind"] == "class" for e in entries), "no documented class"
    for e in entries:
        assert e["id"].startswith("relubook."), e
        assert e["doc"], f"{e['id']} has no docstring on the API page"
    modules = {e["id"].rsplit(".", 1)[0] for e in functions}
    assert len(modules) >= 3, f"functions from too few modules: {sorted(modules)}"
