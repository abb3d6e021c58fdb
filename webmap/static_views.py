"""The map bundle, and how long browsers may keep static files.

Why: an office on a slow line should download Leaflet once, not revalidate five
files on every page.  The bundle's name carries its content hash and vendored
paths carry their version, so both are immutable; our own loose files
(``search.js``, the favicon) still revalidate.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from webmap import assets

bp = Blueprint("bundles", __name__)

YEAR = 365 * 24 * 3600


@bp.get(assets.BUNDLE_PREFIX + "<name>")
def bundle(name: str) -> Response:
    found = assets.bundle_named(name)
    if found is None:
        abort(404)
    gz = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = Response(found.gzipped if gz else found.body, mimetype=found.mimetype)
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Vary"] = "Accept-Encoding"
    resp.set_etag(name + (":gzip" if gz else ""))
    resp.cache_control.public = True
    resp.cache_control.max_age = YEAR
    resp.cache_control.immutable = True
    return resp.make_conditional(request)


def immutable_vendor_files(resp: Response) -> Response:
    """Vendored paths include the library's version: let browsers keep them."""
    if request.endpoint == "static" and (request.view_args or {}).get("filename", "").startswith("vendor/") \
            and resp.status_code == 200:
        resp.cache_control.no_cache = None
        resp.cache_control.public = True
        resp.cache_control.max_age = YEAR
        resp.cache_control.immutable = True
    return resp
