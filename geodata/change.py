"""Change between two periods in the indicator's own terms, for "so sánh kỳ" maps.

Why its own terms: a poverty rate that goes from 17,2 % to 15,1 % fell by 2,1 điểm phần trăm, not by
12 %; a tourist count that goes from 250.000 to 319.000 rose by 27,6 %.  Rates (an indicator measured
in %) change in percentage points, levels in percent of the earlier value.  Which way is good comes
from the catalogue's direction, so the diverging legend colours an improvement green either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    before: float | None
    after: float | None
    change: float | None  # in ``unit``
    unit: str  # "pp" (điểm phần trăm) or "%"


def is_rate(measure_unit: str | None) -> bool:
    return (measure_unit or "").strip().startswith("%")


def between(before: float | None, after: float | None, measure_unit: str | None) -> Change:
    unit = "pp" if is_rate(measure_unit) else "%"
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return Change(before, after, None, unit)
    if unit == "pp":
        return Change(before, after, round(after - before, 2), unit)
    if before == 0:
        return Change(before, after, None, unit)  # no percent change from nothing
    return Change(before, after, round((after - before) / abs(before) * 100.0, 1), unit)


def good_sign(direction: str | None) -> int:
    """+1 when a rise is good, -1 when a fall is, 0 when the catalogue does not say."""
    return {"higher_is_better": 1, "lower_is_better": -1}.get(direction or "", 0)


def symmetric_bins(changes: list[float | None]) -> list[float]:
    """Five classes around zero, as upper bounds: the middle one is "about unchanged"."""
    present = [abs(c) for c in changes if c is not None]
    top = max(present, default=1.0) or 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    top = math.ceil(top / magnitude) * magnitude  # 2,13 -> 3; 27,6 -> 30
    return [-0.6 * top, -0.2 * top, 0.2 * top, 0.6 * top, top]


def value_of(evaluation: dict[str, Any]) -> float | None:
    """The unit's own figure of the period (a partial figure is not the unit's)."""
    if evaluation.get("scope", "unit") != "unit":
        return None
    return (evaluation.get("actual") or {}).get("value")
