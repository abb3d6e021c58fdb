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


def base_code(indicator_code: str) -> str:
    """``pupils__primary`` -> ``pupils``: the qualifier names a component."""
    return indicator_code.split("__", 1)[0]


def catalogue_rows(
    reference_rows: Iterable[Mapping[str, str]],
    table: Mapping[str, Mapping[str, str]],
    dataset_id: str,
) -> list[dict[str, str | None]]:
    """One catalogue entry per base indicator code found in the reference CSV.

    Labels come from the first level (not change) row of the unqualified code,
    falling back to any row, so "Tỷ lệ hộ nghèo" wins over "Mức giảm tỷ lệ hộ nghèo".
    """
    labels: dict[str, tuple[int, str, str]] = {}
    for row in reference_rows:
        code = base_code(row["indicator_code"])
        rank = (row["indicator_code"] != code) * 2 + (row["unit"] in CHANGE_UNITS)
        if code not in labels or rank < labels[code][0]:
            labels[code] = (rank, row["indicator_vi"], row["indicator_en"])
    out = []
    for code in sorted(labels):
        meta = table.get(code, {})
        out.append({
            "code": code,
            "name_vi": labels[code][1],
            "name_en": labels[code][2],
            "theme": meta.get("theme") or "other",
            "measure_unit": meta.get("measure_unit"),
            "direction": meta.get("direction"),
            "aggregation": meta.get("aggregation"),
            "definition": meta.get("definition"),
            "qualifiers": meta.get("qualifiers") or None,
            "dataset_id": dataset_id,
        })
    return out
