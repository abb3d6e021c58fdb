"""``/rasters/<import>/{z}/{x}/{y}.png``: an imported raster as map tiles, for the map pages' overlay.

Tiles change only when the data does (an undo removes the raster): ETag and revalidation as for
pages, built once per data version.
"""

from __future__ import annotations

from flask import Blueprint, abort

from geodata import raster_tiles, rasters, vector_tiles
from webmap import caching, db

bp = Blueprint("rasters", __name__)
_tiles = caching.LruCache(max_entries=2048, max_bytes=128 * 2**20)
_styles = caching.LruCache(max_entries=32)


def available() -> list[rasters.StoredRaster]:
    return _styles.get_or_build(("listing",), lambda: rasters.listing(db.conn()))


def _style(r: rasters.StoredRaster) -> raster_tiles.Style:
    return _styles.get_or_build(("style", r.import_id), lambda: raster_tiles.style_of(r.cog, r.kind, r.classes))


@bp.get("/rasters/<int:import_id>/<int:z>/<int:x>/<int:y>.png")
def tile(import_id: int, z: int, x: int, y: int):
    try:
        vector_tiles.check(z, x, y)
    except vector_tiles.TileOutOfRange:
        abort(404)
    stored = next((r for r in available() if r.import_id == import_id), None)
    if stored is None:
        abort(404)
    body = _tiles.get_or_build((import_id, z, x, y), lambda: caching.Body.of(
        raster_tiles.render(stored.cog, _style(stored), z, x, y)))
    return caching.body_response(body, "image/png")
