"""Rasters the province already holds (land cover, forest masks, DEMs, population grids) turned into
figures per unit.

"Is our forest cover on track for 59,55 % in 2030?" is answered from a land-cover raster, not from a
spreadsheet.  An import here checks the file like a boundary file (CRS, VN-2000 without a .prj,
nodata, scale, overlap with the store's units), keeps a Cloud-Optimised GeoTIFF copy beside the
store, and writes one observation per unit and indicator, with its source and period, journaled so
``imports undo`` takes it back.

Zonal statistics through exactextract rather than rasterstats: exactextract weighs every cell by the
share of it inside the polygon (a commune's edge cuts thousands of cells of a 30 m raster), where
rasterstats counts a cell wholly in or wholly out by its centre or ``all_touched``; measured in
``make bench`` (scripts/bench_rasters.py) beside rasterio's own mask loop.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.shutil
import shapely
from pyproj import CRS
from rasterio.io import MemoryFile
from rasterio.warp import transform_bounds

from geodata import imports, store
from geodata.imports import ImportRefused
from geodata.store import integrity, journal, server

KINDS = ("landcover", "forest", "dem", "population")
KIND_WORDS = {"landcover": "lớp phủ", "forest": "rừng", "dem": "độ cao", "population": "dân số theo lưới"}
MAX_CELLS = 150_000_000  # a 30 m raster of the largest province is ~20 M cells
SENTINELS = (-9999.0, -32768.0, -32767.0, -3.4028234663852886e38, 65535.0)
PARTIAL_BELOW = 0.99  # a unit less covered than this gets a partial figure (never drawn as the unit's)
STEEP_DEG = 25.0  # the landslide-prone slope of the resettlement programmes

# Figures that come from rasters (geodata/rasters.py), not from any document: no target in the seeds.
RASTER_INDICATORS = [
    {"code": code, "name_vi": vi, "name_en": en, "theme": theme, "measure_unit": unit, "direction": "context",
     "aggregation": "area-weighted mean" if method == "weighted_mean" else method, "aggregation_method": method,
     "weight_indicator": "area_km2" if method == "weighted_mean" else None, "definition": definition,
     "qualifiers": None, "dataset_id": "plan-docs"}
    for code, vi, en, theme, unit, method, definition in (
        ("elevation_mean_m", "Độ cao trung bình", "Mean elevation", "resettlement", "m", "weighted_mean",
         "Mean of a DEM over the unit, cells weighted by the share of them inside it"),
        ("slope_mean_deg", "Độ dốc trung bình", "Mean slope", "resettlement", "degrees", "weighted_mean",
         "Mean slope (degrees) computed from a DEM, cells weighted by the share of them inside the unit"),
        ("slope_over_25_pct", "Tỷ lệ diện tích dốc trên 25°", "Share of area steeper than 25°", "resettlement", "%",
         "weighted_mean", "Share of the unit's area on slopes over 25° (landslide-prone land), from a DEM"),
        ("population_grid", "Dân số theo lưới", "Population from a grid", "governance_digital", "persons", "sum",
         "Sum of a population grid's cells over the unit, each cell counted by the share of it inside"),
    )
]


@dataclass(frozen=True)
class Options:
    kind: str
    period: str
    classes: tuple[int, ...] = ()  # the land-cover classes that are forest
    crs: str | None = None
    licence: str | None = None
    illustrative: bool = False
    max_bytes: int = 500 * 2**20
    dry_run: bool = False  # every check and every figure, nothing kept or written: the upload preview


@dataclass
class RasterResult:
    import_id: int
    cog: Path
    counts: dict[str, int]
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # unit code -> indicator -> value
    partial: dict[str, float] = field(default_factory=dict)  # unit code -> share of it the raster covers
    warnings: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # unit code -> full name, for the preview
    crs: str = ""
    extent: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # west, south, east, north (WGS 84)


def parse_classes(text: str | None) -> tuple[int, ...]:
    """``forest=1,2,3`` (or ``1,2,3``) -> (1, 2, 3)."""
    if not text:
        return ()
    _, _, values = text.rpartition("=")
    try:
        return tuple(sorted({int(v) for v in values.split(",") if v.strip()}))
    except ValueError:
        raise ImportRefused("--classes", [imports.problem(
            f"không hiểu '{text}': cần dạng forest=1,2,3 (mã lớp rừng của ảnh)",
            f"cannot read '{text}': expected forest=1,2,3 (the raster's forest class values)", field="--classes")]
        ) from None


def _refuse(path: Path, vi: str, en: str, field_name: str | None = None) -> ImportRefused:
    return ImportRefused(path.name, [imports.problem(vi, en, field=field_name)])


def _crs(conn: sqlite3.Connection, path: Path, src: Any, opts: Options, warnings: list[dict[str, Any]]) -> CRS:
    from geodata import boundaries_import

    if opts.crs:
        return boundaries_import.parse_crs(opts.crs)
    if src.crs is not None:
        return CRS.from_user_input(src.crs.to_wkt())
    left, bottom, right, top = src.bounds
    if max(abs(left), abs(right)) > 180 or max(abs(bottom), abs(top)) > 90:
        frame = gpd.GeoDataFrame(geometry=[shapely.box(left, bottom, right, top)])
        hits = boundaries_import._suggest_meridians(conn, frame)
        known = "Lai Châu vn2000:103, Sơn La vn2000:104"
        fit_en = f" The coordinates fit: {', '.join(hits)}." if hits else ""
        raise _refuse(
            path,
            "ảnh không có hệ toạ độ và toạ độ tính bằng mét (VN-2000?). Chạy lại với --crs vn2000:<kinh tuyến trục "
            f"của tỉnh> (vd. {known}).{' Toạ độ khớp với: ' + ', '.join(hits) + '.' if hits else ''}",
            "the raster has no CRS and its coordinates are in metres (VN-2000?). Run again with --crs "
            f"vn2000:<the province's central meridian> (e.g. {known}).{fit_en}",
            "CRS")
    warnings.append(imports.problem("ảnh không có hệ toạ độ: coi là WGS 84 (kinh độ, vĩ độ)",
                                    "the raster has no CRS: read as WGS 84 longitude/latitude", field="CRS"))
    return CRS.from_epsg(4326)


def _checked(conn: sqlite3.Connection, path: Path, src: Any, opts: Options,
             warnings: list[dict[str, Any]]) -> tuple[CRS, np.ndarray, np.ndarray, float | None]:
    """The CRS, band 1 as float (scale and offset applied, nodata as NaN), band 1 as stored, and
    the nodata value."""
    if opts.kind not in KINDS:
        raise _refuse(path, f"loại ảnh '{opts.kind}' không có (có: {', '.join(KINDS)})",
                      f"no raster kind '{opts.kind}' (known: {', '.join(KINDS)})", "--kind")
    if src.width * src.height > MAX_CELLS:
        raise _refuse(path, f"ảnh có {src.width * src.height:,} ô, quá giới hạn {MAX_CELLS:,}".replace(",", "."),
                      f"the raster has {src.width * src.height:,} cells, over the {MAX_CELLS:,} limit")
    crs = _crs(conn, path, src, opts, warnings)
    if opts.kind == "landcover" and not opts.classes:
        raise _refuse(path, "ảnh lớp phủ cần --classes forest=<mã các lớp rừng> (vd. forest=1,2,3)",
                      "a land-cover raster needs --classes forest=<its forest class values> (e.g. forest=1,2,3)",
                      "--classes")
    if opts.kind in ("landcover", "forest") and not np.issubdtype(np.dtype(src.dtypes[0]), np.integer):
        raise _refuse(path, f"ảnh lớp phủ phải là số nguyên (lớp), tệp có kiểu {src.dtypes[0]}",
                      f"a land-cover raster holds integer classes; this one is {src.dtypes[0]}")
    raw = src.read(1)
    nodata = src.nodata
    if nodata is None and opts.kind in ("dem", "population"):
        for sentinel in SENTINELS:
            n = int(np.count_nonzero(np.isclose(raw, sentinel)))
            if n:
                raise _refuse(path, f"ảnh không khai báo nodata nhưng có {n} ô bằng {sentinel:g}: khai báo nodata "
                                    "trong tệp (gdal_edit.py -a_nodata) rồi nhập lại",
                              f"the raster declares no nodata but {n} cells hold {sentinel:g}: set nodata in the file "
                              "(gdal_edit.py -a_nodata) and import again", "nodata")
    data = raw.astype("float64")
    if nodata is not None:
        data[np.isclose(raw, nodata) | (np.isnan(raw) if np.issubdtype(raw.dtype, np.floating) else False)] = np.nan
    scale, offset = (src.scales[0] or 1.0), (src.offsets[0] or 0.0)
    if (scale, offset) != (1.0, 0.0):
        if opts.kind in ("landcover", "forest"):
            raise _refuse(path, "ảnh lớp phủ không được có hệ số scale/offset",
                          "a land-cover raster has no scale/offset")
        data = data * scale + offset
        warnings.append(imports.problem(f"áp dụng scale {scale:g}, offset {offset:g} của tệp",
                                        f"the file's scale {scale:g} and offset {offset:g} applied", field="scale"))
    if not np.isfinite(data).any():
        raise _refuse(path, "ảnh không có ô nào có giá trị (toàn nodata)", "the raster has no cell with a value")
    if opts.kind == "dem" and (np.nanmin(data) < -500 or np.nanmax(data) > 9000):
        raise _refuse(path, f"độ cao từ {np.nanmin(data):g} đến {np.nanmax(data):g} m: không phải DEM tính bằng mét "
                            "(đơn vị? nodata?)",
                      f"elevations from {np.nanmin(data):g} to {np.nanmax(data):g} m: not a DEM in metres "
                      "(units? nodata?)", "scale")
    return crs, data, raw, nodata


def _units_under(conn: sqlite3.Connection, footprint: shapely.Geometry) -> gpd.GeoDataFrame:
    """Communes and villages (2025, full resolution) whose boundary meets the raster's footprint."""
    frames = [store.units_frame(conn, level=level) for level in ("commune", "village")]
    units = gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    units = units[units.geometry.notna()]
    return units[units.intersects(footprint)].reset_index(drop=True)


def _dataset(data: np.ndarray, transform: Any, crs: CRS, memfile: MemoryFile,
             nodata: float | None = np.nan) -> Any:
    with memfile.open(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype=data.dtype.name,
                      crs=crs.to_wkt(), transform=transform, nodata=nodata) as ds:
        ds.write(data, 1)
    return memfile.open()  # a reader: what exactextract and the COG copy take


def slope_degrees(dem: np.ndarray, transform: Any, crs: CRS) -> np.ndarray:
    """Slope of each DEM cell in degrees (Horn's method would differ by well under a degree here)."""
    dx, dy = abs(transform.a), abs(transform.e)
    if crs.is_geographic:  # degrees to metres at the raster's middle latitude
        lat = transform.f + transform.e * dem.shape[0] / 2
        dx, dy = dx * 111_320 * math.cos(math.radians(lat)), dy * 110_574
    gy, gx = np.gradient(dem, dy, dx)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def _zonal(layers: dict[str, Any], units: gpd.GeoDataFrame, ops: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    from exactextract import exact_extract

    out: dict[str, dict[str, Any]] = {c: {} for c in units["code"]}
    for name, ds in layers.items():
        frame = units.to_crs(ds.crs.to_wkt())[["code", "geometry"]]
        rows = exact_extract(ds, frame, ops[name], include_cols=["code"], output="pandas")
        for r in rows.to_dict("records"):
            out[r["code"]].update({f"{name}:{k}": v for k, v in r.items() if k != "code"})
    return out


def _figures(kind: str, stats: dict[str, Any], classes: tuple[int, ...]) -> dict[str, float]:
    if kind in ("landcover", "forest"):
        values = stats.get("cover:unique")
        fracs = stats.get("cover:frac")
        if values is None or fracs is None or len(values) == 0:
            return {}
        wanted = set(classes or (1,))
        share = sum(float(f) for v, f in zip(values, fracs, strict=True) if int(v) in wanted)
        return {"forest_cover_pct": round(100.0 * share, 2)}
    if kind == "dem":
        out = {}
        for key, code, digits in (("dem:mean", "elevation_mean_m", 0), ("slope:mean", "slope_mean_deg", 1),
                                  ("steep:mean", "slope_over_25_pct", 1)):
            v = stats.get(key)
            if v is not None and math.isfinite(v):
                out[code] = round(float(v) * (100.0 if code == "slope_over_25_pct" else 1.0), digits)
        return out
    v = stats.get("population:sum")
    return {"population_grid": round(float(v))} if v is not None and math.isfinite(v) else {}


def raster_folder_of(db: Path) -> Path:
    """``<store>.rasters/`` beside the store file: the COGs travel with the store they belong to."""
    return db.with_name(db.name + ".rasters")


def raster_folder(conn: Any) -> Path:
    """Where this server keeps the COGs: beside a GeoPackage store; for PostGIS a local copy of
    the database's ``files`` (``store.server``), so every server draws the same overlay."""
    if store.backend_of(conn) == "gpkg":
        return raster_folder_of(integrity.location(conn))
    return server.local_folder(conn.location, "rasters")


def import_raster(conn: sqlite3.Connection, path: Path, opts: Options, user: str | None = None) -> RasterResult:
    """Check, keep as a COG, summarise per unit and store the figures, in one journaled import."""
    imports.check_file(path, opts.max_bytes)
    warnings: list[dict[str, Any]] = []
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise _refuse(path, "không đọc được ảnh (cần GeoTIFF)", f"cannot read the raster (a GeoTIFF is expected): "
                      f"{str(exc).replace(str(path), path.name)}") from None
    with src:
        crs, data, raw, nodata = _checked(conn, path, src, opts, warnings)
        transform = src.transform
        west, south, east, north = transform_bounds(crs.to_wkt(), "EPSG:4326", *src.bounds, densify_pts=21)
    footprint = shapely.box(west, south, east, north)
    units = _units_under(conn, footprint)
    if len(units) == 0:
        raise _refuse(path, f"ảnh (kinh độ {west:.3f}–{east:.3f}, vĩ độ {south:.3f}–{north:.3f}) không phủ đơn vị nào "
                            "của CSDL: sai hệ toạ độ hoặc sai tỉnh?",
                      f"the raster (longitude {west:.3f}–{east:.3f}, latitude {south:.3f}–{north:.3f}) covers no unit "
                      "of the store: wrong CRS or wrong province?", "extent")
    with MemoryFile() as m1, MemoryFile() as m2, MemoryFile() as m3, MemoryFile() as m4:
        base = _dataset(data, transform, crs, m1)
        # The kept copy as the file had it (classes stay integers), with the CRS it was read in.
        kept = _dataset(raw, transform, crs, m4, nodata) if opts.kind in ("landcover", "forest") else \
            _dataset(data.astype("float32"), transform, crs, m4)
        if opts.kind in ("landcover", "forest"):
            layers, ops = {"cover": base}, {"cover": ["unique", "frac", "count"]}
        elif opts.kind == "dem":
            slope = slope_degrees(data, transform, crs)
            steep = np.where(np.isnan(slope), np.nan, (slope > STEEP_DEG).astype("float64"))
            layers = {"dem": base, "slope": _dataset(slope, transform, crs, m2),
                      "steep": _dataset(steep, transform, crs, m3)}
            ops = {"dem": ["mean", "count"], "slope": ["mean"], "steep": ["mean"]}
        else:
            layers, ops = {"population": base}, {"population": ["sum", "count"]}
        stats = _zonal(layers, units, ops)
        cell_km2 = _cell_area_km2(transform, crs, (south + north) / 2)
        first = next(iter(layers))
        result = RasterResult(import_id=0, cog=Path(), counts={}, warnings=warnings, crs=crs.to_string(),
                              extent=(west, south, east, north))
        # Areas of units the store has none for (villages), all at once on an equal-area projection: one
        # UTM zone guessed per unit took 0.05 s each, 85 s of a national import's 163 s.
        equal_area = dict(zip(units["code"], units.geometry.to_crs("EPSG:6933").area / 1e6, strict=True))
        for unit in units.to_dict("records"):
            s = stats[unit["code"]]
            figures = _figures(opts.kind, s, opts.classes)
            if not figures:
                continue
            covered = float(s.get(f"{first}:count") or 0.0) * cell_km2
            area = float(unit.get("area_km2") or 0.0) or float(equal_area[unit["code"]])
            share = min(1.0, covered / area) if area > 0 else 0.0
            if share < PARTIAL_BELOW:
                result.partial[unit["code"]] = share
            result.figures[unit["code"]] = figures
            result.names[unit["code"]] = unit.get("full_name") or unit["code"]
        shares = {c: result.partial.get(c, 1.0) for c in result.figures}
        result.counts = {"units": len(result.figures), "observations": sum(map(len, result.figures.values())),
                         "partial": len(result.partial)}
        if opts.dry_run:
            return result
        folder = raster_folder(conn)
        folder.mkdir(parents=True, exist_ok=True)
        sha = imports.file_sha256(path)
        cog = folder / f"{sha[:12]}-{Path(path.name).stem}.tif"
        tmp = cog.with_suffix(".partial.tif")
        rasterio.shutil.copy(kept, tmp, driver="COG", compress="DEFLATE", predictor=3 if opts.kind in
                             ("dem", "population") else 2, overview_resampling="average" if opts.kind in
                             ("dem", "population") else "mode")
    result.cog = cog
    options = {"kind": opts.kind, "period": opts.period, "classes": list(opts.classes), "crs": crs.to_string(),
               "cog": cog.name, "nodata": nodata, "illustrative": opts.illustrative}
    try:
        if store.backend_of(conn) != "gpkg":  # every server must find the COG before the import is seen
            server.put_file(conn.location, cog.name, tmp)
        with journal.transaction(conn, path):
            import_id, dataset = journal.open_import(conn, "raster", path, options, "Số liệu tính từ ảnh",
                                                     "Figures computed from the raster", user)
            store.figures.describe_dataset(conn, dataset, illustrative=opts.illustrative, licence=opts.licence,
                                           title=f"Ảnh {KIND_WORDS[opts.kind]} {path.name} ({opts.period})",
                                           note=json.dumps(options, ensure_ascii=False))
            _ensure_indicators(conn)
            for code_, figures in result.figures.items():
                share = shares[code_]
                scope = "unit" if share >= PARTIAL_BELOW else f"partial:raster {share * 100:.0f}%"
                for code, value in figures.items():
                    obs_id = store.figures.add_figure(
                        conn, unit_code=code_, unit_vintage="2025", indicator_code=code, period=opts.period,
                        kind="actual", value=value, measure_unit=_unit_of(code), scope=scope, source_doc=path.name,
                        source_section=f"ảnh {KIND_WORDS[opts.kind]}", note=f"Tính từ ảnh {path.name}, kỳ "
                        f"{opts.period}; ảnh phủ {share * 100:.1f} % diện tích đơn vị",
                        illustrative=int(opts.illustrative), dataset_id=dataset, label=None)
                    journal.record_insert(conn, import_id, "observations", obs_id)
            journal.finish(conn, import_id, result.counts, warnings)
            result.import_id = import_id
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(cog)
    return result


def _ensure_indicators(conn: sqlite3.Connection) -> None:
    """A store built before these indicators existed gets them (catalogue rows stay after an undo)."""
    for entry in RASTER_INDICATORS:
        store.figures.add_indicator_if_missing(conn, entry)


def _unit_of(code: str) -> str:
    return {"forest_cover_pct": "%", "elevation_mean_m": "m", "slope_mean_deg": "degrees", "slope_over_25_pct": "%",
            "population_grid": "persons"}[code]


def _cell_area_km2(transform: Any, crs: CRS, lat: float) -> float:
    area = abs(transform.a * transform.e)
    if crs.is_geographic:
        area *= 111_320 * math.cos(math.radians(lat)) * 110_574
    return area / 1e6


def is_raster_dataset(dataset: dict[str, Any]) -> bool:
    """A dataset a raster import made (its note holds the import's options, the kept COG among them)."""
    note = dataset.get("note") or ""
    return note.startswith("{") and '"cog"' in note


@dataclass(frozen=True)
class StoredRaster:
    import_id: int
    file_name: str
    kind: str
    period: str
    classes: tuple[int, ...]
    illustrative: bool
    cog: Path


def listing(conn: sqlite3.Connection) -> list[StoredRaster]:
    """The rasters imported and not undone whose COG is still beside the store."""
    folder = raster_folder(conn)
    out = []
    for r in journal.applied(conn, "raster"):
        opts = json.loads(r["options"] or "{}")
        cog = folder / str(opts.get("cog", ""))
        if opts.get("cog") and (cog.is_file() or server.fetch_file(conn.location, str(opts["cog"]), cog)):
            out.append(StoredRaster(int(r["id"]), r["file_name"], opts.get("kind", ""), str(opts.get("period", "")),
                                    tuple(opts.get("classes") or ()), bool(opts.get("illustrative")), cog))
    return out
