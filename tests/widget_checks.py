"""Shared check for the explorer tests: a callback that raises must fail the test.

ipywidgets' ``interactive`` catches an exception raised by its callback and, without an IPython
kernel, only logs it (``result`` stays ``None``), so tests look at the log instead.
"""


def callback_errors(caplog) -> list[str]:
    """Messages of every exception an ``interactive`` callback raised (and ipywidgets logged)."""
    return [r.getMessage() for r in caplog.records
            if "Exception in interact callback" in r.getMessage()]
