"""relubook.check: assertions, margins and their records."""

import json
import math

import numpy as np
import pytest

from relubook import check as check_module
from relubook.check import Check, read_margins, smallest_margins


@pytest.fixture(autouse=True)
def margins_folder(tmp_path, monkeypatch):
    """Every test records into its own folder, never into the book's."""
    monkeypatch.setenv(check_module.MARGINS_ENV, str(tmp_path))
    monkeypatch.setattr(check_module, "_STARTED", set())
    return tmp_path


def test_margins_are_ratios_to_the_bound():
    c = Check("claim-demo")
    assert c.at_most([0.1, 0.25], 1.0, "upper") == pytest.approx(4.0)
    assert c.at_least(np.array([6.0, 3.0]), 1.5, "lower") == pytest.approx(2.0)
    assert c.close([1.0, 2.0], [1.0, 2.001], "near", atol=1e-2) == pytest.approx(10.0)
    assert c.close(3.0, 3.0, "exact", rtol=1e-12) == math.inf
    assert c.at_most(0.0, 1.0, "zero") == math.inf
    c.holds(np.array([True, True]), "logical")
    assert [r.kind for r in c.records] == ["at_most", "at_least", "close", "close", "at_most",
                                            "holds"]
    assert c.records[-1].margin is None


@pytest.mark.parametrize("call", [
    lambda c: c.at_most(1.1, 1.0, "over"),
    lambda c: c.at_least(0.9, 1.0, "under"),
    lambda c: c.close(1.0, 1.1, "far", rtol=0.05),
    lambda c: c.holds(False, "false"),
    lambda c: c.at_most(np.nan, 1.0, "nan"),
])
def test_failures_raise_assertion_errors_naming_the_claim(call):
    with pytest.raises(AssertionError, match="claim-demo"):
        call(Check("claim-demo"))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="claim"):
        Check("demo")
    with pytest.raises(ValueError, match="bound"):
        Check("claim-demo").at_most(0.1, 0.0, "sign")
    with pytest.raises(ValueError, match="atol"):
        Check("claim-demo").close(1.0, 1.0, "no tolerance")
    with pytest.raises(TypeError, match="condition"):
        Check("claim-demo").holds(1.0, "not a bool")
    with pytest.raises(TypeError, match="what"):
        Check("claim-demo").at_most(0.1, 1.0, "")


def test_records_go_to_the_margins_folder(tmp_path):
    (tmp_path / "claim-old.jsonl").write_text("")
    (tmp_path / "claim-demo.jsonl").write_text(json.dumps({
        "claim": "claim-demo", "what": "stale", "kind": "holds", "observed": None,
        "bound": None, "margin": None}) + "\n")
    c = Check("claim-demo")
    c.at_most(0.5, 1.0, "first")
    c.at_most(0.1, 1.0, "second")
    records = read_margins(tmp_path)
    assert [r.what for r in records] == ["first", "second"]  # the stale record was replaced
    assert [r.margin for r in smallest_margins(records, 1)] == [2.0]


def test_nothing_is_written_without_the_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(check_module.MARGINS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    Check("claim-demo").at_most(0.5, 1.0, "quiet")
    assert list(tmp_path.iterdir()) == []
