"""Thematic maps in Chromium: polygons, markers, popups against the API, drill-down,
periods, language, search, escaping; and nothing leaves 127.0.0.1."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.browser import browser_page, live_server, wait_for_map_still

pytestmark = pytest.mark.browser

OPEN_POPUP = """code => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let done = false;
    map.eachLayer(l => {
        if (!done && l.feature && l.feature.properties.code === code && l.getPopup && l.getPopup()) {
            l.openPopup(l.getBounds ? l.getBounds().getCenter() : l.getLatLng()); done = true;
        }
    });
    return done;
}"""


def _number(text: str) -> float:
    token = text.split()[0]
    return float(token.replace(".", "").replace(",", "."))


def _hex(css_rgb: str) -> str:
    r, g, b = (int(x) for x in re.findall(r"\d+", css_rgb)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _wait_units(page, n: int, kind: str = "unit-commune") -> None:
    page.wait_for_function(f"document.querySelectorAll('path.{kind}').length >= {n}", timeout=30_000)


@pytest.mark.parametrize(("theme", "markers"), [
    ("poverty", 0), ("infrastructure", 2), ("resettlement", 2), ("tourism", 9),
])
def test_theme_pages_draw_polygons_and_markers(app, artifacts, theme, markers):
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/map/{theme}?unit=12")
        _wait_units(page, 38)
        page.wait_for_load_state("networkidle")
        assert page.locator("path.unit-commune").count() == 38
        assert page.locator("path.place").count() == markers
        # Every marker colour is in the legend, with its count.
        legend = page.evaluate("""() => [...document.querySelectorAll('.legend-point')].map(r => [
            r.dataset.type, getComputedStyle(r.querySelector('i')).backgroundColor,
            Number(r.querySelector('.n').textContent.replace(/[()]/g, ''))])""")
        drawn = page.evaluate("""() => {
            const n = {};
            document.querySelectorAll('path.place').forEach(p => {
                const t = [...p.classList].find(c => c.startsWith('place-')).slice(6);
                const key = t + ' ' + p.getAttribute('fill');
                n[key] = (n[key] || 0) + 1;
            });
            return n;
        }""")
        assert sum(n for _, _, n in legend) == markers
        assert {f"{t} {_hex(c)}": n for t, c, n in legend} == drawn
        if theme == "resettlement":
            assert page.locator("path.place-link").count() == 1  # hazard zone -> resettlement site
            assert page.locator(".legend-link").count() == 1
        page.screenshot(path=str(artifacts / f"map_{theme}.png"))
    assert traffic.foreign_hosts() == set(), traffic.requests
    assert traffic.console_errors == []


def test_popup_value_equals_the_api(app, client, artifacts):
    api = client.get("/api/progress?unit=03390&indicator=tourist_arrivals&period=2025H1").get_json()
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/map/tourism")
        _wait_units(page, 38)
        assert page.evaluate(OPEN_POPUP, "03390")
        popup = page.locator(".leaflet-popup-content .unit-popup")
        value = popup.locator("table tr").first.locator("td").inner_text()
        status = popup.locator(".status").inner_text()
        text = popup.inner_text()
        bar = popup.locator(".bar span").get_attribute("style")
        value_source = popup.locator("table tr").first.locator(".src")
        source, cited = value_source.inner_text(), value_source.get_attribute("title")
        wait_for_map_still(page)  # the pan that brings the popup into view
        overlap = page.evaluate("""() => {
            const a = document.querySelector('.leaflet-popup').getBoundingClientRect();
            const b = document.querySelector('.leaflet-top.leaflet-right').getBoundingClientRect();
            const m = document.querySelector('.leaflet-container').getBoundingClientRect();
            return {cut: Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                         * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)),
                    inside: a.top >= m.top && a.bottom <= m.bottom};
        }""")
        page.screenshot(path=str(artifacts / "popup_binh_lu.png"))
    assert overlap == {"cut": 0, "inside": True}  # not under the layer list, not cut off
    assert _number(value) == api["actual"]["value"] == 319000
    assert status == api["status_label"]["vi"]
    # The source of the number: the document by title and section, file and words on hover.
    assert source == ("Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư, "
                      "Phần 1 > I (Phát triển kinh tế) > 3. Thương mại - Dịch vụ, du lịch")
    assert cited.startswith("002_a60ddfe8de7b5205.txt: «Lượng khách du lịch trong 06 tháng") and "319.000" in cited
    assert "55 %" in text and "80,6 %" in text and "319.000 / 395.900" in text  # the report's own sum, in Vietnamese
    assert bar == f"width:{round(api['pct_of_plan'])}%"
    assert traffic.console_errors == []


def test_drill_down_shows_villages_and_breadcrumb_goes_back(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        page.goto(f"{base}/map/tourism")
        _wait_units(page, 38)
        page.evaluate(OPEN_POPUP, "03390")
        # Wait on the navigation the click starts, then on the shapes: polling for shapes while the
        # old page is being replaced failed under load ("execution context was destroyed").
        with page.expect_navigation(url=re.compile(r"unit=03390")):
            page.locator(".leaflet-popup-content a.drill").click()
        _wait_units(page, 11, "unit-village")
        assert page.locator("path.unit-village").count() == 11
        crumbs = page.locator(".breadcrumb").inner_text()
        assert "Tỉnh Lai Châu" in crumbs and "Xã Bình Lư" in crumbs
        page.screenshot(path=str(artifacts / "drill_binh_lu.png"))
        with page.expect_navigation(url=re.compile(r"unit=12")):
            page.locator(".breadcrumb a", has_text="Tỉnh Lai Châu").click()
        _wait_units(page, 38)
        assert page.locator("path.unit-commune").count() == 38


def test_switching_the_period_changes_the_colours(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        page.goto(f"{base}/map/indicator/grain_output_t")
        _wait_units(page, 38)
        assert page.locator("#period").input_value() == "2025H1"
        before = page.locator("path.unit-03390").get_attribute("fill")
        page.select_option("#period", "2025")
        page.wait_for_url(re.compile(r"period=2025(&|$)"))
        _wait_units(page, 38)
        after = page.locator("path.unit-03390").get_attribute("fill")
        page.screenshot(path=str(artifacts / "period_2025.png"))
    assert before != after and after == "#d9d9d9"  # 2025 has only the plan: no actual yet


def test_status_colouring_and_english_labels(app, artifacts):
    with live_server(app) as base, browser_page() as (page, _traffic):
        page.goto(f"{base}/map/indicator/grain_output_t?unit=12&colour=status&lang=en")
        _wait_units(page, 38)
        legend = page.inner_text(".legend")
        toolbar = page.inner_text(".toolbar")
        page.screenshot(path=str(artifacts / "status_en.png"))
        assert page.locator("path.status-in_progress").count() == 1
    assert "In progress" in legend and "No figure for this period" in legend
    assert "Colour by" in toolbar and "Period" in toolbar and "Download layer" in toolbar


@pytest.mark.parametrize("query", ["binh lu", "Sơn Bình"])
def test_search_leads_to_binh_lu(app, artifacts, query):
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/map/poverty?unit=12")
        _wait_units(page, 38)
        page.fill("#search", query)
        page.wait_for_selector("#search-results a[data-code='03390']")
        page.screenshot(path=str(artifacts / f"search_{query.replace(' ', '_')}.png"))
        page.press("#search", "Enter")
        page.wait_for_url(re.compile(r"/unit/03390"))
        assert "Xã Bình Lư" in page.inner_text("h1")
    assert traffic.console_errors == []


def test_script_in_a_name_is_text_everywhere(db_path, artifacts):
    from webmap import create_app

    evil = "<script>alert(1)</script> Bình Lư"
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE units SET full_name=? WHERE code='03390' AND vintage='2025'", (evil,))
    conn.commit()
    conn.close()
    app = create_app({"WEBMAP_DB": str(db_path)})
    dialogs: list[str] = []
    with live_server(app) as base, browser_page() as (page, traffic):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/map/tourism")
        _wait_units(page, 38)
        page.evaluate(OPEN_POPUP, "03390")
        assert evil in page.inner_text(".leaflet-popup-content strong")
        page.fill("#search", "Bình Lư")
        page.wait_for_selector("#search-results a[data-code='03390']")
        assert evil in page.inner_text("#search-results")
        page.goto(f"{base}/unit/03390")
        assert evil in page.inner_text("h1")
        page.goto(f"{base}/map/tourism?unit=03390")  # its villages have no figure: among its neighbours
        _wait_units(page, 38)
        assert evil in page.inner_text(".breadcrumb")
        page.screenshot(path=str(artifacts / "escaped_name.png"))
    assert dialogs == [] and traffic.console_errors == []


def test_the_country_page_shows_the_provinces_and_drills_down(client):
    import json

    page = client.get("/country").get_data(as_text=True)
    shown = [json.dumps(t)[1:-1] for t in ("Tỉnh Lai Châu", "Tỉnh Sơn La", "Xem các xã")]  # as in the map's JSON
    assert page.count("unit-popup") == 2 and all(t in page for t in shown) and "unit=12" in page
    province = client.get("/?unit=12").get_data(as_text=True)
    assert "unit=VN" in province and "Việt Nam" in province  # the breadcrumb goes up to the country


def test_scale_bars_are_metric_only(client):
    for path in ("/", "/unit/03390"):
        page = client.get(path).get_data(as_text=True)
        assert "L.control.scale({imperial: false" in page and "L.control.scale()" not in page


def test_periods_and_units_read_as_words_not_codes(client):
    page = client.get("/map/poverty?indicator=poor_hh_electricity_subsidy_hh&unit=03390&period=2025Q1").get_data(
        as_text=True)
    assert ">quý I/2025</option>" in page and "2025Q1</option>" not in page
    assert "quý I/2025 quý I/2025" not in page and "2025Q1 –" not in page  # the name already says the period
    english = client.get("/map/poverty?indicator=poor_hh_electricity_subsidy_hh&unit=03390&period=2025Q1&lang=en"
                         ).get_data(as_text=True)
    assert ">Q1 2025</option>" in english
    from webmap import create_app
    from webmap.formatting import period_label, unit_label

    with create_app({"TESTING": True}).test_request_context("/"):
        assert [period_label(p) for p in ("2025", "2025H1", "2025H2", "2026-2030")] == [
            "2025", "6 tháng đầu năm 2025", "6 tháng cuối năm 2025", "giai đoạn 2026–2030"]
        assert [unit_label(u) for u in ("patients", "pupils", "pp/year", "m3", "flag (1=yes)")] == [
            "bệnh nhân", "học sinh", "điểm %/năm", "m³", "(1 = đạt)"]


def test_province_page_of_villages_colours_the_villages_of_all_its_communes(client, conn):
    html = client.get("/map/indicator/population?unit=12&level=village&period=2025").get_data(as_text=True)
    villages = {r[0] for r in conn.execute(
        "SELECT v.code FROM units v JOIN units c ON c.code = v.parent_code AND c.vintage = v.vintage "
        "WHERE v.level='village' AND c.parent_code='12' AND v.vintage='2025'")}
    assert villages and all(f"unit-{code} " in html for code in villages)
    assert "unit unit-commune" not in html  # the communes are not coloured on this page
    assert client.get("/map/indicator/population?unit=12&level=district").status_code == 400


def test_popup_endpoint_escapes_and_answers_404_for_unknown_units(client):
    ok = client.get("/map/popup/03390?indicator=population_density&period=2025")
    assert ok.status_code == 200 and "Xã Bình Lư" in ok.get_data(as_text=True)
    again = client.get("/map/popup/03390?indicator=population_density&period=2025",
                       headers={"If-None-Match": ok.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/map/popup/99999?indicator=population_density&period=2025").status_code == 404
    assert client.get("/map/popup/03390?indicator=nope&period=2025").status_code == 404
    assert client.get("/map/popup/03390?indicator=population_density&period=x<y").status_code == 400


@pytest.mark.parametrize("theme", ["poverty", "infrastructure", "resettlement", "tourism"])
def test_each_theme_opens_on_a_unit_coloured_from_a_real_figure(app, artifacts, theme):
    """/map/poverty was grey for 38 of 38 communes: a theme now opens where the documents give figures."""
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/map/{theme}")
        page.wait_for_function("document.querySelectorAll('path.unit').length >= 1", timeout=30_000)
        coloured = page.evaluate("""() => [...document.querySelectorAll('path.unit')]
            .filter(p => !p.classList.contains('illustrative'))
            .map(p => p.getAttribute('fill')).filter(f => f && f.toLowerCase() !== '#d9d9d9').length""")
        page.screenshot(path=str(artifacts / f"first_open_{theme}.png"))
        assert coloured >= 1, theme
        assert page.locator(".notice.no-figures").count() == 0
        if page.locator(".controls select[name=indicator] option").count() > 1:
            with page.expect_navigation():
                page.locator(".controls select[name=indicator]").select_option(index=1)  # another indicator
            assert "period=" not in page.url  # not carried over: the new indicator picks its own
    assert traffic.console_errors == []


def test_a_map_without_figures_says_so_and_links_to_where_they_are(client):
    html = client.get("/map/poverty?unit=12&indicator=poor_household_rate").get_data(as_text=True)
    assert "notice no-figures" in html and "Có số liệu tại:" in html
    assert "?unit=VN&amp;period=2025&amp;indicator=poor_household_rate" in html
    country = client.get("/map/poverty?unit=VN&indicator=poor_household_rate&period=2025").get_data(as_text=True)
    assert "notice no-figures" not in country and "status-other_line" in country  # 17,24 % vs the next line
