"""Where the header, the units and the numbers are in a sheet as commune offices make it.

Why not "row 1 is the header": a real sheet has a title row ("BIỂU TỔNG HỢP HỘ NGHÈO NĂM
2024"), a two-row header whose top cells are merged over their columns ("Năm 2024" over
"Tổng số hộ | Số hộ nghèo"), a row of column numbers "(1) (2) (3)", helper columns (STT,
Ghi chú, Đơn vị tính, blank ones) and a total row at the bottom.  Each of those is
recognised by rule and named in the report, so a number is never read from the wrong cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geodata import names, periods, tables
from geodata.imports import ImportRefused, problem

COLUMNS = {
    "unit_code": ("mã xã", "mã đơn vị", "mã đvhc", "mã", "ma xa", "ma don vi", "code", "unit_code", "ma_xa",
                  "mã xã phường", "mã xã/phường", "mã số"),
    "unit_name": (
        "tên xã", "tên đơn vị", "tên bản", "đơn vị", "xã", "ten xa", "ten don vi", "unit", "unit_name", "tên", "name",
        "commune", "xã phường", "xã/phường", "xã, phường", "xã phường thị trấn", "xã/phường/thị trấn",
        "tên xã phường", "tên xã/phường", "đơn vị hành chính", "địa bàn", "tên bản/tổ dân phố", "bản", "thôn bản",
        "thôn/bản", "village", "ward",
    ),
    "indicator": ("chỉ tiêu", "mã chỉ tiêu", "chi tieu", "indicator", "indicator_code", "tên chỉ tiêu", "nội dung"),
    "period": ("năm", "kỳ", "nam", "ky", "year", "period", "kỳ báo cáo", "thời kỳ", "thời gian"),
    "value": ("giá trị", "gia tri", "value", "số liệu", "so lieu", "thực hiện", "số lượng"),
    "measure_unit": ("đơn vị tính", "đvt", "dvt", "unit of measure", "measure_unit", "đv tính"),
    "kind": ("loại", "kind", "loai", "loại số liệu"),
    "province": ("tỉnh", "mã tỉnh", "tên tỉnh", "province", "province_code", "tinh", "ma tinh", "tỉnh/thành phố"),
    "district": ("huyện", "tên huyện", "district", "huyện/thị xã", "huyện/thành phố", "quận/huyện"),
}
# Columns that carry no figures: numbering, notes, the district of a pre-2025 sheet.
HELPERS = ("stt", "tt", "số tt", "số thứ tự", "so tt", "ghi chú", "ghi chu", "note", "notes", "remarks",
           "mã huyện", "thứ tự")
TOTAL_ROWS = ("tổng", "tổng cộng", "cộng", "tổng số", "total", "toàn tỉnh", "toàn huyện", "toàn xã", "tong cong",
              "cả tỉnh", "tổng toàn tỉnh")
_NUMBERING = re.compile(r"^[(\[]?([0-9]{1,2}|[A-Za-z]{1,2})[)\]]?$")


def norm(header: str) -> str:
    """Header key: lower case, spacing folded, a trailing colon or '*' dropped."""
    return " ".join(str(header).strip().lower().rstrip(":*").split())


def _loose_header(header: str) -> str:
    """Header key with punctuation as spacing: "Xã, phường, thị trấn" = "xã phường thị trấn"."""
    return " ".join(re.sub(r"[,;/\\()\-–.]+", " ", norm(header)).split())


_ROLES = {k: role for role, aliases in COLUMNS.items() for a in aliases
          for k in (_loose_header(a), names.fold(_loose_header(a)))}


@dataclass
class Layout:
    header: list[str]  # one label per column (two-row headers joined)
    roles: dict[str, int]  # role -> column
    value_columns: list[int]  # wide layout: the columns holding figures
    skipped: dict[int, str]  # column -> why it carries no figures
    first_data_row: int  # index in the grid
    title_period: periods.Period | None = None
    notes: list[str] = field(default_factory=list)
    subs: dict[int, str] = field(default_factory=dict)  # two-row header: the lower cell alone

    @property
    def long(self) -> bool:
        return "indicator" in self.roles and "value" in self.roles


def _is_number(cell: str) -> bool:
    try:
        return tables.parse_number(cell) is not None
    except ValueError:
        return False


def _role(header: str, unit_column: str | None) -> str | None:
    key = _loose_header(header)
    if unit_column and key == _loose_header(unit_column):
        return "unit_name"
    return _ROLES.get(key) or _ROLES.get(names.fold(key))


def find(grid: list[list[str]], path: str, unit_column: str | None = None,
         ignore: tuple[str, ...] = ()) -> Layout:
    """The layout of ``grid``, or a refusal naming what is missing."""
    header_row = None
    for i, row in enumerate(grid[:12]):
        roles = {_role(c, unit_column) for c in row if str(c).strip()}
        if {"unit_code", "unit_name"} & roles:
            header_row = i
            break
    if header_row is None:
        wanted = f"'{unit_column}'" if unit_column else "'Mã xã', 'Tên xã', 'Xã/phường', 'Tên đơn vị'"
        raise ImportRefused(path, [problem(
            f"không thấy cột mã hay tên đơn vị trong 12 dòng đầu (vd. {wanted}); dùng --unit-column <tiêu đề cột>",
            f"no unit code or name column in the first 12 rows (e.g. {wanted}); use --unit-column <heading>",
            row=1)])
    title_period, notes = None, []
    for row in grid[:header_row]:
        text = " ".join(c.strip() for c in row if c.strip())
        found, _ = periods.find(text)
        if found and title_period is None:
            title_period = found
            notes.append(f"kỳ {found} lấy từ dòng tiêu đề '{text}' / period {found} taken from the title '{text}'")
    top = [c.strip() for c in grid[header_row]]
    width = max(len(r) for r in grid)
    top += [""] * (width - len(top))
    unit_col = next(i for i, c in enumerate(top) if _role(c, unit_column) in ("unit_code", "unit_name"))
    first = header_row + 1
    header = list(top)
    subs: dict[int, str] = {}
    below = grid[first] + [""] * (width - len(grid[first])) if first < len(grid) else []
    cells_below = [c.strip() for c in below if c.strip()]
    if below and not below[unit_col].strip() and cells_below and not any(_is_number(c) for c in cells_below):
        # Two-row header: the top cells are merged over the columns below them.
        carried = ""
        subs = {i: below[i].strip() for i in range(width) if below[i].strip()}
        for i in range(width):
            carried = top[i] or carried
            sub = below[i].strip()
            if not sub:
                header[i] = top[i]
            elif not top[i]:
                header[i] = f"{carried} {sub}".strip()
            else:
                header[i] = top[i] if _role(top[i], unit_column) else f"{top[i]} {sub}"
        first += 1
        rows = f"{header_row + 1}-{first}"
        notes.append(f"tiêu đề hai dòng (dòng {rows}) / two-row header (rows {rows})")
    if first < len(grid):
        row = grid[first] + [""] * (width - len(grid[first]))
        cells = [c.strip() for c in row if c.strip()]
        if cells and all(_NUMBERING.match(c) for c in cells) and _NUMBERING.match(row[unit_col].strip() or "x"):
            notes.append(f"dòng {first + 1} là số thứ tự cột, bỏ qua / row {first + 1} numbers the columns, skipped")
            first += 1
    roles: dict[str, int] = {}
    skipped: dict[int, str] = {}
    ignore_keys = {norm(c) for c in ignore}
    for i, h in enumerate(header):
        key = norm(h)
        if key in ignore_keys:
            skipped[i] = "--ignore-column"
            continue
        role = _role(h, unit_column)
        if role and role not in roles:
            roles[role] = i
            continue
        if not key:
            if any(len(r) > i and r[i].strip() for r in grid[first:]):
                skipped[i] = "no heading"
            else:
                skipped[i] = "blank"
        elif key in HELPERS or names.fold(key) in HELPERS:
            skipped[i] = "helper"
    long = "indicator" in roles and "value" in roles
    value_columns = [] if long else [
        i for i in range(width) if i not in roles.values() and i not in skipped and header[i].strip()]
    if not long and "measure_unit" in roles:  # a wide sheet's "Đơn vị tính" column describes rows, not figures
        skipped[roles.pop("measure_unit")] = "helper"
    unlabelled = [i + 1 for i, why in skipped.items() if why == "no heading"]
    if unlabelled and not long and not value_columns:
        raise ImportRefused(path, [problem(
            f"ô tiêu đề trống ở cột {unlabelled} (ô gộp?): mỗi cột số liệu cần một tiêu đề",
            f"empty header cells in columns {unlabelled} (merged cells?): every data column needs a header",
            row=header_row + 1)])
    if not long and not value_columns:
        raise ImportRefused(path, [problem("không thấy cột chỉ tiêu nào", "no indicator columns found",
                                           row=header_row + 1)])
    return Layout(header, roles, value_columns, skipped, first, title_period, notes, subs)


def is_total_row(name: str) -> bool:
    return norm(name) in TOTAL_ROWS or names.fold(norm(name)) in {names.fold(t) for t in TOTAL_ROWS}
