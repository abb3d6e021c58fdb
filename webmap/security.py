"""Response headers every page and file gets, and what an anonymous visitor may learn of the server.

Why ``'unsafe-inline'`` in the script and style sources still: folium writes each map as inline
script and style blocks; the policy already stops any script, style, image or connection from
another origin (a name in the data cannot make a page load or send anything elsewhere), framing by
other sites, and plugins.  Nonces for folium's blocks are the next step, with accounts (#16).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

OSM_TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"


def policy(online_basemap: bool) -> str:
    img = "'self' data: blob:" + (f" {OSM_TILES}" if online_basemap else "")
    return ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'")


def add_headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", policy(current_app.config.get("WEBMAP_ONLINE_BASEMAP", False)))
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
