"""Values of a unit computed from its children (villages -> commune -> province).

Why rules and not a mean: rates must be weighted by their own denominator
(households for poverty, population for water), counts are summed, and anything
else is refused with the reason, so no map ever shows a plain mean of rates.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from geodata import catalogue, periods, store
from geodata.catalogue import CHANGE_UNITS


def level_observations(
    conn: sqlite3.Connection, unit_code: str, vintage: str, indicator: str, scope: str = "unit"
) -> list[dict[str, Any]]:
    """Level (not change) actuals and baselines of one unit, oldest first."""
    rows = [
        o for o in store.observations(conn, indicator=indicator, unit_codes=[unit_code], vintage=vintage)
        if o["kind"] in ("actual", "baseline") and o["scope"] == scope and o["value"] is not None
        and (o["measure_unit"] or "") not in CHANGE_UNITS and o["period"]
    ]
    # One value per period: an actual wins over a baseline of the same period.
    best: dict[str, dict[str, Any]] = {}
    for o in rows:
        if o["period"] not in best or (o["kind"] == "actual" and best[o["period"]]["kind"] != "actual"):
            best[o["period"]] = o
    return sorted(best.values(), key=lambda o: periods.parse(o["period"]))


def value_at(conn: sqlite3.Connection, unit_code: str, vintage: str, indicator: str, period: str) -> dict | None:
    for o in level_observations(conn, unit_code, vintage, indicator):
        if o["period"] == period:
            return o
    return None


def _weight(
    conn: sqlite3.Connection, unit: dict[str, Any], weight: str, period: periods.Period
) -> tuple[float, str] | None:
    """The weight of one child: same period, else the latest full year before it."""
    candidates = [
        o for o in level_observations(conn, unit["code"], unit["vintage"], weight)
        if not periods.parse(o["period"]).is_partial and periods.parse(o["period"]).year <= period.year
    ]
    if candidates:
        o = candidates[-1]
        return float(o["value"]), f"{weight} {o['period']} ({o['source_doc']})"
    if weight == "area_km2" and unit.get("area_km2"):
        return float(unit["area_km2"]), "area_km2 (official unit area)"
    return None


def _source(o: dict[str, Any]) -> dict[str, Any]:
    return {"observation_id": o["id"], "document": o["source_doc"], "row": o["source_row"],
            "illustrative": bool(o["illustrative"])}


def from_children(
    conn: sqlite3.Connection, unit: dict[str, Any], indicator: str, period: str
) -> dict[str, Any]:
    """Aggregate ``indicator`` for ``unit`` from its direct children.

    Returns value (or None), method, weight, how many children reported out of
    how many, the children's numbers with their sources, and a reason when refused.
    """
    entry = store.indicator(conn, catalogue.base_code(indicator)) or {}
    method, weight = entry.get("aggregation_method", "none"), entry.get("weight_indicator")
    children = store.units.children(conn, unit["code"], vintage=unit["vintage"])
    reported = []
    for child in children:
        o = value_at(conn, child["code"], child["vintage"], indicator, period)
        if o is not None:
            reported.append((child, o))
    out: dict[str, Any] = {
        "method": method, "weight_indicator": weight, "children_total": len(children),
        "children_reporting": len(reported), "value": None, "reason": None, "parts": [],
    }
    if not reported:
        out["reason"] = "no child unit reported a value for this period"
        return out
    p = periods.parse(period)
    if method == "sum":
        out["value"] = sum(float(o["value"]) for _, o in reported)
        out["parts"] = [{"unit": c["code"], "value": o["value"], **_source(o)} for c, o in reported]
        if len(reported) < len(children):
            out["reason"] = "partial sum: not every child unit reported"
        return out
    if method == "weighted_mean" and weight:
        num = den = 0.0
        for child, o in reported:
            w = _weight(conn, child, weight, p)
            if w is None:
                out["reason"] = (f"cannot weight: {child['full_name']} ({child['code']}) has no '{weight}' value; "
                                 "a plain mean of rates is not allowed")
                return out
            num += float(o["value"]) * w[0]
            den += w[0]
            out["parts"].append({"unit": child["code"], "value": o["value"], "weight": w[0],
                                 "weight_source": w[1], **_source(o)})
        out["value"] = num / den if den else None
        return out
    out["reason"] = f"not aggregable ({entry.get('aggregation') or 'no rule in the catalogue'})"
    return out
