"""Map pages: home, themes, any indicator, unit pages; and unit search."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import shapely
from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from geodata import change, progress, projection, rasters, search, store, thematic, view_scale
from geodata.store import integrity, workflow
from webmap import assets, caching, db, params
from webmap.formatting import attribution as attribution_line
from webmap.formatting import lang, number, period_label, source_label, titled
from webmap.map_elements import FitView, MetricScale
from webmap.maps import (
    LAZY_POPUPS,
    ON_EACH_UNIT,
    TILE_LAYERS,
    VECTOR_TILES_ABOVE,
    Layer,
    MapPage,
    Refine,
    TileSource,
    feature_collection,
    popup_html,
    status_label,
    thematic_map,
)
from webmap.themes import CATALOGUE_THEMES, COLOUR_BY, SCHEMES, THEMES

bp = Blueprint("maps", __name__)

HOME = {"unit": "12", "indicator": "population_density", "period": "2025"}
# What the home and country pages offer in their indicator choice: density, then each theme's
# indicators (they opened grey on density with no choice at all).
HOME_INDICATORS = ("population_density", *(c for t in THEMES.values() for c in t["indicators"]))


# The country: not a row of the store (its level is not a unit level), the page above the provinces.
COUNTRY = {"code": "VN", "vintage": "2025", "level": "country", "unit_type": "Quốc gia", "name": "Việt Nam",
           "full_name": "Việt Nam", "name_en": "Viet Nam", "parent_code": None, "parent_vintage": None,
           "area_km2": None, "illustrative": 0, "dataset_id": None, "note": None}


def _unit(conn, code: str | None) -> dict[str, Any] | None:
    if code == COUNTRY["code"]:
        return COUNTRY
    return store.get_unit(conn, code) if code else None


def _ancestors(conn, unit: dict[str, Any]) -> list[dict[str, Any]]:
    chain = [unit]
    while chain[-1].get("parent_code"):
        parent = store.get_unit(conn, chain[-1]["parent_code"], chain[-1]["parent_vintage"] or "2025")
        if parent is None:
            break
        chain.append(parent)
    if chain[-1]["level"] == "province":
        chain.append(COUNTRY)
    return list(reversed(chain))


def _periods(conn, indicator: str) -> list[str]:
    """Years and half-years present in the data for the indicator (not multi-year ranges)."""
    return store.figures.periods_with_components(conn, indicator)


def _links(points: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Hazard zone -> resettlement site, drawn as a line for each project."""
    if points is None:
        return None
    zones = points[points["place_type"] == "hazard_zone"]
    sites = points[points["place_type"] == "resettlement_site"]
    lines = [shapely.LineString([z.geometry, s.geometry]) for _, z in zones.iterrows() for _, s in sites.iterrows()
             if z["commune_code"] == s["commune_code"]]
    return gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326") if lines else None


_pages = caching.LruCache(max_entries=64, shared=True)  # map pages: one build per data version
_geometries = caching.LruCache(max_entries=64)


def _page_units(conn, unit: dict[str, Any], level: str | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The units a page about ``unit`` colours (its children, or itself when it has
    none with a boundary) and its own outline, both at the stored screen resolution.
    ``level="village"`` on a province page colours the villages of all its communes; on the
    country page ``level`` is any level of the whole country."""
    if unit["level"] == "country":  # the provinces, or every commune or village of the country (vector tiles)
        units = store.units_frame(conn, level=level or "province", screen=True)
        return units, units.iloc[0:0]
    child_level = {"province": "commune", "commune": "village"}.get(unit["level"])
    parents: str | list[str] = unit["code"]
    if level == "village" and unit["level"] == "province":
        child_level, parents = "village", store.units.child_codes(conn, unit["code"], level="commune")
    units = store.units_frame(conn, level=child_level, parent=parents, screen=True) if child_level else None
    siblings = store.units_frame(conn, level=unit["level"], parent=unit["parent_code"], screen=True)
    outline = siblings[siblings["code"] == unit["code"]]
    if units is None or len(units) == 0:
        units = outline
    return units, outline


def _real(e: dict[str, Any]) -> bool:
    """An evaluation with a figure that is not illustrative."""
    actual = e.get("actual") or {}
    return bool(actual) and not (actual.get("source") or {}).get("illustrative")


def _own_answer(conn, unit: dict[str, Any], indicator: str, period: str) -> bool:
    """Whether the unit itself has a figure or a target/plan of ``indicator`` for ``period``
    (Thác Tình's 36 households to move are a plan of Bình Lư, with no figure yet)."""
    try:
        e = progress.evaluate(conn, unit["code"], indicator, period)
    except ValueError:
        return False
    return _real(e) or bool(e["evaluations"])


def _siblings(conn, unit: dict[str, Any]) -> gpd.GeoDataFrame:
    """The unit and its neighbours under the same parent, at screen resolution."""
    return store.units_frame(conn, level=unit["level"], parent=unit["parent_code"], screen=True)


def _opening(figures_at: list[dict[str, Any]], default_unit: str, prefer_default: bool) -> dict[str, Any] | None:
    """The page and period a map opens on when its address names no unit: the default unit's
    page if the documents give figures there, else the page with the most real figures (a
    province's own figure opens the country page).  Opening on a grey map taught a planner
    nothing (38 of 38 communes had no figure on /map/poverty)."""
    pages = [{**f, "page": f["page"] or COUNTRY["code"]} for f in figures_at]
    if not pages:
        return None
    own = [f for f in pages if f["page"] == default_unit]
    if prefer_default:
        return own[0] if own else None
    return own[0] if own and not own[0]["illustrative"] else pages[0]


@dataclass(frozen=True)
class _View:
    units: gpd.GeoDataFrame
    outline: gpd.GeoDataFrame
    refine: Refine | None


def _coarsen(frame: gpd.GeoDataFrame, zoom: int, lat: float) -> tuple[gpd.GeoDataFrame, bool]:
    stored = float(frame["tolerance_deg"].max()) if frame["tolerance_deg"].notna().any() else 0.0
    view = view_scale.for_view(frame.geometry.values, zoom, lat, stored)
    if not view.coarsened:
        return frame, False
    out = frame.copy()
    out["geometry"] = gpd.GeoSeries(list(view.geometries), index=frame.index, crs=frame.crs)
    return out, True


def _view(units: gpd.GeoDataFrame, outline: gpd.GeoDataFrame, around: bool = False) -> _View:
    """The page's boundaries at one pixel of its opening zoom; finer ones follow on zoom-in."""
    if len(units) == 0 or units.geometry.isna().all():
        return _View(units, outline, None)
    bounds = units.total_bounds
    zoom = view_scale.fit_zoom(bounds)
    lat = (bounds[1] + bounds[3]) / 2
    units_view, coarse_units = _coarsen(units, zoom, lat)
    outline_view, coarse_outline = _coarsen(outline, zoom, lat) if len(outline) else (outline, False)
    if not (coarse_units or coarse_outline):
        return _View(units, outline, None)
    code = outline["code"].iloc[0] if len(outline) else units["code"].iloc[0]
    return _View(units_view, outline_view, Refine(
        url=url_for("maps.screen_geometry", code=code, around="1" if around else None), zoom=zoom))


def render_map(theme: str | None, indicator_code: str, default_unit: str = "12", default_period: str | None = None):
    """A map page, rendered once per data version and request (it changes only with the data)."""
    key = (theme, indicator_code, request.path, tuple(sorted(request.args.items(multi=True))), lang(),
           caching.viewer(), current_app.config.get("WEBMAP_VECTOR_TILES_ABOVE"))
    body = _pages.get_or_build(
        key, lambda: caching.Body.of(_render_map(theme, indicator_code, default_unit, default_period)))
    return caching.body_response(body, "text/html")


@dataclass
class _PageState:
    """What a map page shows, decided from its address: the page and its vector tiles agree on it."""

    unit: dict[str, Any]
    indicator: dict[str, Any]
    units: gpd.GeoDataFrame
    outline: gpd.GeoDataFrame
    evaluations: dict[str, dict[str, Any]]
    period: str
    periods: list[str]
    colour_by: str
    scheme: str
    level: str | None
    around: bool
    drill: set[str]
    args: dict[str, Any]
    popup_args: dict[str, Any]
    figures_at: list[dict[str, Any]]
    compare: str | None = None
    changes: dict[str, change.Change] | None = None
    before: dict[str, dict[str, Any]] | None = None  # the units' evaluations of ``compare``


def _page_state(theme: str | None, indicator_code: str, default_unit: str, default_period: str | None) -> _PageState:
    conn = db.conn()
    indicator = store.indicator(conn, indicator_code)
    if indicator is None:
        abort(404)
    figures_at = thematic.figure_pages(conn, indicator_code)
    asked_unit, asked_period = params.unit_code("unit"), params.period("period")
    opening = _opening(figures_at, asked_unit or default_unit, prefer_default=asked_unit is not None
                       or default_period is not None or _chooses())
    unit = _unit(conn, asked_unit or (opening["page"] if opening else default_unit))
    if unit is None:
        abort(404)
    periods = _periods(conn, indicator_code) or [default_period or "2025"]
    with_values = thematic.periods(conn, indicator_code)  # periods that have actuals, not only targets
    here = next((f for f in figures_at if (f["page"] or COUNTRY["code"]) == unit["code"]), None)
    own_periods = thematic.unit_periods(conn, indicator_code, unit["code"]) if unit["level"] != "country" else []
    if here is None and own_periods and asked_unit is not None:  # the unit's own latest figure
        here = {"period": own_periods[0]}
    period = asked_period or default_period or (here or opening or {}).get("period") or (with_values or periods)[-1]
    if period not in periods:
        periods = sorted({*periods, period})
    colour_by = params.choice("colour", list(COLOUR_BY))
    scheme = params.choice("scheme", list(SCHEMES), "natural_breaks")
    level = params.choice("level", ["commune", "village"])
    if level == "commune" and unit["level"] != "country":
        level = None  # a province's communes are its children anyway
    units, outline = _page_units(conn, unit, level)

    def evaluate(frame: gpd.GeoDataFrame, when: str | None = None) -> dict[str, dict[str, Any]]:
        try:
            if colour_by == "target":  # targets show without a value: every unit evaluated in full
                return {c: progress.evaluate(conn, c, indicator_code, when or period) for c in frame["code"]}
            return progress.evaluate_many(conn, list(frame["code"]), indicator_code, when or period)
        except ValueError:
            abort(400)

    evaluations = evaluate(units)
    around = False
    children_asked = params.choice("children", ["1"]) is not None  # a drill link: the units below, always
    if not children_asked and unit["level"] in ("commune", "village") \
            and not any(_real(e) for e in evaluations.values()) and _own_answer(conn, unit, indicator_code, period):
        # The unit has the figure, its children do not, or only made-up ones (Bình Lư's 319.000 lượt,
        # its 11 illustrative villages): show the unit among its neighbours, outlined, not an empty
        # map or a demo figure in place of a real one.
        units = _siblings(conn, unit)
        outline = units[units["code"] == unit["code"]]
        evaluations = evaluate(units)
        around = True
    # The form sends compare="" for "Không so sánh": blank is no comparison, not a bad period.
    compare = params.period("compare") if params.raw("compare") is not None else None
    changes, before = None, None
    if compare is not None and compare != period:  # "so sánh kỳ": coloured by the change since ``compare``
        before = evaluate(units, compare)
        changes = {c: change.between(change.value_of(before[c]), change.value_of(evaluations[c]),
                                     indicator.get("measure_unit")) for c in units["code"]}
        colour_by = "change"
    else:
        compare = None
    if colour_by is None:
        # Where are we against the target? Status whenever a target judges some unit, or a target on
        # another poverty line is why it is not judged (the legend says so); value otherwise.
        judged = any(e["status"] not in progress.UNJUDGED or e["status"] == "other_line"
                     for e in evaluations.values())
        colour_by = "status" if judged else "value"
    drill = store.units.with_children(conn, units["code"])
    args = {"indicator": indicator_code if theme is not None or _chooses() else None, "period": period,
            "colour": params.choice("colour", list(COLOUR_BY)), "compare": compare,
            "scheme": scheme, "lang": lang() if lang() != "vi" else None}
    if g.get("show_drafts"):
        args["drafts"] = "1"
    popup_args = {"indicator": indicator_code, "period": period, "lang": args["lang"], "drafts": args.get("drafts")}
    return _PageState(unit=unit, indicator=indicator, units=units, outline=outline, evaluations=evaluations,
                      period=period, periods=periods, colour_by=colour_by, scheme=scheme, level=level, around=around,
                      drill=drill, args=args, popup_args=popup_args, figures_at=figures_at, compare=compare,
                      changes=changes, before=before)


def layer_of(state: _PageState, units: gpd.GeoDataFrame | None = None) -> Layer:
    """The page's unit layer (``units``: the same units at another resolution)."""
    return Layer(units=state.units if units is None else units, evaluations=state.evaluations,
                 indicator=state.indicator, period=state.period, colour_by=state.colour_by, scheme=state.scheme,
                 drill=state.drill, link_args={k: v for k, v in state.args.items() if v}, compare=state.compare,
                 changes=state.changes)


def _page_datasets(conn: Any, *evaluation_sets: dict[str, dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The sources the attribution names: every dataset, but a raster's only where its figures are
    on the map (its overlay names it when switched on); two made-up rasters' lines took three rows
    of the attribution on every page and pushed popups out of view."""
    shown = {((e.get("actual") or {}).get("source") or {}).get("dataset")
             for evaluations in evaluation_sets if evaluations for e in evaluations.values()}
    return [d for d in store.datasets(conn) if not rasters.is_raster_dataset(d) or d["id"] in shown]


def _raster_names() -> list[tuple[int, str]]:
    """Every imported raster by number and name, for the print dialog's choice."""
    from webmap import raster_views

    words = {"landcover": gettext("Ảnh lớp phủ"), "forest": gettext("Ảnh rừng"), "dem": gettext("Ảnh độ cao (DEM)"),
             "population": gettext("Ảnh dân số theo lưới")}
    out = []
    for r in raster_views.available():
        name = f"{words.get(r.kind, r.kind)} {r.file_name} ({period_label(r.period)})"
        out.append((r.import_id, name + (" – " + gettext("minh hoạ") if r.illustrative else "")))
    return out


def _raster_overlays() -> list[tuple[str, str, str]]:
    """Every imported raster as an overlay the layer list switches on: URL template, name, legend line."""
    from webmap import raster_views

    legend = {"landcover": gettext("xanh: rừng, xám: lớp khác"), "forest": gettext("xanh: rừng"),
              "dem": gettext("xanh lam → trắng: thấp → cao"), "population": gettext("vàng → đỏ: thưa → đông")}
    out = []
    for r, (_, name) in zip(raster_views.available(), _raster_names(), strict=True):
        url = url_for("rasters.tile", import_id=r.import_id, z=0, x=0, y=0).replace("/0/0/0.png", "/{z}/{x}/{y}.png")
        out.append((url, name, f"{name}: {legend.get(r.kind, '')}"))
    return out


def _tiles_for(state: _PageState) -> bool:
    """Vector tiles above this many units (``WEBMAP_VECTOR_TILES_ABOVE``): one GeoJSON of a
    province's 3,486 villages was 1.92 MB and the country's ~70,000 cannot be one page."""
    return len(state.units) > int(current_app.config.get("WEBMAP_VECTOR_TILES_ABOVE", VECTOR_TILES_ABOVE))


def _tile_source(state: _PageState) -> TileSource:
    level = str(state.units["level"].iloc[0])
    args = {"unit": state.unit["code"], "period": state.period,
            "colour": state.colour_by if state.colour_by in COLOUR_BY else None, "compare": state.compare,
            "scheme": state.scheme, "level": state.level, "drafts": state.args.get("drafts")}
    url = url_for("tiles.tile", layer=TILE_LAYERS[level], z=0, x=0, y=0, indicator=state.indicator["code"],
                  **{k: v for k, v in args.items() if v})
    return TileSource(url=url.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf", 1), n_units=len(state.units))


def _render_map(theme: str | None, indicator_code: str, default_unit: str, default_period: str | None) -> str:
    conn = db.conn()
    state = _page_state(theme, indicator_code, default_unit, default_period)
    unit, units, outline, evaluations = state.unit, state.units, state.outline, state.evaluations
    indicator, period, around = state.indicator, state.period, state.around
    drafts = bool(state.args.get("drafts"))
    tiles = _tile_source(state) if _tiles_for(state) else None
    swipe = params.choice("view", ["swipe"]) is not None and state.before is not None and tiles is None
    view = _View(units, outline, None) if tiles else _view(units, outline, around)
    if tiles and unit["level"] == "country":  # the provinces' outlines over the country's communes or villages
        provinces = store.units_frame(conn, level="province", screen=True)
        b = units.total_bounds
        view = _View(units, _coarsen(provinces, view_scale.fit_zoom(b), (b[1] + b[3]) / 2)[0], None)
    layer = layer_of(state, view.units)
    within = list(units["code"]) if unit["level"] == "province" else [unit["code"]]
    if unit["level"] == "village":
        within = [unit["parent_code"]]
    if unit["level"] == "country" or tiles:
        within = []  # no points on the national map
    points = store.place_points(conn, THEMES[theme]["points"] if theme else [], within)
    page = thematic_map(layer=layer, outline=view.outline, points=points, links=_links(points),
                        datasets=_page_datasets(conn, evaluations, state.before),
                        online_basemap=current_app.config["WEBMAP_ONLINE_BASEMAP"],
                        refine=view.refine, tiles=tiles, rasters=_raster_overlays(),
                        swipe_before=dataclasses.replace(layer, evaluations=state.before, period=state.compare)
                        if swipe else None,
                        popup_url=url_for("maps.popup", code="__CODE__",
                                          **{k: v for k, v in state.popup_args.items() if v}))
    coloured = sum(1 for e in evaluations.values() if e.get("actual"))
    table = _table_rows(units, evaluations, indicator) if len(units) <= LAZY_POPUPS else None
    elsewhere = [] if coloured else _figure_links(conn, state.figures_at, indicator_code if theme else None)
    return render_template(
        "map.html", page=page, theme=theme, indicator=indicator, coloured=coloured, elsewhere=elsewhere,
        table=table, n_units=len(units), status_labels={k: status_label(k) for k in progress.SEVERITY},
        severity={k: i for i, k in enumerate(progress.SEVERITY)}, pct_label=gettext("% mục tiêu"),
        default_title=f"{titled(indicator, period)} – {unit['full_name']}",
        dl_level=str(units["level"].iloc[0]) if len(units) else "commune",
        dl_within=None if unit["level"] == "country" else (unit["parent_code"] if around else unit["code"]),
        indicators=[store.indicator(conn, c) for c in (THEMES[theme]["indicators"] if theme else
                                                       HOME_INDICATORS if _chooses() else [indicator_code])],
        choose_indicator=bool(theme) or _chooses(),
        unit=unit, breadcrumb=_ancestors(conn, unit), period=period, periods=state.periods,
        colour_by=state.colour_by, scheme=state.scheme, colour_choices=COLOUR_BY, scheme_choices=SCHEMES,
        compare=state.compare, swipe=swipe, print_rasters=_raster_names(),
        has_illustrative=bool(units["illustrative"].astype(bool).any()) or points is not None,
        around=around, drafts=drafts, n_drafts=sum(1 for e in evaluations.values()
                                    if ((e.get("actual") or {}).get("source") or {}).get("approval")),
    )


def _table_rows(units: gpd.GeoDataFrame, evaluations: dict[str, dict[str, Any]],
                indicator: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per unit of the map, as DHIS2's data table: value, target, % of target, gap,
    status and source, with the raw numbers kept for sorting (``sort_*``)."""
    rows = []
    for r in units.to_dict("records"):
        e = evaluations[r["code"]]
        actual = e.get("actual") or {}
        idx = e.get("headline_target")
        target = (e["evaluations"][idx].get("target") or {}) if idx is not None else {}
        unit = actual.get("measure_unit") or indicator.get("measure_unit")
        pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
        rows.append({
            "code": r["code"], "name": r["full_name"], "status": e["status"],
            "illustrative": bool(r.get("illustrative")) or bool((actual.get("source") or {}).get("illustrative")),
            "approval": (actual.get("source") or {}).get("approval"),
            "value": number(actual.get("value"), unit) if actual.get("value") is not None else "–",
            "sort_value": actual.get("value"),
            "target": number(target.get("value"), target.get("measure_unit")) if target.get("value") is not None
            else "–", "sort_target": target.get("value"),
            "pct": f"{number(pct)} %" if pct is not None else "–", "sort_pct": pct,
            "gap": number(e["gap"]) if e.get("gap") is not None else "–", "sort_gap": e.get("gap"),
            "source": source_label(actual.get("source")) if actual.get("source") else (
                gettext("tổng hợp từ đơn vị cấp dưới") if actual.get("kind") == "aggregated" else ""),
        })
    return rows


def _figure_links(conn, figures_at: list[dict[str, Any]], indicator: str | None) -> list[dict[str, Any]]:
    """Where this indicator has figures, for a map that has none: name, period and query."""
    out = []
    for f in figures_at[:6]:
        page = _unit(conn, f["page"] or COUNTRY["code"])
        if page is None:
            continue
        args = {"unit": page["code"], "period": f["period"], "indicator": indicator,
                "lang": lang() if lang() != "vi" else None}
        out.append({"name": page["full_name"], "period": f["period"], "units": f["units"],
                    "illustrative": f["illustrative"], "query": {k: v for k, v in args.items() if v}})
    return out


def _theme_indicator(conn, theme: str, unit: str | None = None) -> str:
    """The theme's first indicator with a real figure somewhere (else its first): the one it opens on.
    A unit's theme map opens on the first indicator the unit or its children have a figure of
    (Bình Lư's poverty map on its 209 households given electricity support, not on a rate it lacks)."""
    codes = THEMES[theme]["indicators"]
    if unit is not None:
        for code in codes:
            if thematic.has_figures_below(conn, code, unit):
                return code
    for code in codes:
        if any(not f["illustrative"] for f in thematic.figure_pages(conn, code)):
            return code
    return codes[0]


@bp.get("/map/popup/<code>")
def popup(code: str):
    """One unit's popup, for pages with too many units to ship them all (``maps.LAZY_POPUPS``)."""
    conn = db.conn()
    row = store.get_unit(conn, code[:40])
    indicator = store.indicator(conn, params.indicator("indicator") or "")
    period = params.period("period")
    if row is None or indicator is None or period is None:
        abort(404)
    try:
        evaluation = progress.evaluate(conn, row["code"], indicator["code"], period)
    except ValueError:
        abort(400)
    layer = Layer(units=gpd.GeoDataFrame(), evaluations={}, indicator=indicator, period=period)
    html = popup_html(row, evaluation, layer, {d["id"]: attribution_line(d) for d in store.datasets(conn)})
    return caching.conditional(current_app.response_class(str(html), mimetype="text/html"), code,
                               tuple(sorted(request.args.items())))


def _chooses() -> bool:
    """The home and country pages: their indicator is a choice, not fixed by the address."""
    return request.endpoint in ("maps.home", "maps.country")


def _home_indicator(country: bool = False) -> tuple[str, str | None]:
    """The indicator asked for on / or /country (one of HOME_INDICATORS) and the period to default to.
    The country page opens on the first of them that a province has a figure of (the provinces have
    no density figure: it opened grey)."""
    code = params.indicator("indicator")
    if code is None and country:  # looked up once per data version, not on every cached answer
        conn = db.conn()
        code = _pages.get_or_build(("country-indicator",), lambda: next(
            (c for c in HOME_INDICATORS if any(f["page"] is None and not f["illustrative"]
                                                for f in thematic.figure_pages(conn, c))), None))
        if code is not None and code != HOME["indicator"]:
            return code, None
    if code is None or code == HOME["indicator"]:
        return HOME["indicator"], HOME["period"]
    if code not in HOME_INDICATORS:
        abort(404)
    return code, None  # its own latest period with figures


@bp.get("/country")
def country():
    """The 34 provinces; each drills down to its communes, then villages."""
    code, period = _home_indicator(country=True)
    return render_map(None, code, default_unit=COUNTRY["code"], default_period=period)


@bp.get("/")
def home():
    code, period = _home_indicator()
    return render_map(None, code, default_unit=HOME["unit"], default_period=period)


@bp.get("/map/<theme>")
def theme_map(theme: str):
    if theme not in THEMES:
        abort(404)
    code = params.indicator("indicator") or _theme_indicator(db.conn(), theme, params.unit_code("unit"))
    if code not in THEMES[theme]["indicators"]:
        abort(404)
    return render_map(theme, code)


@bp.get("/map/indicator/<code>")
def indicator_map(code: str):
    return render_map(None, code)


@bp.get("/unit/<code>")
def unit_page(code: str):
    conn = db.conn()
    unit = store.get_unit(conn, code)
    if unit is None:
        abort(404)
    codes = store.figures.indicators_of_unit(conn, code)
    rows = []
    for ind in codes:
        own = store.figures.unit_periods_actuals_last(conn, code, ind)
        if own:
            period = own[-1]  # the latest actual first
        else:
            periods = [p for p in _periods(conn, ind.split("__")[0]) if p]
            period = periods[-1] if periods else "2025"
        try:
            e = progress.evaluate(conn, code, ind, period)
        except (progress.UnknownCode, ValueError):
            continue
        rows.append({"code": ind, "period": period, "e": e, "projection": _projection_text(e)})
    groups = _by_theme(conn, rows)
    frame = store.units_frame(conn, level=unit["level"], parent=unit["parent_code"], screen=True)
    frame = frame[frame["code"] == code]
    small = None
    if len(frame) and frame.geometry.iloc[0] is not None:
        small = _small_map(frame)
    from geodata import report

    report_periods = report.report_periods(conn, code)
    from webmap import workflow_views

    kids = _children(conn, unit)
    trail_codes = [code] + [k["code"] for k in kids]
    logged_in = g.get("user") is not None
    return render_template("unit.html", unit=unit, rows=rows, groups=groups, children=kids,
                           report_periods=report_periods,
                           audit=workflow_views.audit_rows(trail_codes) if logged_in else [],
                           audit_count=workflow.audit_count(conn, trail_codes),
                           pending=workflow.batches(conn, [code], ("submitted",)) if logged_in else [],
                           breadcrumb=_ancestors(conn, unit), small=small, themes=THEMES,
                           child_level={"province": "commune", "commune": "village"}.get(unit["level"]),
                           former=store.units.predecessors(conn, code))


def _projection_text(e: dict[str, Any]) -> str | None:
    """"Với tốc độ hiện nay (−2,1 điểm %/năm, 2024–2025), năm 2030 đạt 4,6 % (mục tiêu 10 %: đạt)"."""
    p = projection.project(e)
    if p is None:
        return None
    unit = (e.get("actual") or {}).get("measure_unit") or e["indicator"].get("measure_unit")
    pace = number(p.pace, p.unit)
    if p.pace > 0:
        pace = "+" + pace
    verdict = {True: gettext("đạt"), False: gettext("chưa đạt"), None: ""}[p.meets]
    return gettext("Với tốc độ hiện nay (%(pace)s, %(a)s–%(b)s), năm %(year)s đạt %(value)s (mục tiêu %(target)s%(v)s)",
                   pace=pace, a=p.first_year, b=p.last_year, year=p.year, value=number(p.value, unit),
                   target=number(p.target, unit), v=": " + verdict if verdict else "")


def _by_theme(conn, rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The unit page's indicators grouped by catalogue theme, in the seed reports' order, each
    group sorted by its Vietnamese (or English) name."""
    from geodata import names

    theme_of = store.figures.themes_of(conn)
    order = list(CATALOGUE_THEMES)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault(theme_of.get(r["code"].split("__")[0]) or "", []).append(r)
    key = "name_en" if lang() == "en" else "name_vi"
    out = []
    for theme in sorted(grouped, key=lambda t: order.index(t) if t in order else len(order)):
        label = str(CATALOGUE_THEMES.get(theme, gettext("Khác")))
        out.append((label, sorted(grouped[theme], key=lambda r: names.fold(r["e"]["indicator"][key] or ""))))
    return out


def _children(conn, unit: dict[str, Any], limit: int = 400) -> list[dict[str, Any]]:
    """The unit's children with how many indicators have figures and how many of those are behind
    (off track, at risk, not achieved, deteriorating), judged on each child's latest figure."""
    kids = store.units.children(conn, unit["code"], by_name=True, limit=limit)
    behind = {"off_track", "at_risk", "not_achieved", "deteriorating"}
    for kid in kids:
        latest = store.figures.latest_actual_periods(conn, kid["code"])
        statuses = []
        for ind, period in latest:
            try:
                statuses.append(progress.evaluate(conn, kid["code"], ind, period)["status"])
            except (progress.UnknownCode, ValueError):
                continue
        kid["with_figures"] = len(statuses)
        kid["behind"] = sum(1 for s in statuses if s in behind)
        kid["achieved"] = sum(1 for s in statuses if s == "achieved")
    return kids


def _small_map(frame: gpd.GeoDataFrame):


    b = frame.total_bounds
    m = folium.Map(tiles=None, zoom_control=False, control_scale=False, width="100%", height=260)
    MetricScale().add_to(m)
    FitView([[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]).add_to(m)
    folium.GeoJson(feature_collection(frame, [{"code": frame["code"].iloc[0], "css": "unit unit-small",
                                      "style": {"fillColor": "#41b6c4", "color": "#222", "weight": 1.5}}]
                             ), on_each_feature=ON_EACH_UNIT).add_to(m)
    assets.localize(m)
    root = m.get_root()
    root.render()
    return MapPage(Markup(root.header.render()), Markup(root.html.render()), Markup(root.script.render()))


@bp.get("/api/screen-geometry/<code>")
def screen_geometry(code: str):
    """The stored screen boundaries of a map page's units and outline, keyed by code:
    what a page opened with coarser (one-pixel) boundaries swaps in on zoom-in."""
    conn = db.conn()
    unit = store.get_unit(conn, code)
    if unit is None:
        abort(404)

    def plain(frame: gpd.GeoDataFrame) -> dict[str, Any]:
        return feature_collection(frame, [{"code": c} for c in frame["code"]])

    around = params.choice("around", ["1"]) is not None  # the unit among its neighbours

    def build() -> caching.Body:
        if around:
            units = _siblings(conn, unit)
            outline = units[units["code"] == unit["code"]]
        else:
            units, outline = _page_units(conn, unit)
        return caching.Body.of(json.dumps({"code": code, "units": plain(units), "outline": plain(outline)},
                                          ensure_ascii=False, separators=(",", ":")))
    return caching.body_response(_geometries.get_or_build((code, around), build), "application/json")


@bp.get("/api/search")
def search_units():
    q = (params.raw("q") or "")[:100]
    results = search.search(db.conn(), q, limit=10)
    return jsonify({"query": q, "count": len(results), "results": results})


@bp.get("/healthz")
def healthz():
    """The store's state: 200 when it serves, 503 with the reason when not.  File paths and raw
    error texts only for the operator on the server itself (``security.is_operator``)."""
    from webmap import security

    operator = security.is_operator()
    path = current_app.config["WEBMAP_DB"]
    problem = current_app.config.get("WEBMAP_STORE_ERROR")
    recovered = current_app.config.get("WEBMAP_RECOVERY_NOTES", []) if operator else []
    where = {"database": store.shown_location(path)} if operator else {}
    if problem:
        return jsonify({"status": "unavailable", **where, "integrity": problem if operator else "unavailable",
                        "recovered": recovered}), 503
    try:
        state = db.integrity_state(path)
        conn = db.conn()
        body = {
            "status": "ok" if state == "ok" else "damaged",
            **where,
            "integrity": state if operator or state == "ok" else "damaged",
            "journal_mode": integrity.journal_mode(conn),
            "recovered": recovered,
            "units": store.counts_by_level(conn),
            "observations": store.table_count(conn, "observations"),
            "crosswalk": store.table_count(conn, "crosswalk"),
            "indicators": store.table_count(conn, "indicators"),
            "schema_version": store.meta(conn).get("schema_version"),
        }
    except sqlite3.DatabaseError as exc:
        return jsonify({"status": "damaged", **where, "integrity": str(exc) if operator else "damaged",
                        "recovered": recovered}), 503
    return jsonify(body), 200 if state == "ok" else 503
