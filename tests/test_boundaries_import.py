"""Importing boundaries: VN-2000 without .prj, matching, the journal and undo, bad files refused."""

from __future__ import annotations

import hashlib
import json
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from geodata import boundaries_import, imports, store
from geodata.boundaries_import import Options
from geodata.store import journal
from webmap.__main__ import main

GEOD = Geod(ellps="WGS84")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _communes(conn, province="12") -> gpd.GeoDataFrame:
    return store.units_frame(conn, level="commune", parent=province)


def _shapefile_without_prj(conn, tmp_path):
    frame = _communes(conn)[["code", "full_name", "geometry"]].to_crs(9205)  # VN-2000 / TM-3 103-00
    path = tmp_path / "lai_chau_vn2000.shp"
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    path.with_suffix(".prj").unlink()
    return path


def test_vn2000_shapefile_without_prj_imports_with_crs_option(db_path, tmp_path):
    conn = store.connect(db_path)
    shp = _shapefile_without_prj(conn, tmp_path)
    result = boundaries_import.import_boundaries(conn, shp, Options(level="commune", crs="vn2000:103"))
    # The official file's slivers (Hua Bum's 2e-14 square degrees among them) are the only repairs.
    repaired = [r for r in result.report if r.get("action") == "repaired"]
    assert result.counts == {"updated": 38, "inserted": 0, "repaired": len(repaired)}
    assert repaired and all("sliver" in r["detail"] for r in repaired)
    assert "03460" in {r["code"] for r in repaired}
    assert all(r["rule"] == "code" for r in result.report if r.get("action") != "repaired")
    units = _communes(conn).set_index("code")
    off = []
    for code, row in units.iterrows():
        km2 = abs(GEOD.geometry_area_perimeter(row.geometry)[0]) / 1e6
        if abs(km2 - row["area_km2"]) / row["area_km2"] > 0.005:
            off.append(code)
    assert off == ["03408"]  # Tân Phong's own polygon already differs from its stated area by 0.57%


def test_without_crs_the_import_is_refused_with_the_meridian(db_path, tmp_path):
    conn = store.connect(db_path)
    shp = _shapefile_without_prj(conn, tmp_path)
    conn.close()
    before = _sha(db_path)
    conn = store.connect(db_path)
    with pytest.raises(imports.ImportRefused) as err:
        boundaries_import.import_boundaries(conn, shp, Options(level="commune"))
    conn.close()
    (p,) = err.value.problems
    assert "vn2000:103" in p["vi"] and "Lai Châu" in p["vi"] and "103°00′" in p["en"]
    assert "fit: vn2000:103 (Lai Châu, 103°00′)" in p["en"]
    assert _sha(db_path) == before


def test_journal_and_undo_restore_the_previous_geometry(db_path, tmp_path):
    conn = store.connect(db_path)
    before = conn.execute("SELECT geom FROM units WHERE code='03390' AND vintage='2025'").fetchone()[0]
    moved = _communes(conn)[["code", "full_name", "geometry"]]
    moved = moved[moved["code"] == "03390"].copy()
    moved["geometry"] = moved.geometry.translate(0.001, 0)
    path = tmp_path / "binh_lu.geojson"
    pyogrio.write_dataframe(moved, path, driver="GeoJSON")
    result = boundaries_import.import_boundaries(conn, path, Options(level="commune"))
    after = conn.execute("SELECT geom FROM units WHERE code='03390' AND vintage='2025'").fetchone()[0]
    assert after != before
    (entry,) = [r for r in journal.listing(conn) if r["id"] == result.import_id]
    assert entry["status"] == "applied" and entry["file_sha256"] == _sha(path)
    assert journal.undo(conn, result.import_id) == {"restored": 1, "removed": 0}
    assert conn.execute("SELECT geom FROM units WHERE code='03390' AND vintage='2025'").fetchone()[0] == before
    with pytest.raises(imports.ImportRefused):
        journal.undo(conn, result.import_id)


def test_match_by_name_within_parent_and_insert_new_village(db_path, tmp_path):
    conn = store.connect(db_path)
    villages = store.units_frame(conn, level="village", parent="03390")[["full_name", "parent_code", "geometry"]]
    path = tmp_path / "villages.gpkg"
    frame = villages.iloc[:2].copy()
    frame.loc[frame.index[0], "full_name"] = "bản  chu va VI"  # another spelling of Bản Chu Va 6
    new = gpd.GeoDataFrame(
        {"full_name": ["Bản Mới"], "parent_code": ["03390"], "code": ["03390-N01"]},
        geometry=[shapely.box(103.65, 22.33, 103.66, 22.34)],
        crs="EPSG:4326",
    )
    frame["code"] = None
    pyogrio.write_dataframe(gpd.GeoDataFrame(pd_concat([frame, new]), crs="EPSG:4326"), path, layer="ban")
    result = boundaries_import.import_boundaries(conn, path, Options(level="village", layer="ban"))
    rules = [(r["matched"], r["rule"], r["action"]) for r in result.report]
    assert ("03390-B02", "name", "updated") in rules
    assert (None, None, "inserted") in rules
    assert store.get_unit(conn, "03390-N01")["full_name"] == "Bản Mới"
    assert not [w for w in result.warnings if "outside" in w["en"]]  # all lie inside Bình Lư
    assert any("overlaps 03390-N01 (#3)" in w["en"] for w in result.warnings)  # the new one overlaps a village
    journal.undo(conn, result.import_id)
    assert store.get_unit(conn, "03390-N01") is None


def pd_concat(frames):
    return pd.concat(frames, ignore_index=True)


def _bad_files(tmp_path, conn) -> dict[str, tuple[object, str]]:
    """name -> (path, words the English message must contain)"""
    good = _communes(conn).iloc[:3][["code", "full_name", "geometry"]]
    files: dict[str, tuple[object, str]] = {}
    p = tmp_path / "empty.geojson"
    p.write_bytes(b"")
    files["empty file"] = (p, "empty")
    p = tmp_path / "notgeo.geojson"
    p.write_text("this is not GeoJSON", encoding="utf-8")
    files["not a geo file"] = (p, "GDAL cannot read")
    shp = tmp_path / "nodbf.shp"
    pyogrio.write_dataframe(good, shp)
    shp.with_suffix(".dbf").unlink()
    files["shapefile without .dbf"] = (shp, ".dbf is missing")
    zpath = tmp_path / "truncated.zip"
    whole = tmp_path / "whole.zip"
    shp2 = tmp_path / "z.shp"
    pyogrio.write_dataframe(good, shp2)
    with zipfile.ZipFile(whole, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(shp2.with_suffix(ext), f"z{ext}")
    zpath.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    files["truncated zip"] = (zpath, "damaged or truncated")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../etc/z.shp", b"x")
    files["zip with ../"] = (evil, "unsafe path")
    mixed = tmp_path / "mixed.geojson"
    mixed.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "03390"},
                        "geometry": {"type": "Point", "coordinates": [103.6, 22.3]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"code": "03394"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[103, 22], [103.1, 22], [103.1, 22.1], [103, 22]]],
                        },
                    },
                ],
            }
        )
    )
    files["mixed geometry types"] = (mixed, "a polygon is needed")
    dup = tmp_path / "dup.geojson"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(pd_concat([good.iloc[:1], good.iloc[:1]]), crs="EPSG:4326"), dup, driver="GeoJSON"
    )
    files["duplicate codes"] = (dup, "duplicates feature 1")
    emptygeom = tmp_path / "emptygeom.geojson"
    emptygeom.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"code": "03390"}, "geometry": None}],
            }
        )
    )
    files["empty geometry"] = (emptygeom, "empty geometry")
    nomatch = tmp_path / "nomatch.geojson"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"full_name": ["Xã Không Có"]}, geometry=[shapely.box(103, 22, 103.1, 22.1)], crs="EPSG:4326"),
        nomatch,
        driver="GeoJSON",
    )
    files["unknown name without code"] = (nomatch, "matches no unit")
    nofield = tmp_path / "nofield.geojson"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"dien_tich": [1.0]}, geometry=[shapely.box(103, 22, 103.1, 22.1)], crs="EPSG:4326"),
        nofield,
        driver="GeoJSON",
    )
    files["no code or name field"] = (nofield, "no code or name field")
    big = tmp_path / "big.geojson"
    with big.open("wb") as fh:
        fh.truncate(3 * 2**20)
    files["over the size cap"] = (big, "over the 2 MB limit")
    return files


def test_bad_files_each_get_their_own_message_and_change_nothing(db_path, tmp_path):
    conn = store.connect(db_path)
    files = _bad_files(tmp_path, conn)
    conn.close()
    before = _sha(db_path)
    messages = set()
    for label, (path, words) in files.items():
        conn = store.connect(db_path)
        with pytest.raises(imports.ImportRefused) as err:
            boundaries_import.import_boundaries(conn, path, Options(level="commune", max_bytes=2 * 2**20))
        conn.close()
        text = " | ".join(err.value.lines("en"))
        assert words in text, (label, text)
        assert str(path) in text and err.value.lines("vi") != err.value.lines("en")
        messages.add(text)
        assert _sha(db_path) == before, label
    assert len(messages) == len(files)


def test_cli_import_list_undo(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    conn = store.connect(db_path)
    shp = _shapefile_without_prj(conn, tmp_path)
    conn.close()
    assert main(["--lang", "en", "import", "boundaries", str(shp), "--level", "commune"]) == 2
    err = capsys.readouterr().err
    assert "vn2000:103" in err and "unchanged" in err and "Traceback" not in err
    assert (
        main(
            [
                "import",
                "boundaries",
                str(shp),
                "--level",
                "commune",
                "--crs",
                "vn2000:103",
                "--report",
                str(tmp_path / "r.json"),
            ]
        )
        == 0
    )
    assert "cập nhật 38" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["updated"] == 38
    assert main(["imports", "list"]) == 0
    assert "boundaries" in capsys.readouterr().out
    assert main(["imports", "undo", "1"]) == 0
    assert main(["--lang", "en", "imports", "undo", "1"]) == 2
    assert "already undone" in capsys.readouterr().err


def _refused_unchanged(db_path, path, opts: Options) -> imports.ImportRefused:
    """Import ``path``, expect a refusal, and check the store file is byte-identical after it."""
    before = _sha(db_path)
    conn = store.connect(db_path)
    try:
        with pytest.raises(imports.ImportRefused) as err:
            boundaries_import.import_boundaries(conn, path, opts)
    finally:
        conn.close()
    assert _sha(db_path) == before
    return err.value


def test_village_outside_its_commune_is_refused_unless_allowed(db_path, tmp_path):
    conn = store.connect(db_path)
    far = gpd.GeoDataFrame(
        {"full_name": ["Bản Xa"], "parent_code": ["03390"], "code": ["03390-N02"]},
        geometry=[shapely.box(103.0, 21.0, 103.01, 21.01)],
        crs="EPSG:4326",
    )
    path = tmp_path / "far.geojson"
    pyogrio.write_dataframe(far, path, driver="GeoJSON")
    conn.close()
    err = _refused_unchanged(db_path, path, Options(level="village"))
    assert "100% of the village lies outside its commune 03390" in err.lines("en")[0]
    assert "--allow-outside" in err.lines("en")[0]
    conn = store.connect(db_path)
    result = boundaries_import.import_boundaries(conn, path, Options(level="village", allow_outside=True))
    assert any("100% of the village lies outside its commune 03390" in w["en"] for w in result.warnings)


def test_crs84_file_holding_vn2000_metres_is_refused_and_the_store_unchanged(db_path, tmp_path):
    conn = store.connect(db_path)
    metres = _communes(conn).iloc[:3][["code", "full_name", "geometry"]].to_crs(9205)
    path = tmp_path / "crs84_metres.geojson"
    doc = json.loads(metres.to_json(drop_id=True))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert pyogrio.read_info(path)["crs"] in ("OGC:CRS84", "EPSG:4326")
    conn.close()
    err = _refused_unchanged(db_path, path, Options(level="commune"))
    (line,) = err.lines("en")
    assert "are metres, probably VN-2000" in line and "vn2000:103 (Lai Châu, 103°00′)" in line
    assert "là mét, có lẽ VN-2000" in err.lines("vi")[0]


def test_units_far_outside_viet_nam_are_refused(db_path, tmp_path):
    conn = store.connect(db_path)
    one = _communes(conn).iloc[:2][["code", "full_name", "geometry"]].copy()
    one["geometry"] = one.geometry.translate(xoff=-100)  # a wrong meridian or a sign error
    path = tmp_path / "shifted.geojson"
    pyogrio.write_dataframe(one, path, driver="GeoJSON")
    conn.close()
    err = _refused_unchanged(db_path, path, Options(level="commune"))
    assert "2 features/rows 1-2" in err.lines("en")[0] and "outside Viet Nam" in err.lines("en")[0]


def test_kml_and_csv_wkt_boundaries(db_path, tmp_path):
    conn = store.connect(db_path)
    one = _communes(conn).iloc[:1][["code", "full_name", "geometry"]]
    kml = tmp_path / "one.kml"
    pyogrio.write_dataframe(one.rename(columns={"full_name": "Name"}), kml, driver="KML")
    result = boundaries_import.import_boundaries(conn, kml, Options(level="commune", name_field="Name"))
    assert result.counts["updated"] == 1 and result.report[0]["matched"] == one["code"].iloc[0]
    csv_path = tmp_path / "one.csv"
    csv_path.write_text(f'code,wkt\n{one["code"].iloc[0]},"{one.geometry.iloc[0].wkt}"\n', encoding="utf-8")
    result = boundaries_import.import_boundaries(conn, csv_path, Options(level="commune"))
    assert result.counts["updated"] == 1 and result.report[0]["rule"] == "code"


def test_a_files_illustrative_column_is_kept_on_the_units_and_their_dataset(db_path, tmp_path):
    conn = store.connect(db_path)
    made_up = gpd.GeoDataFrame(
        {"code": ["03390-V99"], "full_name": ["Bản minh hoạ 99"], "parent_code": ["03390"], "illustrative": [1]},
        geometry=[shapely.box(103.65, 22.33, 103.651, 22.331)], crs="EPSG:4326")
    path = tmp_path / "made_up.gpkg"
    pyogrio.write_dataframe(made_up, path)
    result = boundaries_import.import_boundaries(conn, path, Options(level="village"))
    unit = store.get_unit(conn, "03390-V99")
    dataset = dict(conn.execute("SELECT illustrative, attribution FROM datasets WHERE id=?",
                                (f"import-{result.import_id}",)).fetchone())
    assert unit["illustrative"] == 1 and dataset["illustrative"] == 1 and "(minh hoạ)" in dataset["attribution"]
