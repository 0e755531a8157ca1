"""Keep sphinx-thebe's scripts out of the pages: the book's live path is Binder.

Jupyter Book 1 always loads sphinx-thebe, which adds to every page an inline config script
(``const THEBE_JS_URL = "https://unpkg.com/..."``, emitted twice: the second copy throws
"Identifier 'THEBE_JS_URL' has already been declared") and ``sphinx-thebe.js``, even with
``launch_buttons.thebe`` off. Thebe itself loads from a CDN, so "Live Code" cannot work
offline, and the tested live path is Binder (tests/lab/). This extension disconnects the
handler that adds those scripts; the browser test checks that no page throws.
"""

from __future__ import annotations


def setup(app):
    import sphinx_thebe
    from sphinx.util import logging

    removed = 0
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if listener.handler is sphinx_thebe.init_thebe_core:
                app.disconnect(listener.id)
                removed += 1
    if not removed:
        logging.getLogger(__name__).warning(
            "no_thebe: sphinx-thebe's init_thebe_core is not connected (load order or a new "
            "sphinx-thebe?): its scripts may be back in the pages", type="no_thebe")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
