"""Resolve references to relubook's public names: ``relubook.gradient_descent``, ``ShallowNet``.

The API page documents each object once, where it is defined (``relubook.dynamics.
gradient_descent``). But chapters and docstrings naturally use the public names of the
package (``{func}`relubook.gradient_descent```, ``net : ShallowNet`` in a numpydoc type line,
``:meth:`ShallowNet.grad``` from another module). This ``missing-reference`` handler maps
``[relubook.]<name>[.<attribute>...]``, where ``<name>`` is exported by ``relubook``
(``relubook.__all__``), to ``<defining module>.<name>[.<attribute>...]``. References that
still do not resolve are reported by the nitpicky (-n) build as usual.
"""

import importlib
import inspect

PACKAGE = "relubook"


def _public_target(target):
    """The fully qualified target for a reference to a public name, or None."""
    name = target.removeprefix(f"{PACKAGE}.").lstrip("~.")
    head, _, rest = name.partition(".")
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError:
        return None
    if head not in getattr(package, "__all__", ()):
        return None
    obj = getattr(package, head, None)
    module = getattr(obj, "__module__", None)
    if obj is None or inspect.ismodule(obj) or not module or module == PACKAGE:
        return None
    return f"{module}.{head}" + (f".{rest}" if rest else "")


def _resolve_public_name(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = _public_target(node.get("reftarget", ""))
    if target is None:
        return None
    return env.get_domain("py").resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                             target, node, contnode)


def setup(app):
    app.connect("missing-reference", _resolve_public_name)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
