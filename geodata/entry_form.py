"""What the data-entry form shows beside each field: the plan and target, last period's value,
and the figure already entered (draft, chờ duyệt or returned with the approver's comment).

Why beside the field: a commune officer types the six-month figure next to the annual plan and
the last report's value, as the paper forms have it, and sees a mistyped digit at once.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from geodata import periods, store
from geodata.catalogue import CHANGE_UNITS
from geodata.store import workflow


def indicators_of(conn: sqlite3.Connection, theme: str) -> list[dict[str, Any]]:
    """The catalogue's indicators of a theme that take a level figure (not growth rates or
    components), in the order the reports list them (their codes' order in the catalogue)."""
    rows = store.figures.theme_indicators(conn, theme)
    return [r for r in rows if (r["measure_unit"] or "") not in CHANGE_UNITS]


def _order(p: periods.Period) -> tuple[int, float]:
    """When a period ends: 2025H1 before 2025 (a whole year ends with its second half)."""
    return p.end, p.elapsed_share


def _latest_before(conn: sqlite3.Connection, code: str, indicator: str, period: periods.Period
                   ) -> dict[str, Any] | None:
    best = None
    for r in ({"period": p, "value": v} for p, v in store.figures.approved_series(conn, code, indicator)):
        try:
            p = periods.parse(r["period"])
        except ValueError:
            continue
        if p is None or p.is_range or _order(p) >= _order(period):
            continue
        if best is None or _order(p) > _order(best[0]):
            best = (p, r)
    return {"period": best[1]["period"], "value": best[1]["value"]} if best else None


def _year_figure(conn: sqlite3.Connection, code: str, indicator: str, kind: str, year: int) -> dict[str, Any] | None:
    """The plan or target that applies to ``year``: its own, else the nearest range or later deadline."""
    found = []
    for period, value, unit in store.figures.approved_of_kind(conn, code, indicator, kind):
        try:
            p = periods.parse(period)
        except ValueError:
            continue
        if p is not None and not p.is_partial and p.end >= year:
            found.append((0 if p.covers(year) and not p.is_range else 1, p.end,
                          {"period": period, "value": value, "measure_unit": unit}))
    return min(found, key=lambda f: f[:2])[2] if found else None


def rows(conn: sqlite3.Connection, code: str, period: str, theme: str) -> list[dict[str, Any]]:
    p = periods.parse(period)
    if p is None:
        raise ValueError("period is required")
    out = []
    for ind in indicators_of(conn, theme):
        entry = workflow.open_entry(conn, code, ind["code"], period)
        out.append({
            **ind,
            "approved": workflow.approved_value(conn, code, "2025", ind["code"], period),
            "entry": entry,
            "last": _latest_before(conn, code, ind["code"], p),
            "plan": _year_figure(conn, code, ind["code"], "plan", p.year),
            "target": _year_figure(conn, code, ind["code"], "target", p.year),
        })
    return out
