"""``GET /api/layers/<layer>.<format>``: layer downloads (GeoJSON, GeoPackage, Shapefile, KML, CSV, XLSX)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from geodata import exports
from webmap import caching, db, params
from webmap.formatting import lang

bp = Blueprint("layers", __name__, url_prefix="/api/layers")
_cache = caching.LruCache(max_entries=24)
GZIPPED = {"application/geo+json", "application/json", "text/csv", "application/vnd.google-earth.kml+xml"}



@bp.get("/<layer>.<fmt>")
def download(layer: str, fmt: str):
    if layer not in exports.LAYERS:
        raise params.ParamError("layer", f"'{layer[:30]}' không có; dùng {', '.join(exports.LAYERS)}",
                                f"'{layer[:30]}' does not exist; use {', '.join(exports.LAYERS)}")
    if fmt not in exports.FORMATS:
        raise params.ParamError("format", f"'{fmt[:30]}' không hỗ trợ; dùng {', '.join(sorted(exports.FORMATS))}",
                                f"'{fmt[:30]}' is not supported; use {', '.join(sorted(exports.FORMATS))}")
    args = {"level": params.level("level", "commune"), "within": params.unit_code("within"),
            "indicators": params.indicator_list("indicator"), "period": params.period("period"),
            "crs": params.crs("crs"), "lang": lang()}
    key = (layer, fmt, tuple(sorted((k, str(v)) for k, v in args.items())))
    def build():
        result = exports.export(db.conn(), layer, fmt, **args)
        # Text formats are gzipped once here, not by Flask-Compress on every download.
        body = caching.Body.of(result.data) if result.mimetype.split(";")[0] in GZIPPED else None
        return result, body

    result, body = _cache.get_or_build(key, build)
    headers = {"Content-Disposition": params.content_disposition("attachment", result.filename),
               "X-Feature-Count": str(result.features)}
    if body is not None:
        resp = caching.body_response(body, result.mimetype)
        resp.headers.update(headers)
        return resp
    return caching.conditional(Response(result.data, mimetype=result.mimetype, headers=headers))


@bp.get("")
def index():
    return jsonify({"layers": list(exports.LAYERS), "formats": sorted(exports.FORMATS),
                    "parameters": ["level", "within", "indicator", "period", "crs"]})
