"""Vendored front-end assets: present, complete, and used instead of CDNs."""

from __future__ import annotations

import gzip
import re

import folium
import pytest
from babel.messages.pofile import read_po

from webmap import assets


def test_every_manifest_entry_is_vendored():
    urls = assets.manifest()
    assert len(urls) >= 10
    for url, rel in urls.items():
        assert (assets.STATIC / rel).is_file(), url


def test_folium_defaults_all_have_local_copies_or_are_dropped():
    m = folium.Map(tiles=None)
    known = set(assets.manifest())
    missing = [u for _, u in m.default_js + m.default_css if u.split("://", 1)[1] not in known]
    # Bootstrap 3 glyphicons and folium's rotate CSS are not on npm: our pages drop them.
    assert all("glyphicons" in u or "awesome.rotate" in u for u in missing), missing
    assets.localize(m)
    assert [u for _, u in m.default_js] == [assets.bundle("js").url]
    assert [u for _, u in m.default_css] == [assets.bundle("css").url]


def test_map_bundle_holds_leaflet_fullscreen_and_our_css_in_cascade_order():
    js = assets.bundle("js").body.decode()
    leaflet = (assets.STATIC / "vendor/leaflet@1.9.3/dist/leaflet.js").read_text()
    fullscreen = (assets.STATIC / "vendor/leaflet.fullscreen@3.0.0/Control.FullScreen.js").read_text()
    assert leaflet.strip() in js and fullscreen.strip() in js
    assert js.index(leaflet.strip()) < js.index(fullscreen.strip())  # the plugin needs L
    css = assets.bundle("css").body.decode()
    order = [css.index(f"/* {rel} */") for rel in (
        "vendor/leaflet@1.9.3/dist/leaflet.css", "vendor/leaflet.fullscreen@3.0.0/Control.FullScreen.css",
        "css/webmap.css")]
    assert order == sorted(order)  # ours last, so it overrides Leaflet's defaults
    # Relative url()s of the vendored stylesheets now point at files that exist.
    urls = re.findall(r"url\(([^)#]+)\)", css)
    assert len(urls) >= 4
    for url in urls:
        path = url.strip("'\"")
        assert path.startswith("/static/vendor/") and (assets.STATIC / path[len("/static/"):]).is_file(), path
    assert "url(#default#VML)" in css  # an IE behaviour reference is left alone


def test_bundle_is_served_gzipped_immutable_and_revalidates(client):
    b = assets.bundle("js")
    resp = client.get(b.url, headers={"Accept-Encoding": "gzip, br"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == b.body
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.mimetype == "text/javascript"
    again = client.get(b.url, headers={"Accept-Encoding": "gzip", "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get(b.url, headers={"Accept-Encoding": "identity"})
    assert plain.data == b.body and "Content-Encoding" not in plain.headers
    assert client.get("/bundle/map-0000000000000000.js").status_code == 404


def test_vendored_files_are_kept_and_our_loose_files_revalidate(client):
    vendored = client.get("/static/vendor/leaflet@1.9.3/dist/leaflet.css")
    assert vendored.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/js/search.js").headers["Cache-Control"] == "no-cache"


def test_map_pages_link_the_bundle_once_and_no_loose_leaflet(client):
    for path in ("/", "/map/tourism", "/unit/03390"):
        html = client.get(path).get_data(as_text=True)
        assert html.count(assets.bundle("js").url) == 1 and html.count(assets.bundle("css").url) == 1, path
        assert "leaflet.js" not in html and "css/webmap.css" not in html, path
    assert "css/webmap.css" in client.get("/unit/no-such-unit").get_data(as_text=True)  # error page: no map


def test_unvendored_asset_is_an_error_not_a_request():
    with pytest.raises(assets.AssetNotVendored, match="not vendored"):
        assets.local_url("https://cdn.example.org/lib.js")


def test_english_catalogue_translates_every_string(tmp_path):
    """Extracted from the code as it is now (the committed .pot lagged by 31 strings, which
    English pages showed in Vietnamese), none untranslated or left with a fuzzy guess."""
    import subprocess
    import sys
    from pathlib import Path

    pot = tmp_path / "now.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."], check=True)
    with open("webmap/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh)
    with open(pot, "rb") as fh:
        template = read_po(fh)
    ids = {m.id for m in template if m.id}
    translated = {m.id for m in catalogue if m.string and not m.fuzzy}
    assert ids and not ids - translated, sorted(ids - translated)
