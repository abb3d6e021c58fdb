"""The store is a real GeoPackage: GDAL reads what our codec writes."""

from __future__ import annotations

import sqlite3

import pyogrio
import pytest
import shapely
from pyproj import Geod

from geodata import store
from geodata.store import gpkg


def test_blob_roundtrip_keeps_geometry_and_envelope():
    poly = shapely.MultiPolygon([shapely.box(103.5, 22.2, 103.8, 22.4)])
    blob = gpkg.encode(poly)
    assert blob[:2] == b"GP" and blob[3] == 0b11  # xy envelope, little endian
    assert gpkg.decode(blob).equals(poly)
    empty = gpkg.encode(shapely.Polygon())
    assert empty[3] & 0b1_0000 and gpkg.decode(empty).is_empty
    assert gpkg.encode(None) is None and gpkg.decode(None) is None


def test_decode_refuses_foreign_blob():
    with pytest.raises(ValueError, match="GP"):
        gpkg.decode(shapely.to_wkb(shapely.Point(1, 2)))


def test_gdal_lists_layers_and_reads_units(db_path):
    layers = dict(pyogrio.list_layers(db_path))
    assert layers["units"] == "MultiPolygon" and layers["places"] == "Point"
    assert layers["observations"] is None  # an attributes table
    info = pyogrio.read_info(db_path, layer="units")
    assert info["crs"] == "EPSG:4326" and info["features"] == 472
    units = pyogrio.read_dataframe(db_path, layer="units", where="vintage='2025' AND level='commune'")
    assert len(units) == 113 and units.geometry.is_valid.all()


def test_areas_match_official_figures(db_path):
    units = pyogrio.read_dataframe(db_path, layer="units", where="vintage='2025' AND level='commune'")
    geod = Geod(ellps="WGS84")
    areas = units.geometry.map(lambda g: abs(geod.geometry_area_perimeter(g)[0]) / 1e6)
    rel = (areas - units["area_km2"]).abs() / units["area_km2"]
    off = set(units.loc[rel >= 0.005, "code"])
    # 106 of 113 communes lie within 0.5% of their official area (geodesic, WGS 84).
    # Seven polygons disagree with their own stated areaKm2 (Mộc Châu by +28%, Lai Châu's
    # 03408 by 0.57%): a source problem, listed in README "Known data problems".
    assert off == {"03408", "03721", "03784", "03980", "03985", "04033", "04045"}
    binh_lu = units.set_index("code").loc["03390"]
    assert binh_lu["full_name"] == "Xã Bình Lư" and binh_lu["area_km2"] == pytest.approx(173.91)


def test_transaction_rolls_back_everything(db_path):
    conn = store.connect(db_path)
    before = store.table_count(conn, "observations")
    with pytest.raises(sqlite3.IntegrityError), store.transaction(conn):
        store.add_rows(conn, "observations", [{
            "unit_code": "03390", "unit_vintage": "2025", "indicator_code": "x", "kind": "actual",
            "source_doc": "t", "dataset_id": "plan-docs"}])
        store.add_rows(conn, "observations", [{
            "unit_code": "03390", "unit_vintage": "2025", "indicator_code": "x", "kind": "wrong-kind",
            "source_doc": "t", "dataset_id": "plan-docs"}])
    assert store.table_count(conn, "observations") == before
