"""Phone and tablet layouts: no control covers another, the popup is fully on screen, zoom allowed."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, live_server, wait_for_map_still

pytestmark = pytest.mark.browser

BOXES = """() => {
  const sel = {zoom: '.leaflet-control-zoom', fullscreen: '.leaflet-control-fullscreen',
               layers: '.leaflet-control-layers', legend: '.map-control', scale: '.leaflet-control-scale',
               attribution: '.leaflet-control-attribution'};
  const out = {};
  for (const [k, s] of Object.entries(sel)) {
    const el = document.querySelector(s);
    if (el && el.offsetParent !== null) {
      const r = el.getBoundingClientRect();
      out[k] = [r.left, r.top, r.right, r.bottom];
    }
  }
  const m = document.querySelector('.folium-map').getBoundingClientRect();
  out.map = [m.left, m.top, m.right, m.bottom];
  out.viewport = [0, 0, window.innerWidth, window.innerHeight];
  return out;
}"""


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


@pytest.mark.parametrize("viewport", [(390, 844), (768, 1024)])
@pytest.mark.parametrize("path", ["/map/tourism?unit=12", "/map/indicator/population?unit=03390&period=2025"])
def test_no_control_covers_another_and_the_popup_is_on_screen(app, artifacts, viewport, path):
    with live_server(app) as base, browser_page(viewport) as (page, traffic):
        page.goto(base + path)
        page.wait_for_function("document.querySelectorAll('path.unit').length >= 11", timeout=30_000)
        boxes = page.evaluate(BOXES)
        controls = {k: v for k, v in boxes.items() if k not in ("map", "viewport")}
        assert {"zoom", "layers", "legend", "scale", "attribution"} <= set(controls), controls
        for a in controls:
            for b in controls:
                if a < b:
                    assert _overlap(controls[a], controls[b]) == 0, (a, b, controls[a], controls[b])
        map_box = boxes["map"]
        assert map_box[3] - map_box[1] >= 0.45 * viewport[1]  # the map keeps most of the height
        meta = page.evaluate("document.querySelector('meta[name=viewport]').content")
        assert "user-scalable=no" not in meta and "maximum-scale" not in meta  # pinch-zoom allowed
        page.locator("path.unit").nth(1).dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content .unit-popup")
        wait_for_map_still(page)  # the pan that brings the popup into view
        popup = page.evaluate("""() => { const r = document.querySelector('.leaflet-popup').getBoundingClientRect();
                                          return [r.left, r.top, r.right, r.bottom]; }""")
        page.screenshot(path=str(artifacts / f"phone_{viewport[0]}_{path.count('village') + path.count('03390')}.png"))
        assert popup[0] >= map_box[0] and popup[2] <= map_box[2] and popup[1] >= map_box[1] and \
            popup[3] <= map_box[3], (popup, map_box)
        assert popup[2] <= viewport[0] and popup[3] <= viewport[1]
    assert traffic.console_errors == []


@pytest.mark.parametrize("path", ["/unit/03390", "/unit/12", "/map/tourism?unit=12", "/map/poverty?unit=03390"])
def test_a_phone_never_scrolls_sideways_and_every_control_is_a_44_px_target(app, path):
    """At 390×844 the unit page was 546 px wide, the data table 683 px (status off screen) and the
    select boxes 19 px tall."""
    with live_server(app) as base, browser_page((390, 844)) as (page, _traffic):
        page.goto(base + path)
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        width = page.evaluate("document.documentElement.scrollWidth")
        small = page.evaluate("""() => [...document.querySelectorAll('select, button')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))""")
        status_right = page.evaluate("""() => { const c = document.querySelector('.data-table td.status');
            return c ? c.getBoundingClientRect().right : 0; }""")
    assert width <= 390, width
    assert small == [], small
    assert status_right <= 390, status_right  # the status column is on screen


# The screen position of the most crowded point on screen and how many points are within a finger of it.
CROWDED = """() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const pts = [], size = map.getSize();
  map.eachLayer(l => { if (l instanceof L.CircleMarker && l.feature && l._popup) pts.push(l); });
  const shown = p => { const c = map.latLngToContainerPoint(p.getLatLng());
                       return c.x > 40 && c.y > 40 && c.x < size.x - 40 && c.y < size.y - 40; };
  let best = null;
  for (const p of pts.filter(shown)) {
    const c = map.latLngToContainerPoint(p.getLatLng());
    const near = pts.filter(o => map.latLngToContainerPoint(o.getLatLng()).distanceTo(c) <= 29).length;
    if (!best || near > best.near) best = {x: c.x, y: c.y, near: near, lat: p.getLatLng().lat, lng: p.getLatLng().lng};
  }
  const box = map.getContainer().getBoundingClientRect();
  best.x += box.left; best.y += box.top;
  best.count = pts.length;
  return best;
}"""


def test_a_tap_among_crowded_points_opens_the_commune_and_a_lone_point_its_own_popup(app):
    """Tapping Bình Lư on the province's tourism map hit one of 9 stacked tourism points."""
    with live_server(app) as base, browser_page((390, 844), touch=True) as (page, traffic):
        page.goto(base + "/map/tourism?unit=12")
        wait_for_map_still(page)
        crowded = page.evaluate(CROWDED)
        assert crowded["near"] >= 3, crowded  # the sample's Bình Lư sites overlap at this zoom
        page.touchscreen.tap(crowded["x"], crowded["y"])
        page.wait_for_selector(".leaflet-popup-content")
        popup = page.inner_text(".leaflet-popup-content")
        assert "Bình Lư" in popup and not page.query_selector(".leaflet-popup-content .place-popup"), popup
        # Zoomed in until no other point is within a finger's reach, the same tap opens the point.
        page.evaluate("""([lat, lng]) => { const map = Object.values(window).find(v => v instanceof L.Map);
            map.closePopup(); map.setView([lat, lng], 18, {animate: false}); }""", [crowded["lat"], crowded["lng"]])
        wait_for_map_still(page)
        alone = page.evaluate(CROWDED)
        assert alone["near"] == 1, alone
        page.touchscreen.tap(alone["x"], alone["y"])
        page.wait_for_selector(".leaflet-popup-content .place-popup")
    assert traffic.console_errors == []
