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
    rows = conn.execute(
        "SELECT DISTINCT period FROM observations WHERE indicator_code=? AND period IS NOT NULL"
        " AND scope='unit' AND kind IN ('actual','baseline') ORDER BY period",
        (indicator,),
    )
    return [r[0] for r in rows]
