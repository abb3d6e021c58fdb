"""A unit's own theme maps show the unit with its figures, and theme maps open on status.

Measured on main before this: all four theme maps of Bình Lư showed its 11 illustrative villages
as "Không có số liệu (11)"; the tourism map of Lai Châu coloured by value in one class
("319.000 – 319.000 (1)").
"""

from __future__ import annotations

import json
import re

import pytest

from geodata import progress
from geodata.classify import NO_DATA_COLOUR
from tests.browser import browser_page, live_server

FEATURE = re.compile(r'"properties": (\{"code": "[^"]*", "css": "unit [^"]*".*?"style": \{[^}]*\}[^}]*\})')


def _units(html: str) -> dict[str, dict]:
    """code -> (css, fill) of every coloured unit feature of a map page."""
    out = {}
    for m in FEATURE.finditer(html):
        css = re.search(r'"css": "([^"]*)"', m.group(1))[1]
        fill = re.search(r'"fillColor": "([^"]*)"', m.group(1))[1]
        code = re.search(r'"code": "([^"]*)"', m.group(1))[1]
        out[code] = {"css": css, "fill": fill, "status": re.search(r"status-(\w+)", css)[1]}
    return out


def _legend(html: str) -> tuple[str, list[tuple[str, int]]]:
    text = json.loads('"' + re.search(r'div.innerHTML = "(.*?)";', html, re.S)[1] + '"')
    title = re.search(r"<div class='legend-title'>([^<]*)</div>", text)[1]
    rows = re.findall(r"<div class='legend-row[^']*'><i[^>]*></i>([^<]*?) <span class='n'>\((\d+)\)</span>", text)
    return title, [(label, int(n)) for label, n in rows]


@pytest.mark.parametrize(("theme", "status"), [("tourism", "in_progress"), ("infrastructure", "achieved")])
def test_a_communes_theme_map_shows_it_among_its_neighbours_by_status(client, theme, status):
    html = client.get(f"/map/{theme}?unit=03390").get_data(as_text=True)
    units = _units(html)
    assert len(units) == 38 and all(re.fullmatch(r"\d{5}", c) for c in units)  # communes, not its villages
    assert units["03390"]["status"] == status and units["03390"]["fill"] != NO_DATA_COLOUR
    assert '"css": "unit-outline"' in html and html.count('"css": "unit-outline"') == 1
    title, rows = _legend(html)
    assert title.endswith("Tình trạng")  # opened on status, the target applies
    assert (progress.STATUS_LABELS[status][0], 1) in rows
    assert ("Chưa có số liệu kỳ này", 37) in rows


def test_the_poverty_map_of_binh_lu_colours_binh_lu_not_its_demo_villages(client):
    html = client.get("/map/poverty?unit=03390").get_data(as_text=True)
    units = _units(html)
    assert len(units) == 38 and units["03390"]["fill"] != NO_DATA_COLOUR
    assert sum(1 for u in units.values() if u["fill"] != NO_DATA_COLOUR) == 1
    title, rows = _legend(html)
    assert title.startswith("Hộ nghèo được hỗ trợ tiền điện quý I/2025")
    assert ("209", 1) in rows  # one value is written once, never "209 – 209"
    # Its villages are one click away: the drill link asks for the units below, always.
    drilled = _units(client.get("/map/poverty?unit=03390&children=1").get_data(as_text=True))
    assert len(drilled) == 11 and all(c.startswith("03390-") for c in drilled)


@pytest.mark.parametrize("path", ["/", "/country", "/map/poverty", "/map/infrastructure", "/map/resettlement",
                                  "/map/tourism", "/map/poverty?unit=03390", "/map/tourism?unit=03390"])
def test_no_legend_row_is_a_range_of_one_value(client, path):
    _, rows = _legend(client.get(path).get_data(as_text=True))
    for label, _n in rows:
        parts = label.split(" – ")
        assert len(parts) == 1 or parts[0] != parts[1], label


@pytest.mark.parametrize("path", ["/map/poverty", "/map/infrastructure", "/map/tourism"])
def test_theme_maps_open_on_status_where_a_target_judges_a_unit(client, path):
    html = client.get(path).get_data(as_text=True)
    title, rows = _legend(html)
    assert title.endswith("Tình trạng"), title
    # A unit judged, or a poverty rate set against a target on the next poverty line, which the
    # legend names instead of a verdict (Lai Châu's 17,24 % of 2025 against ≤ 10 % by 2030).
    judged = [u for u in _units(html).values() if u["status"] not in progress.UNJUDGED or u["status"] == "other_line"]
    assert judged and sum(n for _, n in rows) == len(_units(html))  # the legend counts every unit


def test_a_map_without_any_target_opens_on_value(client):
    title, _ = _legend(client.get("/").get_data(as_text=True))
    assert "– Giá trị" in title


def test_status_words_say_what_is_missing(client):
    html = client.get("/unit/03390").get_data(as_text=True)
    assert "Không đủ số liệu" not in html
    population = re.search(r'data-code="population".*?</tr>', html, re.S)[0]
    assert "18.072" in population and "Chưa có chỉ tiêu" in population
    poverty = re.search(r'data-code="poor_household_rate".*?</tr>', html, re.S)[0]
    assert "Chưa có số liệu kỳ này" in poverty
    assert "-0,8 điểm %/năm" in poverty and "-1 điểm %/năm" in poverty  # both targets that apply
    assert "giai đoạn 2026–2030" in poverty


def test_maintain_and_undated_plans_are_applied(conn):
    water = progress.evaluate(conn, "03390", "hygienic_water_pop_pct", "2025H1")
    assert water["status"] == "achieved"  # 100 % in H1 against "duy trì 100 %" for 2025
    assert water["evaluations"][0]["target_type"] == "maintain"
    moved = progress.evaluate(conn, "03390", "resettlement_households", "2025")
    (ev,) = moved["evaluations"]
    assert ev["comparison"] == "plan_without_year" and ev["target"]["value"] == 36
    assert moved["status"] == "no_data"  # the plan is known, no household is reported moved yet
    assert progress.evaluate(conn, "03390", "population", "2025")["status"] == "no_target"


@pytest.mark.browser
def test_binh_lus_poverty_map_is_coloured_in_the_browser(app):
    with live_server(app) as base, browser_page(bypass_csp=False) as (page, traffic):
        page.goto(base + "/map/poverty?unit=03390")
        page.locator("path.unit-03390").wait_for(state="attached", timeout=30_000)
        assert page.locator("path.unit-commune").count() == 38
        assert page.locator("path.unit-03390").get_attribute("fill") != NO_DATA_COLOUR
    assert traffic.console_errors == []


def test_the_download_menu_offers_vn2000_and_excel_vn_files_of_what_the_map_shows(client):
    html = client.get("/map/tourism?unit=03390").get_data(as_text=True)
    links = dict((label, href.replace("&amp;", "&")) for href, label in
                 re.findall(r'<a (?:class="vn2000" )?href="(/api/layers/[^"]+)"[^>]*>([^<]+)</a>', html))
    assert {"GPKG VN-2000", "SHP VN-2000", "CSV (Excel VN)"} <= set(links)
    gpkg = client.get(links["GPKG VN-2000"])
    assert gpkg.status_code == 200 and gpkg.headers["X-Feature-Count"] == "38"  # the 38 communes drawn
    assert "lai_chau_xa_tourist_arrivals_2025h1_vn2000_103.gpkg" in gpkg.headers["Content-Disposition"]
    text = client.get(links["CSV (Excel VN)"]).data.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert header.split(";")[:2] == ["vintage_code", "code"] and len(rows) == 38
    binh_lu = next(r for r in rows if r.startswith("2025:03390;"))
    assert ";173,91;" in binh_lu and ";Đang thực hiện (kỳ chưa hết năm);" in binh_lu


def test_home_and_country_offer_the_indicator_choice_and_country_opens_on_a_province_figure(client):
    home = client.get("/").get_data(as_text=True)
    select = re.search(r'<select name="indicator"[^>]*>(.*?)</select>', home, re.S)[1]
    offered = re.findall(r'<option value="([a-z_]+)"', select)
    assert offered[0] == "population_density" and {"tourist_arrivals", "poor_household_rate"} <= set(offered)
    title, rows = _legend(client.get("/?indicator=tourist_arrivals").get_data(as_text=True))
    assert title.startswith("Tổng lượt khách du lịch 6 tháng đầu năm 2025")
    assert ("Đang thực hiện (kỳ chưa hết năm)", 1) in rows
    title, rows = _legend(client.get("/country").get_data(as_text=True))
    # Lai Châu's 17,24 % (2021–2025 poverty line) is not set against ≤ 10 % by 2030 (the 2026–2030 line).
    assert title.startswith("Tỷ lệ hộ nghèo đa chiều 2025") and ("Khác chuẩn nghèo, không so sánh", 1) in rows
    assert client.get("/?indicator=population").status_code == 404  # not among the offered ones
