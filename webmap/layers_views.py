"""``GET /api/layers/<layer>.<format>``: layer downloads (GeoJSON, GeoPackage, Shapefile, KML, CSV, XLSX)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from geodata import exports
from webmap import caching, db

bp = Blueprint("layers", __name__, url_prefix="/api/layers")
_cache = caching.LruCache(max_entries=24)



@bp.get("/<layer>.<fmt>")
def download(layer: str, fmt: str):
    args = request.args
    indicators = [i for value in args.getlist("indicator") for i in value.split(",") if i]
    params = {"level": args.get("level", "commune"), "within": args.get("within") or None,
              "indicators": tuple(indicators), "period": args.get("period") or None, "crs": args.get("crs") or None}
    key = (layer, fmt, tuple(sorted((k, str(v)) for k, v in params.items())))
    result = _cache.get_or_build(key, lambda: exports.export(db.conn(), layer, fmt, **params))
    resp = Response(result.data, mimetype=result.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Feature-Count": str(result.features),
    })
    return caching.conditional(resp)


@bp.get("")
def index():
    return jsonify({"layers": list(exports.LAYERS), "formats": sorted(exports.FORMATS),
                    "parameters": ["level", "within", "indicator", "period", "crs"]})
