"""What the committed sample store holds, checked against the shared sources."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from geodata import store
from geodata.store import gpkg
from tests.conftest import SHARED


def test_unit_counts_per_level_and_vintage(conn):
    counts = store.counts_by_level(conn)
    assert counts["2025"]["province"] == 2
    assert counts["2025"]["commune"] == 113
    assert counts["pre2025"]["commune"] == 306
    assert counts["2025"]["village"] == 29


def test_lai_chau_has_38_communes_and_son_la_75(conn):
    lai_chau = store.units_frame(conn, level="commune", parent="12")
    son_la = store.units_frame(conn, level="commune", parent="14")
    assert len(lai_chau) == 38 and len(son_la) == 75
    assert set(lai_chau["unit_type"]) == {"Xã", "Phường"}
    assert (lai_chau["unit_type"] == "Phường").sum() == 2


def test_codes_are_reused_across_vintages(conn):
    new = store.get_unit(conn, "03390", "2025")
    old = store.get_unit(conn, "03390", "pre2025")
    assert new["full_name"] == "Xã Bình Lư"
    assert old["full_name"] == "Thị trấn Tam Đường"
    assert store.get_unit(conn, "03412", "pre2025")["full_name"] == "Xã Bình Lư"


def test_crosswalk_holds_306_pairs_into_existing_units(conn):
    rows = conn.execute("SELECT old_code, new_code FROM crosswalk").fetchall()
    assert len(rows) == 306
    assert len({r["old_code"] for r in rows}) == 306
    new_codes = set(store.units_frame(conn, level="commune")["code"])
    assert {r["new_code"] for r in rows} <= new_codes
    binh_lu = sorted(r["old_code"] for r in rows if r["new_code"] == "03390")
    names = sorted(store.get_unit(conn, c, "pre2025")["full_name"] for c in binh_lu)
    assert names == ["Thị trấn Tam Đường", "Xã Bình Lư", "Xã Sơn Bình"]


def test_province_outline_is_the_union_of_its_communes(conn):
    provinces = store.units_frame(conn, level="province").set_index("code")
    communes = store.units_frame(conn, level="commune", parent="12")
    union = communes.geometry.union_all()
    outline = provinces.loc["12"].geometry
    assert outline.is_valid
    assert abs(outline.area - union.area) / union.area < 1e-6


def test_every_plan_row_is_stored_with_its_source(conn):
    rows = conn.execute("SELECT * FROM observations WHERE dataset_id='plan-docs'").fetchall()
    assert len(rows) == 326
    assert all(r["source_doc"] and r["source_row"] and r["quote"] for r in rows)
    assert {r["source_row"] for r in rows} == set(range(2, 328))
    by_row = {r["source_row"]: r for r in rows}
    if (SHARED / "reference/plan_indicators.csv").exists():
        with (SHARED / "reference/plan_indicators.csv").open(encoding="utf-8") as fh:
            for line, ref in enumerate(csv.DictReader(fh), start=2):
                got = by_row[line]
                assert got["indicator_code"] == ref["indicator_code"]
                assert got["unit_code"] == ref["admin_code"]
                assert got["kind"] == ref["kind"]
                assert got["value"] == (float(ref["value"]) if ref["value"] else None)


def test_la_hu_rows_are_not_commune_wide(conn):
    scopes = {r["scope"] for r in conn.execute(
        "SELECT scope FROM observations WHERE unit_code='03439' AND dataset_id='plan-docs'")}
    assert scopes == {"ethnic_area:La Hủ"}


def test_grain_output_h1_is_the_report_figure(conn):
    obs = store.observations(conn, indicator="grain_output_t", unit_codes=["03390"], period="2025H1")
    assert [o["value"] for o in obs if o["kind"] == "actual"] == [3902.9]
    assert obs[0]["source_doc"] == "002_a60ddfe8de7b5205.txt"


def test_villages_are_illustrative_and_tile_their_commune(conn):
    villages = store.units_frame(conn, level="village")
    assert villages["illustrative"].eq(1).all()
    assert villages["dataset_id"].eq("illustrative-villages").all()
    assert set(villages["parent_code"]) == {"03390", "03856", "03439"}
    communes = store.units_frame(conn, level="commune").set_index("code")
    for parent, group in villages.groupby("parent_code"):
        assert group.geometry.is_valid.all()
        union = group.geometry.union_all()
        commune = communes.loc[parent].geometry
        assert abs(union.area - commune.area) / commune.area < 1e-6
        assert sum(g.area for g in group.geometry) == pytest.approx(commune.area, rel=1e-6)  # no overlaps


def test_village_names_come_from_the_documents(conn):
    names = set(store.units_frame(conn, level="village", parent="03390")["full_name"])
    assert {"Bản Chu Va 6", "Bản Chu Va 8", "Bản Nà Phát", "Bản Thác Tình"} <= names
    assert len(names) == 11


def test_illustrative_village_values_add_up_to_commune_totals(conn):
    sums: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in conn.execute(
        "SELECT o.indicator_code, o.period, o.value, o.illustrative, u.parent_code FROM observations o"
        " JOIN units u ON u.code = o.unit_code AND u.vintage = o.unit_vintage WHERE u.level='village'"
        " AND o.dataset_id NOT LIKE 'illustrative-raster-%'"  # computed from the sample rasters, not split
    ):
        assert r["illustrative"] == 1
        sums[(r["parent_code"], r["indicator_code"], r["period"])] += r["value"]
    assert sums[("03390", "population", "2025")] == 18072  # the report's figure, not the map's 18,606
    assert sums[("03390", "poor_hh_electricity_subsidy_hh", "2025Q1")] == 209
    for (commune, indicator, period), total in sums.items():
        obs = store.observations(conn, indicator=indicator, unit_codes=[commune], period=period)
        doc = [o["value"] for o in obs if o["dataset_id"] == "plan-docs"]
        expected = doc[0] if doc else obs[0]["value"]
        assert total == expected, (commune, indicator)


def test_every_dataset_has_licence_and_attribution(conn):
    used = {r[0] for r in conn.execute(
        "SELECT dataset_id FROM units UNION SELECT dataset_id FROM observations UNION SELECT dataset_id FROM places")}
    datasets = {d["id"]: d for d in store.datasets(conn)}
    assert used <= set(datasets)
    for d in datasets.values():
        assert d["licence"] and d["attribution"]
    assert datasets["illustrative-villages"]["illustrative"] == 1


def test_places_link_to_village_units(conn):
    rows = conn.execute("SELECT * FROM places WHERE dataset_id='plan-docs'").fetchall()
    assert len(rows) == 90
    placed = conn.execute("SELECT illustrative FROM places WHERE geom IS NOT NULL").fetchall()
    assert placed and all(r["illustrative"] == 1 for r in placed)  # no place has a public position
    linked = [r for r in rows if r["place_type"] == "village" and r["commune_code"] == "03390"]
    assert linked and all(r["village_code"] and r["village_code"].startswith("03390-") for r in linked)


def test_screen_geometries_are_lighter_and_keep_every_unit(conn):
    full = store.units_frame(conn, level="commune", parent="12")
    screen = store.units_frame(conn, level="commune", parent="12", screen=True)
    n_full = sum(len(gpkg.shapely.get_coordinates(g)) for g in full.geometry)
    n_screen = sum(len(gpkg.shapely.get_coordinates(g)) for g in screen.geometry)
    assert (~screen.geometry.is_empty).sum() == 38
    assert n_screen < n_full / 8
    assert screen.geometry.is_valid.all()


def test_place_points_carry_their_documents_title(conn):
    from geodata import store

    points = store.place_points(conn, ["hazard_zone", "resettlement_site", "cave"], ["03390"])
    assert list(points["place_type"]) == ["cave", "hazard_zone", "resettlement_site"]
    assert list(points["name_normalized"]) == ["Động Tiên Sơn", "Vùng nguy cơ thiên tai bản Thác Tình",
                                               "Điểm tái định cư bản Thác Tình"]
    assert set(points["source_title_vi"]) == {"Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư"}
    assert points["illustrative"].eq(1).all()  # invented positions, flagged in the data
    assert points.geometry.geom_type.eq("Point").all() and points.crs.to_epsg() == 4326
    assert store.place_points(conn, [], ["03390"]) is None
