"""Interactive explorers, one module per chapter.

Each explorer is a thin ``ipywidgets`` layer over a pure drawing function of the same module
(``draw_*``), which the book also calls for its static figure and the tests call for every
control value. Widgets never compute science: they call layers 0-2 of relubook.
"""

from . import (  # one module per chapter
    landscape,
    mean_field,
    orthogonal,
    preliminaries,
    regimes,
    single_neuron,
    synthesis,
)

__all__ = [
    "landscape", "mean_field", "orthogonal", "preliminaries", "regimes",
    "single_neuron", "synthesis",
]
