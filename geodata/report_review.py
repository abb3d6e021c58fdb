"""The review memo of a report draft: the figures that do not add up, said apart from the body.

Why apart: the body is what the UBND signs and says the figures as the documents gave them; a
clerk checks each point of the memo against the source before signing (parts larger than their
total, components that do not sum, one amount written in triệu here and in tỷ there, two values
of one figure, plans inferred from "đạt 100 %", sums of some communes only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geodata.numbers import written

# Totals and the sets of figures that make them up, as the documents break them down ("trong đó").
# Qualified codes (``x__a``) are parts of ``x`` without being listed; these are the partitions to sum.
PARTITIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "grain_output_t": (("rice_output_t", "maize_output_t"),),
    "aquaculture_output_t": (),
    "irrigation_works": (("irrigation_works__commune_managed", "irrigation_works__company_managed"),),
    "irrigation_canal_km": (("irrigation_canal_km__solid", "irrigation_canal_km__earthen"),
                            ("irrigation_canal_km__commune_managed", "irrigation_canal_km__company_managed")),
    "schools": (("schools__preschool", "schools__primary", "schools__lower_secondary"),),
    "pupils": (("pupils__preschool", "pupils__primary", "pupils__lower_secondary"),),
    "ocop_3star_products": (("ocop_3star_products__former_tam_duong_town", "ocop_3star_products__former_binh_lu",
                             "ocop_3star_products__former_son_binh"),),
    "commerce_value_mvnd": (("commerce_value_mvnd__retail", "commerce_value_mvnd__accommodation_food",
                             "commerce_value_mvnd__tourism_services"),),
    "industrial_output_mvnd": (("industrial_output_mvnd__mining", "industrial_output_mvnd__manufacturing",
                                "industrial_output_mvnd__power_water", "industrial_output_mvnd__clean_water_supply"),),
    "rice_area_ha": (("rice_area_ha__winter_spring", "rice_area_ha__summer"),),
    "fruit_area_ha": (("fruit_area_ha__under_care", "fruit_area_ha__harvested"),),
    "religious_persons": (("religious_persons__male", "religious_persons__female"),
                          ("religious_persons__hmong", "religious_persons__dao", "religious_persons__kinh")),
    "religious_households": (("religious_households__hmong", "religious_households__dao",
                              "religious_households__kinh"),),
}
# Parts named under another code: the cold-water fish "trong đó" of all aquaculture output.
PART_OF: dict[str, str] = {"cold_water_fish_output_t": "aquaculture_output_t", "rice_output_t": "grain_output_t",
                           "maize_output_t": "grain_output_t"}
# Quantities a document rounds: a sum of parts may differ from the total by their rounding.
MEASURED_UNITS = {"tonnes", "ha", "km", "m2", "m3", "VND", "million VND", "billion VND", "%", "km2"}
MONEY_SCALE = {"million VND": 1e6, "billion VND": 1e9}


@dataclass
class Point:
    """One point of the memo."""

    kind: str  # parts, sum, money_unit, two_values, stated_pct, inferred_plan, partial_sum, poverty_line, scope
    vi: str
    en: str


def _n(value: float | None, lang: str) -> str:
    return written(value, lang)


def _half_unit(value: float) -> float:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10 ** -decimals


def _parent(code: str) -> str | None:
    if "__" in code:
        base, qualifier = code.split("__", 1)
        return f"{base}__{qualifier.rsplit('_', 1)[0]}" if "_" in qualifier else base
    return PART_OF.get(code)


def _name(row: dict[str, Any]) -> str:
    return row.get("label") or row.get("name_vi") or row["indicator_code"]


def _measured(unit: str | None) -> bool:
    return any((unit or "").startswith(u) for u in MEASURED_UNITS)


def review(figures: list[dict[str, Any]], unit_vi: Callable[[str | None], str] = lambda u: u or "") -> list[Point]:
    """The memo's points for the figures of one unit and period (observation rows); ``unit_vi``
    says a unit of measure in Vietnamese."""
    out: list[Point] = []
    by_code: dict[str, dict[str, Any]] = {}
    for f in figures:
        if f["kind"] in ("actual", "baseline") and f["value"] is not None and not _is_change(f):
            by_code.setdefault(f["indicator_code"], f)
    # a part larger than what it is part of
    for code, f in by_code.items():
        parent = _parent(code)
        while parent is not None and parent not in by_code:
            parent = _parent(parent) if "__" in parent else None
        total = by_code.get(parent) if parent else None
        if total is not None and total["measure_unit"] == f["measure_unit"] and f["value"] > total["value"] + 1e-9:
            unit, vi = f["measure_unit"] or "", unit_vi(f["measure_unit"])
            out.append(Point("parts",
                             f"{_name(f)} {_n(f['value'], 'vi')} {vi} lớn hơn tổng {_name(total)} "
                             f"{_n(total['value'], 'vi')} {vi}, nhưng là một phần của tổng đó.",
                             f"{_name(f)} {_n(f['value'], 'en')} {unit} is larger than the total {_name(total)} "
                             f"{_n(total['value'], 'en')} {unit} it is part of."))
    # parts that do not sum to their total
    for code, partitions in PARTITIONS.items():
        total = by_code.get(code)
        if total is None:
            continue
        for parts in partitions:
            rows = [by_code.get(p) for p in parts]
            if any(r is None for r in rows) or any(r["measure_unit"] != total["measure_unit"] for r in rows):
                continue
            summed = sum(r["value"] for r in rows)
            rounding = (sum(_half_unit(r["value"]) for r in rows) + _half_unit(total["value"])
                        if _measured(total["measure_unit"]) else 0.0)
            if abs(summed - total["value"]) > rounding + 1e-9:
                unit, vi = total["measure_unit"] or "", unit_vi(total["measure_unit"])
                terms_vi = " + ".join(_n(r["value"], "vi") for r in rows)
                terms_en = " + ".join(_n(r["value"], "en") for r in rows)
                out.append(Point("sum",
                                 f"{_name(total)} {_n(total['value'], 'vi')} {vi} khác tổng các phần "
                                 f"{terms_vi} = {_n(summed, 'vi')} {vi} "
                                 f"({', '.join(_name(r) for r in rows)}).",
                                 f"{_name(total)} {_n(total['value'], 'en')} {unit} differs from its parts "
                                 f"{terms_en} = {_n(summed, 'en')} {unit}."))
    # one amount in triệu here and in tỷ there
    money = [f for f in by_code.values() if _money_unit(f["measure_unit"])]
    for i, a in enumerate(money):
        for b in money[i + 1:]:
            ua, ub = _money_unit(a["measure_unit"]), _money_unit(b["measure_unit"])
            if ua != ub and a["value"] and abs(a["value"] - b["value"]) <= 0.005 * abs(a["value"]):
                out.append(Point("money_unit",
                                 f"{_name(a)} {_n(a['value'], 'vi')} {_vi_money(ua)} và {_name(b)} "
                                 f"{_n(b['value'], 'vi')} {_vi_money(ub)}: cùng một số nhưng một nơi ghi triệu "
                                 f"đồng, nơi kia ghi tỷ đồng; xác định đơn vị đúng trước khi ký.",
                                 f"{_name(a)} {_n(a['value'], 'en')} {ua} and {_name(b)} {_n(b['value'], 'en')} "
                                 f"{ub}: the same number in millions in one place and billions in the other."))
    for f in figures:
        unit = f["measure_unit"] or ""
        if "as written" in unit:
            out.append(Point("money_unit",
                             f"{_name(f)} {_n(f['value'], 'vi')}: đơn vị ghi trong văn bản đáng ngờ "
                             f"({unit_vi(unit)}).",
                             f"{_name(f)} {_n(f['value'], 'en')}: the unit written in the document is doubtful "
                             f"({unit})."))
    # two values of one figure from different sources
    seen: dict[tuple, dict[str, Any]] = {}
    for f in figures:
        if f["kind"] not in ("actual", "baseline") or f["value"] is None or _is_change(f):
            continue
        key = (f["indicator_code"], f["period"], f["measure_unit"], f["scope"])
        first = seen.setdefault(key, f)
        if first is not f and first["value"] != f["value"]:
            out.append(Point("two_values",
                             f"{_name(first)} có hai giá trị cho {f['period']}: {_n(first['value'], 'vi')} "
                             f"({first['source_doc']}) và {_n(f['value'], 'vi')} ({f['source_doc']}); báo cáo "
                             f"dùng giá trị thứ nhất.",
                             f"{_name(first)} has two values for {f['period']}: {_n(first['value'], 'en')} "
                             f"({first['source_doc']}) and {_n(f['value'], 'en')} ({f['source_doc']}); the "
                             f"report uses the first."))
    return out


def _is_change(f: dict[str, Any]) -> bool:
    unit = f.get("measure_unit") or ""
    return unit in ("% vs base_year", "x base_year", "pp/year", "% per year") or unit.endswith("vs base_year")


def _money_unit(unit: str | None) -> str | None:
    unit = unit or ""
    for key in MONEY_SCALE:
        if unit.startswith(key):
            return key
    return None


def _vi_money(unit: str | None) -> str:
    return {"million VND": "triệu đồng", "billion VND": "tỷ đồng"}.get(unit or "", unit or "")
