"""Spreadsheets and CSV files as grids of text, with Vietnamese numbers parsed.

Why text first: the same file may hold "3.902,9", "59,55%" and "1.191,2ha"; reading
every cell as text and parsing numbers ourselves gives one rule for CSV and XLSX,
and an error that names the cell instead of a silently wrong number.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from geodata import textfiles
from geodata.imports import ImportRefused, check_file, problem

_NUMBER = re.compile(r"^[+-]?[\d.,\s]+%?$")


def parse_number(text: str | float | int | None) -> float | None:
    """``"3.902,9"`` -> 3902.9, ``"59,55%"`` -> 59.55, ``"1,234.5"`` -> 1234.5, ``""`` -> None.

    Raises ValueError for text that is not a number.
    """
    if text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    t = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if not t or t in ("-", "–"):
        return None
    if not _NUMBER.match(t):
        raise ValueError(text)
    t = t.rstrip("%")
    if "," in t and "." in t:  # the last separator is the decimal one
        last_comma = t.rfind(",") > t.rfind(".")
        t = t.replace(".", "").replace(",", ".") if last_comma else t.replace(",", "")
    elif "," in t:
        t = t.replace(",", ".") if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3}){2,}", t) else t.replace(",", "")
    elif re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", t):
        t = t.replace(".", "")  # Vietnamese thousands: 3.902 -> 3902
    return float(t)


def _cell_text(value: object, number_format: str | None = None) -> str:
    """An Excel cell as text that ``parse_number`` reads back to the number the sheet shows.

    Why: ``str(9.345)`` is "9.345", which Vietnamese reading takes for nine thousand three
    hundred and forty-five; a number typed as a number keeps a decimal comma instead.  A cell
    formatted as a percentage holds 0.0934 and shows 9,34 %: it is read as shown."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and number_format and "%" in number_format:
        return _cell_text(round(value * 100, 10)) + "%"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        if "e" in text:
            text = f"{value:.20f}".rstrip("0")
        return text.replace(".", ",")
    return str(value)


def read_grid(path: Path, sheet: str | None = None, max_bytes: int = 50 * 2**20) -> tuple[list[list[str]], str]:
    """Rows of cells (text) and the encoding or sheet read."""
    name = str(path)
    check_file(path, max_bytes)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile/openpyxl raise many types for a damaged file
            raise ImportRefused(
                name,
                [
                    problem(
                        f"không đọc được tệp Excel ({type(exc).__name__})",
                        f"cannot read the Excel file ({type(exc).__name__})",
                    )
                ],
            ) from None
        if sheet is not None and sheet not in book.sheetnames:
            raise ImportRefused(
                name,
                [
                    problem(
                        f"không có trang '{sheet}' (có: {book.sheetnames})",
                        f"no sheet '{sheet}' (sheets: {book.sheetnames})",
                        field="--sheet",
                    )
                ],
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        grid = [[_cell_text(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]
                for row in ws.iter_rows()]
        book.close()
        return grid, f"xlsx:{ws.title}"
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        raise ImportRefused(name, [problem("chỉ nhận CSV hoặc XLSX", "only CSV and XLSX are read")])
    try:
        text, encoding = textfiles.decode(path.read_bytes())
    except UnicodeDecodeError as exc:  # says UTF-16 (a byte-order mark, NULs) but is cut or not text
        raise ImportRefused(name, [problem(
            f"tệp không đọc được thành chữ ({exc.encoding}, byte {exc.start}): lưu lại bảng dưới dạng CSV UTF-8",
            f"the file cannot be read as text ({exc.encoding}, byte {exc.start}): save the table again as CSV "
            "UTF-8")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")  # old Mac line ends, NULs
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if "\t" in first else "excel"
    delimiter = ";" if dialect == "excel" and first.count(";") > first.count(",") else None
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter) if delimiter else \
            csv.reader(io.StringIO(text), dialect=dialect)
        return [row for row in reader], encoding
    except csv.Error as exc:
        raise ImportRefused(name, [problem(f"tệp CSV hỏng ({exc})", f"the CSV file is malformed ({exc})")]) from None
