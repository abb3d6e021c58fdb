"""Pages and JSON endpoints."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template

from geodata import store, thematic
from webmap import db
from webmap.formatting import indicator_name
from webmap.maps import indicator_map

bp = Blueprint("main", __name__)

HOME = {"province": "12", "indicator": "population_density", "period": "2025",
        "village_indicator": "population"}


@bp.get("/")
def home():
    conn = db.conn()
    indicator = store.indicator(conn, HOME["indicator"])
    village_indicator = store.indicator(conn, HOME["village_indicator"])
    if indicator is None or village_indicator is None:
        abort(404)
    province = store.get_unit(conn, HOME["province"])
    units = thematic.indicator_layer(
        conn, indicator=HOME["indicator"], period=HOME["period"], level="commune", parent=HOME["province"]
    )
    villages = thematic.indicator_layer(
        conn, indicator=HOME["village_indicator"], period=HOME["period"], level="village",
        parent=list(units["code"]),
    )
    village_frame = villages if len(villages) else None
    outline = store.units_frame(conn, level="province", screen=True)
    outline = outline[outline["code"] == HOME["province"]]
    page = indicator_map(
        units=units, indicator=indicator, period=HOME["period"], outline=outline,
        villages=village_frame, village_indicator=village_indicator, datasets=store.datasets(conn),
        online_basemap=current_app.config["WEBMAP_ONLINE_BASEMAP"],
    )
    return render_template(
        "index.html", page=page, province=province, indicator=indicator, period=HOME["period"],
        indicator_label=indicator_name(indicator), n_units=len(units), has_illustrative=village_frame is not None,
    )


@bp.get("/healthz")
def healthz():
    conn = db.conn()
    return jsonify({
        "status": "ok",
        "database": current_app.config["WEBMAP_DB"],
        "units": store.counts_by_level(conn),
        "observations": store.table_count(conn, "observations"),
        "crosswalk": store.table_count(conn, "crosswalk"),
        "indicators": store.table_count(conn, "indicators"),
        "schema_version": store.meta(conn).get("schema_version"),
    })
