"""What every import shares: its refusal (every problem naming the file, the row or feature, the
field and what is wrong, in Vietnamese and English) and the checks made before any parser sees a
file.  The journal that records and undoes imports is the store's (``geodata.store.journal``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


class ImportRefused(Exception):
    """A refused import: every problem names the file, the feature/row, the field, what is wrong."""

    def __init__(self, path: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path, self.problems = path, problems

    def lines(self, lang: str = "vi", shown_as: str | None = None) -> list[str]:
        """One line per problem: the same problem on many rows is one line naming the rows.

        ``shown_as``: the file's name as its user knows it.  Every mention of the server's copy
        (in our words and in GDAL's, ``/vsizip//srv/…/uploads/<token>/bomb.zip/a.shp``) becomes
        that name: where the server keeps a file is nobody's business but the operator's."""
        if shown_as is not None:
            return [_hide_path(line, self.path, shown_as) for line in self.lines(lang)]
        grouped: dict[tuple[str, str, str | None], list[int]] = {}
        for p in self.problems:
            rows = grouped.setdefault((p["vi"], p["en"], p.get("field")), [])
            if p.get("row") is not None and p["row"] not in rows:
                rows.append(p["row"])
        out = []
        for (vi, en, field), rows in grouped.items():
            where = self.path
            if rows:
                word = ("đối tượng/dòng" if lang == "vi" else "feature/row") if len(rows) == 1 else (
                    f"{len(rows)} đối tượng/dòng" if lang == "vi" else f"{len(rows)} features/rows")
                where += f", {word} {_ranges(rows)}"
            if field in _FIELD_WORDS:  # our own names for a column, said in the reader's words
                where += f", {_FIELD_WORDS[field][0 if lang == 'vi' else 1]}"
            elif field:
                where += f", {'trường' if lang == 'vi' else 'field'} '{field}'"
            out.append(f"{where}: {vi if lang == 'vi' else en}")
        return out


_FIELD_WORDS = {
    "unit": ("cột tên/mã đơn vị", "the unit name/code column"), "geometry": ("hình học", "geometry"),
    "period": ("cột kỳ báo cáo", "the period column"), "kind": ("cột loại số liệu", "the kind column"),
    "code": ("cột mã", "the code column"), "old_code": ("cột mã cũ", "the old code column"),
    "new_code": ("cột mã mới", "the new code column"),
}


def _hide_path(line: str, path: str, shown_as: str) -> str:
    folder = str(Path(path).parent)
    line = line.replace("/vsizip/", "").replace("/vsigzip/", "")
    line = line.replace(path, shown_as)
    return line.replace(folder + "/", "").replace(folder, "")


def _ranges(rows: list[int], most: int = 12) -> str:
    """``[2, 3, 4, 7]`` -> ``"2-4, 7"`` (the first ``most`` runs, then "…")."""
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    text = ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in runs[:most])
    return text + (", …" if len(runs) > most else "")


def problem(vi: str, en: str, row: int | None = None, field: str | None = None) -> dict[str, Any]:
    return {"vi": vi, "en": en, "row": row, "field": field}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_file(path: Path, max_bytes: int) -> None:
    """Refuse a missing, empty or oversized file before any parser sees it."""
    name = str(path)
    if not path.is_file():
        raise ImportRefused(name, [problem("không tìm thấy tệp", "file not found")])
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(name, [problem("tệp rỗng", "the file is empty")])
    if size > max_bytes:
        raise ImportRefused(name, [problem(
            f"tệp {size / 2**20:.0f} MB lớn hơn giới hạn {max_bytes / 2**20:.0f} MB",
            f"file of {size / 2**20:.0f} MB is over the {max_bytes / 2**20:.0f} MB limit")])
