"""Numbers and labels for people: Vietnamese number format by default."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, get_locale, gettext

from geodata import sources
from geodata.measure_units import UNIT_LABELS_VI


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


UNIT_LABELS_EN = {"pp": "percentage points", "degrees": "degrees",
                  "km2": "km²", "m2": "m²", "m3": "m³", "persons/km2": "persons/km²", "% ; pp/year": "%",
                  "% vs base_year": "% vs the base year", "x base_year": "× the base year",
                  "flag": "(1 = met)", "flag (1=yes)": "(1 = met)"}


def unit_label(unit: str | None) -> str:
    if not unit:
        return ""
    if lang() == "vi":
        return UNIT_LABELS_VI.get(unit, unit)
    return UNIT_LABELS_EN.get(unit, unit)




def period_label(period: str | None) -> str:
    """A period in words in the page language (``geodata.periods.label``)."""
    from geodata import periods

    return periods.label(period, lang())


def titled(indicator: dict[str, Any], period: str | None) -> str:
    """The indicator's name with its period in words, unless the name already says it
    ("Hộ nghèo được hỗ trợ tiền điện quý I/2025" is not followed by "quý I/2025" again)."""
    from geodata import periods

    name = indicator_name(indicator)
    try:
        said, _ = periods.find(name)
        wanted = periods.parse(period) if period else None
    except ValueError:
        said, wanted = None, None
    if not period or (said is not None and said == wanted):
        return name
    return f"{name} {period_label(period)}"


def attribution(dataset: dict[str, Any]) -> str:
    """A dataset's attribution line in the page language (Vietnamese when no English one)."""
    if lang() == "en" and dataset.get("attribution_en"):
        return dataset["attribution_en"]
    return dataset["attribution"].replace(", via ", ", qua ")  # the sample's lines say "via" in Vietnamese


def source_label(src: dict[str, Any] | None) -> str:
    """A number's source in the page language (see :func:`geodata.sources.describe`)."""
    return sources.describe(src, lang())


VIETNAM_TZ = "Asia/Ho_Chi_Minh"  # UTC+7, no daylight saving


def local_time(stamp: str | None) -> str:
    """A stored UTC time as a Vietnamese reader writes it, in Vietnam's time: ``04/12/2026 20:29``
    (``2026-12-04T13:29:44+00:00`` was shown as stored); English pages get ``2026-12-04 20:29``."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if not stamp:
        return ""
    try:
        when = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(ZoneInfo(VIETNAM_TZ))
    return local.strftime("%Y-%m-%d %H:%M") if lang() == "en" else local.strftime("%d/%m/%Y %H:%M")


IMPORT_KINDS = {"indicators": ("bảng số liệu", "indicator table"), "boundaries": ("ranh giới", "boundaries"),
                "codes": ("bảng mã đơn vị", "unit code table"), "crosswalk": ("bảng chuyển đổi xã cũ – mới",
                                                                          "old-to-new commune table"),
                "catalogue": ("danh mục chỉ tiêu", "indicator catalogue"), "entry": ("nhập trên trang", "form entry")}


def import_kind(kind: str | None) -> str:
    vi, en = IMPORT_KINDS.get(kind or "", (kind or "", kind or ""))
    return en if lang() == "en" else vi


KINDS = {"actual": ("thực hiện", "actual"), "baseline": ("số liệu nền", "baseline"), "target": ("mục tiêu", "target"),
         "plan": ("kế hoạch", "plan"), "estimate": ("ước tính", "estimate")}


def kind_label(kind: str | None) -> str:
    vi, en = KINDS.get(kind or "", (kind or "", kind or ""))
    return en if lang() == "en" else vi
