"""Checks of the book's claims that assert and record their margins.

A check cell of a chapter states a claim's quantitative consequences through one
:class:`Check` per claim::

    # check: claim-regimes-kernel
    check = Check("claim-regimes-kernel")
    check.at_most(sup_error, 1e-3, "sup distance to the cubic spline")
    check.close(slope, 2.0, "escape-time slope", rtol=1e-3)
    check.holds(np.all(np.diff(norms) > 0), "the norm increases")

Each call asserts (raising ``AssertionError`` with the observed value and the bound) and
records the **margin**: how far the observed value is from failing, as a ratio:

- ``at_most(v, bound)``: ``bound / max(v)`` (infinite when ``max(v) <= 0``);
- ``at_least(v, bound)``: ``min(v) / bound``;
- ``close(a, b, atol, rtol)``: the smallest over entries of ``(atol + rtol |b|) / |a - b|``;
- ``holds(condition)``: none, an exact or logical statement.

A margin of 1 is a check on the edge of failing; a margin of 1000 means the bound would still
hold a thousand times closer. Margins are reported (the claims ledger shows each claim's
smallest one, ``make test`` prints the smallest of the book), never asserted.

Where the environment variable ``RELUBOOK_MARGINS_DIR`` names a folder (``make`` sets it),
each record is also appended to ``<folder>/<claim>.jsonl``; the first record of a claim in a
process replaces what an earlier run left there. Without it nothing is written.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["Check", "Record", "read_margins", "smallest_margins"]

MARGINS_ENV = "RELUBOOK_MARGINS_DIR"


@dataclass(frozen=True)
class Record:
    """One asserted quantity of a claim's check.

    Attributes
    ----------
    claim : str
        The claim's label, ``claim-...``.
    what : str
        What was checked, in words.
    kind : str
        ``"at_most"``, ``"at_least"``, ``"close"`` or ``"holds"``.
    observed : float or None
        The observed value (the worst entry of an array; the error ``|a - b|`` for ``close``).
    bound : float or None
        The bound it was held to (the tolerance for ``close``).
    margin : float or None
        ``bound / observed`` for upper bounds, ``observed / bound`` for lower bounds; None for
        exact statements.
    """

    claim: str
    what: str
    kind: str
    observed: float | None
    bound: float | None
    margin: float | None


# Claims this process has already written to the margins folder (their files are appended to,
# not replaced, after the first record).
_STARTED: set[str] = set()


def _worst(value, reduce, name: str) -> float:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a number or an array of numbers ({err})") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise AssertionError(f"{name} is not finite: {arr[~np.isfinite(arr)][:3]}")
    return float(reduce(arr))


def _positive_bound(bound, name: str = "bound") -> float:
    if isinstance(bound, bool):
        raise TypeError(f"{name} must be a real number, got bool")
    try:
        out = float(bound)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {type(bound).__name__}") from None
    if not (np.isfinite(out) and out > 0):
        raise ValueError(f"{name} must be positive and finite (a margin is a ratio; "
                         f"state sign conditions with holds), got {bound!r}")
    return out


def _save(record: Record) -> None:
    folder = os.environ.get(MARGINS_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    mode = "a" if record.claim in _STARTED else "w"
    _STARTED.add(record.claim)
    with open(path / f"{record.claim}.jsonl", mode, encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(record)) + "\n")


class Check:
    """The checks of one claim, each asserted and recorded with its margin.

    Parameters
    ----------
    claim : str
        The claim's label, as in the cell's ``# check: claim-...`` line.
    """

    def __init__(self, claim: str):
        if not isinstance(claim, str) or not claim.startswith("claim-") or len(claim) < 7:
            raise ValueError(f"claim must be a label 'claim-...', got {claim!r}")
        self.claim = claim
        self.records: list[Record] = []

    def __repr__(self) -> str:
        return f"Check({self.claim!r}, {len(self.records)} records)"

    def _worst(self, value, reduce, name: str) -> float:
        try:
            return _worst(value, reduce, name)
        except AssertionError as err:
            raise AssertionError(f"{self.claim}: {err}") from None

    def _add(self, what: str, kind: str, observed, bound, margin, ok: bool, message: str):
        if not isinstance(what, str) or not what:
            raise TypeError("what must be a non-empty string saying what is checked")
        record = Record(self.claim, what, kind, observed, bound, margin)
        if not ok:
            raise AssertionError(f"{self.claim}: {what}: {message}")
        self.records.append(record)
        _save(record)
        return margin

    def at_most(self, value, bound, what: str) -> float:
        """Assert ``value <= bound`` (every entry of an array); return the margin.

        Parameters
        ----------
        value : float or array_like
            The observed quantity; its largest entry is compared.
        bound : float
            A positive bound.
        what : str
            What is checked, in words.
        """
        bound = _positive_bound(bound)
        worst = self._worst(value, np.max, "value")
        margin = math.inf if worst <= 0 else bound / worst
        return self._add(what, "at_most", worst, bound, margin, worst <= bound,
                         f"{worst:.6g} exceeds the bound {bound:.6g}")

    def at_least(self, value, bound, what: str) -> float:
        """Assert ``value >= bound`` (every entry of an array); return the margin.

        Parameters
        ----------
        value : float or array_like
            The observed quantity; its smallest entry is compared.
        bound : float
            A positive bound.
        what : str
            What is checked, in words.
        """
        bound = _positive_bound(bound)
        worst = self._worst(value, np.min, "value")
        return self._add(what, "at_least", worst, bound, worst / bound, worst >= bound,
                         f"{worst:.6g} is below the bound {bound:.6g}")

    def close(self, actual, expected, what: str, *, atol: float = 0.0,
              rtol: float = 0.0) -> float:
        """Assert ``|actual - expected| <= atol + rtol |expected|`` entrywise; return the margin.

        Parameters
        ----------
        actual, expected : float or array_like
            Broadcastable values.
        what : str
            What is checked, in words.
        atol, rtol : float
            Absolute and relative tolerances, non-negative, not both zero.
        """
        if atol < 0 or rtol < 0 or not (atol > 0 or rtol > 0):
            raise ValueError(f"atol and rtol must be non-negative and not both zero, "
                             f"got atol={atol!r}, rtol={rtol!r}")
        a = np.asarray(actual, dtype=np.float64)
        b = np.asarray(expected, dtype=np.float64)
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError:
            raise ValueError(f"actual and expected have shapes {a.shape} and {b.shape}, "
                             "which do not broadcast") from None
        self._worst(a, np.max, "actual")
        self._worst(b, np.max, "expected")
        error = np.abs(a - b)
        allowed = atol + rtol * np.abs(b)
        with np.errstate(divide="ignore"):
            ratios = np.where(error > 0, allowed / np.where(error > 0, error, 1.0), math.inf)
        k = int(np.argmin(ratios))
        margin = float(ratios.flat[k])
        return self._add(what, "close", float(error.flat[k]), float(allowed.flat[k]), margin,
                         margin >= 1, f"|{a.flat[k]:.10g} - {b.flat[k]:.10g}| = "
                         f"{error.flat[k]:.3g} exceeds {allowed.flat[k]:.3g}")

    def holds(self, condition, what: str) -> None:
        """Assert an exact or logical statement (every entry true); no margin is recorded.

        Parameters
        ----------
        condition : bool or array_like of bool
        what : str
            What is checked, in words.
        """
        arr = np.asarray(condition)
        if arr.dtype != np.bool_:
            raise TypeError(f"condition must be a bool or an array of bools, got {arr.dtype}")
        self._add(what, "holds", None, None, None, bool(arr.all()), "does not hold")


def read_margins(folder) -> list[Record]:
    """Every record in a margins folder (``<claim>.jsonl`` files), in file order."""
    records = []
    for path in sorted(Path(folder).glob("claim-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(Record(**json.loads(line)))
    return records


def smallest_margins(records, k: int | None = None) -> list[Record]:
    """The records with a margin, smallest first; the ``k`` smallest if ``k`` is given."""
    ranked = sorted((r for r in records if r.margin is not None), key=lambda r: r.margin)
    return ranked if k is None else ranked[:k]
