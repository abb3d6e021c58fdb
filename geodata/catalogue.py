"""The indicator catalogue, seeded from ``shared/reference``.

Why parse the reference README's table: it is the only place that states each
indicator's direction and aggregation rule (the CSV has labels and units only);
the build reads it once and stores the result, so the app never needs ``shared``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

CHANGE_UNITS = {"pp/year", "% per year", "% vs base_year", "x base_year", "% vs base period",
                "million VND/person/year vs base_year"}

_ROW = re.compile(r"^\|\s*`(?P<code>[a-z0-9_]+)`\s*\|(?P<rest>.*)\|\s*$")


def parse_reference_table(markdown: str) -> dict[str, dict[str, str]]:
    """Rows of the "Indicator codes" table, keyed by indicator code."""
    out: dict[str, dict[str, str]] = {}
    for line in markdown.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        cells = [c.strip() for c in m.group("rest").split("|")]
        if len(cells) < 7:
            continue
        theme, definition, unit, direction, aggregation, qualifiers = cells[:6]
        out[m.group("code")] = {
            "theme": theme,
            "definition": definition,
            "measure_unit": unit,
            "direction": direction,
            "aggregation": aggregation,
            "qualifiers": qualifiers,
        }
    return out


# What "<x>-weighted mean" in the reference table weighs by, as an indicator code.
# ``area_km2`` falls back to the unit's official area when no observation exists.
WEIGHTS = {
    "population": "population",
    "population- or households": "population",
    "households": "households",
    "villages": "villages_count",
    "land-area": "area_km2",
}
_WEIGHTED = re.compile(r"^(?P<weight>[a-z0-9 -]+?)-weighted")


def aggregation_rule(text: str | None) -> tuple[str, str | None]:
    """``"households-weighted mean"`` -> ``("weighted_mean", "households")``.

    Why parse: the rule decides whether a province value may be computed from its
    communes at all, and with which weight; a plain mean of rates is never allowed.
    """
    if not text:
        return "none", None
    text = text.strip().lower()
    if text.startswith("sum"):
        return "sum", None
    m = _WEIGHTED.match(text)
    if m and "mean" in text:
        key = m["weight"].strip()
        return "weighted_mean", WEIGHTS.get(key, key.replace("-", "_").replace(" ", "_"))
    return "none", None


# Names of indicators whose documents only name their components (``__qualifier`` rows).
BASE_LABELS = {
    "enrolment_rate_pct": ("Tỷ lệ huy động học sinh đến trường (mọi cấp học)", "School enrolment rate (all levels)"),
    "irrigated_area_ha": ("Diện tích được tưới (mọi loại cây, mùa vụ)", "Irrigated area (all crops and seasons)"),
    "officials_trained_pct": ("Tỷ lệ cán bộ được tập huấn (mọi cấp)", "Share of officials trained (all levels)"),
    "passion_fruit_area_ha": ("Diện tích chanh leo", "Passion-fruit area"),
    "rice_yield_quintal_per_ha": ("Năng suất lúa", "Rice yield"),
}


def base_code(indicator_code: str) -> str:
    """``pupils__primary`` -> ``pupils``: the qualifier names a component."""
    return indicator_code.split("__", 1)[0]


def catalogue_rows(
    reference_rows: Iterable[Mapping[str, str]],
    table: Mapping[str, Mapping[str, str]],
    dataset_id: str,
) -> list[dict[str, str | None]]:
    """One catalogue entry per base indicator code found in the reference CSV.

    Labels come from the shortest level (not change) row of the unqualified code,
    falling back to any row, so "Tỷ lệ hộ nghèo" wins over "Mức giảm tỷ lệ hộ nghèo"
    and over one document's long wording of its own target.
    """
    labels: dict[str, tuple[tuple[int, int], str, str]] = {}
    own: dict[str, tuple[tuple[int, int], str, str]] = {}  # qualified codes: their own shortest label
    for row in reference_rows:
        code = base_code(row["indicator_code"])
        rank = ((row["indicator_code"] != code) * 2 + (row["unit"] in CHANGE_UNITS), len(row["indicator_vi"]))
        if code not in labels or rank < labels[code][0]:
            labels[code] = (rank, row["indicator_vi"], row["indicator_en"])
        if row["indicator_code"] != code:
            q, r = row["indicator_code"], (int(row["unit"] in CHANGE_UNITS), len(row["indicator_vi"]))
            if q not in own or r < own[q][0]:
                own[q] = (r, row["indicator_vi"], row["indicator_en"])
    out = []
    for code in sorted(labels):
        meta = table.get(code, {})
        method, weight = aggregation_rule(meta.get("aggregation"))
        name_vi, name_en = labels[code][1], labels[code][2]
        components = sorted(q for q in own if base_code(q) == code)
        if code in BASE_LABELS:
            # Only components are named in the documents: the total must not borrow one
            # component's name (kindergarten and primary enrolment were both "… THCS").
            name_vi, name_en = BASE_LABELS[code]
        elif labels[code][0][0] >= 2 or any(own[q][1] == name_vi for q in components):
            raise ValueError(f"{code}: only its components are labelled; add it to catalogue.BASE_LABELS")
        entry = {
            "code": code,
            "name_vi": name_vi,
            "name_en": name_en,
            "theme": meta.get("theme") or "other",
            "measure_unit": meta.get("measure_unit"),
            "direction": meta.get("direction"),
            "aggregation": meta.get("aggregation"),
            "aggregation_method": method,
            "weight_indicator": weight,
            "definition": meta.get("definition"),
            "qualifiers": meta.get("qualifiers") or None,
            "dataset_id": dataset_id,
        }
        out.append(entry)
        for q in components:
            out.append({**entry, "code": q, "name_vi": own[q][1], "name_en": own[q][2], "qualifiers": None})
    return out


def check_unique_names(entries: Iterable[Mapping[str, str | None]]) -> None:
    """No two catalogue entries may share a name: a planner picks an indicator by its name."""
    for column in ("name_vi", "name_en"):
        seen: dict[str, str] = {}
        for e in entries:
            name = " ".join(str(e[column]).lower().split())
            if name in seen:
                raise ValueError(f"{column} {e[column]!r} names both {seen[name]} and {e['code']}")
            seen[name] = str(e["code"])
