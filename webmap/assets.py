"""Serve folium's front-end assets from ``static/vendor`` instead of CDNs.

Why: planners often have no internet; a page that waits on a CDN shows nothing.
``static/vendor/manifest.json`` (written by ``scripts/vendor_assets.py``) maps each
CDN URL folium knows to the vendored copy.  An asset with no local copy is an error
at render time, not a silent request to the internet.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import folium
from branca.element import Element

STATIC = Path(__file__).resolve().parents[1] / "static"

# Only what our pages use: folium's default Bootstrap/jQuery/Font Awesome add ~0.5 s.
LEAFLET_JS = next(a for a in folium.Map.default_js if a[0] == "leaflet")
LEAFLET_CSS = next(a for a in folium.Map.default_css if a[0] == "leaflet_css")


class AssetNotVendored(RuntimeError):
    """A folium element wants a script or stylesheet that is not in static/vendor."""


@cache
def manifest() -> dict[str, str]:
    data = json.loads((STATIC / "vendor" / "manifest.json").read_text(encoding="utf-8"))
    return data["urls"]


def local_url(url: str, static_prefix: str = "/static/") -> str:
    """The local URL serving the vendored copy of a CDN ``url``."""
    if url.startswith(static_prefix):
        return url
    try:
        return static_prefix + manifest()[url.split("://", 1)[-1]]
    except KeyError:
        raise AssetNotVendored(
            f"{url} is not vendored; add it to scripts/vendor_assets.py and run it"
        ) from None


def _walk(element: Element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def localize(m: folium.Map, static_prefix: str = "/static/") -> folium.Map:
    """Trim the map's default assets to Leaflet and point every asset at ``static/``."""
    m.default_js = [LEAFLET_JS]
    m.default_css = [LEAFLET_CSS]
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets:
                setattr(element, attr, [(name, local_url(url, static_prefix)) for name, url in assets])
    return m
