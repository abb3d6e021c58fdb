"""Layer downloads: every format re-opens with GDAL with the same features, codes, names and areas."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile

import openpyxl
import pyogrio
import pytest
from pyproj import CRS, Geod

from geodata import exports, store
from webmap.__main__ import main

GEOD = Geod(ellps="WGS84")


def _areas(frame) -> dict[str, float]:
    frame = frame.to_crs("EPSG:4326")
    return {c: abs(GEOD.geometry_area_perimeter(g)[0]) for c, g in zip(frame["code"], frame.geometry, strict=True)}


@pytest.fixture
def stored(conn):
    frame = store.units_frame(conn, level="commune", parent="12")
    return frame.set_index("code"), _areas(frame)


def _reopen(tmp_path, fmt: str, data: bytes, **kw):
    if fmt == "shp":
        path = tmp_path / "layer.zip"
        path.write_bytes(data)
        return pyogrio.read_dataframe(f"/vsizip/{path}/units.shp", **kw)
    path = tmp_path / f"layer.{fmt}"
    path.write_bytes(data)
    return pyogrio.read_dataframe(path, **kw)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_geometry_formats_roundtrip(client, tmp_path, stored, fmt):
    resp = client.get(f"/api/layers/units.{fmt}?level=commune&within=12")
    assert resp.status_code == 200 and resp.headers["X-Feature-Count"] == "38"
    frame = _reopen(tmp_path, fmt, resp.data)
    units, areas = stored
    assert len(frame) == 38 and set(frame["code"]) == set(units.index)
    for code, name in zip(frame["code"], frame["full_name"], strict=True):
        assert name == units.loc[code, "full_name"]  # diacritics intact
    got = _areas(frame)
    assert all(abs(got[c] - areas[c]) / areas[c] < 0.001 for c in areas)
    assert {"vintage", "illustrative", "source"} <= set(frame.columns) or fmt == "shp"


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_vn2000_exports_have_the_right_crs_and_true_areas(client, tmp_path, stored, fmt):
    resp = client.get(f"/api/layers/units.{fmt}?level=commune&within=12&crs=vn2000")
    assert resp.status_code == 200
    frame = _reopen(tmp_path, fmt, resp.data)
    crs = CRS.from_user_input(frame.crs)
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 103 and params["Scale factor at natural origin"] == 0.9999
    assert "2000" in crs.geodetic_crs.datum.name
    assert frame.total_bounds[0] > 100_000  # metres, not degrees
    got, (_, areas) = _areas(frame), stored
    assert all(abs(got[c] - areas[c]) / areas[c] < 0.001 for c in areas)


def test_shapefile_zip_has_prj_cpg_and_field_mapping(client):
    data = client.get("/api/layers/units.shp?within=12&indicator=population_density&period=2025").data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"units.shp", "units.shx", "units.dbf", "units.prj", "units.cpg", "fields.csv"} <= names
        assert zf.read("units.cpg").decode().strip() == "UTF-8"
        mapping = list(csv.reader(io.StringIO(zf.read("fields.csv").decode("utf-8-sig"))))
    short = [r[0] for r in mapping[1:]]
    assert all(len(s) <= 10 for s in short) and len(set(short)) == len(short)
    assert ["popude_v", "population_density__value"] in mapping  # not "population": it is a density
    assert ["popude_t", "population_density__target"] in mapping and ["vint_code", "vintage_code"] in mapping


def test_kml_opens_with_names_and_description_tables(client, tmp_path, stored):
    data = client.get("/api/layers/units.kml?within=12").data
    path = tmp_path / "u.kml"
    path.write_bytes(data)
    for driver in ("LIBKML", "KML"):
        frame = pyogrio.read_dataframe(path, driver=driver)
        assert len(frame) == 38
        names = set(frame["Name"])
        assert "Xã Bình Lư" in names and names == set(stored[0]["full_name"])
    assert b"<table>" in data or b"&lt;table&gt;" in data


def test_geojson_is_rfc7946(client):
    doc = json.loads(client.get("/api/layers/units.geojson?within=12").data)
    assert "crs" not in doc
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 102 < lon < 104 and 21 < lat < 23


def test_indicator_columns_carry_value_target_status_and_source(client):
    text = client.get("/api/layers/units.csv?within=12&indicator=population_density,poor_household_rate"
                      "&period=2025").data.decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == 38
    assert rows["03390"]["population_density__value"] == "107.0"
    assert rows["03390"]["population_density__source"].startswith("lai_chau_communes_2025.geojson")
    assert rows["03390"]["poor_household_rate__status"] == "no_data"
    assert rows["03390"]["vintage_code"] == "2025:03390"


def test_source_column_names_the_document_and_section(client):
    text = client.get("/api/layers/units.csv?within=12&indicator=tourist_arrivals&period=2025H1"
                      ).data.decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["03390"]["tourist_arrivals__value"] == "319000.0"
    assert rows["03390"]["tourist_arrivals__source"] == (
        "Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư, "
        "Phần 1 > I (Phát triển kinh tế) > 3. Thương mại - Dịch vụ, du lịch")


def test_formula_cells_are_neutralised(db_path, tmp_path):
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE units SET full_name='=HYPERLINK(\"http://x\",\"y\")' WHERE code='03390' AND vintage='2025'")
    conn.execute("UPDATE units SET name_en='@SUM(A1)' WHERE code='03394' AND vintage='2025'")
    conn.commit()
    conn.close()
    ro = store.connect(db_path, readonly=True)
    csv_data = exports.export(ro, "units", "csv", within="12").data
    assert csv_data.startswith(b"\xef\xbb\xbf")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(csv_data.decode("utf-8-sig")))}
    assert rows["03390"]["full_name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows["03394"]["name_en"] == "'@SUM(A1)"
    path = tmp_path / "u.xlsx"
    path.write_bytes(exports.export(ro, "units", "xlsx", within="12").data)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("Tên đầy đủ")] for row in sheet.iter_rows(min_row=2)]
    target = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert target.data_type == "s" and target.value.startswith("'=")


def test_crosswalk_layer(client):
    text = client.get("/api/layers/crosswalk.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 306
    tam_duong = next(r for r in rows if r["old_code"] == "03390")
    assert tam_duong["old_name"] == "Thị trấn Tam Đường" and tam_duong["new_name"] == "Xã Bình Lư"


@pytest.mark.parametrize(("query", "words"), [
    ("units.doc?within=12", "Parameter 'format': 'doc' is not supported"),
    ("units.geojson?within=12&crs=vn2000", "Only GeoPackage and Shapefile"),
    ("units.gpkg?crs=vn2000", "several provinces"),
    ("roads.gpkg", "Parameter 'layer': 'roads' does not exist"),
    ("units.csv?indicator=population_density", "'period' is needed"),
    ("units.csv?within=99999", "No unit"),
    ("crosswalk.gpkg", "no geometry"),
])
def test_bad_requests_are_clear(client, query, words):
    resp = client.get(f"/api/layers/{query}")
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert words in err["message_en"] and err["message_vi"]


def test_downloads_revalidate_with_etag_and_compress(client):
    first = client.get("/api/layers/units.geojson?within=12", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/api/layers/units.geojson?within=12", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/layers/units.geojson?within=14", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_etag_changes_when_data_changes(app, client, db_path):
    etag = client.get("/api/layers/units.csv?within=12").headers["ETag"]
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE units SET name_en='Binh Lu (edited)' WHERE code='03390' AND vintage='2025'")
    conn.commit()
    conn.close()
    resp = client.get("/api/layers/units.csv?within=12", headers={"If-None-Match": etag})
    assert resp.status_code == 200 and b"Binh Lu (edited)" in resp.data


def test_cli_export(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    out = tmp_path / "communes.gpkg"
    assert main(["export", "units", "--format", "gpkg", "--within", "14", "-o", str(out)]) == 0
    assert len(pyogrio.read_dataframe(out)) == 75
    assert main(["--lang", "en", "export", "units", "--format", "kml", "--crs", "vn2000", "-o", str(out)]) == 2
    assert "WGS 84" in capsys.readouterr().err


def test_xlsx_export_drops_control_characters_a_worksheet_cannot_hold(db_path):
    import io
    import sqlite3

    import openpyxl

    from geodata import exports, store

    with sqlite3.connect(db_path) as c:
        c.execute("UPDATE units SET full_name='Xã Bình\x07 Lư' WHERE code='03390' AND vintage='2025'")
    conn = store.connect(db_path, readonly=True)
    result = exports.export(conn, "units", "xlsx", level="commune", within="12")
    names = [r[0].value for r in openpyxl.load_workbook(io.BytesIO(result.data)).active.iter_rows(min_row=2)
             if r[0].value] + [c.value for r in openpyxl.load_workbook(io.BytesIO(result.data)).active.iter_rows()
                              for c in r if isinstance(c.value, str) and "Bình" in c.value]
    assert any(n == "Xã Bình Lư" for n in names)


def test_downloads_are_named_for_what_they_hold_and_kml_carries_every_attribute(client, tmp_path):
    import pyogrio

    resp = client.get("/api/layers/units.kml?within=12&indicator=population_density&period=2025")
    assert "lai_chau_xa_population_density_2025.kml" in resp.headers["Content-Disposition"]
    path = tmp_path / "x.kml"
    path.write_bytes(resp.data)
    frame = pyogrio.read_dataframe(path)
    assert {"vintage_code", "code", "full_name", "illustrative", "source", "population_density__value",
            "population_density__status"} <= set(frame.columns)
    assert set(frame["code"]) >= {"03390", "03408"} and len(frame) == 38
    names = {r: client.get(f"/api/layers/{r}").headers["Content-Disposition"] for r in
             ("units.csv?level=village&within=03390", "crosswalk.xlsx", "units.gpkg?within=14")}
    assert "binh_lu_ban.csv" in names["units.csv?level=village&within=03390"]
    assert "bang_chuyen_doi_xa_cu_sang_xa_moi_2025.xlsx" in names["crosswalk.xlsx"]
    assert "son_la_xa.gpkg" in names["units.gpkg?within=14"]


def test_xlsx_is_for_reading_vietnamese_headers_words_widths_frozen_header_and_filter(client):
    import io

    import openpyxl

    resp = client.get("/api/layers/units.xlsx?within=12&indicator=tourist_arrivals&period=2025H1")
    assert "lai_chau_xa_tourist_arrivals_2025h1.xlsx" in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = book["Bảng số liệu"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Kỳ", "Mã kèm bộ mã", "Mã"] and "Tên đầy đủ" in headers and "Cấp" in headers
    assert "Tổng lượt khách du lịch – Giá trị (lượt)" in headers and "Tổng lượt khách du lịch – Tình trạng" in headers
    rows = {r[headers.index("Mã")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    binh_lu = rows["03390"]
    assert binh_lu[0] == "6 tháng đầu năm 2025" and binh_lu[headers.index("Cấp")] == "xã"
    assert binh_lu[headers.index("Tổng lượt khách du lịch – Giá trị (lượt)")] == 319000
    assert binh_lu[headers.index("Tổng lượt khách du lịch – Tình trạng")] == "Đang thực hiện (kỳ chưa hết năm)"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.column_dimensions["C"].width >= 8 and sheet[1][0].font.bold
    columns = dict(book["Tên cột"].iter_rows(min_row=2, values_only=True))
    assert columns["Tổng lượt khách du lịch – Giá trị (lượt)"] == "tourist_arrivals__value"  # for a GIS join
    english = openpyxl.load_workbook(io.BytesIO(client.get(
        "/api/layers/units.xlsx?within=12&indicator=tourist_arrivals&period=2025H1&lang=en").data))["Data"]
    assert [c.value for c in english[1]][:2] == ["Period", "Code with vintage"]
    assert next(english.iter_rows(min_row=2, values_only=True))[0] == "first half of 2025"


@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpkg"])
def test_one_geometry_type_per_layer_as_ogrinfo_reads_it(client, tmp_path, fmt):
    """Xã Hua Bum (03460) carried a sliver that GDAL wrote as a GeometryCollection: "Unknown (any)"."""
    import subprocess

    data = client.get(f"/api/layers/units.{fmt}?level=commune&within=12").data
    path = tmp_path / f"units.{fmt}"
    path.write_bytes(data)
    run = subprocess.run(["ogrinfo", "-al", "-q", str(path)], capture_output=True, text=True, check=True)
    kinds = {line.strip().split(" ")[0] for line in run.stdout.splitlines()
             if line.strip().split(" ")[0] in ("MULTIPOLYGON", "POLYGON", "GEOMETRYCOLLECTION", "LINESTRING", "POINT")}
    assert kinds == {"MULTIPOLYGON"}, kinds
    summary = subprocess.run(["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True)
    if fmt != "kml":  # a KML layer declares no type: every feature above is checked instead
        assert "Geometry: Multi Polygon" in summary.stdout
    assert "Warning" not in summary.stderr + summary.stdout  # GDAL 3.6 read GeoPackage 1.4 with a warning
    if fmt == "gpkg":
        assert data[68:72] == b"GPKG" and data[60:64] == (10200).to_bytes(4, "big")  # GeoPackage 1.2
