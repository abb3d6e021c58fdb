"""Vector tiles: what a tile holds (the units touching it, clipped, valid, with the page's own
value, status and fill), how it is cached and refused, and a page drawn from tiles in Chromium."""

from __future__ import annotations

import math
import re

import mapbox_vector_tile
import pytest
import shapely

from geodata import store, vector_tiles
from tests.browser import browser_page, live_server, wait_for_map_still
from webmap.themes import STATUS_COLOURS


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


BINH_LU = (103.62, 22.36)


def test_tile_pyramid_edges():
    world = vector_tiles.HALF_WORLD
    assert vector_tiles.bounds(0, 0, 0) == pytest.approx((-world, -world, world, world))
    west, south, east, north = vector_tiles.lonlat_bounds(*_tile_of(*BINH_LU, 10))
    assert west <= BINH_LU[0] <= east and south <= BINH_LU[1] <= north
    for bad in ((19, 0, 0), (3, 8, 0), (3, 0, -1)):
        with pytest.raises(vector_tiles.TileOutOfRange):
            vector_tiles.check(*bad)


def test_a_tile_holds_exactly_the_units_touching_it_clipped_and_valid(db_path):
    conn = store.connect(db_path, readonly=True)
    frame = store.units_frame(conn, level="commune", screen=True)
    conn.close()
    index = vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))
    z, x, y = _tile_of(*BINH_LU, 9)
    data = vector_tiles.encode(index, z, x, y, {"03390": {"value": 319000.0, "status": "in_progress", "fill": "#abc"}})
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["units"]
    assert layer["extent"] == vector_tiles.EXTENT
    # Independently: the communes whose boundary meets the tile and its buffer, in Web Mercator.
    west, south, east, north = vector_tiles.lonlat_bounds(z, x, y)
    pad = (east - west) * vector_tiles.BUFFER / vector_tiles.EXTENT
    box = shapely.box(west - pad, south - pad * 0.9, east + pad, north + pad * 0.9)
    expected = {c for c, g in zip(frame["code"], frame.geometry, strict=True) if g is not None and g.intersects(box)}
    got = {f["properties"]["code"] for f in layer["features"]}
    assert "03390" in got and got <= expected and len(expected - got) <= 1, (expected - got, got - expected)
    binh_lu = next(f for f in layer["features"] if f["properties"]["code"] == "03390")
    assert binh_lu["properties"] == {"code": "03390", "name": "Xã Bình Lư", "value": 319000.0,
                                     "status": "in_progress", "fill": "#abc"}
    shapes = [shapely.geometry.shape(f["geometry"]) for f in layer["features"]]
    assert all(s.geom_type in ("Polygon", "MultiPolygon") and s.is_valid for s in shapes)
    lo, hi = -vector_tiles.BUFFER, vector_tiles.EXTENT + vector_tiles.BUFFER
    assert all(lo <= v <= hi for v in shapely.total_bounds(shapes))
    # ``only`` keeps a page's own units out of its neighbours' tiles.
    only = vector_tiles.encode(index, z, x, y, only={"03390"})
    assert [f["properties"]["code"] for f in mapbox_vector_tile.decode(only)["units"]["features"]] == ["03390"]


def _tile_url(client, page: str, zxy: str) -> str:
    html = client.get(page).get_data(as_text=True)
    template = re.search(r'"(/tiles/[^"]+)"', html).group(1).encode().decode("unicode_escape")
    return template.replace("{z}/{x}/{y}", zxy)


def _props(data: bytes) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in mapbox_vector_tile.decode(data)["units"]["features"]}


def test_tiles_colour_as_the_page_revalidate_and_follow_an_approval(db_path):
    from tests.test_unit_page import _approve
    from webmap import create_app

    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True, "WEBMAP_VECTOR_TILES_ABOVE": 0})
    client = app.test_client()
    page = "/map/indicator/poor_household_rate?unit=12&period=2026"
    url = _tile_url(client, page, "/".join(map(str, _tile_of(*BINH_LU, 9))))
    first = client.get(url)
    assert first.status_code == 200 and first.content_type == "application/vnd.mapbox-vector-tile"
    props = _props(first.data)
    assert props["03390"]["status"] == "no_data" and "value" not in props["03390"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _approve(db_path, "2025", 13.5)
    _approve(db_path, "2026", 12.35)
    url = _tile_url(client, page, "/".join(map(str, _tile_of(*BINH_LU, 9))))
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200  # a new data version: a new tile
    props = _props(again.data)
    assert props["03390"]["value"] == 12.35 and props["03390"]["status"] == "on_track"
    # The GeoJSON page (below the tile threshold) gives Bình Lư the same fill.
    geojson_page = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client().get(page)
    fill = re.search(r'"code": "03390", "css": "[^"]*status-on_track[^"]*".*?"fillColor": "(#[0-9a-f]{6})"',
                     geojson_page.get_data(as_text=True), re.S)
    assert fill and props["03390"]["fill"] == fill.group(1) == STATUS_COLOURS["on_track"][0]
    for bad in ("/tiles/units/9/0/0.pbf?indicator=poor_household_rate", "/tiles/communes/19/0/0.pbf?indicator=x",
                "/tiles/communes/2/9/0.pbf?indicator=poor_household_rate", "/tiles/communes/2/1/1.pbf?indicator=nope",
                "/tiles/communes/2/1/1.pbf"):
        assert client.get(bad).status_code == 404, bad


@pytest.mark.browser
def test_a_page_drawn_from_tiles_colours_its_units_and_opens_their_popups(db_path):
    """The same page as GeoJSON (legend, popups) when its units come from vector tiles, under the
    page's own Content-Security-Policy, and again on a reload (the 304 path)."""
    from webmap import create_app

    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True, "WEBMAP_VECTOR_TILES_ABOVE": 0})
    drawn = """() => { const t = window.webmapTiles; if (!t) { return -1; }
        return Object.values(t._vectorTiles).reduce((a, v) => a + Object.keys(v._features || {}).length, 0); }"""
    with live_server(app) as base, browser_page((1280, 800), bypass_csp=False) as (page, traffic):
        for visit in range(2):
            if visit == 0:
                page.goto(base + "/map/tourism?unit=12")
            else:
                page.reload()
            wait_for_map_still(page)
            _wait(page, drawn, 38)
            assert page.evaluate("document.querySelectorAll('path.unit').length") == 0  # no GeoJSON units
            point = page.evaluate("""([lon, lat]) => { const map = Object.values(window).find(v => v instanceof L.Map);
                const p = map.latLngToContainerPoint([lat, lon]); const b = map.getContainer().getBoundingClientRect();
                map.closePopup(); return [p.x + b.left, p.y + b.top]; }""", list(BINH_LU))
            page.mouse.click(*point)
            page.wait_for_selector(".leaflet-popup-content :text('Xã Bình Lư')")
            assert "319.000 lượt" in page.inner_text(".leaflet-popup-content")
            assert "Đang thực hiện" in page.inner_text(".legend-fold")
    assert traffic.console_errors == []
    assert any("/tiles/communes/" in u for u in traffic.requests)


def _wait(page, drawn: str, at_least: int) -> None:
    """Until the tiles have drawn ``at_least`` features (no eval: the page's CSP is on)."""
    page.evaluate(f"""() => new Promise(done => {{ const count = {drawn};
        const tick = () => count() >= {at_least} ? done() : setTimeout(tick, 50); tick(); }})""")
