# Makes tests/ a package, so that the root conftest.py can load tests.nbmd_plugin.
