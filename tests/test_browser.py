"""The home page in Debian's Chromium: drawn polygons, popups, no outside requests."""

from __future__ import annotations

import contextlib

import pytest

from tests.browser import browser_page, live_server, wait_for_map_still

pytestmark = pytest.mark.browser


def _open_home(page, base: str, query: str = ""):
    page.goto(f"{base}/{query}")
    page.wait_for_function("document.querySelectorAll('path.unit-commune').length >= 38", timeout=30_000)


def test_home_draws_38_communes_offline(app, artifacts):
    with live_server(app) as base, browser_page() as (page, traffic):
        _open_home(page, base)
        assert page.locator("path.unit-commune").count() == 38
        assert page.locator(".legend .legend-row").count() == 6  # 5 classes + no data
        page.screenshot(path=str(artifacts / "home.png"))
        page.wait_for_load_state("networkidle")
    assert traffic.foreign_hosts() == set(), traffic.requests
    assert traffic.console_errors == []


def test_popup_shows_name_code_value_and_source(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        _open_home(page, base)
        page.locator("path.unit-03390").dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content")
        text = page.inner_text(".leaflet-popup-content")
        page.screenshot(path=str(artifacts / "home_popup.png"))
    assert "Xã Bình Lư" in text and "03390 (2025)" in text
    assert "107" in text and "người/km²" in text
    assert "lai_chau_communes_2025.geojson" in text


def test_illustrative_villages_are_labelled_on_screen(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        page.goto(f"{base}/map/indicator/population?unit=03390&period=2025&children=1")
        page.wait_for_function("document.querySelectorAll('path.unit-village').length === 11")
        assert "minh hoạ" in page.inner_text(".notice.illustrative")
        assert page.locator("path.unit-village.illustrative").count() == 11
        assert "minh hoạ" in page.inner_text(".legend")
        page.screenshot(path=str(artifacts / "villages_binh_lu.png"))


def test_english_page(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        _open_home(page, base, "?lang=en")
        legend = page.inner_text(".legend")
        attribution = page.inner_text(".leaflet-control-attribution")
        page.screenshot(path=str(artifacts / "home_en.png"))
    assert "Population density" in legend and "No data" in legend
    assert "Boundaries: NXB TN-MT&BĐVN (sapnhap.bando.com.vn)" in attribution
    assert "Illustrative villages: invented boundaries and figures, not official (illustrative)" in attribution
    assert "Ranh giới hành chính" not in attribution


OVERLAP = """() => {
  const box = s => document.querySelector(s).getBoundingClientRect();
  const cut = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                      * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const scale = box('.leaflet-control-scale'), attribution = box('.leaflet-control-attribution');
  return {scale_attribution: cut(scale, attribution), legend_attribution: cut(box('.legend'), attribution),
          scale_width: scale.width, attribution_lines: Math.round(attribution.height / 16)};
}"""


@pytest.mark.parametrize("viewport", [(1280, 800), (1024, 700)])
def test_attribution_never_covers_scale_bar_or_legend(app, artifacts, viewport):
    """Every source is named, so the attribution wraps; it must leave the scale bar readable."""
    with live_server(app) as base, browser_page(viewport=viewport) as (page, _traffic):
        page.goto(f"{base}/map/resettlement?unit=12")
        page.wait_for_function("document.querySelectorAll('path.unit-commune').length >= 38", timeout=30_000)
        boxes = page.evaluate(OVERLAP)
        page.screenshot(path=str(artifacts / f"attribution_{viewport[0]}.png"))
    assert boxes["scale_width"] > 40
    assert boxes["scale_attribution"] == 0, boxes
    assert boxes["legend_attribution"] == 0, boxes


COUNT_ZOOM_ANIMATIONS = """
Object.defineProperty(window, 'L', {configurable: true, get() { return this.__L; }, set(v) {
  this.__L = v; window.__zoomAnimations = 0;
  v.Map.addInitHook(function () { this.on('zoomanim', () => { window.__zoomAnimations += 1; }); });
}});
"""


@pytest.mark.parametrize("path", ["/", "/map/poverty", "/unit/03390"])
def test_map_opens_at_its_final_view_without_animating(app, path):
    """An animated fit re-projects every boundary once more when it ends (and the map
    only settles a quarter of a second after it appears)."""
    with live_server(app) as base, browser_page() as (page, _traffic):
        page.add_init_script(COUNT_ZOOM_ANIMATIONS)
        page.goto(base + path)
        page.wait_for_load_state("load")
        wait_for_map_still(page)
        animations = page.evaluate("window.__zoomAnimations")
        zoom = page.evaluate("Object.values(window).find(v => v instanceof L.Map).getZoom()")
    assert animations == 0
    assert zoom >= 8


def test_unit_page_small_map_draws_the_unit(app, artifacts):
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/unit/03390")
        page.wait_for_selector("path.unit-small", timeout=30_000)
        drawn = page.locator("path.unit-small").count()
        shapes = " ".join(page.locator("table.indicators").all_inner_texts())  # one table per theme
        page.screenshot(path=str(artifacts / "unit_binh_lu.png"), full_page=True)
        page.wait_for_load_state("networkidle")
    assert drawn == 1
    assert "tối thiểu · 2030" in shapes
    assert traffic.foreign_hosts() == set() and traffic.console_errors == []


def test_a_page_of_many_units_fetches_each_popup_on_click(app, artifacts, monkeypatch):
    """Above maps.LAZY_POPUPS units a page ships no popup HTML; a click fetches that unit's."""
    from webmap import maps

    monkeypatch.setattr(maps, "LAZY_POPUPS", 10)
    with live_server(app) as base, browser_page() as (page, traffic):
        _open_home(page, base)
        html = page.content()
        assert "unit-popup" not in html  # none embedded
        page.locator("path.unit-03390").dispatch_event("click")
        page.wait_for_function("document.querySelector('.leaflet-popup-content .unit-popup') !== null")
        text = page.inner_text(".leaflet-popup-content")
        page.screenshot(path=str(artifacts / "lazy_popup.png"))
    assert "Xã Bình Lư" in text and "03390 (2025)" in text and "người/km²" in text
    assert any("/map/popup/03390?" in u for u in traffic.requests)
    assert traffic.console_errors == []


def test_the_data_table_sorts_filters_and_opens_the_units_popup(app, artifacts):
    with live_server(app) as base, browser_page((1366, 768)) as (page, traffic):
        _open_home(page, base)
        page.locator("#data-table > summary").click()
        rows = page.locator("#data-table tbody tr")
        assert rows.count() == 38
        value_head = page.locator("#data-table thead th").nth(1).locator("button")
        value_head.click()  # ascending density
        values = page.evaluate("""() => [...document.querySelectorAll('#data-table tbody tr')]
            .map(r => r.cells[1].dataset.sort).filter(v => v !== '').map(Number)""")
        assert len(values) == 38 and values == sorted(values)
        value_head.click()  # descending
        first = page.evaluate("document.querySelector('#data-table tbody tr').cells[1].dataset.sort")
        assert float(first) == max(values)
        names = page.locator("#data-table thead th").nth(0).locator("button")
        names.click()
        listed = page.evaluate(
            "[...document.querySelectorAll('#data-table tbody tr')].map(r => r.cells[0].dataset.sort)")
        assert listed[0].startswith(("Phường", "Xã")) and len(listed) == 38
        # Filter by a status that some rows have and others do not.
        options = page.locator("select[name=status-filter] option")
        assert options.count() >= 2
        wanted = options.nth(1).get_attribute("value")
        page.locator("select[name=status-filter]").select_option(wanted)
        visible = page.evaluate("""() => [...document.querySelectorAll('#data-table tbody tr')]
            .filter(r => !r.hidden).map(r => r.dataset.status)""")
        assert visible and set(visible) == {wanted}
        page.locator("select[name=status-filter]").select_option("")
        # Row -> the unit's popup on the map; polygon -> its row marked.
        page.locator("#data-table tbody tr[data-code='03390']").click()
        page.wait_for_selector(".leaflet-popup-content .unit-popup[data-code='03390']")
        assert "Xã Bình Lư" in page.inner_text(".leaflet-popup-content")
        page.locator("path.unit-03394").dispatch_event("click")
        assert page.locator("#data-table tbody tr.selected").get_attribute("data-code") == "03394"
        page.screenshot(path=str(artifacts / "data_table.png"))
    assert traffic.console_errors == []


def test_unit_names_can_be_shown_on_the_map(app, artifacts):
    with live_server(app) as base, browser_page() as (page, traffic):
        _open_home(page, base)
        assert page.locator(".unit-label").count() == 0  # off at first
        page.locator(".leaflet-control-layers label", has_text="Tên đơn vị").locator("input").check()
        page.wait_for_function("document.querySelectorAll('.unit-label').length === 38")
        names = page.evaluate("[...document.querySelectorAll('.unit-label span')].map(s => s.textContent)")
        page.screenshot(path=str(artifacts / "labels.png"))
    assert "Bình Lư" in names and len(set(names)) == 38
    assert traffic.console_errors == []


@pytest.mark.parametrize("path", ["/", "/map/tourism?unit=03390", "/unit/03390", "/country"])
def test_pages_work_under_their_own_content_security_policy(app, path):
    """No bypass here: every script, style, image and request of the page is allowed by its policy."""
    with live_server(app) as base, browser_page(bypass_csp=False) as (page, traffic):
        page.goto(base + path)
        page.wait_for_selector("path.unit, path.unit-small", timeout=30_000)
        page.locator("path.unit, path.unit-small").first.dispatch_event("click")
        page.wait_for_load_state("networkidle")
    assert traffic.console_errors == [], traffic.console_errors
    assert traffic.foreign_hosts() == set()


def test_a_script_the_server_did_not_write_is_refused_and_the_controls_still_work(app):
    with live_server(app) as base, browser_page(bypass_csp=False) as (page, traffic):
        page.goto(base + "/map/poverty")
        page.wait_for_selector("path.unit")
        # An injected inline script, not among the page's hashes (Playwright may report it as an error).
        with contextlib.suppress(Exception):
            page.add_script_tag(content="window.__injected = 1;")
        assert page.evaluate("() => window.__injected") is None
        assert any("Content Security Policy" in e for e in traffic.console_errors)
        with page.expect_navigation():  # the colour select submits its form (forms.js, no inline handler)
            page.select_option("#colour", "status")
        assert "colour=status" in page.url
