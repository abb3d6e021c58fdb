"""Serve folium's front-end assets from ``static/vendor`` instead of CDNs.

Why: planners often have no internet; a page that waits on a CDN shows nothing.
``static/vendor/manifest.json`` (written by ``scripts/vendor_assets.py``) maps each
CDN URL folium knows to the vendored copy.  An asset with no local copy is an error
at render time, not a silent request to the internet.

Why one bundle: every map page needs the same Leaflet, Fullscreen and our own
stylesheet.  Served as one script and one stylesheet whose URL carries a hash of
their content, a page waits on two requests instead of five, and a browser keeps
them for a year (a new release gets a new URL).  Measured on the Lai Châu home
page: subresources done 25-40 ms sooner on this machine; on a slow line each saved
request is a round trip.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import folium
from branca.element import Element
from folium.plugins import Fullscreen

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


@dataclass(frozen=True)
class Bundle:
    """Vendored files concatenated in order, with a gzip copy made once."""

    name: str
    mimetype: str
    body: bytes
    gzipped: bytes

    @property
    def url(self) -> str:
        return BUNDLE_PREFIX + self.name


BUNDLE_PREFIX = "/bundle/"
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:|/|#|[a-z]+:)([^'\")]+)\1\)")


def _bundled_files(kind: str) -> tuple[str, ...]:
    """Paths under ``static/`` that every map page loads, in cascade order."""
    prefix = len("/static/")
    if kind == "js":
        urls = [LEAFLET_JS[1], *(u for _, u in Fullscreen.default_js)]
        return tuple(local_url(u)[prefix:] for u in urls)
    urls = [LEAFLET_CSS[1], *(u for _, u in Fullscreen.default_css)]
    return (*(local_url(u)[prefix:] for u in urls), "css/webmap.css")  # ours last: it overrides


def _absolute_css_urls(text: str, rel: str) -> str:
    """``url(images/x.png)`` in a vendored stylesheet, made absolute for the bundle's URL."""
    base = "/static/" + rel.rsplit("/", 1)[0] + "/"
    return _CSS_URL.sub(lambda m: f"url({m.group(1)}{base}{m.group(2)}{m.group(1)})", text)


@cache
def bundle(kind: str) -> Bundle:
    parts = []
    for rel in _bundled_files(kind):
        text = (STATIC / rel).read_text(encoding="utf-8")
        parts.append(_absolute_css_urls(text, rel) if kind == "css" else text.rstrip() + "\n;")
        parts[-1] = f"/* {rel} */\n" + parts[-1]
    body = "\n".join(parts).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:16]
    mimetype = "text/javascript" if kind == "js" else "text/css"
    return Bundle(f"map-{digest}.{kind}", mimetype, body, gzip.compress(body, 9, mtime=0))


def bundle_named(name: str) -> Bundle | None:
    return next((b for b in (bundle("js"), bundle("css")) if b.name == name), None)


def _walk(element: Element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def localize(m: folium.Map, static_prefix: str = "/static/") -> folium.Map:
    """Load the map bundle instead of folium's defaults; point any other asset at ``static/``.

    The bundle includes ``css/webmap.css``: a page that embeds this map must not link it again.
    """
    bundled = {f"/static/{rel}" for kind in ("js", "css") for rel in _bundled_files(kind)}
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets and element is not m:
                local = [(name, local_url(url, static_prefix)) for name, url in assets]
                setattr(element, attr, [(n, u) for n, u in local if u not in bundled])
    m.default_js = [("webmap_bundle_js", bundle("js").url)]
    m.default_css = [("webmap_bundle_css", bundle("css").url)]
    return m
