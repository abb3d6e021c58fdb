"""Boundaries at the pixel size of the opening view, and the finer ones on zoom-in."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely

from geodata import store, view_scale
from tests.browser import browser_page, live_server

LAI_CHAU_BOUNDS = (102.32089, 21.68574, 103.98503, 22.81097)


def _vertices(geoms) -> int:
    return int(sum(len(shapely.get_coordinates(g)) for g in geoms if g is not None))


def test_fit_zoom_matches_leaflet_fit_bounds():
    # 1.66° x 1.13° at 22°N: 606 x 442 px at zoom 9, 1212 x 884 px at zoom 10.
    assert view_scale.fit_zoom(LAI_CHAU_BOUNDS, (1280, 600)) == 9
    assert view_scale.fit_zoom(LAI_CHAU_BOUNDS, (1900, 900)) == 10
    assert view_scale.fit_zoom(LAI_CHAU_BOUNDS, (600, 400)) == 8
    assert view_scale.fit_zoom((103.0, 22.0, 103.0, 22.0)) == 18  # a point: the deepest zoom
    assert view_scale.pixel_degrees(9, 0) == pytest.approx(360 / 256 / 512)
    assert view_scale.pixel_degrees(9, 22.25) == pytest.approx(0.002543, abs=1e-6)


def test_province_view_keeps_a_valid_coverage_with_fewer_vertices(conn):
    communes = store.units_frame(conn, level="commune", parent="12", screen=True)
    stored = float(communes["tolerance_deg"].max())
    view = view_scale.for_view(communes.geometry.values, 9, 22.25, stored)
    assert view.coarsened and view.tolerance_deg == pytest.approx(0.002543, abs=1e-6)
    geoms = list(view.geometries)
    assert len(geoms) == 38 and all(g is not None and not g.is_empty and g.is_valid for g in geoms)
    assert _vertices(geoms) < 0.55 * _vertices(communes.geometry)  # 11,000 -> about 4,900
    # Neighbours still meet.  The official polygons are not a perfect coverage themselves
    # (12 of 38 have edges that do not match their neighbour's exactly), so: no worse than
    # the stored set, overlaps below a square metre, the province one piece with no real hole.
    def mismatched(gs) -> float:
        return sum(e.length for e in shapely.coverage_invalid_edges(np.asarray(list(gs), dtype=object)))
    assert mismatched(geoms) <= mismatched(communes.geometry)
    union = shapely.union_all(np.asarray(geoms, dtype=object))
    assert sum(g.area for g in geoms) - union.area < 1e-8  # square degrees: about 0.01 ha
    assert union.geom_type == "Polygon" and sum(shapely.Polygon(r).area for r in union.interiors) < 1e-8
    # Every boundary stays within a few pixels of the stored one.
    worst = max(shapely.hausdorff_distance(a, b) for a, b in zip(geoms, communes.geometry, strict=True))
    assert worst < 3 * view.tolerance_deg
    # Codes and order are untouched: the page joins values by position.
    assert list(communes["code"]) == sorted(communes["code"])


def test_village_view_is_not_coarsened(conn):
    villages = store.units_frame(conn, level="village", parent="03390", screen=True)
    zoom = view_scale.fit_zoom(villages.total_bounds)
    view = view_scale.for_view(villages.geometry.values, zoom, 22.4, float(villages["tolerance_deg"].max()))
    assert zoom >= 12 and not view.coarsened
    assert [g.wkb for g in view.geometries] == [g.wkb for g in villages.geometry]


def test_screen_geometry_api_gives_the_stored_boundaries(client, conn):
    resp = client.get("/api/screen-geometry/12", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    doc = json.loads(gzip.decompress(resp.data))
    stored = store.units_frame(conn, level="commune", parent="12", screen=True)
    assert [f["properties"]["code"] for f in doc["units"]["features"]] == list(stored["code"])
    assert [f["properties"]["code"] for f in doc["outline"]["features"]] == ["12"]
    got = sum(len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in doc["units"]["features"])
    assert got == _vertices(stored.geometry)
    assert client.get("/api/screen-geometry/12", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": resp.headers["ETag"]}).status_code == 304
    assert client.get("/api/screen-geometry/99999").status_code == 404


def test_pages_are_served_gzipped_from_the_cache(client):
    gz = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert gz.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(gz.data) == plain.data
    assert len(gz.data) < 60_000 < len(plain.data)
    assert gz.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'
    assert "Accept-Encoding" in gz.headers["Vary"]
    for resp in (gz, plain):
        again = client.get("/", headers={"Accept-Encoding": resp.headers.get("Content-Encoding", "identity"),
                                         "If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304


SMOOTHING = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const s = new Set();
    map.eachLayer(l => { if (l.feature && l.getLatLngs) { s.add(l.options.smoothFactor); } });
    return [...s];
}"""

VERTICES = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let n = 0;
    map.eachLayer(l => { if (l.feature && l.feature.properties.css && l.feature.properties.css.includes('unit-commune')
                                && l.getLatLngs) { n += l.getLatLngs().flat(3).length; } });
    return n;
}"""


@pytest.mark.browser
def test_home_opens_coarse_and_swaps_in_finer_boundaries_on_zoom(app, client, conn, artifacts):
    stored = store.units_frame(conn, level="commune", parent="12", screen=True)
    # Leaflet keeps rings open (no repeated first vertex): count the stored ones the same way.
    fine = sum(len(shapely.get_coordinates(r)) - 1 for g in stored.geometry for p in g.geoms
               for r in (p.exterior, *p.interiors))
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(base + "/")
        page.wait_for_function("document.querySelectorAll('path.unit-commune').length >= 38")
        page.wait_for_load_state("networkidle")
        assert page.get_attribute(".folium-map", "data-detail") == "coarse"
        coarse = page.evaluate(VERTICES)
        assert 0 < coarse < 0.55 * fine
        assert page.evaluate(SMOOTHING) == [0]  # already one pixel: Leaflet need not simplify again
        fonts = page.evaluate("""() => ['body', '.leaflet-control-layers', '.legend', 'select']
            .map(s => getComputedStyle(document.querySelector(s)).fontFamily)""")
        assert len(set(fonts)) == 1, fonts  # one typeface for page and map controls
        page.evaluate("Object.values(window).find(v => v instanceof L.Map).setZoom(11)")
        page.wait_for_function("document.querySelector('.folium-map').dataset.detail === 'fine'")
        assert page.evaluate(VERTICES) == fine
        assert page.evaluate(SMOOTHING) == [1]
        assert page.locator("path.unit-commune").count() == 38
        page.locator("path.unit-03390").dispatch_event("click")  # popups stay bound after the swap
        page.wait_for_selector(".leaflet-popup-content")
        assert "Xã Bình Lư" in page.inner_text(".leaflet-popup-content")
        page.evaluate("Object.values(window).find(v => v instanceof L.Map).setZoom(12)")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(artifacts / "home_zoomed_fine.png"))
    fetched = [u for u in traffic.requests if "/api/screen-geometry/" in u]
    assert fetched == [base + "/api/screen-geometry/12"]  # once, however often the user zooms
    assert traffic.foreign_hosts() == set()
    assert traffic.console_errors == []
