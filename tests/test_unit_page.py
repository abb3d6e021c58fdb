"""The unit page and the search API."""

from __future__ import annotations

import re


def test_unit_page_lists_indicators_with_status_and_source(client):
    html = client.get("/unit/03390").get_data(as_text=True)
    assert "<h1>Xã Bình Lư</h1>" in html
    assert "grain_output_t" in html and "3.902,9" in html
    # Sources by title and section; the file and the document's words on hover.
    assert ("Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư, Phần 1 &gt; I (Phát triển kinh tế) &gt; "
            "3. Thương mại - Dịch vụ, du lịch") in html
    assert ('title="002_a60ddfe8de7b5205.txt: «Lượng khách du lịch trong 06 tháng đầu năm 2025 ước đạt: '
            '319.000 lượt đạt 55% so với kế hoạch năm 2025»"') in html
    assert "(None)" not in html and ".txt (" not in html
    # Target shapes read as words, not as the store's codes.
    assert "tối thiểu · 2030" in html and "duy trì · 2026" in html
    assert not any(code in html for code in ("at_least", "at_most", "annual_change", ">maintain"))
    assert "Đang thực hiện" in html  # part-year status
    for former in ("Thị trấn Tam Đường", "Xã Sơn Bình"):
        assert former in html
    assert html.count("<tr class=\"status-") >= 50
    assert "unit-small" in html  # the small map (drawn: test_browser.test_unit_page_small_map_draws_the_unit)


def test_unit_page_in_english_and_unknown_unit(client):
    html = client.get("/unit/03390?lang=en").get_data(as_text=True)
    assert "Indicator" in html and "In progress" in html
    assert "Bình Lư commune People&#39;s Committee report, first half of 2025, Phần 1" in html
    assert "at least · 2030" in html and "average change per year · 2026" in html
    assert client.get("/unit/99999").status_code == 404


def test_search_api_finds_any_spelling(client):
    for q in ("binh lu", "Bình Lư", "BìnhLư", "xã Bình Lư", "Sơn Bình", "TT Tam Đường"):
        first = client.get(f"/api/search?q={q}").get_json()["results"][0]
        assert first["code"] == "03390", q
    former = client.get("/api/search?q=Sơn Bình").get_json()["results"][0]
    assert former["former_name"] == "Xã Sơn Bình" and former["rule"] == "exact"
    assert client.get("/api/search?q=").get_json()["count"] == 0


def test_theme_pages_and_bad_parameters(client):
    for theme in ("poverty", "infrastructure", "resettlement", "tourism"):
        assert client.get(f"/map/{theme}").status_code == 200
    assert client.get("/map/roads").status_code == 404
    assert client.get("/map/poverty?indicator=tourist_arrivals").status_code == 404
    assert client.get("/map/poverty?colour=rainbow").status_code == 400
    assert client.get("/map/indicator/no_such").status_code == 404
    assert client.get("/map/poverty?period=20x5").status_code == 400


def test_la_hu_figures_are_not_shown_as_commune_wide(client):
    html = client.get("/map/poverty?unit=12&period=2030").get_data(as_text=True)
    assert "Thu Lũm" in html
    e = client.get("/api/progress?unit=03439&indicator=poor_household_rate&period=2030").get_json()
    assert e["scope"] == "ethnic_area:La Hủ" and e["actual"] is None


def test_unit_page_groups_by_theme_lists_children_and_links_map_downloads_and_print(client):
    html = client.get("/unit/03390").get_data(as_text=True)
    themes = re.findall(r'<h2 class="theme">([^<]+)</h2>', html)
    assert themes[0] == "Nông nghiệp" and "Giảm nghèo" in themes and "Du lịch" in themes
    assert themes.index("Giảm nghèo") < themes.index("Hạ tầng") < themes.index("Du lịch")
    assert len(themes) == len(set(themes))
    children = re.findall(r'<tr(?: class="behind")?><td><a href="/unit/(03390-B\d+)">', html)
    assert len(children) == 11  # its villages, each linked
    assert 'href="/map/poverty?unit=03390"' in html and "/api/layers/units.xlsx?level=village&amp;within=03390" in html
    assert "/figures/map?unit=03390&amp;theme=population&amp;format=pdf&amp;paper=A3&amp;orientation=portrait" in html
    province = client.get("/unit/12").get_data(as_text=True)
    rows = re.findall(r'<tr(?: class="behind")?><td><a href="/unit/(\d{5})">', province)
    assert len(rows) == 38
    binh_lu = re.search(r'/unit/03390">Xã Bình Lư</a></td>\s*<td class="num">(\d+)</td>', province)
    assert binh_lu and int(binh_lu.group(1)) > 50  # the commune whose report the store holds


def _approve(db_path, period: str, value: float) -> None:
    from geodata import store
    from geodata.store import workflow

    conn = store.connect(db_path)
    with conn:
        workflow.save_figure(conn, "bien_tap_binhlu", "03390", "poor_household_rate", period, value, "%", submit=True)
        workflow.approve(conn, "duyet_laichau", "03390", period)
    conn.close()


def _row(html: str, name: str) -> str:
    import html as html_lib

    text = html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    start = text.index(name)
    return text[start:start + 260]


def test_an_approved_figure_is_on_the_unit_page_and_judged_once_its_base_year_is_there(db_path, client):
    """An approved 2026 poverty rate (12,35 %) was on the map but not on the unit page."""
    _approve(db_path, "2026", 12.35)
    row = _row(client.get("/unit/03390").get_data(as_text=True), "Tỷ lệ hộ nghèo đa chiều")
    assert "2026 12,35 %" in row and "-0,8 điểm %/năm" in row and "Cần số liệu kỳ gốc" in row, row
    _approve(db_path, "2025", 13.5)  # −1,15 điểm % in a year against −0,8 (and −1 for 2026–2030)
    row = _row(client.get("/unit/03390").get_data(as_text=True), "Tỷ lệ hộ nghèo đa chiều")
    assert "2026 12,35 %" in row and "Đúng tiến độ" in row, row
    on_map = client.get("/map/poverty?unit=03390&period=2026").get_data(as_text=True)
    assert "12,35" in on_map and "Đúng tiến độ" in on_map
