"""National code tables (units without boundaries) and the old→new crosswalk, imported.

Why their own import: pre-2025 communes may not ship with polygons (GADM's licence), yet
every pre-2025 sheet is keyed to them, and their conversion to the 2025 communes needs the
official pairs.  The NSO tables (as ``vietnamadminunits`` publishes them, or with Vietnamese
headings) go through the same door as every file: checked whole, one transaction, journaled,
undoable.  Units already in the store are left as they are (their boundaries stay).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata import names, store, tables
from geodata.imports import ImportRefused, problem
from geodata.store import journal, schema

HEADINGS = {
    "province_code": ("provincecode", "mã tỉnh", "ma_tinh", "province_code"),
    "province": ("province", "tên tỉnh", "tỉnh", "province_name"),
    "district_code": ("districtcode", "mã huyện", "ma_huyen", "district_code"),
    "district": ("district", "tên huyện", "huyện"),
    "district_type": ("districttype", "cấp huyện", "loại huyện"),
    "code": ("wardcode", "mã xã", "ma_xa", "code", "ward_code"),
    "name": ("ward", "tên xã", "xã", "ward_name", "full_name"),
    "unit_type": ("wardtype", "cấp xã", "loại", "unit_type"),
    "area_km2": ("wardareakm2", "diện tích", "area_km2"),
    "old_code": ("old_ward_code", "mã xã cũ", "old_code"),
    "new_code": ("new_ward_code", "mã xã mới", "new_code"),
    "split": ("split", "bị chia", "chia tách"),
    "is_default": ("is_default_new_ward", "mặc định", "is_default"),
}
MAX_BYTES = 50 * 2**20


@dataclass
class Result:
    import_id: int
    counts: dict[str, int]


def _read(path: Path, wanted: tuple[str, ...]) -> list[dict[str, str]]:
    grid, _ = tables.read_grid(path, None, MAX_BYTES)
    grid = [r for r in grid if any(c.strip() for c in r)]
    if len(grid) < 2:
        raise ImportRefused(str(path), [problem("tệp không có dòng số liệu nào", "the file has no data rows")])
    index: dict[str, int] = {}
    for i, h in enumerate(grid[0]):
        key = " ".join(h.strip().lower().split())
        for field, aliases in HEADINGS.items():
            if key in aliases and field not in index:
                index[field] = i
    missing = [f for f in wanted if f not in index]
    if missing:
        raise ImportRefused(str(path), [problem(
            f"thiếu cột {', '.join(missing)} (vd. {', '.join(HEADINGS[f][1] for f in missing)})",
            f"missing column(s) {', '.join(missing)} (e.g. {', '.join(HEADINGS[f][0] for f in missing)})", row=1)])
    return [{f: (row[i].strip() if i < len(row) else "") for f, i in index.items()} | {"_row": n}
            for n, row in enumerate(grid[1:], start=2)]


def _short(full: str, kind: str | None) -> str:
    return full[len(kind):].strip() if kind and full.startswith(kind) else names.strip_prefix(full)


def import_codes(conn: sqlite3.Connection, path: Path, vintage: str) -> Result:
    """Provinces, districts (pre-2025) and communes of a national code table, without geometry."""
    if vintage not in schema.VINTAGES:
        raise ImportRefused(str(path), [problem(f"niên hiệu không hợp lệ: {vintage}", f"invalid vintage: {vintage}",
                                                field="--vintage")])
    wanted = ("province_code", "province", "code", "name") + (("district_code", "district")
                                                               if vintage == "pre2025" else ())
    rows = _read(path, wanted)
    units: dict[str, dict[str, Any]] = {}
    problems = []
    base = {"geom": None, "vintage": vintage, "illustrative": 0, "name_en": None, "note": None, "area_km2": None}
    for r in rows:
        if not r["province_code"] or (not r["code"] and not (vintage == "pre2025" and r.get("district_code"))):
            problems.append(problem("thiếu mã xã hoặc mã tỉnh", "the commune or province code is missing",
                                    row=r["_row"]))
            continue
        units.setdefault(("province", r["province_code"]), {
            **base, "code": r["province_code"], "level": "province", "unit_type": "Tỉnh" if r["province"].startswith(
                "Tỉnh") else "Thành phố", "name": _short(r["province"], None), "full_name": r["province"],
            "parent_code": None, "parent_vintage": None})
        parent = r["province_code"]
        if vintage == "pre2025":
            units.setdefault(("district", r["district_code"]), {
                **base, "code": r["district_code"], "level": "district",
                "unit_type": r.get("district_type") or "Huyện", "name": _short(r["district"], r.get("district_type")),
                "full_name": r["district"], "parent_code": r["province_code"], "parent_vintage": vintage})
            parent = r["district_code"]
            if not r["code"]:  # an island district without communes (Bạch Long Vĩ, Cồn Cỏ…)
                continue
        earlier = units.get(("commune", r["code"]))
        if earlier and earlier["full_name"] != r["name"]:
            problems.append(problem(f"mã {r['code']} trùng với dòng {earlier['_row']} nhưng khác tên",
                                    f"code {r['code']} repeats row {earlier['_row']} with another name",
                                    row=r["_row"], field="code"))
            continue
        area = tables.parse_number(r["area_km2"]) if r.get("area_km2") else None
        units[("commune", r["code"])] = {
            **base, "code": r["code"], "level": "commune", "unit_type": r.get("unit_type") or "Xã",
            "name": _short(r["name"], r.get("unit_type")), "full_name": r["name"], "parent_code": parent,
            "parent_vintage": vintage, "area_km2": area, "_row": r["_row"]}
    if problems:
        raise ImportRefused(str(path), problems)
    have = store.units.level_code_pairs(conn, vintage)
    new = [u for k, u in units.items() if k not in have]
    with journal.transaction(conn, path):
        import_id, dataset = journal.open_import(conn, "codes", path, {"vintage": vintage}, "Danh mục đơn vị",
                                                 "Unit codes")
        rows_out = [{k: v for k, v in u.items() if k != "_row"} | {"dataset_id": dataset} for u in new]
        store.add_units(conn, rows_out)
        for u in rows_out:
            journal.record_unit_change(conn, import_id, u["code"], vintage, "insert")
        counts = {"inserted": len(new), "existing": len(units) - len(new),
                  **{f"{level}s": sum(1 for u in new if u["level"] == level)
                     for level in ("province", "district", "commune")}}
        journal.finish(conn, import_id, counts, [])
    return Result(import_id, counts)


def import_crosswalk(conn: sqlite3.Connection, path: Path) -> Result:
    """Old (pre-2025) → new (2025) commune pairs; both ends must be in the store."""
    rows = _read(path, ("old_code", "new_code"))
    old = store.units.codes(conn, vintage="pre2025", level="commune")
    new = store.units.codes(conn, vintage="2025", level="commune")
    problems = []
    for r in rows:
        if r["old_code"] not in old:
            problems.append(problem(
                "mã xã cũ không có trong CSDL: nhập danh mục trước 2025 trước (webmap import codes --vintage pre2025)",
                "the old commune code is not in the store: import the pre-2025 code table first "
                "(webmap import codes --vintage pre2025)", row=r["_row"], field="old_code"))
        if r["new_code"] not in new:
            problems.append(problem(
                "mã xã mới không có trong CSDL: nhập ranh giới hoặc danh mục 2025 trước",
                "the new commune code is not in the store: import the 2025 boundaries or code table first",
                row=r["_row"], field="new_code"))
    if problems:
        raise ImportRefused(str(path), problems)
    have = store.units.has_pair(conn)
    pairs = {(r["old_code"], r["new_code"]): r for r in rows}
    added = [(o, n, r) for (o, n), r in pairs.items() if (o, n) not in have]
    with journal.transaction(conn, path):
        import_id, dataset = journal.open_import(conn, "crosswalk", path, {}, "Bảng chuyển đổi", "Crosswalk")
        for o, n, r in added:
            store.units.add_pair(conn, o, n, int(r.get("split", "").lower() in ("yes", "1", "có", "true")),
                                 {"yes": 1, "no": 0, "1": 1, "0": 0}.get(r.get("is_default", "").lower()), dataset)
            journal.record_key_insert(conn, import_id, "crosswalk", [o, n])
        counts = {"inserted": len(added), "existing": len(pairs) - len(added)}
        journal.finish(conn, import_id, counts, [])
    return Result(import_id, counts)
