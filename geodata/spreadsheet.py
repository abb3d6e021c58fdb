"""The XLSX a planner opens as it is: headers in their language, units and the period in words,
status in words, column widths, a frozen header row with a filter, and a second sheet naming
each column's machine name (what CSV, GeoPackage and Shapefile carry), so a GIS join still works.

Why apart from the other formats: those keep machine column names for software; a spreadsheet is
read by a person (``units.xlsx`` had ``poor_household_rate__pct_target`` and ``no_data``).
"""

from __future__ import annotations

import io
import sqlite3
from typing import Any

import pandas as pd

from geodata import periods, progress, store
from geodata.store import workflow

BASE_HEADERS = {  # column: (Vietnamese, English)
    "vintage_code": ("Mã kèm bộ mã", "Code with vintage"), "code": ("Mã", "Code"), "vintage": ("Bộ mã", "Vintage"),
    "level": ("Cấp", "Level"), "unit_type": ("Loại đơn vị", "Unit type"), "name": ("Tên", "Name"),
    "full_name": ("Tên đầy đủ", "Full name"), "name_en": ("Tên tiếng Anh", "English name"),
    "parent_code": ("Mã đơn vị cấp trên", "Parent code"), "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "illustrative": ("Minh hoạ (không chính thức)", "Illustrative (not official)"),
    "source": ("Nguồn ranh giới", "Boundary source"), "lon": ("Kinh độ", "Longitude"), "lat": ("Vĩ độ", "Latitude"),
    "old_code": ("Mã xã cũ", "Old code"), "old_vintage": ("Bộ mã cũ", "Old vintage"),
    "old_name": ("Tên xã cũ", "Old name"), "old_district": ("Huyện cũ", "Old district"),
    "new_code": ("Mã xã mới", "New code"), "new_vintage": ("Bộ mã mới", "New vintage"),
    "new_name": ("Tên xã mới", "New name"), "split": ("Bị chia tách", "Split"),
}
PART_HEADERS = {"value": ("Giá trị", "Value"), "target": ("Mục tiêu", "Target"),
                "pct_target": ("% mục tiêu", "% of target"), "status": ("Tình trạng", "Status"),
                "source": ("Nguồn số liệu", "Source of the figure"), "approval": ("Duyệt", "Approval")}
LEVEL_WORDS = {"province": ("tỉnh", "province"), "district": ("huyện", "district"), "commune": ("xã", "commune"),
               "village": ("bản", "village")}
YES = {"vi": "có", "en": "yes"}


def _header(conn: sqlite3.Connection, column: str, lang: str, period: str | None) -> str:
    i = 0 if lang == "vi" else 1
    if "__" not in column:
        return BASE_HEADERS.get(column, (column, column))[i]
    code, part = column.rsplit("__", 1)
    entry = store.indicator(conn, code.split("__")[0]) or {}
    name = entry.get("name_vi" if lang == "vi" else "name_en") or code
    unit = entry.get("measure_unit")
    text = f"{name} – {PART_HEADERS.get(part, (part, part))[i]}"
    if part in ("value", "target") and unit:
        text += f" ({_unit_words(unit, lang)})"
    return text


def _unit_words(unit: str, lang: str) -> str:
    from geodata.measure_units import UNIT_LABELS_VI

    return UNIT_LABELS_VI.get(unit, unit) if lang == "vi" else unit


def workbook(conn: sqlite3.Connection, table: pd.DataFrame, layer: str, *, lang: str = "vi",
             period: str | None = None) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    i = 0 if lang == "vi" else 1
    columns = list(table.columns)
    headers = [_header(conn, c, lang, period) for c in columns]
    if period:
        headers.insert(0, "Kỳ" if lang == "vi" else "Period")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = ("Bảng số liệu" if lang == "vi" else "Data")[:31]
    sheet.append(headers)

    def cell(column: str, v: Any) -> Any:
        if isinstance(v, float) and pd.isna(v):
            return None
        if v is None:
            return None
        if column.endswith("__status") and v in progress.STATUS_LABELS:
            return progress.STATUS_LABELS[v][i]
        if column.endswith("__approval") and v in workflow.STATE_LABELS:
            return workflow.STATE_LABELS[v][i]
        if column == "level" and v in LEVEL_WORDS:
            return LEVEL_WORDS[v][i]
        if column in ("illustrative", "split"):
            return YES[lang] if v in (1, True, "1", "yes") else ""
        return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v

    when = periods.label(period, lang) if period else None
    for row in table.itertuples(index=False):
        values = [cell(c, v) for c, v in zip(columns, row, strict=True)]
        sheet.append([when, *values] if period else values)
    for row in sheet.iter_rows(min_row=2):
        for c in row:
            if c.data_type == "f":  # openpyxl treats any "=..." string as a formula
                c.data_type = "s"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    for c in sheet[1]:
        c.font, c.fill = bold, fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for n, column_cells in enumerate(sheet.columns, start=1):
        longest = max((len(str(c.value)) for c in column_cells if c.value is not None), default=4)
        head = len(str(sheet.cell(row=1, column=n).value or ""))
        sheet.column_dimensions[get_column_letter(n)].width = min(60, max(8, min(head, 40), longest) + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    names = book.create_sheet("Tên cột" if lang == "vi" else "Columns")
    names.append(["Tiêu đề" if lang == "vi" else "Header", "Tên cột (CSV, GeoPackage)" if lang == "vi"
                  else "Column (CSV, GeoPackage)"])
    for c in names[1]:
        c.font = bold
    for header, column in zip(headers[1:] if period else headers, columns, strict=True):
        names.append([header, column])
    names.column_dimensions["A"].width, names.column_dimensions["B"].width = 60, 40
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
