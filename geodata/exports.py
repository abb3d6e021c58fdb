"""Layers out to the formats GIS colleagues use: GeoJSON, GeoPackage, Shapefile, KML, CSV, XLSX.

Why GDAL (pyogrio) for every geometry format: it writes what QGIS and Google Earth
read (RFC 7946 GeoJSON, .prj/.cpg for Shapefiles, KML placemarks) and handles
VN-2000 through PROJ.  Exports use the full-resolution boundaries, never the
screen-simplified ones.  Text cells that a spreadsheet would run as a formula are
neutralised, because names and notes are data typed by other people.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from markupsafe import escape

from geodata import crs as vncrs
from geodata import names, polygons, progress, sources, spreadsheet, store
from geodata.errors import BilingualError
from geodata.store import schema, workflow

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    # Excel with Vietnamese regional settings reads ';' between fields and ',' before decimals.
    "csv-vn": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
LAYERS = ("units", "crosswalk", "places")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_INDICATORS = 20


class ExportError(BilingualError):
    """An export request that cannot be served."""


@dataclass
class Export:
    data: bytes
    filename: str
    mimetype: str
    features: int
    notes: list[str]
    crs_tag: str | None = None  # "vn2000_103" when written in a VN-2000 zone: it goes in the file name


# --- layers -------------------------------------------------------------------


def _descendants(conn: sqlite3.Connection, code: str, vintage: str, level: str) -> list[str]:
    """Codes of ``level`` units below ``code`` (any depth)."""
    return store.units.descendants_of_level(conn, code, level, vintage)


def units_layer(
    conn: sqlite3.Connection,
    *,
    level: str = "commune",
    within: str | None = None,
    indicators: Sequence[str] = (),
    period: str | None = None,
    vintage: str = "2025",
    lang: str = "vi",
) -> gpd.GeoDataFrame:
    """Units of ``level`` with, per indicator, value, target, % of target, status (its code and
    its words) and sources."""
    if level not in schema.LEVELS:
        raise ExportError(f"Cấp không hợp lệ: {level}", f"Unknown level: {level}")
    if len(indicators) > MAX_INDICATORS:
        raise ExportError(f"Tối đa {MAX_INDICATORS} chỉ tiêu", f"At most {MAX_INDICATORS} indicators")
    for code in indicators:
        if store.indicator(conn, code.split("__")[0]) is None:
            raise ExportError(f"Chỉ tiêu '{code}' không có trong danh mục",
                              f"Indicator '{code}' is not in the catalogue")
    if indicators and not period:
        raise ExportError("Cần tham số 'period' khi chọn chỉ tiêu", "'period' is needed with 'indicator'")
    frame = store.units_frame(conn, level=level, vintage=vintage)
    if within is not None:
        if store.get_unit(conn, within, vintage) is None:
            raise ExportError(f"Không có đơn vị mã {within} ({vintage})", f"No unit {within} ({vintage})")
        frame = frame[frame["code"].isin(_descendants(conn, within, vintage, level))]
    attribution = {d["id"]: d["attribution"] for d in store.datasets(conn)}
    frame = frame.assign(source=[attribution.get(d, d) for d in frame["dataset_id"]]).drop(columns="dataset_id")
    drafts = workflow.drafts_shown(conn)  # a user allowed to see drafts asked for them: say which
    for code in indicators:
        cols: dict[str, list[Any]] = {k: [] for k in ("value", "coverage", "target", "pct_target", "status",
                                                      "status_label", "source", *(("approval",) if drafts else ()))}
        for unit in frame["code"]:
            e = progress.evaluate(conn, unit, code, period, vintage=vintage)
            ev = e["evaluations"][e["headline_target"]] if e.get("headline_target") is not None else {}
            actual = e["actual"] or {}
            cols["value"].append(actual.get("value"))
            cols["coverage"].append(_coverage(e.get("scope"), lang) if actual else None)
            cols["target"].append((ev.get("target") or {}).get("value"))
            cols["pct_target"].append(e.get("pct_of_target"))
            cols["status"].append(e["status"])
            cols["status_label"].append(progress.STATUS_LABELS[e["status"]][0 if lang == "vi" else 1])
            src = actual.get("source") or {}
            cols["source"].append(sources.describe(src, lang) if src.get("document") else (
                ("tổng hợp từ đơn vị cấp dưới" if lang == "vi" else "aggregated from the units below")
                if actual else None))
            if drafts:
                cols["approval"].append(src.get("approval") or ("approved" if src.get("document") else None))
            if src.get("illustrative"):
                frame.loc[frame["code"] == unit, "illustrative"] = 1
        for key, values in cols.items():
            frame[f"{code}__{key}"] = values
    frame.insert(0, "vintage_code", frame["vintage"] + ":" + frame["code"])
    return frame.reset_index(drop=True)


def _coverage(scope: str | None, lang: str) -> str:
    """What part of the unit a value covers, in words ('' for the whole unit): a partial value
    converted from pre-2025 rows was exported as if it were the commune's."""
    if not scope or scope == "unit":
        return ""
    if scope.startswith("partial:"):
        missing = scope.split(":", 1)[1]
        return f"chỉ một phần đơn vị: thiếu {missing}" if lang == "vi" else f"part of the unit only: {missing} missing"
    group = scope.split(":", 1)[-1]
    return f"chỉ nhóm {group}" if lang == "vi" else f"the {group} group only"


def crosswalk_layer(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.DataFrame(store.units.crosswalk_table(conn))


def places_layer(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.DataFrame(store.units.places_table(conn))


# --- writers ------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell Excel would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame:
        points = frame.geometry.representative_point()
        out["lon"], out["lat"] = points.x.round(6), points.y.round(6)
    return out.map(neutralise)


SHAPEFILE_PARTS = {"value": "v", "coverage": "cov", "target": "t", "pct_target": "pct", "status": "st",
                   "status_label": "stl", "source": "src", "approval": "apr"}
SHAPEFILE_BASE = {"vintage_code": "vint_code", "parent_code": "parent", "illustrative": "illustr"}


def _shapefile_name(column: str) -> str:
    """A 10-character name that still says what the column holds: ``population_density__value``
    -> ``popde_v`` (it was cut to ``population``, which read as a population column)."""
    if column in SHAPEFILE_BASE:
        return SHAPEFILE_BASE[column]
    if "__" not in column:
        return column[:10]
    code, part = column.rsplit("__", 1)
    words = [w for w in code.replace("__", "_").split("_") if w]
    abbr = (words[0][:4] + "".join(w[:2] for w in words[1:]))[:10 - 1 - len(SHAPEFILE_PARTS.get(part, part[:3]))]
    return f"{abbr}_{SHAPEFILE_PARTS.get(part, part[:3])}"


def shapefile_fields(columns: Sequence[str]) -> dict[str, str]:
    """Field names within the Shapefile's 10 characters, unique, stable, and telling (fields.csv
    in the zip keeps the full names)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        if col == "geometry":
            continue
        base = _shapefile_name(col)
        name, i = base, 1
        while name.lower() in used:
            suffix = str(i)
            name = base[: 10 - len(suffix)] + suffix
            i += 1
        used.add(name.lower())
        out[col] = name
    return out


def _target_crs(frame: gpd.GeoDataFrame, fmt: str, crs: str | None, conn: sqlite3.Connection) -> Any:
    if crs in (None, "", "EPSG:4326", "4326", "epsg:4326"):
        return None
    if fmt not in ("gpkg", "shp"):
        raise ExportError("Chỉ GeoPackage và Shapefile xuất được theo VN-2000; GeoJSON, KML dùng WGS 84",
                          "Only GeoPackage and Shapefile can be written in VN-2000; GeoJSON and KML are WGS 84")
    if crs.lower() in ("vn2000", "vn-2000"):
        provinces = {_province_of(conn, c) for c in frame["code"]}
        if len(provinces) != 1:
            raise ExportError("Lớp trải trên nhiều tỉnh: chọn 'within' một tỉnh hoặc chỉ rõ múi (vn2000:103)",
                              "The layer spans several provinces: filter 'within' one, or name the zone (vn2000:103)")
        province = provinces.pop()
        try:
            return vncrs.province_crs(province, store.centroid_lon(conn, province))
        except KeyError:
            raise ExportError(f"Tỉnh {province} không có ranh giới để chọn múi chiếu: chỉ rõ múi (vn2000:105.5)",
                              f"Province {province} has no boundary to pick a zone from: name one (vn2000:105.5)"
                              ) from None
    if crs.lower().startswith("vn2000:"):
        try:
            return vncrs.vn2000_tm3(float(crs.split(":", 1)[1]))
        except ValueError:
            raise ExportError(f"Kinh tuyến trục không hợp lệ: {crs}", f"Invalid central meridian: {crs}") from None
    raise ExportError(f"Hệ toạ độ không hỗ trợ: {crs} (dùng EPSG:4326, vn2000 hoặc vn2000:103)",
                      f"Unsupported CRS: {crs} (use EPSG:4326, vn2000 or vn2000:103)")


def _province_of(conn: sqlite3.Connection, code: str) -> str:
    unit = store.get_unit(conn, code)
    while unit is not None and unit["level"] != "province":
        unit = store.get_unit(conn, unit["parent_code"], unit["parent_vintage"]) if unit["parent_code"] else None
    return unit["code"] if unit else ""


def _kml_description(row: pd.Series) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape('' if pd.isna(v) else v)}</td></tr>"
                    for k, v in row.items() if k not in ("geometry", "Name", "Description"))
    return f"<table>{cells}</table>"


def write(
    frame: pd.DataFrame, fmt: str, *, layer: str, conn: sqlite3.Connection, crs: str | None = None,
    lang: str = "vi", period: str | None = None,
) -> Export:
    """Serialise a layer; ``frame`` is a GeoDataFrame for geometry layers."""
    if fmt not in FORMATS:
        raise ExportError(f"Định dạng không hỗ trợ: {fmt}; dùng {sorted(FORMATS)}",
                          f"Unsupported format: {fmt}; use {sorted(FORMATS)}")
    mimetype, ext = FORMATS[fmt]
    notes: list[str] = []
    spatial = isinstance(frame, gpd.GeoDataFrame)
    if fmt in ("csv", "csv-vn", "xlsx") or not spatial:
        if fmt not in ("csv", "csv-vn", "xlsx", "geojson"):
            raise ExportError("Lớp này không có hình học: xuất CSV hoặc XLSX",
                              "This layer has no geometry: export CSV or XLSX")
        if fmt == "geojson":
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), crs="EPSG:4326"))
            spatial = True
    if fmt in ("csv", "csv-vn"):
        buf = io.StringIO()
        vn = fmt == "csv-vn"
        _table(frame).to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, sep=";" if vn else ",",
                             decimal="," if vn else ".")
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    elif fmt == "xlsx":
        data = spreadsheet.workbook(conn, _table(frame), layer, lang=lang, period=period)
    else:
        if frame.geometry.notna().any() and frame.geom_type.isin(["Polygon", "MultiPolygon"]).any():
            # One geometry type per layer (a sliver made Hua Bum a GeometryCollection in GeoJSON and KML,
            # "Unknown (any)" in QGIS); slivers are measured in degrees, before any reprojection.
            frame = frame.set_geometry([polygons.as_multipolygon(g)[0] for g in frame.geometry], crs=frame.crs)
        target = _target_crs(frame, fmt, crs, conn)
        tag = None
        if target is not None:
            frame = frame.to_crs(target)
            notes.append(f"CRS: {target.name}")
            zone = re.search(r"TM-3 (\d+)-(\d+)", target.name or "")  # "VN-2000 / TM-3 103-00"
            tag = "vn2000_" + ((zone[1] + ("" if zone[2] == "00" else "_" + zone[2])) if zone else "tm3")
        data = _gdal(frame, fmt, layer, notes)
        return Export(data, f"{layer}.{ext}", mimetype, len(frame), notes, tag)
    return Export(data, f"{layer}.{ext}", mimetype, len(frame), notes)


def _gdal(frame: gpd.GeoDataFrame, fmt: str, layer: str, notes: list[str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if fmt == "geojson":
            path = tmpdir / f"{layer}.geojson"
            pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
            return path.read_bytes()
        if fmt == "gpkg":
            path = tmpdir / f"{layer}.gpkg"
            # GeoPackage 1.2: GDAL 3.6 (Debian 12, QGIS 3.22 of many offices) warns that 1.4 "may only
            # be partially supported"; nothing here needs what 1.3/1.4 added.
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", dataset_options={"VERSION": "1.2"})
            return path.read_bytes()
        if fmt == "kml":
            out = frame.to_crs("EPSG:4326").copy()
            attributes = [c for c in out.columns if c != "geometry"]
            # Typed fields (the KML Schema says int/float/string): a GIS sums and sorts the numbers.
            for c in attributes:
                if out[c].dtype == object:
                    present = out[c].dropna()
                    if len(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
                        out[c] = pd.to_numeric(out[c])
                    else:
                        out[c] = out[c].where(out[c].notna(), None)
            # KML readers take <name> and <description> for fields of those names: keep them apart.
            out = out.rename(columns={c: f"{c}_attr" for c in attributes if c.lower() in ("name", "description")})
            # Every attribute as ExtendedData (what a GIS reads), the same as a table in the balloon.
            out.insert(0, "Name", frame.get("full_name", frame.iloc[:, 0]).astype(str))
            out.insert(1, "Description", [_kml_description(r) for _, r in frame.iterrows()])
            path = tmpdir / f"{layer}.kml"
            pyogrio.write_dataframe(out, path, driver="KML",
                                    dataset_options={"NameField": "Name", "DescriptionField": "Description"})
            return path.read_bytes()
        # Shapefile: 10-character field names, UTF-8 (.cpg), .prj, zipped with the name mapping.
        fields = shapefile_fields(list(frame.columns))
        renamed = frame.rename(columns=fields)
        path = tmpdir / f"{layer}.shp"
        pyogrio.write_dataframe(renamed, path, driver="ESRI Shapefile", encoding="UTF-8")
        mapping = io.StringIO()
        writer = csv.writer(mapping)
        writer.writerow(["shapefile_field", "full_name"])
        writer.writerows([(short, full) for full, short in fields.items()])
        notes.append("Shapefile field names are cut to 10 characters: see fields.csv")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(tmpdir.iterdir()):
                zf.write(part, part.name)
            zf.writestr("fields.csv", "\ufeff" + mapping.getvalue())
        return buf.getvalue()


def export(
    conn: sqlite3.Connection,
    layer: str,
    fmt: str,
    *,
    level: str = "commune",
    within: str | None = None,
    indicators: Sequence[str] = (),
    period: str | None = None,
    crs: str | None = None,
    lang: str = "vi",
) -> Export:
    if layer == "units":
        frame = units_layer(conn, level=level, within=within, indicators=indicators, period=period, lang=lang)
    elif layer == "crosswalk":
        frame = crosswalk_layer(conn)
    elif layer == "places":
        frame = places_layer(conn)
    else:
        raise ExportError(f"Lớp không có: {layer}; dùng {list(LAYERS)}", f"Unknown layer: {layer}; use {list(LAYERS)}")
    result = write(frame, fmt, layer=layer, conn=conn, crs=crs, lang=lang, period=period if indicators else None)
    result.filename = download_name(conn, layer, result.filename.rsplit(".", 1)[-1], level=level, within=within,
                                    indicators=indicators, period=period,
                                    extra=[t for t in (result.crs_tag, "excel_vn" if fmt == "csv-vn" else None) if t])
    return result


LEVEL_WORDS = {"province": "tinh", "district": "huyen", "commune": "xa", "village": "ban"}


def download_name(conn: sqlite3.Connection, layer: str, ext: str, *, level: str = "commune",
                  within: str | None = None, indicators: Sequence[str] = (), period: str | None = None,
                  extra: Sequence[str] = ()) -> str:
    """A file name that says what is in it (``lai_chau_xa_population_density_2025.gpkg``), in ASCII
    so every file system and mail client keeps it; ``units.gpkg`` said nothing."""
    if layer == "crosswalk":
        parts = ["bang_chuyen_doi_xa_cu_sang_xa_moi_2025"]
    elif layer == "places":
        parts = ["dia_danh_trong_van_ban"]
    else:
        unit = store.get_unit(conn, within) if within else None
        parts = [unit["name"] if unit else "viet_nam", LEVEL_WORDS.get(level, level), *indicators,
                 *([period] if period else [])]
    parts = [*parts, *extra]  # the VN-2000 zone (units_vn2000_103.gpkg never passes for the WGS 84 file)
    slug = "_".join(re.sub(r"[^a-z0-9]+", "_", names.fold(str(p)).lower()).strip("_") for p in parts if p)
    return f"{slug[:150] or layer}.{ext}"
