"""The whole country through the product's own commands: 34 provinces, 3,321 communes, the
national code tables and 10,597 old→new pairs, with the real problems of the data reported."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from geodata import indicator_import, store
from geodata.store import journal
from tests.conftest import SAMPLE, SHARED
from webmap.__main__ import main

RAW = SHARED / "data/raw"
NATIONAL = RAW / "vietnamese-provinces-database/national/vn_admin_2025.gpkg"
CODES = RAW / "vietnamadminunits"
pytestmark = pytest.mark.skipif(not NATIONAL.exists(), reason="../shared national layer not present")


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("national") / "webmap.gpkg"
    shutil.copyfile(SAMPLE, path)
    mp = pytest.MonkeyPatch()
    mp.setenv("WEBMAP_DB", str(path))
    report = path.with_name("communes.json")
    try:
        assert main(["import", "boundaries", str(NATIONAL), "--layer", "provinces", "--level", "province"]) == 0
        assert main(["import", "boundaries", str(NATIONAL), "--layer", "communes", "--level", "commune",
                     "--report", str(report)]) == 0
        assert main(["import", "codes", str(CODES / "admin_units_2025_national.csv"), "--vintage", "2025"]) == 0
        assert main(["import", "codes", str(CODES / "admin_units_legacy_national.csv")]) == 0
        assert main(["import", "crosswalk", str(CODES / "old_to_new_2025_national.csv")]) == 0
    finally:
        mp.undo()
    return path


def test_the_national_layer_lands_whole_with_its_problems_reported(national):
    conn = sqlite3.connect(national)
    counts = {(v, lvl): (n, g) for v, lvl, n, g in conn.execute(
        "SELECT vintage, level, COUNT(*), COUNT(geom) FROM units GROUP BY vintage, level")}
    assert counts[("2025", "province")] == (34, 34)
    # 3,321 polygons; the code table adds Xã Ba Chẽ (06970), which the boundary layer lacks
    assert counts[("2025", "commune")] == (3322, 3321)
    assert counts[("pre2025", "commune")][0] == 10035 and counts[("pre2025", "district")][0] == 696
    assert conn.execute("SELECT COUNT(*) FROM crosswalk").fetchone()[0] == 10597
    assert conn.execute("SELECT COUNT(*) FROM unit_screen_geom WHERE vintage='2025'").fetchone()[0] == 3321 + 34 + 29
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kinds = {}
    for w in json.loads(national.with_name("communes.json").read_text())["warnings"]:
        kinds.setdefault(w.get("kind"), []).append(w)
    assert len(kinds["area"]) == 1119  # PROVENANCE §4: stated area off by > 0.5 %
    assert sum(abs(w["off"]) > 0.05 for w in kinds["area"]) == 189
    giarai = next(w for w in kinds["area"] if w["code"] == "31942")
    assert "11.76 km²" in giarai["en"] and "104.59 km²" in giarai["en"]
    assert len(kinds["overlap"]) == 8 and max(w["km2"] for w in kinds["overlap"]) == pytest.approx(3.49, abs=0.01)


def test_a_national_pre2025_sheet_converts_by_province_and_district(national, tmp_path):
    conn = store.connect(national)
    rows = conn.execute(
        "SELECT u.code, u.full_name, d.full_name, p.full_name FROM units u"
        " JOIN units d ON d.code=u.parent_code AND d.vintage='pre2025'"
        " JOIN units p ON p.code=d.parent_code AND p.vintage='pre2025'"
        " WHERE u.vintage='pre2025' AND u.level='commune' AND p.code IN ('01', '95') ORDER BY u.code").fetchall()
    path = tmp_path / "ho_ngheo_2024.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["STT", "Tỉnh", "Huyện", "Tên xã", "Tổng số hộ", "Số hộ nghèo"])
        for i, (_code, name, district, province) in enumerate(rows, start=1):
            w.writerow([i, province, district, name, 1000 + i, i % 50])
    result = indicator_import.import_indicators(conn, path, indicator_import.Options(vintage="pre2025",
                                                                                     period="2024"))
    assert result.counts["matched"] == len(rows) > 500  # Hà Nội and Bạc Liêu's many "Phường 1"s included
    new = dict(conn.execute("SELECT unit_code, value FROM observations WHERE dataset_id=? AND unit_vintage='2025'"
                            " AND indicator_code='households' AND scope='unit'",
                            (f"import-{result.import_id}",)).fetchall())
    sent = {code: 1000 + i for i, (code, *_rest) in enumerate(rows, start=1)}
    pairs = conn.execute("SELECT old_code, new_code FROM crosswalk").fetchall()
    successors = Counter(o for o, _ in pairs)
    predecessors: dict[str, set[str]] = {}
    for o, n in pairs:
        predecessors.setdefault(n, set()).add(o)
    complete = [n for n, olds in predecessors.items()
                if olds <= set(sent) and all(successors[o] == 1 for o in olds)]
    assert len(complete) > 40
    assert all(new[n] == sum(sent[o] for o in predecessors[n]) for n in complete)
    partial = conn.execute("SELECT COUNT(*) FROM observations WHERE dataset_id=? AND scope LIKE 'partial:%'",
                           (f"import-{result.import_id}",)).fetchone()[0]
    assert partial == result.counts["partial"] > 0  # split predecessors are named, never silently summed
    undo = journal.undo(conn, result.import_id)
    assert undo["removed"] == result.counts["observations"]


def test_any_province_gets_a_true_to_scale_vn2000_zone_in_figures_and_exports(national, tmp_path):
    from pyproj import CRS

    from geodata import exports
    from webmap import figures

    conn = store.connect(national, readonly=True)
    req = figures.FigureRequest(unit="08", period="2025", indicator="population_density", fmt="svg", dpi=50)
    data, _ = figures.render(conn, req)
    text = data.decode()
    # Tuyên Quang (08) merged Hà Giang (105°30′) into Tuyên Quang (106°00′): the seat's zone, said so.
    assert "106°00′" in text and "nơi đặt trụ sở (mã 08)" in text and "105°30′" in text
    result = exports.export(conn, "units", "shp", level="commune", within="01", crs="vn2000")
    import io
    import zipfile

    prj = next(n for n in zipfile.ZipFile(io.BytesIO(result.data)).namelist() if n.endswith(".prj"))
    text = zipfile.ZipFile(io.BytesIO(result.data)).read(prj).decode()
    assert "lon_0=105 " in CRS.from_wkt(text).to_proj4() + " " and result.features == 126  # Hà Nội: 105°00′
    lai_chau = figures.render(conn, figures.FigureRequest(unit="12", period="2025", indicator="population_density",
                                                          fmt="svg", dpi=50))[0].decode()
    assert "103°00′" in lai_chau and "kinh tuyến gần tâm tỉnh nhất" not in lai_chau  # the official one


@pytest.mark.browser
def test_the_country_and_a_province_of_166_communes_draw_in_chromium(national):
    from tests.browser import browser_page, live_server
    from webmap import create_app

    app = create_app({"WEBMAP_DB": str(national)})
    with live_server(app) as base, browser_page() as (page, traffic):
        page.goto(f"{base}/country")
        page.wait_for_function("document.querySelectorAll('path.unit-province').length >= 34", timeout=60_000)
        assert page.locator("path.unit-province").count() == 34
        page.goto(f"{base}/map/indicator/population_density?unit=38")  # Thanh Hóa
        page.wait_for_function("document.querySelectorAll('path.unit-commune').length >= 166", timeout=60_000)
        assert page.locator("path.unit-commune").count() == 166
        page.locator("path.unit-commune").first.dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content .unit-popup")
        assert page.inner_text(".breadcrumb").startswith("Việt Nam › Tỉnh Thanh Ho")  # the data spells it Hoá
        assert "(2025)" in page.inner_text(".leaflet-popup-content")
        page.wait_for_load_state("networkidle")
    assert traffic.console_errors == [] and traffic.foreign_hosts() == set()


def test_an_atlas_of_hue_starts_in_its_own_zone(national):
    """Thành phố Huế (46) is neither sample province: its atlas pages draw in VN-2000 107°00′."""
    from webmap import figures

    conn = store.connect(national, readonly=True)
    req = figures.FigureRequest(unit="46", period="2025", indicator="population_density", dpi=50)
    seen: list[figures.Scene] = []
    pages = figures.atlas_pages(conn, req, seen.append)
    first = [next(pages) for _ in range(2)]  # cover, overview (a page per commune only where it has a figure)
    assert len(first) == 2 and seen[0].zone.meridian == 107.0 and seen[0].zone.basis == "official"
    with_figures = int(seen[0].mapped["value"].notna().sum())
    if with_figures == 0:  # the national store has no density figure for Huế's communes: no grey pages
        assert next(pages, None) is None
    assert len(seen[0].mapped) == 40 and first[1][1] is not None and first[1][1].scale_denominator > 0
