"""Print map figures (A4/A3, PNG/PDF/SVG) and atlases, laid out with matplotlib.

Why matplotlib and not a browser screenshot: the figure must be vector in PDF with
embedded fonts, exactly A4/A3, and true to scale.  The map is drawn in the
province's VN-2000 TM-3 zone, so one data unit is one metre on the ground and the
scale bar is as long as it says.  Furniture follows QGIS print layouts: title,
subtitle, legend with counts, scale bar, north arrow, locator inset, labels that do
not collide, neighbours in grey, source/date/CRS lines and the illustrative note.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import sqlite3
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle

from geodata import crs as vncrs
from geodata import progress, raster_tiles, rasters, store, terrain, thematic
from geodata.classify import NO_DATA_COLOUR, SEQUENTIAL, classify
from geodata.errors import BilingualError
from webmap.formatting import UNIT_LABELS_VI
from webmap.print_options import FORMATS, PAPER_MM, THEMES

MAX_DPI = 600
RC = {"pdf.fonttype": 42, "svg.fonttype": "path", "font.family": "DejaVu Sans"}  # DejaVu has Vietnamese

# Status: grey levels plus hatching, so classes stay apart on a black-and-white printer.
STATUS_STYLE = {
    "achieved": ("#1a1a1a", ""), "on_track": ("#737373", "//"), "in_progress": ("#a6a6a6", ".."),
    "at_risk": ("#d9d9d9", "xx"), "off_track": ("#ffffff", "XX"), "deteriorating": ("#ffffff", "oo"),
    "not_achieved": ("#bfbfbf", "--"), "needs_baseline": ("#e6e6e6", "\\\\"), "other_line": ("#eeeeee", "||"),
    "no_target": ("#fafafa", ""), "no_data": ("#f2f2f2", ""),
}

TEXT = {
    "vi": {"map_of": "Bản đồ", "year": "năm", "h1": "6 tháng đầu năm", "q1": "quý I năm",
           "no_data": "Không có số liệu", "source": "Nguồn", "made": "Lập ngày", "crs": "Hệ quy chiếu",
           "crs_text": "VN-2000, múi chiếu 3°, kinh tuyến trục {m}, k = 0,9999 ({code})",
           "illustrative": "Lưu ý: ranh giới bản và số liệu cấp bản là minh hoạ (tự tạo), "
                           "không phải số liệu chính thức.",
           "raster_illustrative": "Lưu ý: ảnh {name} là ảnh minh hoạ (tự tạo), không phải số liệu chính thức.",
           "north": "B", "status": "Tình trạng so với mục tiêu", "neighbours": "Đơn vị lân cận",
           "showing": "Thể hiện", "units": "đơn vị", "atlas": "Tập bản đồ", "overview": "Toàn tỉnh",
           "value": "Giá trị", "target": "Mục tiêu", "pages": "trang", "contents": "Gồm",
           "zone_nearest": "kinh tuyến gần tâm tỉnh nhất; chưa có kinh tuyến trục chính thức của tỉnh trong dữ liệu",
           "author": "webmap – bản đồ quy hoạch và chỉ tiêu",
           "zone_seat": "múi của tỉnh cũ nơi đặt trụ sở (mã {code}); tỉnh hợp nhất từ các phần có kinh tuyến {parts}"},
    "en": {"map_of": "Map of", "year": "", "h1": "first half of", "q1": "first quarter of",
           "no_data": "No data", "source": "Source", "made": "Made on", "crs": "Reference system",
           "crs_text": "VN-2000, 3° TM zone, central meridian {m}, k = 0.9999 ({code})",
           "illustrative": "Note: village boundaries and village values are illustrative (made up), not official.",
           "raster_illustrative": "Note: the raster {name} is illustrative (made up), not official data.",
           "north": "N", "status": "Status against target", "neighbours": "Neighbouring units",
           "showing": "Showing", "units": "units", "atlas": "Atlas", "overview": "Whole province",
           "value": "Value", "target": "Target", "pages": "pages", "contents": "Contains",
           "zone_nearest": "the meridian nearest the province's centre; its official meridian is not in the data",
           "author": "webmap – planning and target maps",
           "zone_seat": "the zone of the former province holding the seat (code {code}); "
                        "the merged parts had meridians {parts}"},
}


class FigureError(BilingualError):
    """A figure request that cannot be drawn (unknown unit, paper, format…)."""


@dataclass
class FigureRequest:
    unit: str
    period: str
    indicator: str | None = None
    theme: str | None = None
    paper: str = "A4"
    orientation: str = "landscape"
    fmt: str = "png"
    dpi: int = 300
    title: str | None = None
    lang: str = "vi"
    colour_by: str = "value"
    dem: str | None = None
    raster: int | None = None  # an imported raster (its import id) drawn under the units
    highlight: str | None = None  # a unit outlined on the map (a report's commune on its province's map)

    def resolved_indicator(self) -> str:
        if self.indicator:
            return self.indicator
        if self.theme in THEMES:
            return THEMES[self.theme]
        raise FigureError(f"Chủ đề không hợp lệ: {self.theme!r}; dùng {sorted(THEMES)} hoặc --indicator",
                          f"Unknown theme {self.theme!r}; use {sorted(THEMES)} or --indicator")

    def validate(self) -> None:
        checks = [
            (self.paper in PAPER_MM, "khổ giấy", "paper", sorted(PAPER_MM)),
            (self.orientation in ("portrait", "landscape"), "hướng giấy", "orientation", ["portrait", "landscape"]),
            (self.fmt in FORMATS, "định dạng", "format", sorted(FORMATS)),
            (self.colour_by in ("value", "status"), "tô màu theo", "colour by", ["value", "status"]),
            (self.lang in TEXT, "ngôn ngữ", "language", sorted(TEXT)),
        ]
        for ok, vi, en, allowed in checks:
            if not ok:
                raise FigureError(f"{vi} không hợp lệ; dùng {allowed}", f"invalid {en}; use {allowed}")
        if not 50 <= self.dpi <= MAX_DPI:
            raise FigureError(f"dpi phải từ 50 đến {MAX_DPI}", f"dpi must be between 50 and {MAX_DPI}")


@dataclass
class FigureInfo:
    """What was drawn, for the caller and for tests (numbers measured on the figure)."""

    title: str
    size_px: tuple[int, int]
    crs: str
    scale_denominator: int
    scale_bar_m: float
    scale_bar_drawn_m: float
    scale_bar_ground_m: float
    units_drawn: int
    labels_placed: int
    labels_dropped: int
    illustrative: bool
    hillshade: bool
    extra: dict[str, Any] = field(default_factory=dict)


# --- data ---------------------------------------------------------------------


def _province_of(conn: sqlite3.Connection, unit: dict[str, Any]) -> dict[str, Any]:
    current = unit
    while current["level"] != "province" and current.get("parent_code"):
        current = store.get_unit(conn, current["parent_code"], current["parent_vintage"] or unit["vintage"])
    return current


def _simplify(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Coverage-preserving simplification at print resolution (about a quarter pixel)."""
    if len(frame) == 0 or tolerance_m <= 0:
        return frame
    out = frame.copy()
    out["geometry"] = shapely.coverage_simplify(np.asarray(frame.geometry.values), tolerance_m)
    out = out[~out.geometry.is_empty]
    return out


@dataclass
class Scene:
    """Everything one map page draws, already in the figure CRS."""

    unit: dict[str, Any]
    province: dict[str, Any]
    indicator: dict[str, Any]
    period: str
    crs: Any
    mapped: gpd.GeoDataFrame
    neighbours: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    datasets: dict[str, dict[str, Any]]
    statuses: dict[str, str] = field(default_factory=dict)
    class_values: list[float | None] | None = None  # an atlas classifies once, for every page
    zone: vncrs.Zone = field(default_factory=lambda: vncrs.Zone(0.0, "official"))
    raster: rasters.StoredRaster | None = None


def build_scene(conn: sqlite3.Connection, req: FigureRequest, *, print_tolerance_m: float = 20.0) -> Scene:
    req.validate()
    unit = store.get_unit(conn, req.unit)
    if unit is None:
        raise FigureError(f"Không có đơn vị mã {req.unit} (2025)", f"No unit with code {req.unit} (2025)")
    code = req.resolved_indicator()
    indicator = store.indicator(conn, code.split("__")[0])
    if indicator is None:
        raise FigureError(f"Chỉ tiêu '{code}' không có trong danh mục", f"Indicator '{code}' is not in the catalogue")
    province = _province_of(conn, unit)
    try:
        zone = vncrs.province_zone(province["code"], store.centroid_lon(conn, province["code"]))
        fig_crs = vncrs.vn2000_tm3(zone.meridian)
    except KeyError:
        raise FigureError(f"Chưa có múi chiếu VN-2000 cho tỉnh {province['full_name']}",
                          f"No VN-2000 zone known for {province['full_name']}") from None
    child_level = {"province": "commune", "commune": "village"}.get(unit["level"])
    mapped = (thematic.indicator_layer(conn, indicator=code, period=req.period, level=child_level,
                                       parent=unit["code"], screen=False) if child_level else None)
    if mapped is None or len(mapped) == 0:  # a unit without mapped children is drawn itself
        mapped = thematic.indicator_layer(conn, indicator=code, period=req.period, level=unit["level"],
                                          parent=unit["parent_code"], screen=False)
        mapped = mapped[mapped["code"] == unit["code"]]
    # Context in grey: the communes around the mapped area (for villages, the other communes).
    level = mapped["level"].iloc[0]
    same_level = store.units_frame(conn, level="commune" if level == "village" else level, screen=False)
    drop = [unit["code"]] if level == "village" else list(mapped["code"])
    same_level = same_level[~same_level["code"].isin(drop)]
    mapped = mapped.to_crs(fig_crs)
    neighbours = same_level.to_crs(fig_crs)
    box = shapely.box(*mapped.total_bounds).buffer(max(np.ptp(mapped.total_bounds[[0, 2]]),
                                                       np.ptp(mapped.total_bounds[[1, 3]])) * 0.25)
    neighbours = neighbours[neighbours.intersects(box)]
    mapped = _simplify(mapped, print_tolerance_m)
    neighbours = _simplify(neighbours, print_tolerance_m)
    provinces = store.units_frame(conn, level="province", screen=True).to_crs(fig_crs)
    scene = Scene(unit=unit, province=province, indicator=indicator, period=req.period, crs=fig_crs,
                  mapped=mapped, neighbours=neighbours, provinces=provinces,
                  datasets={d["id"]: d for d in store.datasets(conn)}, zone=zone)
    if req.raster is not None:
        scene.raster = next((r for r in rasters.listing(conn) if r.import_id == req.raster), None)
        if scene.raster is None:
            raise FigureError(f"Không có ảnh raster số {req.raster} (đã nhập và chưa hoàn tác)",
                              f"No raster number {req.raster} (imported and not undone)")
    if req.colour_by == "status":
        for c in mapped["code"]:
            scene.statuses[c] = progress.evaluate(conn, c, code, req.period)["status"]
    return scene


# --- drawing ------------------------------------------------------------------


def _paper_size(req: FigureRequest) -> tuple[float, float, tuple[int, int]]:
    w_mm, h_mm = PAPER_MM[req.paper]
    if req.orientation == "portrait":
        w_mm, h_mm = h_mm, w_mm
    px = (round(w_mm / 25.4 * req.dpi), round(h_mm / 25.4 * req.dpi))
    if req.fmt == "png":  # whole pixels: A4 at 300 dpi is exactly 3508 x 2480
        return px[0] / req.dpi, px[1] / req.dpi, px
    return w_mm / 25.4, h_mm / 25.4, px


def _period_text(period: str, t: dict[str, str]) -> str:
    if period.endswith("H1"):
        return f"{t['h1']} {period[:4]}"
    if period.endswith("Q1"):
        return f"{t['q1']} {period[:4]}"
    return f"{t['year']} {period}".strip()


def default_title(scene: Scene, lang: str) -> str:
    t = TEXT[lang]
    name = scene.indicator["name_vi"] if lang == "vi" else scene.indicator["name_en"]
    name = name[0].lower() + name[1:] if lang == "vi" and name[:2] != name[:2].upper() else name
    unit = scene.unit["full_name"]
    unit = unit[0].lower() + unit[1:] if lang == "vi" else unit
    return f"{t['map_of']} {name} {unit} {_period_text(scene.period, t)}".replace("  ", " ").strip()


def _nice_length(max_m: float) -> float:
    exp = 10 ** math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * exp <= max_m:
            return step * exp
    return exp


def _number(x: float, lang: str, whole: bool = False) -> str:
    """1456.0 -> "1.456,0" in Vietnamese, "1,456.0" in English."""
    text = f"{x:,.0f}" if whole else f"{x:,.1f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text


def _km(m: float, lang: str) -> str:
    text = f"{m / 1000:g}" if m >= 1000 else f"{m:g}"
    if lang == "vi":
        text = text.replace(".", ",")
    return text + (" km" if m >= 1000 else " m")


def _fit_extent(ax, bounds: np.ndarray, pad: float = 0.06) -> tuple[float, float, float, float]:
    """Extent around ``bounds`` with the axes' aspect ratio (equal scale in x and y)."""
    minx, miny, maxx, maxy = bounds
    w, h = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (bbox.width * fig_w) / (bbox.height * fig_h)
    if w / h > ratio:
        h = w / ratio
    else:
        w = h * ratio
    extent = (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal", adjustable="box")
    return extent


def _scale_bar(ax, extent, lang: str, crs) -> tuple[float, float, float]:
    """Alternating black/white bar of a round length; returns (stated, drawn, ground) metres."""
    width = extent[1] - extent[0]
    length = _nice_length(width * 0.25)
    x0 = extent[0] + width * 0.04
    y0 = extent[2] + (extent[3] - extent[2]) * 0.05
    height = (extent[3] - extent[2]) * 0.012
    segments = 4
    drawn = 0.0
    for i in range(segments):
        rect = Rectangle((x0 + i * length / segments, y0), length / segments, height,
                         facecolor="black" if i % 2 == 0 else "white", edgecolor="black", lw=0.6,
                         zorder=20, gid="scalebar")
        ax.add_patch(rect)
        drawn += rect.get_width()
    for pos, text in ((0, "0"), (length / 2, _km(length / 2, lang)), (length, _km(length, lang))):
        ax.text(x0 + pos, y0 + height * 1.8, text, ha="center", va="bottom", fontsize=7, zorder=20,
                gid="scalebar-label" if pos == length else None)
    from pyproj import Geod, Transformer

    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    (lon1, lon2), (lat1, lat2) = to_ll.transform([x0, x0 + drawn], [y0, y0])
    ground = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]
    return length, drawn, ground


def _north_arrow(ax, lang: str) -> None:
    ax.add_patch(FancyArrow(0.94, 0.86, 0, 0.08, width=0.012, head_width=0.035, head_length=0.04,
                            transform=ax.transAxes, color="black", zorder=20, length_includes_head=True))
    ax.text(0.94, 0.83, TEXT[lang]["north"], transform=ax.transAxes, ha="center", va="top",
            fontsize=11, fontweight="bold", zorder=20)


def _class_of(value: float | None, classes) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -1
    for i, bound in enumerate(classes.bounds):
        if value <= bound:
            return i
    return len(classes.bounds) - 1


def _labels(ax, frame: gpd.GeoDataFrame, renderer, fontsize: float) -> tuple[int, int]:
    """Greedy placement: largest units first; a label that would overlap is dropped."""
    placed_boxes = []
    placed = dropped = 0
    order = frame.assign(_a=frame.geometry.area).sort_values("_a", ascending=False)
    for _, row in order.iterrows():
        point = row.geometry.representative_point()
        text = ax.text(point.x, point.y, row["name"], ha="center", va="center", fontsize=fontsize,
                       zorder=15, clip_on=True,
                       bbox={"boxstyle": "square,pad=0.1", "fc": (1, 1, 1, 0.55), "ec": "none"})
        box = text.get_window_extent(renderer)
        if any(box.overlaps(b) for b in placed_boxes) or not ax.bbox.contains(box.x0, box.y0):
            text.remove()
            dropped += 1
        else:
            placed_boxes.append(box)
            placed += 1
    return placed, dropped


def _legend(ax, scene: Scene, req: FigureRequest, colours, classes, lang: str) -> None:
    t = TEXT[lang]
    ax.set_axis_off()
    name = scene.indicator["name_vi"] if lang == "vi" else scene.indicator["name_en"]
    unit = scene.mapped["measure_unit"].dropna().iloc[0] if scene.mapped["measure_unit"].notna().any() else ""
    unit = UNIT_LABELS_VI.get(unit, unit) if lang == "vi" else unit.replace("km2", "km²")
    handles, labels = [], []
    if req.colour_by == "status":
        title = t["status"]
        counts = pd.Series(list(scene.statuses.values())).value_counts()
        for status, (fc, hatch) in STATUS_STYLE.items():
            if counts.get(status, 0):
                handles.append(Patch(facecolor=fc, hatch=hatch, edgecolor="black", lw=0.5))
                labels.append(f"{progress.STATUS_LABELS[status][0 if lang == 'vi' else 1]} ({counts[status]})")
    else:
        title = f"{name}" + (f" ({unit})" if unit else "")
        lower = classes.lower
        whole = all(float(v).is_integer() for v in scene.mapped["value"].dropna())
        for bound, colour, count in zip(classes.bounds, colours, classes.counts, strict=True):
            lo, hi = (_number(lower, lang, whole), _number(bound, lang, whole))
            handles.append(Patch(facecolor=colour, edgecolor="#555555", lw=0.5))  # counts: all classified units
            labels.append(f"{hi} ({count})" if lo == hi else f"{lo} – {hi} ({count})")  # one value: no range
            lower = bound
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#555555", lw=0.5))
        labels.append(f"{t['no_data']} ({classes.no_data})")
    handles.append(Patch(facecolor="#e6e6e6", edgecolor="#bdbdbd", lw=0.5))
    labels.append(t["neighbours"])
    shown = scene.mapped[scene.mapped["code"] == req.highlight] if req.highlight else scene.mapped.iloc[0:0]
    if len(shown):
        handles.append(Patch(facecolor="none", edgecolor="#d7301f", lw=2.0))
        labels.append(str(shown["full_name"].iloc[0]))
    if scene.raster is not None:
        for colour, label in _raster_legend(scene.raster, lang):
            handles.append(Patch(facecolor=colour, edgecolor="#555555", lw=0.5))
            labels.append(label)
    ax.legend(handles, labels, title=title, loc="upper left", frameon=False, fontsize=8, title_fontsize=8.5,
              alignment="left", handlelength=1.8, handleheight=1.2)


RASTER_WORDS = {
    "vi": {"landcover": "Ảnh lớp phủ", "forest": "Ảnh rừng", "dem": "Địa hình (ảnh độ cao)",
           "population": "Ảnh dân số theo lưới", "forest_cls": "rừng", "other_cls": "lớp khác", "low": "thấp",
           "high": "cao", "sparse": "thưa", "dense": "đông", "illustrative": "minh hoạ"},
    "en": {"landcover": "Land-cover raster", "forest": "Forest raster", "dem": "Relief (elevation raster)",
           "population": "Population grid", "forest_cls": "forest", "other_cls": "other classes", "low": "low",
           "high": "high", "sparse": "sparse", "dense": "dense", "illustrative": "illustrative"},
}


def _raster_legend(r: rasters.StoredRaster, lang: str) -> list[tuple[Any, str]]:
    """The raster's colours in the legend, named with its file and period (and "minh hoạ")."""
    w = RASTER_WORDS[lang]
    head = f"{w[r.kind]} {_period_text(r.period, TEXT[lang]).strip()}" + (
        f", {w['illustrative']}" if r.illustrative else "")
    rgb = [tuple(c / 255 for c in colour) for colour in (raster_tiles.FOREST, raster_tiles.OTHER_CLASSES[0])]
    if r.kind in ("landcover", "forest"):
        out = [(rgb[0], f"{head}: {w['forest_cls']}")]
        return out + ([(rgb[1], f"{head}: {w['other_cls']}")] if r.kind == "landcover" else [])
    if r.kind == "dem":
        return [("#8c8c8c", head)]
    stops = raster_tiles.POPULATION
    return [(tuple(c / 255 for c in stops[0][1]), f"{head}: {w['sparse']}"),
            (tuple(c / 255 for c in stops[-1][1]), f"{head}: {w['dense']}")]


def _inset(ax, scene: Scene) -> None:
    ax.set_axis_off()
    scene.provinces.plot(ax=ax, facecolor="#f0f0f0", edgecolor="#777777", lw=0.4)
    own = scene.provinces[scene.provinces["code"] == scene.province["code"]]
    own.plot(ax=ax, facecolor="#ffffff", edgecolor="#333333", lw=0.7)
    footprint = shapely.union_all(scene.mapped.geometry.values)
    gpd.GeoSeries([footprint], crs=scene.crs).plot(ax=ax, facecolor="#d7301f", edgecolor="#d7301f", lw=0.6)
    for _, p in scene.provinces.iterrows():
        c = p.geometry.representative_point()
        ax.text(c.x, c.y, p["name"], fontsize=6, ha="center", va="center", color="#444444")
    ax.set_aspect("equal")
    ax.patch.set_edgecolor("#555555")


def draw(scene: Scene, req: FigureRequest, fig: Figure | None = None, *, subtitle: str | None = None
         ) -> tuple[Figure, FigureInfo]:
    """Lay out one map page."""
    lang = req.lang
    t = TEXT[lang]
    w_in, h_in, px = _paper_size(req)
    fig = fig or Figure(figsize=(w_in, h_in), dpi=req.dpi)
    canvas = FigureCanvasAgg(fig)
    landscape = req.orientation == "landscape"
    map_ax = fig.add_axes((0.03, 0.12, 0.66, 0.74) if landscape else (0.05, 0.30, 0.90, 0.58))
    inset_ax = fig.add_axes((0.72, 0.58, 0.25, 0.28) if landscape else (0.05, 0.08, 0.30, 0.19))
    legend_ax = fig.add_axes((0.72, 0.14, 0.26, 0.42) if landscape else (0.40, 0.08, 0.55, 0.20))
    title = req.title or default_title(scene, lang)
    # parse_math=False: a title is plain text ("$x^{$" would start matplotlib math text and fail)
    # A long title (a place and a period) is wrapped onto two lines at a smaller size, never cut at the edge.
    width_mm = w_in * 25.4 * (0.94 if landscape else 0.90)
    size = 15.0
    if len(title) > width_mm / 3.0:
        size = 12.0
        title = textwrap.fill(title, width=max(20, int(width_mm / 2.4)), max_lines=2, placeholder="…")
    fig.text(0.03 if landscape else 0.05, 0.955, title, fontsize=size, fontweight="bold", va="top", gid="title",
             parse_math=False, linespacing=1.1)
    mapped = scene.mapped
    n_with = int(mapped["value"].notna().sum())
    sub = subtitle or (f"{scene.unit['full_name']} · {_period_text(scene.period, t)} · {t['showing']}: "
                       f"{len(mapped)} {t['units']}, {n_with} {'có số liệu' if lang == 'vi' else 'with data'}")
    fig.text(0.03 if landscape else 0.05, 0.905, sub, fontsize=9.5, va="top", color="#333333", gid="subtitle",
             parse_math=False)

    extent = _fit_extent(map_ax, mapped.total_bounds)
    hill = False
    if req.dem:
        rows = int(map_ax.bbox.height / req.dpi * 100) or 200
        cols = int(map_ax.bbox.width / req.dpi * 100) or 300
        shade = terrain.hillshade(req.dem, scene.crs, (extent[0], extent[2], extent[1], extent[3]), (rows, cols))
        map_ax.imshow(shade, extent=extent, cmap="Greys_r", vmin=0, vmax=1, alpha=0.45, zorder=0,
                      origin="upper", interpolation="bilinear", gid="hillshade")
        hill = True
    shown_raster = scene.raster
    if shown_raster is not None:
        rows = max(200, int(map_ax.bbox.height / req.dpi * 150))
        cols = max(300, int(map_ax.bbox.width / req.dpi * 150))
        bounds = (extent[0], extent[2], extent[1], extent[3])
        if shown_raster.kind == "dem":  # relief, so the thematic colours stay readable over it
            shade = terrain.hillshade(shown_raster.cog, scene.crs, bounds, (rows, cols))
            map_ax.imshow(shade, extent=extent, cmap="Greys_r", vmin=0, vmax=1, alpha=0.5, zorder=0,
                          origin="upper", interpolation="bilinear", gid="raster")
        else:
            style = raster_tiles.style_of(shown_raster.cog, shown_raster.kind, shown_raster.classes)
            rgba = raster_tiles.render_array(shown_raster.cog, style, scene.crs.to_wkt(), bounds, cols, rows)
            map_ax.imshow(rgba, extent=extent, zorder=0, origin="upper", interpolation="nearest", gid="raster")
        hill = True  # the units are drawn see-through over it
    frame_box = shapely.box(extent[0], extent[2], extent[1], extent[3])
    neighbours = scene.neighbours[scene.neighbours.intersects(frame_box)].clip(frame_box)
    if len(neighbours):
        neighbours.plot(ax=map_ax, facecolor="#e6e6e6", edgecolor="#bdbdbd", lw=0.4, zorder=1,
                              alpha=0.8 if hill else 1)
    if scene.class_values is not None:  # same breaks on every atlas page
        overall = classify(scene.class_values, "natural_breaks", k=5)
        classes = overall
        assignment = [_class_of(v, overall) for v in mapped["value"]]
    else:
        classes = classify(list(mapped["value"]), "natural_breaks", k=5)
        assignment = classes.assignment
    palette = SEQUENTIAL["lower_is_better" if scene.indicator.get("direction") == "lower_is_better"
                         else "higher_is_better"]
    colours = classes.colours(palette)
    if req.colour_by == "status":
        for status, (fc, hatch) in STATUS_STYLE.items():
            part = mapped[[scene.statuses.get(c) == status for c in mapped["code"]]]
            if len(part):
                part.plot(ax=map_ax, facecolor=fc, hatch=hatch, edgecolor="#333333", lw=0.6, zorder=2)
    else:
        fills = [colours[c] if c >= 0 else NO_DATA_COLOUR for c in assignment]
        see_through = 0.55 if shown_raster is not None and shown_raster.kind != "dem" else 0.85 if hill else 1
        mapped.plot(ax=map_ax, color=fills, edgecolor="#333333", lw=0.6, zorder=2, alpha=see_through)
    illustrative = bool(mapped["illustrative"].astype(bool).any()
                        or mapped["value_illustrative"].fillna(0).astype(bool).any())
    raster_illustrative = shown_raster is not None and shown_raster.illustrative
    if illustrative:
        mapped[mapped["illustrative"].astype(bool)].boundary.plot(ax=map_ax, color="#7b3294", lw=0.8,
                                                                  linestyle="--", zorder=3)
    if req.highlight is not None and (mapped["code"] == req.highlight).any():
        mapped[mapped["code"] == req.highlight].boundary.plot(ax=map_ax, color="#d7301f", lw=2.4, zorder=4,
                                                              gid="highlight")
    for axis in (map_ax.xaxis, map_ax.yaxis):  # geopandas labels axes "Easting [metre]"
        axis.set_ticks([])
        axis.set_label_text("")
    map_ax.set_xlim(extent[0], extent[1])
    map_ax.set_ylim(extent[2], extent[3])
    renderer = canvas.get_renderer()
    placed, dropped = _labels(map_ax, mapped, renderer, fontsize=7 if len(mapped) > 20 else 8)
    stated, drawn_m, ground = _scale_bar(map_ax, extent, lang, scene.crs)
    _north_arrow(map_ax, lang)
    _inset(inset_ax, scene)
    _legend(legend_ax, scene, req, colours, classes, lang)

    used = set(mapped["dataset_id"]) | set(mapped["value_dataset_id"].dropna())
    sources = "; ".join((lang == "en" and scene.datasets[d].get("attribution_en")) or scene.datasets[d]["attribution"]
                        for d in sorted(used) if d in scene.datasets)
    if shown_raster is not None:
        sources += f"; {RASTER_WORDS[lang][shown_raster.kind]}: {shown_raster.file_name}"
    zone = scene.zone
    notes = {"official": "", "nearest": f" ({t['zone_nearest']})",
             "seat": " (" + t["zone_seat"].format(
                 code=scene.province["code"],
                 parts=", ".join(sorted({vncrs.meridian_label(m) for _, m in zone.parts}))) + ")"}
    epsg = scene.crs.to_epsg()
    lines = [f"{t['source']}: {sources}",
             f"{t['crs']}: " + t["crs_text"].format(m=vncrs.meridian_label(zone.meridian),
                                                   code=f"EPSG:{epsg}" if epsg else "towgs84")
             + notes[zone.basis]
             + f" · {t['made']}: {dt.date.today().isoformat()} · webmap"]
    if illustrative:
        lines.append(t["illustrative"])
    if raster_illustrative:
        lines.append(t["raster_illustrative"].format(name=shown_raster.file_name))
    for i, line in enumerate(lines):
        fig.text(0.03 if landscape else 0.05, 0.075 - i * 0.022, line, fontsize=7, va="top",
                 color="#7b3294" if line in (t["illustrative"], lines[-1] if raster_illustrative else None) else
                 "#333333", wrap=True, gid="illustrative-note" if line == t["illustrative"] else
                 "raster-illustrative-note" if raster_illustrative and line == lines[-1] else None)
    axes_width_m = map_ax.get_position().width * w_in * 0.0254
    info = FigureInfo(
        title=title, size_px=px, crs=scene.crs.name, scale_denominator=round((extent[1] - extent[0]) / axes_width_m),
        scale_bar_m=stated, scale_bar_drawn_m=drawn_m, scale_bar_ground_m=ground, units_drawn=len(mapped),
        labels_placed=placed, labels_dropped=dropped, illustrative=illustrative or raster_illustrative, hillshade=hill,
    )
    return fig, info


def render(conn: sqlite3.Connection, req: FigureRequest) -> tuple[bytes, FigureInfo]:
    """One figure as bytes of the requested format."""
    scene = build_scene(conn, req)
    with matplotlib.rc_context(RC):
        fig, info = draw(scene, req)
        buf = io.BytesIO()
        meta = {"Title": info.title}
        if req.fmt == "pdf":
            meta.update(_pdf_metadata(req, scene))
        fig.savefig(buf, format=req.fmt, dpi=req.dpi, metadata=meta)
    return buf.getvalue(), info


def _pdf_metadata(req: FigureRequest, scene: Scene) -> dict[str, str]:
    """Subject and author in the reader's language (a PDF reader and a document list show them)."""
    t = TEXT[req.lang]
    name = scene.indicator["name_vi"] if req.lang == "vi" else scene.indicator["name_en"]
    return {"Subject": f"{name} · {scene.unit['full_name']} · {_period_text(scene.period, t)}",
            "Author": t["author"], "Creator": "webmap"}


# --- atlas --------------------------------------------------------------------


def _cover(req: FigureRequest, scene: Scene, n_pages: int) -> Figure:
    t = TEXT[req.lang]
    w_in, h_in, _ = _paper_size(req)
    fig = Figure(figsize=(w_in, h_in), dpi=req.dpi)
    name = scene.indicator["name_vi"] if req.lang == "vi" else scene.indicator["name_en"]
    fig.text(0.08, 0.70, f"{t['atlas']}: {name}", fontsize=24, fontweight="bold", gid="title")
    fig.text(0.08, 0.62, f"{scene.unit['full_name']} · {_period_text(scene.period, t)}", fontsize=15)
    fig.text(0.08, 0.54, f"{t['contents']}: {t['overview']} + {len(scene.mapped)} {t['units']} "
                         f"({n_pages} {t['pages']})", fontsize=12)
    fig.text(0.08, 0.10, f"{t['made']}: {dt.date.today().isoformat()} · webmap", fontsize=9, color="#555555")
    return fig


def atlas_units(scene: Scene) -> pd.DataFrame:
    """The child units that get a page of their own: those with a figure of the indicator."""
    return scene.mapped[scene.mapped["value"].notna()]


def atlas_pages(conn: sqlite3.Connection, req: FigureRequest,
                on_overview: Callable[[Scene], None] | None = None) -> Iterator[tuple[Figure, FigureInfo | None]]:
    """Cover, overview (the whole unit), then one page per child unit that has a figure: 37 of the
    tourism atlas's 40 pages were grey pages of communes without one (the overview still shows them)."""
    overview = build_scene(conn, req)
    if on_overview is not None:
        on_overview(overview)
    n_pages = len(atlas_units(overview)) + 2
    yield _cover(req, overview, n_pages), None
    yield draw(overview, req)
    code = req.resolved_indicator()
    all_units = overview.mapped.copy()
    for _, row in atlas_units(overview).sort_values("code").iterrows():
        page_scene = Scene(
            unit=store.get_unit(conn, row["code"]), province=overview.province, indicator=overview.indicator,
            period=req.period, crs=overview.crs, mapped=all_units[all_units["code"] == row["code"]],
            neighbours=pd.concat([all_units[all_units["code"] != row["code"]], overview.neighbours]),
            provinces=overview.provinces, datasets=overview.datasets,
            statuses={row["code"]: overview.statuses.get(row["code"], "no_data")},
            class_values=list(all_units["value"]), zone=overview.zone,
        )
        page_req = FigureRequest(**{**req.__dict__, "unit": row["code"], "indicator": code, "title": None})
        ev = progress.evaluate(conn, row["code"], code, req.period)
        t = TEXT[req.lang]
        value = ev["actual"]["value"] if ev["actual"] else None
        sub = (f"{row['full_name']} ({row['code']}) · {_period_text(req.period, t)} · {t['value']}: "
               + (_number(value, req.lang) if value is not None else t["no_data"])
               + f" · {progress.STATUS_LABELS[ev['status']][0 if req.lang == 'vi' else 1]}")
        yield draw(page_scene, page_req, subtitle=sub)


def render_atlas(conn: sqlite3.Connection, req: FigureRequest, out: str | Path | io.BytesIO,
                 progress: Callable[[int, int], None] | None = None) -> int:
    """Write the atlas as one PDF; returns the number of pages.  ``progress(done, total)`` is
    called after every page (the background job shows it)."""
    if req.fmt != "pdf":
        raise FigureError("Tập bản đồ chỉ xuất PDF", "An atlas is written as PDF only")
    pages = 0
    with matplotlib.rc_context(RC), PdfPages(out, metadata={"Creator": "webmap"}) as pdf:

        total = [0]

        def titled_by(scene: Scene) -> None:
            total[0] = len(atlas_units(scene)) + 2
            t = TEXT[req.lang]
            name = scene.indicator["name_vi"] if req.lang == "vi" else scene.indicator["name_en"]
            info = pdf.infodict()
            info["Title"] = req.title or f"{t['atlas']}: {name} – {scene.unit['full_name']}"
            info.update(_pdf_metadata(req, scene))

        for fig, _info in atlas_pages(conn, req, titled_by):
            pdf.savefig(fig)
            pages += 1
            if progress is not None:
                progress(pages, total[0])
    return pages
