"""Extract the training data and plotted curves of Shevchenko, Kungurtsev and Mondelli (2022).

Run by hand, never at build time (the book downloads nothing)::

    python scripts/extract_shevchenko_figures.py PATH/TO/21-1365.pdf

The input is the journal PDF of "Mean-field analysis of piecewise linear solutions for wide
ReLU networks", JMLR 23(130), 2022 (CC-BY 4.0), file ``21-1365/21-1365.pdf`` of the public
repository JmlrOrg/v23 (md5 d4ff5d1affb34848b5c5e4002483fc62). It needs pdfminer.six, which
the book itself does not use. The output is ``chapters/data/shevchenko2022_figures.json``.

The figures are matplotlib vector graphics. In each panel the axis ticks are short lines
whose positions, with the tick values printed beside them (read off the rendered page and
written below), give a linear map from page points to data coordinates. The training data are
the red disc markers (their centres), the network is the blue polyline that matplotlib stored.
The script checks that every marker lands within ``MARKER_TOL`` of a multiple of 0.1 in both
coordinates, and stores the data rounded to that grid, and the curve's vertices to 1e-4.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTCurve, LTFigure, LTLine

MD5 = "d4ff5d1affb34848b5c5e4002483fc62"
BLUE = (0.1215686275, 0.4666666667, 0.7058823529)     # matplotlib's tab:blue
MARKER_TOL = 0.01
OUT = Path(__file__).resolve().parent.parent / "chapters" / "data" / "shevchenko2022_figures.json"

# (name, page, panel index on the page, first x tick, x step, first y tick, y step, caption)
PANELS = [
    ("1a", 3, 0, -4.0, 2.0, 0.0, 1.0, {"N": 1000, "beta_inv": 0.0, "lam": 0.0}),
    ("1b", 3, 1, 2.0, 1.0, -2.0, 1.0, {"N": 1000, "beta_inv": 0.0, "lam": 0.0}),
    ("1c", 3, 2, 2.0, 1.0, -2.0, 0.5, {"N": 1000, "beta_inv": None, "lam": None}),
    ("7a", 37, 0, 2.0, 1.0, -2.0, 1.0, {"N": 500, "beta_inv": 0.005, "lam": 0.0}),
    ("7b", 37, 1, 2.0, 1.0, -2.0, 1.0, {"N": 500, "beta_inv": 1e-4, "lam": 0.0}),
    ("7c", 37, 2, 2.0, 1.0, -2.0, 1.0, {"N": 500, "beta_inv": 0.0, "lam": 0.0}),
    ("8a", 39, 0, 1.0, 0.5, -0.2, 0.2, {"N": 500, "beta_inv": 0.01, "lam": 0.003}),
    ("8b", 39, 1, 1.0, 0.5, 0.0, 0.2, {"N": 500, "beta_inv": 0.001, "lam": 0.0}),
    ("8c", 39, 2, 1.0, 0.5, -0.2, 0.2, {"N": 500, "beta_inv": 0.0, "lam": 0.003}),
    ("8d", 39, 3, 1.0, 0.5, 0.0, 0.2, {"N": 500, "beta_inv": 0.0, "lam": 0.0}),
]


def _ticks(fig: LTFigure) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the x ticks (short vertical lines) and y ticks (short horizontal ones)."""
    xt, yt = [], []
    for e in fig:
        if isinstance(e, LTLine):
            (x0, y0), (x1, y1) = e.pts
            if x0 == x1 and 0 < abs(y1 - y0) < 1.5:
                xt.append(x0)
            elif y0 == y1 and 0 < abs(x1 - x0) < 1.5:
                yt.append(y0)
    return np.sort(xt), np.sort(yt)


def _markers(fig: LTFigure) -> np.ndarray:
    """Centres of the data markers: small filled paths, each inside its own sub-figure."""
    out = []
    for sub in fig:
        if isinstance(sub, LTFigure) and sub.width < 3:
            for e in sub:
                if isinstance(e, LTCurve) and e.fill:
                    out.append(((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2))
    return np.array(out)


def _curve(fig: LTFigure) -> np.ndarray:
    """Vertices of the network's polyline: the longest blue stroked path of the panel."""
    paths = [np.array(e.pts) for e in fig
             if isinstance(e, LTCurve) and e.stroke and not e.fill
             and np.size(e.stroking_color) == 3 and np.allclose(e.stroking_color, BLUE)]
    return max(paths, key=len)


def _axis_map(ticks: np.ndarray, first: float, step: float):
    values = first + step * np.arange(ticks.size)
    slope, offset = np.polyfit(ticks, values, 1)
    residual = np.max(np.abs(slope * ticks + offset - values))
    if residual > 1e-3 * abs(step):
        raise ValueError(f"ticks are not evenly spaced (residual {residual:.2e})")
    return lambda p: slope * p + offset


def extract(pdf: Path) -> dict:
    if hashlib.md5(pdf.read_bytes()).hexdigest() != MD5:
        raise ValueError(f"{pdf} is not the JMLR PDF with md5 {MD5}")
    pages = {p: [e for e in list(extract_pages(pdf, page_numbers=[p - 1]))[0]
                 if isinstance(e, LTFigure)] for p in sorted({row[1] for row in PANELS})}
    panels = {}
    for name, page, index, x0, dx, y0, dy, caption in PANELS:
        fig = pages[page][index]
        xt, yt = _ticks(fig)
        fx, fy = _axis_map(xt, x0, dx), _axis_map(yt, y0, dy)
        marks = _markers(fig)
        data = np.column_stack([fx(marks[:, 0]), fy(marks[:, 1])])
        rounded = np.round(data, 1) + 0.0          # + 0.0 turns -0.0 into 0.0
        err = np.max(np.abs(data - rounded))
        if err > MARKER_TOL:
            raise ValueError(f"panel {name}: a marker is {err:.3f} from the 0.1 grid")
        order = np.argsort(rounded[:, 0])
        pts = _curve(fig)
        curve = np.round(np.column_stack([fx(pts[:, 0]), fy(pts[:, 1])]), 4) + 0.0
        keep = np.r_[True, np.any(np.diff(curve, axis=0) != 0, axis=1)]   # drop repeats
        curve = curve[keep]
        panels[name] = {
            **caption,
            "page": page,
            "x": rounded[order, 0].tolist(),
            "y": rounded[order, 1].tolist(),
            "marker_error": round(float(err), 4),
            "curve": curve.tolist(),
        }
        print(f"figure {name}: {len(order)} points (largest marker error {err:.1e}), "
              f"{len(curve)} curve vertices")
    return panels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    args = parser.parse_args()
    result = {
        "source": ("Shevchenko, Kungurtsev, Mondelli, Mean-field analysis of piecewise linear "
                   "solutions for wide ReLU networks, JMLR 23(130):1-55, 2022, CC-BY 4.0; "
                   "journal PDF 21-1365/21-1365.pdf of the public repository JmlrOrg/v23, "
                   f"md5 {MD5}"),
        "method": ("extracted by scripts/extract_shevchenko_figures.py (pdfminer.six) from the "
                   "PDF's vector drawing commands; a linear map per axis from the tick marks; "
                   "data = marker centres rounded to 0.1 (marker_error is the largest "
                   "rounding); curve = the plotted polyline, vertices in data units, accurate "
                   "to about 0.01"),
        "caption_keys": ("N = width; beta_inv = 1/beta; lam = lambda (null: the caption "
                         "gives no value, as for Figure 1(c)); page = page of the PDF"),
        "panels": extract(args.pdf),
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
