"""Numbers and labels for people: Vietnamese number format by default."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, get_locale, gettext

from geodata import sources


def lang() -> str:
    """The page language: ``vi`` (default) or ``en``."""
    return "en" if str(get_locale()) == "en" else "vi"


def indicator_name(indicator: dict[str, Any]) -> str:
    return indicator["name_en"] if lang() == "en" else indicator["name_vi"]


def scope_label(scope: str | None, short: bool = False) -> str:
    """What part of a unit a figure covers, when not the whole unit.

    ``partial:<missing units>`` is a 2025 value converted from pre-2025 rows that did not
    cover all of the unit's predecessors; ``ethnic_area:…`` is Thu Lũm's La Hủ-only rows."""
    if not scope or scope == "unit":
        return ""
    if scope.startswith("partial:"):
        missing = scope.split(":", 1)[1]
        if short:
            return gettext("chỉ một phần đơn vị")
        return gettext("Chỉ một phần đơn vị: thiếu số liệu của %(missing)s", missing=missing)
    if short:
        return gettext("chỉ nhóm La Hủ")
    return gettext("Số liệu chỉ của nhóm dân tộc La Hủ (bản Là Si, Là Ú Cò), không phải toàn xã")


def number(value: float | None, unit: str | None = None) -> str:
    """``3902.9`` -> ``3.902,9`` in Vietnamese, ``3,902.9`` in English."""
    if value is None:
        return gettext("Không có số liệu")
    text = format_decimal(value, format="#,##0.##")
    return f"{text} {unit_label(unit)}".strip() if unit else text


UNIT_LABELS_VI = {
    "persons": "người", "persons/km2": "người/km²", "households": "hộ", "villages": "bản",
    "tonnes": "tấn", "visits": "lượt", "km2": "km²", "million VND": "triệu đồng",
    "billion VND": "tỷ đồng",
}


def unit_label(unit: str | None) -> str:
    if not unit:
        return ""
    if lang() == "vi":
        return UNIT_LABELS_VI.get(unit, unit)
    return unit.replace("km2", "km²")


def attribution(dataset: dict[str, Any]) -> str:
    """A dataset's attribution line in the page language (Vietnamese when no English one)."""
    return (dataset.get("attribution_en") if lang() == "en" else None) or dataset["attribution"]


def source_label(src: dict[str, Any] | None) -> str:
    """A number's source in the page language (see :func:`geodata.sources.describe`)."""
    return sources.describe(src, lang())
