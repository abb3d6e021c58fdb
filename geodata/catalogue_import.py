"""Editing the indicator catalogue by importing a CSV or XLSX table.

Why all-or-nothing: a catalogue row decides how a province value is computed from
its communes; a half-applied file could mix two rules. Every problem is reported
(file, row, field, what is wrong) in Vietnamese and English, and nothing changes.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata import store, vocabulary
from geodata.store import journal

HEADER_ALIASES = {
    "code": "code", "mã chỉ tiêu": "code", "ma chi tieu": "code",
    "name_vi": "name_vi", "tên chỉ tiêu": "name_vi", "ten chi tieu": "name_vi",
    "name_en": "name_en", "tên tiếng anh": "name_en",
    "theme": "theme", "lĩnh vực": "theme",
    "measure_unit": "measure_unit", "unit": "measure_unit", "đơn vị tính": "measure_unit",
    "direction": "direction", "chiều hướng": "direction",
    "aggregation_method": "aggregation_method", "cách tổng hợp": "aggregation_method",
    "weight_indicator": "weight_indicator", "trọng số": "weight_indicator",
    "aggregation": "aggregation", "definition": "definition", "định nghĩa": "definition",
    "aliases": "aliases", "tên gọi khác": "aliases", "ten goi khac": "aliases", "bí danh": "aliases",
}
ALIAS_SEPARATORS = (";", "|", "\n")
REQUIRED = ("code", "name_vi", "name_en", "theme")
DIRECTIONS = {"higher_is_better", "lower_is_better", "context", "ambiguous"}
METHODS = {"sum", "weighted_mean", "none"}
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    row: int | None
    field: str | None
    message_vi: str
    message_en: str

    def text(self, path: str, lang: str = "vi") -> str:
        where = path
        if self.row:
            where += f", dòng {self.row}" if lang == "vi" else f", row {self.row}"
        if self.field:
            where += f", {'cột' if lang == 'vi' else 'field'} '{self.field}'"
        return f"{where}: {self.message_vi if lang == 'vi' else self.message_en}"


class ImportRefused(Exception):
    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path, self.problems = path, problems


def read_table(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file, headers normalised."""
    name = str(path)
    if not path.is_file():
        raise ImportRefused(name, [Problem(None, None, "không tìm thấy tệp", "file not found")])
    if path.stat().st_size > MAX_BYTES:
        raise ImportRefused(name, [Problem(None, None, f"tệp lớn hơn {MAX_BYTES // 2**20} MB",
                                           f"file is larger than {MAX_BYTES // 2**20} MB")])
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise ImportRefused(name, [Problem(None, None, f"không đọc được tệp Excel ({exc})",
                                               f"cannot read the Excel file ({exc})")]) from None
        if sheet is not None and sheet not in book.sheetnames:
            raise ImportRefused(name, [Problem(None, None, f"không có trang '{sheet}' (có: {book.sheetnames})",
                                               f"no sheet '{sheet}' (sheets: {book.sheetnames})")])
        ws = book[sheet] if sheet else book.worksheets[0]
        grid = [[("" if c is None else str(c)) for c in row] for row in ws.iter_rows(values_only=True)]
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRefused(name, [Problem(None, None, "tệp không phải UTF-8", "file is not UTF-8")]) from None
        grid = list(csv.reader(io.StringIO(text)))
    if not grid or not any(grid[0]):
        raise ImportRefused(name, [Problem(None, None, "tệp rỗng", "the file is empty")])
    headers = [HEADER_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in grid[0]]
    return [dict(zip(headers, (c.strip() for c in row), strict=False)) | {"_row": i}
            for i, row in enumerate(grid[1:], start=2) if any(c.strip() for c in row)]


def validate(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Problem]]:
    problems: list[Problem] = []
    if rows:
        missing = [f for f in REQUIRED if f not in rows[0]]
        if missing:
            return [], [Problem(1, f, "thiếu cột bắt buộc", "required column missing") for f in missing]
    seen: dict[str, int] = {}
    clean = []
    for r in rows:
        n = r["_row"]
        for f in REQUIRED:
            if not r.get(f):
                problems.append(Problem(n, f, "ô trống", "empty cell"))
        code = r.get("code", "")
        if code in seen:
            problems.append(Problem(n, "code", f"mã trùng với dòng {seen[code]}", f"duplicate of row {seen[code]}"))
        seen[code] = n
        if r.get("direction") and r["direction"] not in DIRECTIONS:
            problems.append(Problem(
                n, "direction", f"giá trị '{r['direction']}' không hợp lệ; dùng {sorted(DIRECTIONS)}",
                f"'{r['direction']}' is not valid; use {sorted(DIRECTIONS)}"))
        method = r.get("aggregation_method") or "none"
        if method not in METHODS:
            problems.append(Problem(n, "aggregation_method", f"'{method}' không hợp lệ; dùng {sorted(METHODS)}",
                                    f"'{method}' is not valid; use {sorted(METHODS)}"))
        if method == "weighted_mean" and not r.get("weight_indicator"):
            problems.append(Problem(n, "weight_indicator", "bình quân gia quyền cần chỉ tiêu trọng số",
                                    "a weighted mean needs a weight indicator"))
        clean.append({k: (v or None) for k, v in r.items() if k != "_row" and k in set(HEADER_ALIASES.values())}
                     | {"aggregation_method": method, "_row": n})
    return clean, problems


def _aliases(text: str | None) -> list[str]:
    for sep in ALIAS_SEPARATORS[1:]:
        text = (text or "").replace(sep, ALIAS_SEPARATORS[0])
    return [a.strip() for a in (text or "").split(ALIAS_SEPARATORS[0]) if a.strip()]


def _alias_problems(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[Problem]:
    """An alias may name one indicator only: a heading must never land on two."""
    taken = store.figures.alias_keys(conn)
    taken |= {vocabulary.key(name): code for code, name in store.figures.vietnamese_names(conn)}
    problems = []
    for r in rows:
        for alias in _aliases(r.get("aliases")):
            other = taken.setdefault(vocabulary.key(alias), r["code"])
            if other != r["code"]:
                problems.append(Problem(r["_row"], "aliases", f"tên '{alias}' đã dùng cho chỉ tiêu {other}",
                                        f"the name '{alias}' already names indicator {other}"))
    return problems


def import_catalogue(conn: sqlite3.Connection, path: Path, sheet: str | None = None) -> dict[str, int]:
    """Add or update catalogue entries from ``path``; refuses the whole file on any problem."""
    rows, problems = validate(read_table(path, sheet))
    problems += _alias_problems(conn, rows)
    if problems:
        raise ImportRefused(str(path), problems)
    existing = set(store.figures.themes_of(conn))
    with journal.transaction(conn, path):
        for r in rows:
            aliases = _aliases(r.pop("aliases", None))
            r.pop("_row", None)
            store.figures.put_indicator(conn, r)
            for alias in aliases:
                store.figures.put_alias(conn, vocabulary.key(alias), alias, r["code"])
    added = sum(r["code"] not in existing for r in rows)
    return {"added": added, "updated": len(rows) - added}
