"""Folium maps of units coloured by an indicator.

Why styles live in feature properties: folium turns a ``style_function`` into a
JavaScript ``switch`` with one case per feature (cost grows with N²); with no
style function folium styles each feature from ``properties.style``.  Popups are
built here with every name escaped, then bound in the browser from
``properties.popup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from flask_babel import gettext
from folium.plugins import Fullscreen
from markupsafe import Markup, escape

from geodata.classify import NO_DATA_COLOUR, SEQUENTIAL, Classes, classify
from webmap import assets
from webmap.formatting import indicator_name, number, unit_label
from webmap.map_elements import Attribution, HtmlControl

ON_EACH_UNIT = folium.JsCode(
    """
    function (feature, layer) {
        var p = feature.properties;  // label and popup arrive escaped from the server
        layer.options.className = p.css;
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 320}); }
        layer.bindTooltip(p.label, {sticky: true});
    }
    """
)


@dataclass(frozen=True)
class MapPage:
    """The three parts of a rendered folium figure, to embed in our own page."""

    header: Markup
    body: Markup
    script: Markup


def _rounded(geom: shapely.Geometry) -> dict[str, Any]:
    return shapely.geometry.mapping(shapely.transform(geom, lambda c: np.round(c, 5)))


def _features(frame: gpd.GeoDataFrame, props: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": _rounded(g)}
            for g, p in zip(frame.geometry, props, strict=True)
            if g is not None and not g.is_empty
        ],
    }


def popup_html(row: dict[str, Any], indicator: dict[str, Any], period: str, datasets: dict[str, str]) -> Markup:
    """Name, code, value and source of one unit; every data string is escaped."""
    name = indicator_name(indicator)
    if row.get("value") is None:
        value_line = escape(gettext("Không có số liệu"))
        source = Markup("")
    else:
        value_line = escape(number(row["value"], row.get("measure_unit")))
        where = row.get("source_doc") or ""
        if row.get("source_section"):
            where += f" – {row['source_section']}"
        if row.get("source_row"):
            line_word = gettext("dòng")
            where += f" ({line_word} {row['source_row']})"
        source = Markup("<div class='src'>{}: {}<br>{}</div>").format(
            gettext("Nguồn"), where, datasets.get(row.get("value_dataset_id") or "", "")
        )
    flags = Markup("")
    if row.get("illustrative") or row.get("value_illustrative"):
        flags = Markup("<div class='illustrative'>{}</div>").format(
            gettext("Dữ liệu minh hoạ – không phải số liệu chính thức")
        )
    return Markup(
        "<div class='unit-popup'><strong>{full_name}</strong>"
        "<div>{code_label}: {code} ({vintage})</div>"
        "<div>{indicator} {period}: <b>{value}</b></div>{source}{flags}</div>"
    ).format(
        full_name=row["full_name"], code_label=gettext("Mã"), code=row["code"], vintage=row["vintage"],
        indicator=name, period=period, value=value_line, source=source, flags=flags,
    )


def legend_html(title: str, classes: Classes, colours: Sequence[str], unit: str | None, note: str = "") -> Markup:
    """Classes with their ranges and counts, and the no-data class."""
    rows = []
    lower = classes.lower
    for bound, colour, count in zip(classes.bounds, colours, classes.counts, strict=True):
        rows.append(Markup(
            "<div class='legend-row'><i style='background:{c}'></i>{lo} – {hi} <span class='n'>({n})</span></div>"
        ).format(c=colour, lo=number(lower), hi=number(bound), n=count))
        lower = bound
    rows.append(Markup(
        "<div class='legend-row legend-nodata'><i style='background:{c}'></i>{label} <span class='n'>({n})</span></div>"
    ).format(c=NO_DATA_COLOUR, label=gettext("Không có số liệu"), n=classes.no_data))
    unit_text = Markup(" ({})").format(unit_label(unit)) if unit else ""
    note_html = Markup("<div class='legend-note'>{}</div>").format(note) if note else ""
    return Markup("<div class='legend'><div class='legend-title'>{t}{u}</div>{rows}{note}</div>").format(
        t=title, u=unit_text, rows=Markup("").join(rows), note=note_html
    )


def indicator_map(
    *,
    units: gpd.GeoDataFrame,
    indicator: dict[str, Any],
    period: str,
    outline: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    village_indicator: dict[str, Any] | None,
    datasets: list[dict[str, Any]],
    online_basemap: bool = False,
    static_prefix: str = "/static/",
) -> MapPage:
    """A choropleth of ``units`` by their ``value`` column, with legend and popups."""
    bounds = units.total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        tiles=None, control_scale=True, zoom_control=True, prefer_canvas=False,
    )
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    if online_basemap:  # opt-in only, and never the default layer
        folium.TileLayer("OpenStreetMap", name=gettext("Bản đồ nền trực tuyến (OSM)"), show=False).add_to(m)

    attribution = {d["id"]: d["attribution"] for d in datasets}
    values = list(units["value"])
    classes = classify(values, "natural_breaks", k=5)
    palette = SEQUENTIAL["lower_is_better" if indicator.get("direction") == "lower_is_better" else "higher_is_better"]
    colours = classes.colours(palette)
    props = []
    for row, cls in zip(units.to_dict("records"), classes.assignment, strict=True):
        fill = colours[cls] if cls >= 0 else NO_DATA_COLOUR
        props.append({
            "code": row["code"], "label": str(escape(row["full_name"])), "cls": cls,
            "css": f"unit unit-{row['level']} unit-{row['code']}",
            "style": {"fillColor": fill, "color": "#555555", "weight": 0.8, "fillOpacity": 0.8},
            "popup": str(popup_html(row, indicator, period, attribution)),
        })
    name = indicator_name(indicator)
    layer_name = f"{name} {period}"
    # Leaflet's layer control inserts names as HTML: escape them like every other name.
    folium.GeoJson(_features(units, props), name=str(escape(layer_name)), on_each_feature=ON_EACH_UNIT).add_to(m)

    if villages is not None and len(villages):
        vprops = [{
            "code": r["code"], "label": str(Markup("{} – {}").format(r["full_name"], gettext("minh hoạ"))),
            "cls": -1, "css": f"unit unit-village unit-{r['code']} illustrative",
            "style": {"fillColor": "#ffffff", "fillOpacity": 0.0, "color": "#7b3294", "weight": 1.2,
                      "dashArray": "4 3"},
            "popup": str(popup_html(r, village_indicator or indicator, period, attribution)),
        } for r in villages.to_dict("records")]
        folium.GeoJson(
            _features(villages, vprops), name=gettext("Bản (ranh giới minh hoạ)"), show=False,
            on_each_feature=ON_EACH_UNIT,
        ).add_to(m)

    if outline is not None and len(outline):
        oprops = [{"code": r["code"], "label": str(escape(r["full_name"])), "cls": -1, "css": "unit-outline",
                   "style": {"fill": False, "color": "#222222", "weight": 2.2}, "popup": None}
                  for r in outline.to_dict("records")]
        folium.GeoJson(_features(outline, oprops), name=gettext("Ranh giới tỉnh"),
                       on_each_feature=ON_EACH_UNIT, interactive=False).add_to(m)

    note = gettext("Lớp bản: ranh giới và số liệu minh hoạ") if villages is not None and len(villages) else ""
    HtmlControl(legend_html(layer_name, classes, colours, indicator.get("measure_unit"), note)).add_to(m)
    lines = [escape(d["attribution"]) + (
        Markup(" <b>({})</b>").format(gettext("minh hoạ")) if d["illustrative"] else "") for d in datasets]
    Attribution([str(line) for line in lines]).add_to(m)
    Fullscreen(title=gettext("Toàn màn hình"), title_cancel=gettext("Thoát toàn màn hình")).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)

    assets.localize(m, static_prefix)
    root = m.get_root()
    root.render()
    return MapPage(
        header=Markup(root.header.render()),
        body=Markup(root.html.render()),
        script=Markup(root.script.render()),
    )
