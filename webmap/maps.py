"""Folium maps of units coloured by an indicator, its target, gap, % of target or status.

Why styles live in feature properties: folium turns a ``style_function`` into a
JavaScript ``switch`` with one case per feature (cost grows with N²); with no
style function folium styles each feature from ``properties.style``.  Popups are
built here with every name escaped, then bound in the browser from
``properties.popup``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from flask import url_for
from flask_babel import gettext
from folium.plugins import Fullscreen
from markupsafe import Markup, escape

from geodata import change, progress
from geodata.change import Change
from geodata.classify import NO_DATA_COLOUR, PERCENT_BINS, SEQUENTIAL, Classes, classify
from geodata.sources import citation
from webmap import assets
from webmap.formatting import attribution as attribution_line
from webmap.formatting import (
    indicator_name,
    lang,
    number,
    period_label,
    scope_label,
    source_label,
    titled,
    unit_label,
)
from webmap.map_elements import (
    Attribution,
    FitView,
    HtmlControl,
    MetricScale,
    PopupsClearOfControls,
    RasterOpacity,
    RefineOnZoom,
    Swipe,
    UnitsOverCrowdedPoints,
    VectorUnits,
)
from webmap.themes import COLOUR_BY, POINT_STYLES, STATUS_COLOURS

ON_EACH_UNIT = folium.JsCode(
    """
    function (feature, layer) {
        var p = feature.properties;  // label and popup arrive escaped from the server
        layer.options.className = p.css;
        if (p.css && p.css.indexOf('unit ') === 0) {  // the data table finds units by code, and back
            (window.webmapUnits = window.webmapUnits || {})[p.code] = layer;
            layer.on('click', function () {
                document.dispatchEvent(new CustomEvent('webmap:unit', {detail: p.code}));
            });
        }
        if (p.popup) { layer.bindPopup(p.popup); }  // sized to the map by PopupsClearOfControls
        else if (p.lazy && window.webmapPopup) {  // a page of many units fetches its popup on click
            var cfg = window.webmapPopup;
            layer.bindPopup(cfg.loading);
            layer.on('popupopen', function () {
                if (layer._webmapPopup) { return; }
                fetch(cfg.url.replace('__CODE__', encodeURIComponent(p.code)))
                    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
                    .then(function (html) { layer._webmapPopup = true; layer.setPopupContent(html); })
                    .catch(function () { layer.setPopupContent(cfg.failed); });
            });
        }
        if (p.label) { layer.bindTooltip(p.label, {sticky: true}); }
    }
    """
)


# Above this many units a page ships no popups: each is fetched when its unit is clicked (a
# province's 3,486 villages carried 4.6 MB of popup HTML that nobody opens all of).
LAZY_POPUPS = 400


@dataclass(frozen=True)
class MapPage:
    """The three parts of a rendered folium figure, to embed in our own page."""

    header: Markup
    body: Markup
    script: Markup


# Above this many units a page draws them from vector tiles (``/tiles/…``) instead of one GeoJSON:
# measured in ``make bench`` (scripts/bench_national.py), where Thanh Hóa's 3,486 villages were a
# 1.92 MB page.  ``WEBMAP_VECTOR_TILES_ABOVE`` overrides it.
VECTOR_TILES_ABOVE = 2000
TILE_LAYERS = {"province": "provinces", "commune": "communes", "village": "villages"}
STROKE_FROM_ZOOM = {"province": 0, "commune": 8, "village": 10}  # a unit is a few pixels wide from there


@dataclass(frozen=True)
class TileSource:
    """Where a page's units come from when they are vector tiles: the URL template."""

    url: str
    n_units: int


@dataclass(frozen=True)
class Refine:
    """Where a page whose boundaries were simplified for its opening zoom gets the
    finer ones, and the zoom past which it asks for them."""

    url: str
    zoom: int


@dataclass
class Layer:
    """One unit layer: the units, their evaluations and how to colour them."""

    units: gpd.GeoDataFrame
    evaluations: dict[str, dict[str, Any]]
    indicator: dict[str, Any]
    period: str
    colour_by: str = "value"
    scheme: str = "natural_breaks"
    drill: set[str] | None = None  # codes whose children can be shown
    link_args: dict[str, str] | None = None
    compare: str | None = None  # "so sánh kỳ": the earlier period, and each unit's change since it
    changes: dict[str, Change] | None = None
    bins: list[float] | None = None  # fixed class bounds (two periods side by side share one legend)


def _rounded(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON with 4 decimals (about 11 m): below a screen pixel at the zooms these maps use.
    Neighbours share their vertices after coverage simplification, so they still meet."""
    return shapely.geometry.mapping(shapely.transform(geom, lambda c: np.round(c, 4)))


def feature_collection(frame: gpd.GeoDataFrame, props: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": _rounded(g)}
            for g, p in zip(frame.geometry, props, strict=True)
            if g is not None and not g.is_empty
        ],
    }


def measure(e: dict[str, Any], colour_by: str) -> float | None:
    """The number a unit is coloured by.  A figure that covers part of the unit (pre-2025 rows that
    missed a predecessor, La Hủ households only) never colours the unit as if it were its value."""
    if e.get("scope", "unit") != "unit":
        return None
    if colour_by == "value":
        return (e.get("actual") or {}).get("value")
    if colour_by == "target":
        idx = e.get("headline_target")
        return e["evaluations"][idx]["target"]["value"] if idx is not None else None
    if colour_by == "gap":
        return e.get("gap")
    if colour_by == "pct":
        return e.get("pct_of_target")
    return None


def sparkline(series: list[dict[str, Any]], width: int = 120, height: int = 28) -> Markup:
    """The unit's series as an inline SVG polyline (no chart service, no script)."""
    points = [(s["period"], s["value"]) for s in series if s.get("value") is not None]
    if len(points) < 2:
        return Markup("")
    values = [v for _, v in points]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    xy = [(4 + i * (width - 8) / (len(points) - 1), height - 4 - (v - lo) / span * (height - 8))
          for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    title = ", ".join(f"{p}: {number(v)}" for p, v in points)
    return Markup(
        "<svg class='spark' width='{w}' height='{h}' viewBox='0 0 {w} {h}' role='img'><title>{t}</title>"
        "<polyline fill='none' stroke='#1f4e79' stroke-width='1.5' points='{p}'/></svg>"
    ).format(w=width, h=height, t=title, p=path)


def status_label(status: str) -> str:
    vi, en = progress.STATUS_LABELS[status]
    return en if lang() == "en" else vi


def popup_html(row: dict[str, Any], e: dict[str, Any], layer: Layer, datasets: dict[str, str]) -> Markup:
    """Name, code, level, value, target, % of target, status, years to target, progress bar,
    sparkline, the source of each number, and links; every data string is escaped."""
    actual = e.get("actual") or {}
    idx = e.get("headline_target")
    ev = e["evaluations"][idx] if idx is not None else {}
    target = ev.get("target") or {}
    unit = actual.get("measure_unit") or layer.indicator.get("measure_unit")
    pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
    rows = [
        (gettext("Giá trị"), number(actual.get("value"), unit) if actual else gettext("Không có số liệu"),
         source_label(actual.get("source")) or (gettext("tổng hợp từ đơn vị cấp dưới")
                                                if actual.get("kind") == "aggregated" else ""),
         citation(actual.get("source"))),
        (gettext("Mục tiêu"), Markup("{} <span class='shape'>{} · {}</span>").format(
            number(target.get("value"), target.get("measure_unit")), ev["target_type_label"][lang()],
            period_label(target.get("period")) or gettext("chưa ghi năm")) if target else "–",
         source_label(target.get("source")) + (f" · {gettext('kế thừa từ')} {ev['inherited_from']}"
                                               if ev.get("inherited_from") else ""),
         citation(target.get("source"))),
        (gettext("% mục tiêu"), f"{number(pct)} %" if pct is not None else "–", "", ""),
        (gettext("Số năm để đạt"), number(e.get("years_to_target")) if e.get("years_to_target") else "–", "", ""),
    ]
    if layer.changes is not None and row["code"] in layer.changes:
        c = layer.changes[row["code"]]
        moved = number(c.change, c.unit) if c.change is not None else gettext("chưa tính được")
        if c.change is not None and c.change > 0:
            moved = "+" + moved
        rows.insert(1, (gettext("Thay đổi so với %(p)s", p=period_label(layer.compare)), Markup("{} → {}: {}").format(
            number(c.before, unit) if c.before is not None else "–",
            number(c.after, unit) if c.after is not None else "–", moved), "", ""))
    table = Markup("").join(
        Markup("<tr><th>{}</th><td>{}<div class='src'{}>{}</div></td></tr>").format(
            k, v, Markup(" title='{}'").format(q) if q else "", s)
        for k, v, s, q in rows)
    bar = Markup("")
    if pct is not None:
        width = max(0.0, min(100.0, float(pct)))
        bar = Markup("<div class='bar' title='{p} %'><span style='width:{w:.0f}%'></span></div>").format(
            p=number(pct), w=width)
    scope = Markup("")
    if e.get("scope", "unit") != "unit":
        scope = Markup("<div class='scope'>{}</div>").format(scope_label(e["scope"]))
    flags = Markup("")
    if row.get("illustrative") or (actual.get("source") or {}).get("illustrative"):
        flags = Markup("<div class='illustrative'>{}</div>").format(
            gettext("Dữ liệu minh hoạ – không phải số liệu chính thức"))
    approval = (actual.get("source") or {}).get("approval")
    if approval:
        flags += Markup("<div class='draft' data-approval='{a}'>{t}</div>").format(
            a=approval, t=gettext("Chưa duyệt (bản nháp hoặc chờ duyệt) – chưa phải số liệu chính thức"))
    consistency = Markup("").join(
        Markup("<div class='warn'>{}</div>").format(f["message_en"] if lang() == "en" else f["message_vi"])
        for f in e.get("consistency", []) if f["status"] == "inconsistent")
    links = [Markup("<a href='{}'>{}</a>").format(
        url_for("maps.unit_page", code=row["code"], lang=lang() if lang() != "vi" else None),
        gettext("Trang đơn vị"))]
    if layer.drill and row["code"] in layer.drill:
        args = {**(layer.link_args or {}), "unit": row["code"], "children": "1"}
        links.append(Markup("<a class='drill' href='?{}'>{}</a>").format(
            "&".join(f"{k}={v}" for k, v in args.items() if v),
            gettext("Xem các xã") if row.get("level") == "province" else gettext("Xem các bản")))
    return Markup(
        "<div class='unit-popup' data-code='{code}'><strong>{name}</strong>"
        "<div class='meta'>{code_label}: {code} ({vintage}) · {level}</div>"
        "<div class='ind'>{indicator} · {period}</div>"
        "<div class='status status-{status}'>{status_text}</div>{bar}"
        "<table>{table}</table>{spark}{scope}{consistency}{flags}<div class='links'>{links}</div></div>"
    ).format(
        code=row["code"], name=row["full_name"], code_label=gettext("Mã"), vintage=row["vintage"],
        level=row.get("unit_type") or row["level"], indicator=indicator_name(layer.indicator),
        period=period_label(layer.period),
        status=e["status"], status_text=status_label(e["status"]), bar=bar, table=table,
        spark=sparkline(e.get("series", [])), scope=scope, consistency=consistency, flags=flags,
        links=Markup(" · ").join(links),
    )


def legend_html(title: str, classes: Classes | None, colours: Sequence[str], unit: str | None,
                statuses: dict[str, int] | None = None, note: str = "") -> Markup:
    """Classes with their ranges and counts (or statuses with counts), and the no-data class."""
    rows = []
    if statuses is not None:
        for status, (colour, dash) in STATUS_COLOURS.items():
            if statuses.get(status):
                border = "dashed" if dash else "solid"
                rows.append(Markup(
                    "<div class='legend-row'><i style='background:{c};border-style:{b}'></i>{label}"
                    " <span class='n'>({n})</span></div>").format(
                    c=colour, b=border, label=status_label(status), n=statuses[status]))
    elif classes is not None:
        lower = classes.lower
        for bound, colour, count in zip(classes.bounds, colours, classes.counts, strict=True):
            lo, hi = number(lower), number(bound)
            span = hi if lo == hi else f"{lo} – {hi}"  # one value is a value, not "319.000 – 319.000"
            rows.append(Markup(
                "<div class='legend-row'><i style='background:{c}'></i>{s} <span class='n'>({n})</span></div>"
            ).format(c=colour, s=span, n=count))
            lower = bound
        rows.append(Markup(
            "<div class='legend-row legend-nodata'><i style='background:{c}'></i>{label} <span class='n'>({n})</span>"
            "</div>").format(c=NO_DATA_COLOUR, label=gettext("Không có số liệu"), n=classes.no_data))
    unit_text = Markup(" ({})").format(unit_label(unit)) if unit else ""
    note_html = Markup("<div class='legend-note'>{}</div>").format(note) if note else ""
    return Markup("<div class='legend'><div class='legend-title'>{t}{u}</div>{rows}{note}</div>").format(
        t=title, u=unit_text, rows=Markup("").join(rows), note=note_html)


def symbols_legend(points: gpd.GeoDataFrame | None, links: gpd.GeoDataFrame | None) -> Markup:
    """The point types drawn (colour, name, count) and the resettlement link line, so
    a marker's colour can be read without opening it."""
    rows = []
    if points is not None and len(points):
        counts = points["place_type"].value_counts()
        for place_type, (colour, label) in POINT_STYLES.items():
            if counts.get(place_type):
                rows.append(Markup(
                    "<div class='legend-row legend-point' data-type='{t}'><i style='background:{c}'></i>{label}"
                    " <span class='n'>({n})</span></div>").format(
                    t=place_type, c=colour, label=label, n=int(counts[place_type])))
    if links is not None and len(links):
        rows.append(Markup("<div class='legend-row legend-link'><i></i>{label} <span class='n'>({n})</span></div>"
                           ).format(label=gettext("Di dời: vùng nguy cơ → điểm tái định cư"), n=len(links)))
    if not rows:
        return Markup("")
    return Markup("<div class='legend-symbols'><div class='legend-title'>{t}</div>{rows}</div>").format(
        t=gettext("Điểm (vị trí minh hoạ)"), rows=Markup("").join(rows))


def _fills_and_legend(layer: Layer, note: str = "") -> tuple[list[dict[str, Any]], list[tuple[str, str | None]],
                                                             Markup]:
    """Each unit's evaluation and (fill, dash), and the legend: one computation for the GeoJSON
    page and its vector tiles, so both colour a unit alike."""
    records = layer.units.to_dict("records")
    evs = [layer.evaluations[r["code"]] for r in records]
    if layer.changes is not None:
        fills, legend = _change_fills(layer, records, note)
        return evs, fills, legend
    title = f"{titled(layer.indicator, layer.period)} – {COLOUR_BY[layer.colour_by]}"
    if layer.colour_by == "status":
        counts: dict[str, int] = {}
        fills = []
        for e in evs:
            counts[e["status"]] = counts.get(e["status"], 0) + 1
            fills.append(STATUS_COLOURS[e["status"]])
        legend = legend_html(title, None, [], None, statuses=counts, note=note)
    else:
        values = [measure(e, layer.colour_by) for e in evs]
        unit = layer.indicator.get("measure_unit") if layer.colour_by in ("value", "target", "gap") else "%"
        scheme = layer.scheme
        if scheme == "fixed" and not (unit or "").startswith("%"):
            scheme = "natural_breaks"  # no fixed legend for this unit: say it in the legend
        if layer.bins is not None:
            classes = classify(values, "fixed", bins=layer.bins)
        else:
            classes = classify(values, scheme, k=5, bins=PERCENT_BINS if scheme == "fixed" else None)
        direction = layer.indicator.get("direction")
        palette = SEQUENTIAL["lower_is_better" if direction == "lower_is_better" and layer.colour_by != "pct"
                             else "higher_is_better"]
        colours = classes.colours(palette)
        fills = [(colours[c] if c >= 0 else NO_DATA_COLOUR, None) for c in classes.assignment]
        if scheme != layer.scheme:
            note = " ".join(filter(None, [gettext("Chỉ tiêu không có thang cố định: dùng ngắt tự nhiên"), note]))
        legend = legend_html(title, classes, colours, unit.split(" ;")[0] if unit else None, note=note)
    return evs, fills, legend


# ColorBrewer RdYlGn (5): from worse to better; the middle class is "about unchanged".
DIVERGING = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]
DIVERGING_NEUTRAL = ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"]  # PuOr: no better or worse


def _change_fills(layer: Layer, records: list[dict[str, Any]], note: str) -> tuple[list[tuple[str, str | None]],
                                                                                  Markup]:
    """Each unit coloured by its change since ``layer.compare``, on a legend symmetric about zero."""
    assert layer.changes is not None and layer.compare is not None
    values = [layer.changes[r["code"]].change for r in records]
    classes = classify(values, "fixed", bins=change.symmetric_bins(values))
    sign = change.good_sign(layer.indicator.get("direction"))
    palette = DIVERGING if sign > 0 else DIVERGING[::-1] if sign < 0 else DIVERGING_NEUTRAL
    colours = classes.colours(palette)
    fills = [(colours[c] if c >= 0 else NO_DATA_COLOUR, None) for c in classes.assignment]
    unit = next((c.unit for c in layer.changes.values()), "%")
    title = gettext("%(name)s: thay đổi %(a)s → %(b)s", name=indicator_name(layer.indicator),
                    a=period_label(layer.compare), b=period_label(layer.period))
    better = {1: gettext("xanh: tăng là tốt"), -1: gettext("xanh: giảm là tốt")}.get(sign, "")
    return fills, legend_html(title, classes, colours, unit, note=" ".join(filter(None, [better, note])))


def tile_properties(layer: Layer) -> dict[str, dict[str, Any]]:
    """What a vector tile carries per unit: the indicator's value and status, and the page's fill."""
    evs, fills, _ = _fills_and_legend(layer)
    out = {}
    for code, e, (fill, dash) in zip(layer.units["code"], evs, fills, strict=True):
        partial = e.get("scope", "unit") != "unit"
        out[code] = {"value": measure(e, "value"), "status": e["status"], "fill": fill,
                     "dash": 1 if (dash or partial) else None}
    return out


def _unit_layer_props(layer: Layer, datasets: dict[str, str], note: str = "",
                      lazy: bool = False) -> tuple[list[dict[str, Any]], Markup]:
    records = layer.units.to_dict("records")
    evs, fills, legend = _fills_and_legend(layer, note)
    props = []
    for r, e, (fill, dash) in zip(records, evs, fills, strict=True):
        style = {"fillColor": fill, "color": "#444444", "weight": 0.8, "fillOpacity": 0.8}
        if dash:
            style.update(dashArray=dash, weight=1.6, color="#222222")
        css = f"unit unit-{r['level']} unit-{r['code']} status-{e['status']}"
        if e.get("scope", "unit") != "unit":  # a part of the unit's figure: grey, dashed, said in the popup
            css += " partial-scope"
            style.update(dashArray="3 3", weight=1.6, color="#222222")
        if r.get("illustrative"):
            css += " illustrative"
        prop = {"code": r["code"], "css": css, "style": style, "label": str(escape(r["full_name"]))}
        if lazy:
            prop["lazy"] = 1
        else:
            prop["popup"] = str(popup_html(r, e, layer, datasets))
        props.append(prop)
    return props, legend


def _point_features(points: gpd.GeoDataFrame) -> dict[str, Any]:
    props = []
    for r in points.to_dict("records"):
        colour, label = POINT_STYLES.get(r["place_type"], ("#333333", r["place_type"]))
        popup = Markup("<div class='place-popup'><strong>{n}</strong><div>{t}</div><div>{role}</div>"
                       "<div class='src'>{src}</div><div class='illustrative'>{ill}</div></div>").format(
            # On a Vietnamese page the document's own words ("điểm du lịch ưu tiên"), not our English note.
            n=r["name_normalized"], t=label,
            role=Markup("«{}»").format(r["quote"]) if lang() == "vi" and r.get("quote") else (
                r.get("role") if lang() == "en" else ""),
            src=r.get(f"source_title_{lang()}") or r.get("source_doc") or "",
            ill=gettext("Vị trí minh hoạ – không phải toạ độ thật") if r.get("illustrative") else "")
        props.append({"code": r["name_normalized"], "css": f"place place-{r['place_type']}",
                      "label": str(escape(f"{r['name_normalized']} ({label})")), "popup": str(popup),
                      "style": {"radius": 7, "fill": True, "fillColor": colour, "color": "#222222", "weight": 1,
                                "fillOpacity": 0.9}})
    return feature_collection(points, props)


def _name_labels(units: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Unit names on the map, an overlay the layer list turns on (off at first: names over a
    choropleth hide its colours, but a printed screenshot or a meeting wants them)."""
    group = folium.FeatureGroup(name=gettext("Tên đơn vị (nhãn)"), show=False)
    for name, point in zip(units["name"], units.geometry.representative_point(), strict=True):
        if point is None or point.is_empty:
            continue
        folium.Marker([round(point.y, 5), round(point.x, 5)], interactive=False, icon=folium.DivIcon(
            html=str(Markup("<span>{}</span>").format(name)), class_name="unit-label", icon_size=(0, 0))).add_to(group)
    return group


def thematic_map(
    *,
    layer: Layer,
    outline: gpd.GeoDataFrame | None,
    points: gpd.GeoDataFrame | None,
    links: gpd.GeoDataFrame | None,
    datasets: list[dict[str, Any]],
    online_basemap: bool = False,
    static_prefix: str = "/static/",
    refine: Refine | None = None,
    popup_url: str | None = None,
    tiles: TileSource | None = None,
    swipe_before: Layer | None = None,
    rasters: list[tuple[str, str, str]] | None = None,
) -> MapPage:
    """A choropleth of ``layer`` with legend, popups, optional points and outline; from vector
    ``tiles`` when given (the page then carries no boundary at all)."""
    bounds = layer.units.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
                   tiles=None, control_scale=False, zoom_control=True, prefer_canvas=False)
    MetricScale().add_to(m)
    box = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
    FitView(box).add_to(m)
    if online_basemap:  # opt-in only, and never the default layer
        folium.TileLayer("OpenStreetMap", name=gettext("Bản đồ nền trực tuyến (OSM)"), show=False).add_to(m)
    attribution = {d["id"]: attribution_line(d) for d in datasets}
    illustrative = bool(layer.units["illustrative"].astype(bool).any()) or (points is not None and len(points) > 0)
    note = gettext("Lớp bản và vị trí điểm: minh hoạ") if illustrative else ""
    lazy = popup_url is not None and (len(layer.units) > LAZY_POPUPS or tiles is not None)
    if lazy:
        config = {"url": popup_url, "loading": gettext("Đang tải…"),
                  "failed": gettext("Không tải được thông tin đơn vị; thử lại sau")}
        text = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")  # never closes the script
        m.get_root().header.add_child(folium.Element(f"<script>window.webmapPopup = {text};</script>"))
    name = titled(layer.indicator, layer.period)
    # Boundaries simplified to a pixel of the opening zoom: Leaflet's own per-zoom
    # simplification would only repeat that work before the first draw (RefineOnZoom
    # turns it back on with the finer boundaries).
    smooth = 0 if refine is not None else None
    if tiles is not None:
        _, _, legend = _fills_and_legend(layer, note)
        VectorUnits(tiles.url, STROKE_FROM_ZOOM.get(str(layer.units["level"].iloc[0]), 0)).add_to(m)
        units_layer = None
    elif swipe_before is not None:  # the earlier period left of a divider, the later right, one legend
        values = [measure(swipe_before.evaluations[c], "value") for c in swipe_before.units["code"]] + [
            measure(layer.evaluations[c], "value") for c in layer.units["code"]]
        bins = classify(values, layer.scheme if layer.scheme != "fixed" else "natural_breaks", k=5).bounds or [0.0]
        layer = dataclasses.replace(layer, colour_by="value", bins=bins, changes=None)
        swipe_before = dataclasses.replace(swipe_before, colour_by="value", bins=bins, changes=None)
        before_props, _ = _unit_layer_props(swipe_before, attribution, note, lazy=lazy)
        props, legend = _unit_layer_props(layer, attribution, gettext(
            "Bên trái: %(a)s · bên phải: %(b)s (kéo thanh trượt)", a=period_label(swipe_before.period),
            b=period_label(layer.period)) + (" · " + note if note else ""), lazy=lazy)
        before_layer = folium.GeoJson(feature_collection(swipe_before.units, before_props), name=str(escape(
            titled(swipe_before.indicator, swipe_before.period))), on_each_feature=ON_EACH_UNIT,
            smooth_factor=smooth).add_to(m)
        units_layer = folium.GeoJson(feature_collection(layer.units, props), name=str(escape(name)),
                                     on_each_feature=ON_EACH_UNIT, smooth_factor=smooth).add_to(m)
        Swipe(before_layer.get_name(), period_label(swipe_before.period), period_label(layer.period),
              gettext("Kéo để so sánh hai kỳ")).add_to(m)
        refine = None  # the finer boundaries would replace only one of the two layers
    else:
        props, legend = _unit_layer_props(layer, attribution, note, lazy=lazy)
        # Leaflet's layer control inserts names as HTML: escape them like every other name.
        units_layer = folium.GeoJson(feature_collection(layer.units, props), name=str(escape(name)),
                                     on_each_feature=ON_EACH_UNIT, smooth_factor=smooth).add_to(m)
    outline_layer = None
    if outline is not None and len(outline):
        oprops = [{"code": r["code"], "label": None, "css": "unit-outline", "popup": None,
                   "style": {"fill": False, "color": "#222222", "weight": 2.2}} for r in outline.to_dict("records")]
        outline_layer = folium.GeoJson(feature_collection(outline, oprops), name=gettext("Ranh giới"),
                                       on_each_feature=ON_EACH_UNIT, interactive=False,
                                       smooth_factor=smooth).add_to(m)
    if links is not None and len(links):
        lprops = [{"code": "", "label": None, "css": "place-link", "popup": None,
                   "style": {"color": "#e31a1c", "weight": 2, "dashArray": "5 4"}} for _ in range(len(links))]
        folium.GeoJson(feature_collection(links, lprops), name=gettext("Di dời: vùng nguy cơ → điểm tái định cư"),
                       on_each_feature=ON_EACH_UNIT).add_to(m)
    if len(layer.units) <= LAZY_POPUPS:
        _name_labels(layer.units).add_to(m)
    raster_layers = []
    for url, raster_name, raster_legend in rasters or []:  # switched on from the layer list
        raster_layers.append(folium.TileLayer(url, name=str(escape(raster_name)), attr=str(escape(raster_legend)),
                                              overlay=True, show=False, opacity=0.7, max_native_zoom=16,
                                              max_zoom=18).add_to(m))
    if raster_layers:
        RasterOpacity([r.get_name() for r in raster_layers], gettext("Độ đậm ảnh")).add_to(m)
    if points is not None and len(points):
        points_layer = folium.GeoJson(_point_features(points), name=gettext("Điểm (vị trí minh hoạ)"),
                                      marker=folium.CircleMarker(radius=7), on_each_feature=ON_EACH_UNIT).add_to(m)
        UnitsOverCrowdedPoints(points_layer.get_name()).add_to(m)
    if refine is not None and units_layer is not None:
        RefineOnZoom(refine.url, refine.zoom, units_layer.get_name(),
                     outline_layer.get_name() if outline_layer is not None else None).add_to(m)
    # A fold, so a phone can close it (static/js/layout.js does on narrow screens).
    HtmlControl(Markup("<details class='legend-fold' open><summary>{}</summary>{}</details>").format(
        gettext("Chú giải"), legend + symbols_legend(points, links))).add_to(m)
    lines = [escape(attribution_line(d)) + (Markup(" <b>({})</b>").format(gettext("minh hoạ")) if d["illustrative"]
                                         else "") for d in datasets]
    Attribution([str(line) for line in lines]).add_to(m)
    Fullscreen(title=gettext("Toàn màn hình"), title_cancel=gettext("Thoát toàn màn hình")).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    PopupsClearOfControls().add_to(m)
    assets.localize(m, static_prefix)
    root = m.get_root()
    root.render()
    return MapPage(header=Markup(root.header.render()), body=Markup(root.html.render()),
                   script=Markup(root.script.render()))
