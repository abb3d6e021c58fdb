"""``/tiles/{layer}/{z}/{x}/{y}.pbf``: a map page's units as Mapbox vector tiles.

A tile is asked with the page's own query (unit, indicator, period, colour, scheme, level), so
it colours its units exactly as the page's legend does: the page's state is worked out once
per data version (``views._page_state``) and every tile of it is a lookup plus the encoding.
Tiles change only with the data: ETag and revalidation as for pages, cached per data version.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request

from geodata import store, vector_tiles
from webmap import caching, db
from webmap.maps import TILE_LAYERS, tile_properties

bp = Blueprint("tiles", __name__)
MIME = "application/vnd.mapbox-vector-tile"
LEVEL_OF = {v: k for k, v in TILE_LAYERS.items()}

_indexes = caching.LruCache(max_entries=4)  # one per level: the country's 69,741 villages are ~60 MB in memory
_styles = caching.LruCache(max_entries=32)
_tiles = caching.LruCache(max_entries=4096, max_bytes=256 * 2**20)


def _index(level: str) -> vector_tiles.Index:
    def build() -> vector_tiles.Index:
        frame = store.units_frame(db.conn(), level=level, screen=True)
        return vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))

    return _indexes.get_or_build(("index", level), build)


def _style(indicator: str) -> dict[str, dict[str, Any]]:
    """The page's per-unit value, status and fill, for the page this tile belongs to."""
    from webmap import views

    def build() -> dict[str, dict[str, Any]]:
        state = views._page_state(None, indicator, request.args.get("unit") or "VN", None)
        return tile_properties(views.layer_of(state))

    key = (indicator, tuple(sorted((k, v) for k, v in request.args.items(multi=True))))
    return _styles.get_or_build(key, build)


@bp.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
def tile(layer: str, z: int, x: int, y: int):
    level = LEVEL_OF.get(layer)
    if level is None:
        abort(404)
    try:
        vector_tiles.check(z, x, y)
    except vector_tiles.TileOutOfRange:
        abort(404)
    from webmap import params

    indicator = params.indicator("indicator")
    if indicator is None or store.indicator(db.conn(), indicator) is None:
        abort(404)
    styles = _style(indicator)

    def build() -> caching.Body:
        conn = db.conn()
        if store.backend_of(conn) == "postgis":  # cut by the database (ST_AsMVT), no index in memory
            from geodata.store import postgis

            return caching.Body.of(postgis.tile(conn.raw, level, z, x, y, properties=styles))
        data = vector_tiles.encode(_index(level), z, x, y, styles, only=styles.keys())
        return caching.Body.of(data)

    key = (layer, z, x, y, indicator, tuple(sorted(request.args.items(multi=True))))
    body = _tiles.get_or_build(key, build)
    return caching.body_response(body, MIME)
