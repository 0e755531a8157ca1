"""Root conftest: must live at the repository root.

`pytest_collect_file` hooks are directory-scoped, so the plugin that collects the .md chapters
is loaded from here (from tests/conftest.py it would collect nothing in chapters/).
"""

import os

from hypothesis import settings

pytest_plugins = ["tests.nbmd_plugin"]

# Property tests: reproducible (derandomize) and without per-example deadlines, which the
# noisy 2-core machines and numba's first-call compilation would trip. Another profile can be
# chosen with HYPOTHESIS_PROFILE=default.
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
