"""Vendored front-end assets: present, complete, and used instead of CDNs."""

from __future__ import annotations

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
    assert [u for _, u in m.default_js] == ["/static/vendor/leaflet@1.9.3/dist/leaflet.js"]


def test_unvendored_asset_is_an_error_not_a_request():
    with pytest.raises(assets.AssetNotVendored, match="not vendored"):
        assets.local_url("https://cdn.example.org/lib.js")


def test_english_catalogue_translates_every_string():
    with open("webmap/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh)
    with open("webmap/translations/messages.pot", "rb") as fh:
        template = read_po(fh)
    ids = {m.id for m in template if m.id}
    assert ids and ids <= {m.id for m in catalogue if m.string}
