"""Importing unit boundaries the way provincial GIS offices hand them over.

Why so many checks before writing: a Shapefile in VN-2000 without its .prj looks
like valid data and lands in the sea; a duplicated code silently replaces a
neighbour.  Every problem is collected with the feature and field it concerns; the
store changes only when there is none, in one transaction recorded in the journal.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError

from geodata import crs as vncrs
from geodata import imports, names, schema, store
from geodata.imports import ImportRefused, problem

MAX_BYTES = 200 * 1024 * 1024
CODE_FIELDS = ("code", "ma", "ma_dvhc", "maxa", "ma_xa", "wardcode", "madvhc")
NAME_FIELDS = ("full_name", "fullname", "name", "ten", "ten_xa", "tenxa", "ward")
PARENT_FIELDS = ("parent_code", "parent", "ma_cha", "provincecode", "ma_huyen", "ma_tinh")
OVERLAP_KM2 = 0.01
_GEOD = Geod(ellps="WGS84")


@dataclass
class Options:
    level: str
    vintage: str = "2025"
    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None
    crs: str | None = None
    layer: str | None = None
    max_bytes: int = MAX_BYTES


@dataclass
class Result:
    import_id: int
    counts: dict[str, int]
    report: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def parse_crs(text: str) -> CRS:
    """``EPSG:9205``, ``vn2000:103``, ``vn2000:104.75``, ``vn2000:utm48`` -> CRS."""
    t = text.strip().lower()
    try:
        if t.startswith("vn2000:utm"):
            return CRS.from_epsg(vncrs.VN2000_UTM[int(t.removeprefix("vn2000:utm"))])
        if t.startswith("vn2000:"):
            return vncrs.vn2000_tm3(float(t.split(":", 1)[1].replace("°", "").replace("'", "")))
        return CRS.from_user_input(text)
    except (CRSError, ValueError, KeyError):
        raise ImportRefused(
            text,
            [
                problem(
                    f"không hiểu hệ toạ độ '{text}'; dùng EPSG:<mã>, vn2000:<kinh tuyến trục> (vd. vn2000:103) "
                    "hoặc vn2000:utm48/utm49",
                    f"unknown CRS '{text}'; use EPSG:<code>, vn2000:<central meridian> (e.g. vn2000:103) "
                    "or vn2000:utm48/utm49",
                    field="--crs",
                )
            ],
        ) from None


def _source_path(path: Path, opts: Options) -> str:
    """The GDAL path to read; archives are checked before GDAL sees them."""
    name = str(path)
    imports.check_file(path, opts.max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".zip", ".kmz"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = zf.namelist()
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError):
            raise ImportRefused(
                name, [problem("tệp nén hỏng hoặc không đầy đủ", "the zip archive is damaged or truncated")]
            ) from None
        if bad is not None:
            raise ImportRefused(name, [problem(f"tệp nén hỏng ở '{bad}'", f"the zip archive is damaged at '{bad}'")])
        unsafe = [m for m in members if m.startswith(("/", "\\")) or ".." in Path(m).parts or ":" in m]
        if unsafe:
            raise ImportRefused(
                name,
                [
                    problem(
                        f"tệp nén có đường dẫn không an toàn: {unsafe[0]}",
                        f"the archive has an unsafe path: {unsafe[0]}",
                    )
                ],
            )
        if suffix == ".kmz":
            return f"/vsizip/{path}"
        shps = [m for m in members if m.lower().endswith(".shp")]
        if len(shps) != 1:
            raise ImportRefused(
                name,
                [
                    problem(
                        f"tệp nén cần đúng một tệp .shp (có {len(shps)})",
                        f"the archive must hold exactly one .shp (it has {len(shps)})",
                    )
                ],
            )
        stem = shps[0][:-4]
        for ext in (".dbf", ".shx"):
            if not any(m.lower() == (stem + ext).lower() for m in members):
                raise ImportRefused(
                    name,
                    [
                        problem(
                            f"thiếu tệp {Path(stem).name}{ext} trong tệp nén",
                            f"{Path(stem).name}{ext} is missing from the archive",
                        )
                    ],
                )
        return f"/vsizip/{path}/{shps[0]}"
    if suffix == ".shp":
        for ext in (".dbf", ".shx"):
            if not any(path.with_suffix(e).exists() for e in (ext, ext.upper())):
                raise ImportRefused(
                    name,
                    [
                        problem(
                            f"thiếu tệp {path.stem}{ext} đi kèm .shp", f"{path.stem}{ext} is missing next to the .shp"
                        )
                    ],
                )
    return name


def read_file(path: Path, opts: Options) -> gpd.GeoDataFrame:
    src = _source_path(path, opts)
    kwargs: dict[str, Any] = {}
    if opts.layer:
        kwargs["layer"] = opts.layer
    if path.suffix.lower() == ".csv":
        kwargs.update(
            GEOM_POSSIBLE_NAMES="wkt,geometry,geom,the_geom",
            KEEP_GEOM_COLUMNS="NO",
            X_POSSIBLE_NAMES="lon,longitude,lng,x,kinh_do",
            Y_POSSIBLE_NAMES="lat,latitude,y,vi_do",
        )
    try:
        if opts.layer:
            layers = [name for name, _ in pyogrio.list_layers(src)]
            if opts.layer not in layers:
                raise ImportRefused(
                    str(path),
                    [
                        problem(
                            f"không có lớp '{opts.layer}' (có: {layers})",
                            f"no layer '{opts.layer}' (layers: {layers})",
                            field="--layer",
                        )
                    ],
                )
        frame = pyogrio.read_dataframe(src, **kwargs)
    except ImportRefused:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, FieldError…
        raise ImportRefused(
            str(path), [problem(f"GDAL không đọc được tệp: {exc}", f"GDAL cannot read the file: {exc}")]
        ) from None
    if len(frame) == 0:
        raise ImportRefused(str(path), [problem("tệp không có đối tượng nào", "the file has no features")])
    return frame


def _suggest_meridians(conn: sqlite3.Connection, frame: gpd.GeoDataFrame) -> list[str]:
    """Which VN-2000 zone puts these coordinates inside a province of the store."""
    x, y = (float(v) for v in shapely.centroid(shapely.box(*frame.total_bounds)).coords[0])
    provinces = store.units_frame(conn, level="province")
    hits = []
    for code, meridian in vncrs.PROVINCE_MERIDIANS.items():
        lon, lat = Transformer.from_crs(vncrs.vn2000_tm3(meridian), "EPSG:4326", always_xy=True).transform(x, y)
        inside = provinces[provinces.contains(shapely.Point(lon, lat))]
        if len(inside) and code in set(inside["code"]):
            hits.append(f"vn2000:{meridian:g} ({vncrs.PROVINCE_NAMES[code]})")
    return hits


def _with_crs(
    conn: sqlite3.Connection, path: Path, frame: gpd.GeoDataFrame, opts: Options, warnings: list[dict[str, Any]]
) -> gpd.GeoDataFrame:
    user = parse_crs(opts.crs) if opts.crs else None
    if frame.crs is None:
        if user is not None:
            return frame.set_crs(user, allow_override=True).to_crs("EPSG:4326")
        minx, miny, maxx, maxy = frame.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            hits = _suggest_meridians(conn, frame)
            known = ", ".join(
                f"{vncrs.PROVINCE_NAMES[c]} vn2000:{m:g} ({vncrs.meridian_label(m)})"
                for c, m in vncrs.PROVINCE_MERIDIANS.items()
            )
            fit_vi = f" Toạ độ khớp với: {', '.join(hits)}." if hits else ""
            fit_en = f" The coordinates fit: {', '.join(hits)}." if hits else ""
            raise ImportRefused(
                str(path),
                [
                    problem(
                        "tệp không có hệ toạ độ (thiếu .prj) và toạ độ tính bằng mét (VN-2000?). Chạy lại với "
                        f"--crs vn2000:<kinh tuyến trục của tỉnh>: {known}.{fit_vi}",
                        "the file has no CRS (no .prj) and its coordinates are in metres (VN-2000?). Run again with "
                        f"--crs vn2000:<the province's central meridian>: {known}.{fit_en}",
                        field="CRS",
                    )
                ],
            )
        warnings.append(
            problem(
                "tệp không có hệ toạ độ: coi là WGS 84 (kinh độ, vĩ độ)",
                "the file has no CRS: read as WGS 84 longitude/latitude",
                field="CRS",
            )
        )
        return frame.set_crs("EPSG:4326")
    if user is not None and not CRS.from_user_input(frame.crs).equals(user, ignore_axis_order=True):
        raise ImportRefused(
            str(path),
            [
                problem(
                    f"tệp ghi hệ toạ độ {CRS.from_user_input(frame.crs).name}, khác với --crs {opts.crs}",
                    f"the file declares {CRS.from_user_input(frame.crs).name}, which differs from --crs {opts.crs}",
                    field="--crs",
                )
            ],
        )
    return frame.to_crs("EPSG:4326")


def _pick(frame: gpd.GeoDataFrame, wanted: str | None, candidates: tuple[str, ...], what: str) -> str | None:
    columns = {c.lower(): c for c in frame.columns if c != "geometry"}
    if wanted:
        if wanted.lower() not in columns:
            raise ImportRefused(
                "",
                [
                    problem(
                        f"không có trường '{wanted}' (có: {sorted(columns.values())})",
                        f"no field '{wanted}' (fields: {sorted(columns.values())})",
                        field=f"--{what}-field",
                    )
                ],
            )
        return columns[wanted.lower()]
    return next((columns[c] for c in candidates if c in columns), None)


def _check_geometries(
    frame: gpd.GeoDataFrame, codes: list[str | None], report: list[dict[str, Any]]
) -> tuple[list[Any], list[dict[str, Any]]]:
    problems, geoms = [], []
    for i, geom in enumerate(frame.geometry, start=1):
        if geom is None or geom.is_empty:
            problems.append(problem("hình học rỗng", "empty geometry", row=i, field="geometry"))
            geoms.append(None)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                problem(
                    f"cần vùng (Polygon), gặp {geom.geom_type}",
                    f"a polygon is needed, found {geom.geom_type}",
                    row=i,
                    field="geometry",
                )
            )
            geoms.append(None)
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom)
            parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
            repaired = shapely.union_all(parts) if parts else None
            before = abs(
                shapely.area(shapely.Polygon(shapely.get_exterior_ring(geom)) if geom.geom_type == "Polygon" else geom)
            )
            after = repaired.area if repaired is not None else 0.0
            # A small repair (a spike, a duplicated vertex) is applied and listed; one that
            # changes the area by more than 1% (a bow-tie) means the source must be fixed.
            if repaired is None or before == 0 or abs(after - before) / max(before, after) > 0.01:
                problems.append(
                    problem(
                        f"hình học tự cắt ({reason}); sửa tự động sẽ làm đổi diện tích quá 1%: cần sửa ở tệp gốc",
                        f"self-intersecting geometry ({reason}); an automatic repair would change its area by over 1%: "
                        "fix the source",
                        row=i,
                        field="geometry",
                    )
                )
                geoms.append(None)
                continue
            geom = repaired
            report.append({"row": i, "code": codes[i - 1], "action": "repaired", "detail": reason})
        if geom is not None and geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        geoms.append(geom)
    return geoms, problems


def import_boundaries(conn: sqlite3.Connection, path: Path, opts: Options) -> Result:
    """Read, check, match and store boundaries; refuses the whole file on any problem."""
    if opts.level not in ("province", "commune", "village"):
        raise ImportRefused(
            str(path), [problem(f"cấp không hợp lệ: {opts.level}", f"invalid level: {opts.level}", field="--level")]
        )
    if opts.vintage not in schema.VINTAGES:
        raise ImportRefused(
            str(path),
            [problem(f"niên hiệu không hợp lệ: {opts.vintage}", f"invalid vintage: {opts.vintage}", field="--vintage")],
        )
    warnings: list[dict[str, Any]] = []
    frame = _with_crs(conn, path, read_file(path, opts), opts, warnings)
    try:
        code_f = _pick(frame, opts.code_field, CODE_FIELDS, "code")
        name_f = _pick(frame, opts.name_field, NAME_FIELDS, "name")
        parent_f = _pick(frame, opts.parent_field, PARENT_FIELDS, "parent")
    except ImportRefused as exc:
        raise ImportRefused(str(path), exc.problems) from None
    if code_f is None and name_f is None:
        raise ImportRefused(
            str(path),
            [
                problem(
                    "không có trường mã hay tên để ghép với đơn vị; dùng --code-field/--name-field",
                    "no code or name field to match units; use --code-field/--name-field",
                )
            ],
        )

    def cell(column: str | None, i: int) -> str | None:
        if column is None:
            return None
        value = frame[column].iloc[i]
        return None if pd.isna(value) or not str(value).strip() else str(value).strip()

    codes = [cell(code_f, i) for i in range(len(frame))]
    report: list[dict[str, Any]] = []
    geoms, problems = _check_geometries(frame, codes, report)
    seen: dict[str, int] = {}
    for i, code in enumerate(codes, start=1):
        if code:
            if code in seen:
                problems.append(
                    problem(
                        f"mã {code} trùng với đối tượng {seen[code]}",
                        f"code {code} duplicates feature {seen[code]}",
                        row=i,
                        field=code_f,
                    )
                )
            seen[code] = i
    existing = store.units_frame(conn, level=opts.level, vintage=opts.vintage)
    by_code = {c: i for i, c in enumerate(existing["code"])}
    by_name: dict[tuple[str | None, str], list[str]] = {}
    for code, full, parent in zip(existing["code"], existing["full_name"], existing["parent_code"], strict=True):
        by_name.setdefault((parent, names.key(full)), []).append(code)
    plan = []
    for i in range(len(frame)):
        row_no, code = i + 1, codes[i]
        name, parent = cell(name_f, i), cell(parent_f, i)
        target, rule = None, None
        if code and code in by_code:
            target, rule = code, "code"
        elif name:
            matches = (
                by_name.get((parent, names.key(name)), [])
                if parent
                else [c for (p, k), cs in by_name.items() if k == names.key(name) for c in cs]
            )
            if len(matches) == 1:
                target, rule = matches[0], "name"
            elif len(matches) > 1:
                problems.append(
                    problem(
                        f"tên '{name}' khớp nhiều đơn vị {matches}: thêm trường mã hoặc mã cấp trên",
                        f"name '{name}' matches several units {matches}: add a code or parent field",
                        row=row_no,
                        field=name_f,
                    )
                )
                continue
        if target is None and not code:
            problems.append(
                problem(
                    f"không ghép được '{name}' với đơn vị nào và không có mã để tạo mới",
                    f"'{name}' matches no unit and has no code to create one",
                    row=row_no,
                    field=name_f,
                )
            )
            continue
        plan.append((row_no, code, name, parent, target, rule, geoms[i]))
    if problems:
        raise ImportRefused(str(path), problems)
    # Overlaps between the imported units (reported, not refused: sources often have slivers).
    valid = [(p[0], p[6]) for p in plan if p[6] is not None]
    tree = shapely.STRtree([g for _, g in valid])
    for a, b in zip(*tree.query([g for _, g in valid], predicate="intersects"), strict=True):
        if a < b:
            inter = shapely.intersection(valid[a][1], valid[b][1])
            km2 = abs(_GEOD.geometry_area_perimeter(inter)[0]) / 1e6 if not inter.is_empty else 0.0
            if km2 > OVERLAP_KM2:
                warnings.append(
                    problem(
                        f"chồng lấn với đối tượng {valid[b][0]} (~{km2:.2f} km²)",
                        f"overlaps feature {valid[b][0]} (~{km2:.2f} km²)",
                        row=valid[a][0],
                    )
                )
    if opts.level == "village":  # a village must lie inside its commune
        communes = store.units_frame(conn, level="commune", vintage=opts.vintage).set_index("code")
        for row_no, _code, _name, parent, target, _rule, geom in plan:
            parent = parent or (store.get_unit(conn, target, opts.vintage) or {}).get("parent_code")
            if geom is None or parent not in communes.index:
                continue
            share = shapely.difference(geom, communes.loc[parent].geometry).area / geom.area
            if share > 0.01:
                warnings.append(
                    problem(
                        f"{share:.0%} diện tích bản nằm ngoài xã {parent}",
                        f"{share:.0%} of the village lies outside its commune {parent}",
                        row=row_no,
                    )
                )
    with store.transaction(conn):
        import_id, dataset = imports.open_import(conn, "boundaries", path, dict(opts.__dict__), "Ranh giới",
                                                 "Boundaries")
        counts = {"updated": 0, "inserted": 0, "repaired": sum(r["action"] == "repaired" for r in report)}
        for row_no, code, name, parent, target, rule, geom in plan:
            if target is not None:
                imports.record_unit_change(conn, import_id, target, opts.vintage, "update")
                conn.execute(
                    "UPDATE units SET geom=? WHERE code=? AND vintage=?",
                    (store.gpkg.encode(geom), target, opts.vintage),
                )
                counts["updated"] += 1
                report.append(
                    {"row": row_no, "code": code, "name": name, "matched": target, "rule": rule, "action": "updated"}
                )
            else:
                full = name or code
                unit_type = {"province": "Tỉnh", "commune": "Xã", "village": "Bản"}[opts.level]
                store.add_units(
                    conn,
                    [
                        {
                            "geom": geom,
                            "code": code,
                            "vintage": opts.vintage,
                            "level": opts.level,
                            "unit_type": unit_type,
                            "name": names.strip_prefix(full),
                            "full_name": full,
                            "name_en": None,
                            "parent_code": parent,
                            "parent_vintage": opts.vintage if parent else None,
                            "area_km2": None,
                            "illustrative": 0,
                            "dataset_id": dataset,
                            "note": None,
                        }
                    ],
                )
                imports.record_unit_change(conn, import_id, code, opts.vintage, "insert")
                counts["inserted"] += 1
                report.append(
                    {"row": row_no, "code": code, "name": name, "matched": None, "rule": None, "action": "inserted"}
                )
        store.gpkg.update_extent(conn, "units")
        store.refresh_screen_geometries(conn)
        imports.finish(conn, import_id, counts, report + [{"warning": w} for w in warnings])
    return Result(import_id, counts, report, warnings)


def report_json(result: Result) -> str:
    return json.dumps(
        {"import": result.import_id, "counts": result.counts, "report": result.report, "warnings": result.warnings},
        ensure_ascii=False,
        indent=1,
    )
