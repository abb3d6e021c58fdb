"""Classification of indicator values into map classes (mapclassify).

Why here and not in the web layer: the same classes must be used by the web map,
the legend, exports and print figures, so that a planner sees one set of breaks.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np

SCHEMES = {
    "natural_breaks": mapclassify.FisherJenks,  # deterministic, unlike NaturalBreaks' k-means
    "quantiles": mapclassify.Quantiles,
    "equal_interval": mapclassify.EqualInterval,
}

# ColorBrewer YlOrRd / YlGnBu (5 classes): sequential, distinguishable in grey.
SEQUENTIAL = {
    "lower_is_better": ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    "higher_is_better": ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
}
NO_DATA_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class Classes:
    """Upper bounds of each class, the class of each value (-1 = no data) and counts."""

    lower: float
    bounds: list[float]
    assignment: list[int]
    counts: list[int]
    no_data: int
    scheme: str

    def colours(self, palette: Sequence[str]) -> list[str]:
        """Spread the palette over however many classes there are."""
        k = len(self.bounds)
        if k == 0:
            return []
        idx = np.linspace(0, len(palette) - 1, k).round().astype(int)
        return [palette[i] for i in idx]


PERCENT_BINS = [20.0, 40.0, 60.0, 80.0, 100.0]
JENKS_SAMPLE = 600  # above this many values, natural breaks are found on a quantile sample


def classify(values: Sequence[float | None], scheme: str = "natural_breaks", k: int = 5,
             bins: Sequence[float] | None = None) -> Classes:
    """Classify values, keeping missing ones apart as a no-data class.

    ``scheme="fixed"`` uses ``bins`` (upper bounds, e.g. a legend set for percentages)."""
    if scheme == "fixed":
        present = [(i, float(v)) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
        bounds = sorted(float(b) for b in (bins or PERCENT_BINS))
        top = max([bounds[-1]] + [v for _, v in present])
        bounds[-1] = top
        assignment = [-1] * len(values)
        for i, v in present:
            assignment[i] = next(j for j, b in enumerate(bounds) if v <= b)
        counts = [sum(1 for a in assignment if a == j) for j in range(len(bounds))]
        lower = min([0.0] + [v for _, v in present])
        return Classes(lower, bounds, assignment, counts, len(values) - len(present), scheme)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; use one of {sorted(SCHEMES)}")
    present = [(i, float(v)) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    assignment = [-1] * len(values)
    if not present:
        return Classes(0.0, [], assignment, [], len(values), scheme)
    data = np.array([v for _, v in present])
    k = max(1, min(k, len(np.unique(data))))
    if k == 1:
        bounds = [float(data.max())]
        classes = np.zeros(len(data), dtype=int)
    elif scheme == "natural_breaks" and len(data) > JENKS_SAMPLE:
        # Fisher-Jenks is quadratic in pure Python (21 s for the 3,321 communes); breaks found on
        # an evenly spaced quantile sample are deterministic and within a class or so of the
        # full result, then every value is classed against them.
        sample = np.quantile(data, np.linspace(0, 1, JENKS_SAMPLE))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            result = SCHEMES[scheme](sample, k=k)
        bounds = [float(b) for b in result.bins]
        bounds[-1] = float(data.max())
        classes = np.minimum(np.searchsorted(np.array(bounds), data, side="left"), len(bounds) - 1)
    else:
        with warnings.catch_warnings():  # "Numba not installed": fine at commune scale
            warnings.simplefilter("ignore", UserWarning)
            result = SCHEMES[scheme](data, k=k)
        bounds = [float(b) for b in result.bins]
        classes = result.yb
    for (i, _), c in zip(present, classes, strict=True):
        assignment[i] = int(c)
    counts = [int((classes == c).sum()) for c in range(len(bounds))]
    return Classes(float(data.min()), bounds, assignment, counts, len(values) - len(present), scheme)
