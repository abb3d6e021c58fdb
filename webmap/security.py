"""Response headers every page and file gets, and what an anonymous visitor may learn of the server.

Why hashes and not nonces for scripts: folium writes each map as inline script blocks, and map
pages are built once per data version and served to everyone from a cache, so a per-response
nonce would mean rebuilding or rewriting the page; the SHA-256 of each inline block is computed
once with the page (``caching.Body``) and named in the policy, so only the scripts the server
wrote run (a ``<script>`` smuggled in through a name in the data would not match).  No inline
event handler or ``javascript:`` URL is allowed at all.  Styles keep ``'unsafe-inline'``: folium and
Leaflet set ``style`` attributes everywhere, and a style cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, request

OSM_TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"


_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def script_hashes(html: bytes) -> tuple[str, ...]:
    """The CSP source of every inline script block of a page, in order."""
    return tuple(dict.fromkeys(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)))


def policy(online_basemap: bool, hashes: tuple[str, ...] = ()) -> str:
    img = "'self' data: blob:" + (f" {OSM_TILES}" if online_basemap else "")
    scripts = " ".join(("'self'", *hashes))
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'")


def add_headers(resp: Response) -> Response:
    if "Content-Security-Policy" not in resp.headers:  # a cached page brings its own (caching.body_response)
        hashes = ()
        if resp.mimetype == "text/html" and not resp.direct_passthrough and not resp.content_encoding:
            hashes = script_hashes(resp.get_data())
        resp.headers["Content-Security-Policy"] = policy(current_app.config.get("WEBMAP_ONLINE_BASEMAP", False),
                                                         hashes)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return resp


def is_operator() -> bool:
    """A request from the server itself (loopback, after ProxyFix has read X-Forwarded-For): it may
    see file paths and raw error texts; anyone else sees states and counts only."""
    return (request.remote_addr or "") in ("127.0.0.1", "::1") or bool(current_app.config.get("WEBMAP_HEALTH_DETAILS"))


def install(app: Flask) -> None:
    app.after_request(add_headers)
