"""Where a unit gets by its target year at its current pace, for the unit page's "với tốc độ hiện
nay, năm 2030 đạt …" (Open SDG's progress-by-growth-rate, kept to what a clerk can check by hand).

Pace from the unit's own whole-year figures, first to last: percentage points per year for a rate
(an indicator in %), the compound yearly growth for a level.  Half-year and quarter figures are left
out (a half year's tourists are not a year's), and nothing is projected from fewer than two years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geodata import periods
from geodata.change import is_rate
from geodata.progress import LEVEL_SHAPES


@dataclass(frozen=True)
class Projection:
    pace: float  # per year: percentage points for a rate, percent for a level
    unit: str  # "pp/year" or "% per year"
    first_year: int
    last_year: int
    year: int  # the target year
    value: float  # where the pace takes the unit by then
    target: float | None = None
    meets: bool | None = None  # whether that reaches the target (None: no comparable target)


def _yearly(series: list[dict[str, Any]]) -> list[tuple[int, float]]:
    out: dict[int, float] = {}
    for o in series:
        if o.get("value") is None or o.get("kind") not in ("actual", "baseline") or not o.get("period"):
            continue
        try:
            p = periods.parse(o["period"])
        except (ValueError, KeyError):
            continue
        if p.is_partial or p.start != p.end:
            continue
        out[p.start] = float(o["value"])
    return sorted(out.items())


def project(evaluation: dict[str, Any]) -> Projection | None:
    """The projection to the unit's latest-year level target, if its figures allow one."""
    points = _yearly(evaluation.get("series") or [])
    if len(points) < 2:
        return None
    (y0, v0), (y1, v1) = points[0], points[-1]
    measure_unit = (evaluation.get("actual") or {}).get("measure_unit") or (
        evaluation.get("indicator") or {}).get("measure_unit")
    level_targets = []
    for ev in evaluation.get("evaluations") or []:
        t = ev.get("target") or {}
        if t.get("value") is None or ev.get("target_type") not in (*LEVEL_SHAPES, None):
            continue
        try:
            year = periods.parse(t["period"]).end
        except (ValueError, KeyError, TypeError):
            continue
        if year > y1:
            level_targets.append((year, float(t["value"]), ev.get("target_type")))
    if not level_targets:
        return None
    year, target, kind = max(level_targets)
    if is_rate(measure_unit):
        pace = (v1 - v0) / (y1 - y0)
        value = v1 + pace * (year - y1)
        unit = "pp/year"
    else:
        if v0 <= 0 or v1 <= 0:
            return None
        growth = (v1 / v0) ** (1 / (y1 - y0)) - 1
        pace, value, unit = growth * 100, v1 * (1 + growth) ** (year - y1), "% per year"
    direction = (evaluation.get("indicator") or {}).get("direction")
    if kind == "at_most" or (kind != "at_least" and direction == "lower_is_better"):
        meets = value <= target
    elif kind == "at_least" or direction == "higher_is_better":
        meets = value >= target
    else:
        meets = None
    if not math.isfinite(value):
        return None
    return Projection(round(pace, 2), unit, y0, y1, year, round(value, 2), target, meets)
