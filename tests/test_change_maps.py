""""So sánh kỳ": a map coloured by the change between two periods in the indicator's own terms
(điểm phần trăm for rates, % for levels), on a diverging legend where green is better."""

from __future__ import annotations

import csv
import random
import re

import pytest

from geodata import change, store
from webmap.__main__ import main
from webmap.maps import DIVERGING


def test_change_in_the_indicators_own_terms():
    assert change.between(17.24, 15.1, "%") == change.Change(17.24, 15.1, -2.14, "pp")
    assert change.between(250_000, 319_000, "visits") == change.Change(250_000, 319_000, 27.6, "%")
    assert change.between(0, 5, "households").change is None and change.between(None, 5, "%").change is None
    assert change.symmetric_bins([-4.95, 0.3, 2.1]) == pytest.approx([-3.0, -1.0, 1.0, 3.0, 5.0])
    assert change.good_sign("lower_is_better") == -1 and change.good_sign("context") == 0


@pytest.fixture
def poverty_2024_2025(db_path, tmp_path, monkeypatch):
    """An illustrative sheet of 2024 and 2025 poverty rates for Lai Châu's 38 communes."""
    conn = store.connect(db_path, readonly=True)
    communes = conn.execute("SELECT code, full_name FROM units WHERE level='commune' AND parent_code='12'"
                            " ORDER BY code").fetchall()
    conn.close()
    rng = random.Random(3)
    rates = {}
    sheet = tmp_path / "ngheo_2024_2025.csv"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã xã", "Tên xã", "Tỷ lệ hộ nghèo 2024", "Tỷ lệ hộ nghèo 2025"])
        for code, name in communes:
            a = round(rng.uniform(10, 40), 2)
            b = round(a - rng.uniform(-1, 5), 2)
            rates[code] = (a, b)
            w.writerow([code, name, f"{a}".replace(".", ","), f"{b}".replace(".", ",")])
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    assert main(["import", "indicators", str(sheet)]) == 0
    return rates


def test_a_change_map_colours_each_commune_by_its_change_in_percentage_points(db_path, poverty_2024_2025):
    from webmap import create_app

    client = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client()
    page = client.get("/map/indicator/poor_household_rate?unit=12&period=2025&compare=2024").get_data(as_text=True)
    assert "Tỷ lệ hộ nghèo đa chiều: thay đổi 2024 → 2025 (điểm %)" in page
    changes = {c: round(b - a, 2) for c, (a, b) in poverty_2024_2025.items()}
    bins = change.symmetric_bins(list(changes.values()))
    palette = DIVERGING[::-1]  # a fall in poverty is good: green
    for code, delta in changes.items():
        fill = re.search(rf'"code": "{code}", "css": "[^"]*".*?"fillColor": "(#[0-9a-f]{{6}})"', page, re.S).group(1)
        expected = palette[next(i for i, b in enumerate(bins) if delta <= b)]
        assert fill == expected, (code, delta, fill, expected)
    # The legend counts units per class; the popup says both values and the change.
    text = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    counts = [int(n) for n in re.findall(r"<div class='legend-row'><i style='background:#[0-9a-f]{6}'></i>[^<]*"
                                         r"<span class='n'>\((\d+)\)", text)]
    assert len(counts) == 5 and sum(counts) == 38, counts
    assert "Thay đổi so với 2024" in text or "Thay \\u0111\\u1ed5i so v\\u1edbi 2024" in page
    # The same page without compare is the status map again.
    assert "thay đổi 2024" not in client.get("/map/indicator/poor_household_rate?unit=12&period=2025").get_data(
        as_text=True)


SIDE = """([x, y]) => {
  // The unit path drawn at a screen point: which period's layer it belongs to.
  const el = document.elementsFromPoint(x, y).find(e => e.tagName === 'path' && e.classList.contains('unit'));
  if (!el) { return null; }
  return el.closest('.leaflet-swipe-before-pane') ? 'before' : 'after';
}"""


@pytest.mark.browser
def test_the_swipe_view_shows_two_periods_and_a_finger_moves_the_divider(db_path, poverty_2024_2025):
    """On a phone (390×844, touch): 2024 left of the divider, 2025 right, one legend for both; dragging
    the slider moves the divider, and a commune under it changes period."""
    from tests.browser import browser_page, live_server, wait_for_map_still
    from webmap import create_app

    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    with live_server(app) as base, browser_page((390, 844), bypass_csp=False, touch=True) as (page, traffic):
        page.goto(base + "/map/indicator/poor_household_rate?unit=12&period=2025&compare=2024&view=swipe")
        wait_for_map_still(page)
        page.evaluate("document.querySelectorAll('details.legend-fold').forEach(d => d.removeAttribute('open'))")
        assert page.locator(".leaflet-swipe-before-pane path.unit").count() == 38
        assert page.locator(".leaflet-overlay-pane path.unit").count() == 38
        box = page.locator(".folium-map").bounding_box()
        slider = page.locator("input.swipe-range").bounding_box()
        assert slider["height"] >= 44 and slider["width"] >= box["width"] - 1  # a finger's target
        y = box["y"] + box["height"] * 0.45
        left, right = (box["x"] + box["width"] * 0.3, y), (box["x"] + box["width"] * 0.7, y)
        sides = [page.evaluate(SIDE, list(p)) for p in (left, right)]
        assert sides == ["before", "after"], sides
        # A finger drags the slider to 90 %: the point at 70 % now shows 2024.
        start_x = box["x"] + box["width"] * 0.5
        cy = slider["y"] + slider["height"] / 2
        page.evaluate("""([x0, x1, y]) => {  // a touch drag on the range input, as a finger makes it
            const input = document.querySelector('input.swipe-range');
            const touch = x => new Touch({identifier: 1, target: input, clientX: x, clientY: y});
            input.dispatchEvent(new TouchEvent('touchstart', {touches: [touch(x0)], bubbles: true}));
            input.value = String((x1 - input.getBoundingClientRect().left) / input.getBoundingClientRect().width * 100);
            input.dispatchEvent(new TouchEvent('touchmove', {touches: [touch(x1)], bubbles: true}));
            input.dispatchEvent(new Event('input', {bubbles: true}));
            input.dispatchEvent(new TouchEvent('touchend', {touches: [], bubbles: true}));
        }""", [start_x, box["x"] + box["width"] * 0.9, cy])
        line = page.locator(".swipe-line").bounding_box()
        assert abs(line["x"] - (box["x"] + box["width"] * 0.9)) <= 3, line
        assert page.evaluate(SIDE, list(right)) == "before"
        legend = page.text_content(".legend-fold")
        assert "Bên trái: 2024 · bên phải: 2025" in legend
        width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 and traffic.console_errors == []


def test_the_unit_page_projects_the_current_pace_to_the_target_year(db_path, poverty_2024_2025):
    """"Với tốc độ hiện nay …, năm 2030 đạt …": Thu Lũm's two yearly rates, carried to 2030 at the
    same pace in điểm % per year, against the 10 % it must be under by then."""
    import html

    from geodata import projection
    from webmap import create_app
    from webmap.formatting import number

    a, b = poverty_2024_2025["03439"]
    pace = round(b - a, 2)
    expected = round(b + pace * 5, 2)
    conn = store.connect(db_path, readonly=True)
    from geodata import progress

    p = projection.project(progress.evaluate(conn, "03439", "poor_household_rate", "2025"))
    conn.close()
    assert (p.pace, p.unit, p.first_year, p.last_year, p.year, p.target) == (pace, "pp/year", 2024, 2025, 2030, 10.0)
    assert p.value == pytest.approx(expected, abs=0.01) and p.meets is (expected <= 10.0)
    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    page = html.unescape(app.test_client().get("/unit/03439").get_data(as_text=True))
    with app.test_request_context("/"):
        value = number(p.value, "%")
        shown = number(pace, "pp/year")
    assert (f"Với tốc độ hiện nay ({'+' if pace > 0 else ''}{shown}, 2024–2025), năm 2030 đạt {value} "
            f"(mục tiêu 10 %: {'đạt' if p.meets else 'chưa đạt'})") in page


@pytest.mark.browser
def test_the_period_slider_moves_the_map_to_another_period(db_path, poverty_2024_2025):
    import re as _re

    from tests.browser import browser_page, live_server, wait_for_map_still
    from webmap import create_app

    app = create_app({"WEBMAP_DB": str(db_path), "TESTING": True})
    with live_server(app) as base, browser_page((1280, 800), bypass_csp=False) as (page, traffic):
        page.goto(base + "/map/indicator/poor_household_rate?unit=12&period=2025")
        wait_for_map_still(page)
        page.locator("details.compare-fold summary").click()
        slider = page.locator("input.period-slider")
        assert slider.get_attribute("max") == "3" and slider.input_value() == "1"  # 2024, 2025, 2026, 2030
        with page.expect_navigation(url=_re.compile(r"period=2024")):
            slider.fill("0")
        wait_for_map_still(page)
        assert page.locator("#period").input_value() == "2024"
        assert page.locator("path.unit-03439").get_attribute("fill") != "#d9d9d9"  # 2024 has figures
    assert traffic.console_errors == []
