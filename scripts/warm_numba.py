"""Compile every numba kernel once into $NUMBA_CACHE_DIR (set by scripts/env.sh).

The book build and the test run then load the compiled kernels from the cache instead of each
notebook kernel / xdist worker compiling them again. Run by `make warm` (and so by `make test`
and `make book`). Every module of relubook that has kernels exposes a ``warm_up()``.
"""

import importlib
import pkgutil

import relubook

for info in pkgutil.iter_modules(relubook.__path__):
    module = importlib.import_module(f"relubook.{info.name}")
    if callable(getattr(module, "warm_up", None)):
        module.warm_up()
