"""Compile every numba kernel once into $NUMBA_CACHE_DIR (set by scripts/env.sh).

The book build and the test run then load the compiled kernels from the cache instead of each
notebook kernel / xdist worker compiling them again. Run by `make warm` (and so by `make test`
and `make book`).
"""

import relubook.dynamics

relubook.dynamics.warm_up()
