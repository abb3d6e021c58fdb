"""Units joined with the value of one indicator for one period: what a map draws.

Why a separate step: the join decides which number stands for a unit (an actual
before a baseline; never a figure that covers only part of the population, such as
the La Hủ-only rows of Thu Lũm), and that choice must be the same on every map,
export and figure.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import geopandas as gpd

from geodata import store

KIND_PREFERENCE = ("actual", "baseline")


def indicator_layer(
    conn: sqlite3.Connection,
    *,
    indicator: str,
    period: str,
    level: str = "commune",
    parent: str | Sequence[str] | None = None,
    vintage: str = "2025",
    screen: bool = True,
) -> gpd.GeoDataFrame:
    """Units of ``level`` (under ``parent``) with ``value`` and its source columns.

    Units without a unit-wide value get ``value = None`` (drawn as no data).
    """
    units = store.units_frame(conn, level=level, vintage=vintage, parent=parent, screen=screen)
    obs = store.observations(conn, indicator=indicator, unit_codes=units["code"], vintage=vintage, period=period)
    best: dict[str, dict[str, Any]] = {}
    for o in obs:
        if o["scope"] != "unit" or o["kind"] not in KIND_PREFERENCE:
            continue
        current = best.get(o["unit_code"])
        if current is None or KIND_PREFERENCE.index(o["kind"]) < KIND_PREFERENCE.index(current["kind"]):
            best[o["unit_code"]] = o
    columns = {
        "value": "value", "measure_unit": "measure_unit", "kind": "kind", "source_doc": "source_doc",
        "source_section": "source_section", "source_row": "source_row",
        "illustrative": "value_illustrative", "dataset_id": "value_dataset_id",
    }
    for src, dst in columns.items():
        units[dst] = [best.get(code, {}).get(src) for code in units["code"]]
    return units


def periods(conn: sqlite3.Connection, indicator: str) -> list[str]:
    """Periods that have a unit-wide actual or baseline of ``indicator``."""
    return store.figures.actual_periods(conn, indicator)


def unit_periods(conn: sqlite3.Connection, indicator: str, code: str, vintage: str = "2025") -> list[str]:
    """Periods in which ``code`` itself has a unit-wide figure of ``indicator``, latest first:
    what the unit's own theme map opens on when its children have none."""
    return sorted(store.figures.own_actual_periods(conn, code, indicator, vintage), key=_period_order)


def has_figures_below(conn: sqlite3.Connection, indicator: str, code: str, vintage: str = "2025") -> bool:
    """Whether a unit or one of its children has a unit-wide figure of ``indicator`` (any period)."""
    return store.figures.has_figures_below(conn, indicator, code, vintage)


def figure_pages(conn: sqlite3.Connection, indicator: str, vintage: str = "2025") -> list[dict[str, Any]]:
    """Where the documents give figures of ``indicator``: the page (the parent whose map colours
    the unit; ``None`` for a province, drawn on the country page), the period, how many units
    have a figure and whether all of them are illustrative.  Most figures first, latest period
    first: what a theme opens on when the address names no unit or period."""
    from geodata.catalogue import CHANGE_UNITS

    rows = store.figures.pages_with_figures(conn, indicator, vintage, sorted(CHANGE_UNITS))
    pages = [{"page": r["page"], "period": r["period"], "units": r["n"], "illustrative": bool(r["illustrative"])}
             for r in rows]
    return sorted(pages, key=lambda p: (p["illustrative"], -p["units"], _period_order(p["period"])), reverse=False)


def _period_order(period: str) -> float:
    """Later periods sort first (negated year; a half-year or quarter before its whole year)."""
    from geodata import periods as periods_mod

    p = periods_mod.parse(period)
    if p is None:
        return 0.0
    return -(p.end if p.is_range else p.year) - (0.0 if p.is_partial else 0.5)
