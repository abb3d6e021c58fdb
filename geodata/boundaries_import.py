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
from collections.abc import Callable
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
from geodata import imports, names, polygons, store
from geodata.imports import ImportRefused, problem
from geodata.numbers import written
from geodata.store import journal, schema

MAX_BYTES = 200 * 1024 * 1024
# What an archive may inflate to, read from its directory before a byte is decompressed: a 1 MB
# zip that inflated to 1.1 GB was read in full on every preview and apply.  Shapefiles compress
# 2-10 times; a member over 100 times smaller than its content is a bomb, not a map.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_RATIO = 100
# A feature with more vertices than this is not a boundary a commune office draws (the national
# file's largest commune has about 60,000); a 1e6-vertex polygon left a worker at 1.37 GB.
MAX_VERTICES = 250_000
CODE_FIELDS = ("code", "ma", "ma_dvhc", "maxa", "ma_xa", "wardcode", "madvhc")
NAME_FIELDS = ("full_name", "fullname", "name", "ten", "ten_xa", "tenxa", "ward")
PARENT_FIELDS = ("parent_code", "parent", "ma_cha", "provincecode", "ma_huyen", "ma_tinh")
OVERLAP_KM2 = 0.01
# Viet Nam with its islands (Trường Sa near 117.8° E, Cà Mau near 8.4° N), with a margin.
VIETNAM_BOUNDS = (101.0, 6.0, 118.5, 24.0)
OUTSIDE_REFUSED = 0.5  # share of a village outside its commune above which it is refused
AREA_FIELDS = ("areakm2", "area_km2", "dientich", "dien_tich", "dt_km2")
TYPE_FIELDS = ("unittype", "unit_type", "loai", "cap", "wardtype")
NAME_EN_FIELDS = ("nameen", "name_en")
SHORT_NAME_FIELDS = ("name", "ten")
ILLUSTRATIVE_FIELDS = ("illustrative", "minh_hoa", "minhhoa")


def _flag(text: str | None) -> int:
    """A file's own "this is made up" column, kept on the unit (1/0, yes/no, có/không)."""
    return int(bool(text) and str(text).strip().lower() in ("1", "true", "yes", "có", "co", "x"))
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
    allow_outside: bool = False  # a village mostly outside its commune (the share is still reported)
    dry_run: bool = False  # every check, nothing written: the browser's preview
    user: str | None = None  # who imports, from the browser (None: the command line)
    allowed: Callable[[str], bool] | None = None  # may this user change this 2025 unit (or add under it)?


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
                _check_inflated(name, zf.infolist())
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


def _check_inflated(name: str, infos: list[zipfile.ZipInfo]) -> None:
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        mb, cap = total / 2**20, MAX_UNCOMPRESSED / 2**20
        raise ImportRefused(name, [problem(
            f"tệp nén giải nén ra {written(mb, 'vi', 0)} MB, quá giới hạn {written(cap, 'vi', 0)} MB",
            f"the archive inflates to {written(mb, 'en', 0)} MB, over the {written(cap, 'en', 0)} MB limit")])
    for i in infos:
        ratio = i.file_size // max(i.compress_size, 1)
        if i.file_size > 2**20 and ratio > MAX_RATIO:
            raise ImportRefused(name, [problem(
                f"'{i.filename}' trong tệp nén nở ra {written(ratio, 'vi', 0)} lần (tối đa {MAX_RATIO}):"
                " không giống tệp bản đồ",
                f"'{i.filename}' in the archive inflates {written(ratio, 'en', 0)} times (at most {MAX_RATIO}):"
                " not a map file")])


def _check_vertices(name: str, frame: gpd.GeoDataFrame) -> None:
    counts = shapely.get_num_coordinates(frame.geometry.values)
    over = [(i, int(n)) for i, n in enumerate(counts, start=1) if n > MAX_VERTICES]
    if over:
        raise ImportRefused(name, [problem(
            f"đối tượng có {written(n, 'vi', 0)} đỉnh, quá giới hạn {written(MAX_VERTICES, 'vi', 0)}:"
            " hãy đơn giản hoá ranh giới trước",
            f"the feature has {written(n, 'en', 0)} vertices, over the {written(MAX_VERTICES, 'en', 0)} limit:"
            " simplify the boundary first", row=i) for i, n in over])


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
        # GDAL speaks English: its words go in the English line; the Vietnamese one says what it means.
        raise ImportRefused(str(path), [problem(
            "GDAL không đọc được tệp: không phải tệp bản đồ GDAL đọc được, hoặc tệp đã hỏng"
            " (chi tiết ở dòng tiếng Anh)",
            f"GDAL cannot read the file: {exc}")]) from None
    if len(frame) == 0:
        raise ImportRefused(str(path), [problem("tệp không có đối tượng nào", "the file has no features")])
    _check_vertices(str(path), frame)
    return frame


def _suggest_meridians(conn: sqlite3.Connection, frame: gpd.GeoDataFrame) -> list[str]:
    """Which VN-2000 zones put these coordinates inside a province of the store, and that province.

    Why every zone of the table is tried: a file without .prj says nothing of its zone, and the
    province whose own zone puts it inside that province is the likely reading."""
    x, y = (float(v) for v in shapely.centroid(shapely.box(*frame.total_bounds)).coords[0])
    provinces = store.units_frame(conn, level="province")
    if len(provinces) == 0:
        return []
    by_meridian: dict[float, list[str]] = {}
    for code in provinces["code"]:
        try:
            by_meridian.setdefault(vncrs.province_zone(code).meridian, []).append(code)
        except KeyError:
            continue
    names = dict(zip(provinces["code"], provinces["name"], strict=True))
    hits = []
    for meridian, codes in sorted(by_meridian.items()):
        lon, lat = Transformer.from_crs(vncrs.vn2000_tm3(meridian), "EPSG:4326", always_xy=True).transform(x, y)
        inside = provinces[provinces.contains(shapely.Point(lon, lat))]
        hits += [f"vn2000:{meridian:g} ({names[c]}, {vncrs.meridian_label(meridian)})"
                 for c in inside["code"] if c in codes]
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
            known = "Lai Châu vn2000:103, Sơn La vn2000:104"
            fit_vi = f" Toạ độ khớp với: {', '.join(hits)}." if hits else ""
            fit_en = f" The coordinates fit: {', '.join(hits)}." if hits else ""
            raise ImportRefused(
                str(path),
                [
                    problem(
                        "tệp không có hệ toạ độ (thiếu .prj) và toạ độ tính bằng mét (VN-2000?). Chạy lại với "
                        f"--crs vn2000:<kinh tuyến trục của tỉnh> (vd. {known}; bảng 34 tỉnh ở README).{fit_vi}",
                        "the file has no CRS (no .prj) and its coordinates are in metres (VN-2000?). Run again with "
                        f"--crs vn2000:<the province's central meridian> (e.g. {known}; the 34 provinces: README)."
                        f"{fit_en}",
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
    declared = CRS.from_user_input(frame.crs)
    minx, miny, maxx, maxy = frame.total_bounds
    if declared.is_geographic and (max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90):
        hits = _suggest_meridians(conn, frame)
        fit_vi = f" Toạ độ khớp với: {', '.join(hits)}." if hits else ""
        fit_en = f" The coordinates fit: {', '.join(hits)}." if hits else ""
        raise ImportRefused(str(path), [problem(
            f"tệp ghi hệ toạ độ {declared.name} (độ) nhưng toạ độ ({written(minx, 'vi', 0)}; {written(miny, 'vi', 0)})"
            " là mét, có lẽ VN-2000: "
            f"sửa hệ toạ độ trong tệp (vd. ogr2ogr -a_srs) hoặc xuất lại từ phần mềm GIS với đúng hệ toạ độ "
            f"vn2000:<kinh tuyến trục>.{fit_vi}",
            f"the file declares {declared.name} (degrees) but its coordinates ({minx:,.0f}, {miny:,.0f}) are "
            f"metres, probably VN-2000: fix the file's CRS (e.g. ogr2ogr -a_srs) or export it again with the right "
            f"CRS vn2000:<central meridian>.{fit_en}", field="CRS")])
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
        geom, slivers = polygons.as_multipolygon(geom)
        if slivers:
            report.append({"row": i, "code": codes[i - 1], "action": "repaired",
                           "detail": f"{slivers} sliver part(s) under 1 m² removed"})
        geoms.append(geom)
    return geoms, problems


def _check_extent(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Coordinates that cannot be right, whatever the file declares: out of range, not finite,
    or a unit far outside Viet Nam (a wrong zone or an unconverted file)."""
    import numpy as np

    problems = []
    bounds = shapely.bounds(frame.geometry.values)
    minx, miny, maxx, maxy = VIETNAM_BOUNDS
    for i, (x0, y0, x1, y1) in enumerate(bounds, start=1):
        if np.isnan(x0):
            continue  # empty geometry: reported by the geometry checks
        if not np.isfinite([x0, y0, x1, y1]).all() or min(x0, x1) < -180 or max(x0, x1) > 180 or \
                min(y0, y1) < -90 or max(y0, y1) > 90:
            problems.append(problem(
                "toạ độ ngoài kinh độ −180..180 / vĩ độ −90..90: hệ toạ độ sai (VN-2000? dùng "
                "--crs vn2000:<kinh tuyến>)",
                "coordinates outside longitude −180..180 / latitude −90..90: wrong CRS (VN-2000? use "
                "--crs vn2000:<meridian>)",
                row=i, field="geometry"))
        elif x1 < minx or x0 > maxx or y1 < miny or y0 > maxy:
            problems.append(problem(
                f"đối tượng nằm ngoài lãnh thổ Việt Nam ({minx:g}–{maxx:g}° Đ, {miny:g}–{maxy:g}° B): "
                "kiểm tra hệ toạ độ / kinh tuyến trục (--crs)",
                f"the feature lies outside Viet Nam ({minx:g}–{maxx:g}° E, {miny:g}–{maxy:g}° N): "
                "check the CRS / central meridian (--crs)", row=i, field="geometry"))
    return problems


def _column(frame: gpd.GeoDataFrame, candidates: tuple[str, ...]) -> str | None:
    columns = {c.lower(): c for c in frame.columns if c != "geometry"}
    return next((columns[c] for c in candidates if c in columns), None)


def _stated_areas(frame: gpd.GeoDataFrame, geoms: list[Any], codes: list[str | None]) -> list[dict[str, Any]]:
    """Units whose stated area (``areaKm2``…) disagrees with their polygon by over 0.5 %:
    real problems of official data, reported (not refused) so they stay visible."""
    column = _column(frame, AREA_FIELDS)
    if column is None:
        return []
    out = []
    for i, (geom, stated) in enumerate(zip(geoms, frame[column], strict=True), start=1):
        stated = pd.to_numeric(stated, errors="coerce")
        if geom is None or not stated or pd.isna(stated) or stated <= 0:
            continue
        km2 = abs(_GEOD.geometry_area_perimeter(geom)[0]) / 1e6
        off = (km2 - stated) / stated
        if abs(off) > 0.005:
            out.append({**problem(
                f"diện tích ghi {written(stated, 'vi')} km² khác diện tích vùng {written(km2, 'vi')} km²"
                f" ({'+' if off >= 0 else ''}{written(off * 100, 'vi', 1)} %)",
                f"stated area {stated:,.2f} km² differs from the polygon's {km2:,.2f} km² ({off:+.1%})",
                row=i, field=column), "kind": "area", "code": codes[i - 1], "off": round(off, 4)})
    return out


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
    extent_problems = _check_extent(frame)
    if extent_problems:  # nothing else is worth checking on coordinates that cannot be right
        raise ImportRefused(str(path), extent_problems)
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
    # A code the store already gives a unit of another level (a village file naming 03390, Bình Lư's
    # commune code) is refused here: the database's unique key would otherwise refuse it mid-write.
    if seen:
        for code, level in store.units.of_other_level(conn, sorted(seen), vintage=opts.vintage, level=opts.level):
            problems.append(problem(
                f"mã {code} đã là mã của một đơn vị cấp {level} ({opts.vintage}); mỗi mã chỉ cho một đơn vị",
                f"code {code} already belongs to a {level} unit ({opts.vintage}); a code names one unit",
                row=seen[code], field=code_f))
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
    if opts.level != "province":  # a new unit's parent must be in the store (import the provinces first)
        parent_level = {"commune": "province", "village": "commune"}[opts.level]
        known = store.units.codes(conn, vintage=opts.vintage, level=parent_level)
        for row_no, _code, _name, parent, target, _rule, _geom in plan:
            if target is None and parent and parent not in known:
                problems.append(problem(
                    f"đơn vị cấp trên {parent} không có trong CSDL: nhập ranh giới cấp {parent_level} trước",
                    f"parent unit {parent} is not in the store: import the {parent_level} boundaries first",
                    row=row_no, field=parent_f))
    if opts.allowed is not None:
        for row_no, code, _name, parent, target, _rule, _geom in plan:
            unit = target or (code if opts.level == "province" else parent)
            if not unit or opts.vintage != "2025" or not opts.allowed(unit):
                problems.append(problem(
                    f"đơn vị {target or code} nằm ngoài phạm vi được giao cho tài khoản này",
                    f"unit {target or code} is outside the units this account may change", row=row_no))
    if problems:
        raise ImportRefused(str(path), problems)
    warnings += _overlaps(plan)
    if opts.level == "village":  # a village must lie inside its commune
        outside = _outside_share(conn, plan, opts)
        refused = [(row, share, parent) for row, share, parent in outside if share > OUTSIDE_REFUSED]
        if refused and not opts.allow_outside:
            raise ImportRefused(str(path), [problem(
                f"{share:.0%} diện tích bản nằm ngoài xã {parent}: kiểm tra hệ toạ độ hoặc mã xã; dùng "
                "--allow-outside nếu đúng là như vậy",
                f"{share:.0%} of the village lies outside its commune {parent}: check the CRS or the commune code; "
                "use --allow-outside if that is really so", row=row) for row, share, parent in refused])
        warnings += [{**problem(f"{share:.0%} diện tích bản nằm ngoài xã {parent}",
                                f"{share:.0%} of the village lies outside its commune {parent}", row=row),
                      "kind": "outside"} for row, share, parent in outside]
    warnings += _stated_areas(frame, [p[6] for p in plan], [p[1] or p[4] for p in plan])
    type_f, en_f, short_f = (_column(frame, c) for c in (TYPE_FIELDS, NAME_EN_FIELDS, SHORT_NAME_FIELDS))
    area_f = _column(frame, AREA_FIELDS)
    ill_f = _column(frame, ILLUSTRATIVE_FIELDS)
    rows_of = {p[0]: p[0] - 1 for p in plan}
    if opts.dry_run:
        planned = [{"row": p[0], "code": p[1], "name": p[2], "matched": p[4], "rule": p[5],
                    "action": "updated" if p[4] is not None else "inserted"} for p in plan]
        return Result(0, {"updated": sum(p[4] is not None for p in plan), "inserted": sum(p[4] is None for p in plan),
                          "repaired": sum(r["action"] == "repaired" for r in report)}, report + planned, warnings)
    with journal.transaction(conn, path):
        import_id, dataset = journal.open_import(
            conn, "boundaries", path, {k: v for k, v in opts.__dict__.items() if k != "allowed"}, "Ranh giới",
            "Boundaries", user=opts.user)
        counts = {"updated": 0, "inserted": 0, "repaired": sum(r["action"] == "repaired" for r in report)}
        new_units = []
        for row_no, code, name, parent, target, rule, geom in plan:
            if target is not None:
                journal.record_unit_change(conn, import_id, target, opts.vintage, "update")
                store.units.set_boundary(conn, target, opts.vintage, geom)
                counts["updated"] += 1
                report.append(
                    {"row": row_no, "code": code, "name": name, "matched": target, "rule": rule, "action": "updated"}
                )
                continue
            i = rows_of[row_no]
            full = name or code
            unit_type = cell(type_f, i) or _type_from_name(full) or {
                "province": "Tỉnh", "commune": "Xã", "village": "Bản"}[opts.level]
            area = pd.to_numeric(frame[area_f].iloc[i], errors="coerce") if area_f else None
            new_units.append({
                "geom": geom, "code": code, "vintage": opts.vintage, "level": opts.level, "unit_type": unit_type,
                "name": cell(short_f, i) if short_f and short_f != name_f and cell(short_f, i) else
                names.strip_prefix(full),
                "full_name": full, "name_en": cell(en_f, i), "parent_code": parent,
                "parent_vintage": opts.vintage if parent else None,
                "area_km2": None if area is None or pd.isna(area) else float(area),
                "illustrative": _flag(cell(ill_f, i)), "dataset_id": dataset, "note": None,
            })
            journal.record_unit_change(conn, import_id, code, opts.vintage, "insert")
            counts["inserted"] += 1
            report.append(
                {"row": row_no, "code": code, "name": name, "matched": None, "rule": None, "action": "inserted"}
            )
        store.add_units(conn, new_units)  # one insert and one extent update for the whole file
        if any(u["illustrative"] for u in new_units):  # made-up units say so in the attribution too
            store.figures.mark_dataset_illustrative(conn, dataset)
        store.refresh_screen_geometries(conn, groups={(opts.level, opts.vintage)})
        journal.finish(conn, import_id, counts, report + [{"warning": w} for w in warnings])
    return Result(import_id, counts, report, warnings)


def _type_from_name(full: str) -> str | None:
    for kind in ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Tỉnh", "Xã", "Bản"):
        if full.lower().startswith(kind.lower() + " "):
            return kind
    return None


def _overlaps(plan: list[tuple]) -> list[dict[str, Any]]:
    """Pairs of imported units that overlap by more than ``OVERLAP_KM2`` (reported, not refused:
    sources often have slivers).  One STR-tree query and vectorised intersections: the national
    layer's ~20,000 touching pairs are decided in C, only real overlaps get a geodesic area."""
    import numpy as np

    valid = [(f"{p[1] or p[4] or ''} (#{p[0]})".strip(), p[6]) for p in plan if p[6] is not None]
    if len(valid) < 2:
        return []
    geoms = np.array([g for _, g in valid], dtype=object)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inter = shapely.intersection(geoms[a], geoms[b], grid_size=None)
    rough = shapely.area(inter)  # square degrees: 0.01 km² is about 8e-7 here
    out = []
    for i in np.nonzero(rough > 5e-7)[0]:
        km2 = abs(_GEOD.geometry_area_perimeter(inter[i])[0]) / 1e6
        if km2 > OVERLAP_KM2:
            out.append({**problem(f"{valid[a[i]][0]} chồng lấn với {valid[b[i]][0]} (~{written(km2, 'vi')} km²)",
                                  f"{valid[a[i]][0]} overlaps {valid[b[i]][0]} (~{km2:.2f} km²)"),
                        "kind": "overlap", "km2": round(km2, 3)})
    return out


def _outside_share(conn: sqlite3.Connection, plan: list[tuple], opts: Options) -> list[tuple[int, float, str]]:
    """(row, share outside, commune) of each village that is over 1 % outside its commune."""
    communes = store.units_frame(conn, level="commune", vintage=opts.vintage).set_index("code")
    parents = store.units.parent_of_each(conn, vintage=opts.vintage, level="village")
    out = []
    for row_no, _code, _name, parent, target, _rule, geom in plan:
        parent = parent or parents.get(target)
        if geom is None or parent not in communes.index:
            continue
        share = shapely.difference(geom, communes.loc[parent].geometry).area / geom.area
        if share > 0.01:
            out.append((row_no, share, parent))
    return out


WARNING_KINDS = {  # kind -> (Vietnamese, English) heading of its summary line
    "overlap": ("cặp đơn vị chồng lấn nhau", "pairs of units overlap"),
    "area": ("đơn vị có diện tích ghi khác diện tích vùng quá 0,5 %", "units' stated area differs from the polygon "
             "by over 0.5 %"),
    "outside": ("bản nằm một phần ngoài xã", "villages lie partly outside their commune"),
}


def warning_lines(warnings: list[dict[str, Any]], lang: str = "vi", most: int = 5,
                  has_report: bool = False) -> list[str]:
    """Warnings for a terminal: each kind counted, its ``most`` largest shown, the rest in the report."""
    out = []
    plain = [w for w in warnings if w.get("kind") not in WARNING_KINDS]
    out += [w["vi"] if lang == "vi" else w["en"] for w in plain]
    for kind, (vi, en) in WARNING_KINDS.items():
        group = [w for w in warnings if w.get("kind") == kind]
        if not group:
            continue
        group.sort(key=lambda w: -abs(w.get("km2") or w.get("off") or 0))
        rest = len(group) - most
        more_vi = f"; {rest} mục khác trong báo cáo (--report)" if rest > 0 else ""
        more_en = f"; {rest} more in the report (--report)" if rest > 0 else ""
        if rest > 0 and has_report:
            more_vi, more_en = f"; {rest} mục khác trong tệp báo cáo", f"; {rest} more in the report file"
        out.append(f"{len(group)} {vi if lang == 'vi' else en}{more_vi if lang == 'vi' else more_en}:")
        for w in group[:most]:
            where = f"{w.get('code') or ''} #{w['row']}: ".lstrip() if w.get("row") else ""
            out.append(f"    {where}{w['vi'] if lang == 'vi' else w['en']}")
    return out


def report_json(result: Result) -> str:
    return json.dumps(
        {"import": result.import_id, "counts": result.counts, "report": result.report, "warnings": result.warnings},
        ensure_ascii=False,
        indent=1,
    )
