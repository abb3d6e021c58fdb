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
