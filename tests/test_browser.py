"""The home page in Debian's Chromium: drawn polygons, popups, no outside requests."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, live_server

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
        page.goto(f"{base}/map/indicator/population?unit=03390&period=2025")
        page.wait_for_function("document.querySelectorAll('path.unit-village').length === 11")
        assert "minh hoạ" in page.inner_text(".notice.illustrative")
        assert page.locator("path.unit-village.illustrative").count() == 11
        assert "minh hoạ" in page.inner_text(".legend")
        page.screenshot(path=str(artifacts / "villages_binh_lu.png"))


def test_english_page(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        _open_home(page, base, "?lang=en")
        legend = page.inner_text(".legend")
        page.screenshot(path=str(artifacts / "home_en.png"))
    assert "Population density" in legend and "No data" in legend
