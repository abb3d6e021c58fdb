"""The PostGIS store on a real PostgreSQL server: a whole store copied GeoPackage → PostGIS →
GeoPackage comes back row for row and geometry for geometry; the database itself refuses what the
importer refuses; ``ST_AsMVT`` cuts the same tile as the GeoPackage's encoder."""

from __future__ import annotations

import sqlite3

import mapbox_vector_tile
import pytest
import shapely

from geodata import store, vector_tiles
from geodata.store import gpkg, postgis
from tests import postgres
from tests.conftest import SAMPLE
from webmap.__main__ import main

pytestmark = pytest.mark.postgis


@pytest.fixture
def database(pg_server, request):
    return postgres.new_database(pg_server, "t_" + request.node.name[:40].lower().replace("[", "_").replace("]", ""))


def _rows(path, table: str) -> list[tuple]:
    """A table's rows with each geometry as its normalised WKT (blob headers may differ in bytes)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        order = postgis.ORDER_BY.get(table, postgis.IDENTITY.get(table, "rowid"))
        out = []
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            out.append(tuple(shapely.normalize(gpkg.decode(v)).wkt if c == "geom" and v is not None else v
                             for c, v in zip(columns, row, strict=True)))
        return out
    finally:
        conn.close()


def test_a_store_goes_to_postgis_and_back_row_for_row(database, tmp_path, capsys):
    assert main(["store", "copy", str(SAMPLE), database]) == 0
    out = capsys.readouterr().out
    assert "units" in out and "472" in out and "KHÁC" not in out
    back = tmp_path / "back.gpkg"
    assert main(["store", "copy", database, str(back)]) == 0
    for table in postgis.DDL:
        assert _rows(back, table) == _rows(SAMPLE, table), table
    # The copy is a working store: the same evaluation, the same pages' numbers.
    from geodata import progress

    a, b = store.connect(SAMPLE, readonly=True), store.connect(back, readonly=True)
    for code, indicator, period in [("03390", "tourist_arrivals", "2025H1"), ("12", "grain_output_t", "2025H1")]:
        ea, eb = progress.evaluate(a, code, indicator, period), progress.evaluate(b, code, indicator, period)
        assert (ea["status"], ea["actual"]["value"]) == (eb["status"], eb["actual"]["value"])
    a.close()
    b.close()
    # Never into a database that already holds a store, never over an existing file.
    assert main(["store", "copy", str(SAMPLE), database]) == 2
    assert "đã có bảng units" in capsys.readouterr().err
    assert main(["store", "copy", database, str(back)]) == 2


def test_postgis_types_and_constraints_refuse_what_the_importer_refuses(database):
    import psycopg

    postgis.to_postgis(SAMPLE, database)
    with psycopg.connect(database) as conn:
        cols = dict(conn.execute("SELECT f_table_name || '.' || f_geometry_column, type || ':' || srid"
                                 " FROM geometry_columns").fetchall())
        assert cols == {"units.geom": "MULTIPOLYGON:4326", "unit_screen_geom.geom": "MULTIPOLYGON:4326",
                        "places.geom": "POINT:4326"}
        gist = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")}
        assert gist == {"units_geom_gist", "unit_screen_geom_gist", "places_geom_gist"}
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "8"
        refused = {
            "a level that does not exist": "INSERT INTO units (code, vintage, level, unit_type, name, full_name,"
            " dataset_id) VALUES ('x1', '2025', 'hamlet', 'Bản', 'X', 'Bản X', 'sample-boundaries')",
            "a vintage that does not exist": "INSERT INTO units (code, vintage, level, unit_type, name, full_name,"
            " dataset_id) VALUES ('x1', '2030', 'village', 'Bản', 'X', 'Bản X', 'sample-boundaries')",
            "the same code twice in one vintage": "INSERT INTO units (code, vintage, level, unit_type, name,"
            " full_name, dataset_id) VALUES ('03390', '2025', 'commune', 'Xã', 'X', 'Xã X', 'sample-boundaries')",
            "a figure of a unit that does not exist": "INSERT INTO observations (unit_code, unit_vintage,"
            " indicator_code, kind, source_doc, dataset_id) VALUES ('99999', '2025', 'population', 'actual', 'f',"
            " 'plan-docs')",
            "a line for a boundary": "UPDATE units SET geom = ST_GeomFromText('LINESTRING(103 22, 104 23)', 4326)"
            " WHERE code = '03390' AND vintage = '2025'",
            "a self-crossing boundary": "UPDATE units SET geom = ST_Multi(ST_GeomFromText("
            "'POLYGON((103 22, 104 23, 104 22, 103 23, 103 22))', 4326)) WHERE code = '03390' AND vintage = '2025'",
            "an unknown kind of figure": "UPDATE observations SET kind = 'guess' WHERE id = 1",
        }
        for what, sql in refused.items():
            with pytest.raises(psycopg.Error), conn.transaction():
                conn.execute(sql)
                conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            assert conn.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 472, what


def test_st_asmvt_cuts_the_same_tile_as_the_geopackage_encoder(database):
    import psycopg

    postgis.to_postgis(SAMPLE, database)
    conn = store.connect(SAMPLE, readonly=True)
    frame = store.units_frame(conn, level="commune", screen=True)
    conn.close()
    index = vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))
    for zxy in [(9, 403, 223), (7, 100, 55), (11, 1613, 893)]:
        ours = mapbox_vector_tile.decode(vector_tiles.encode(index, *zxy))["units"]["features"]
        with psycopg.connect(database) as pg:
            theirs = mapbox_vector_tile.decode(postgis.tile(pg, "commune", *zxy))
        theirs = theirs.get("units", {"features": []})["features"]
        assert {f["properties"]["code"] for f in ours} == {f["properties"]["code"] for f in theirs}, zxy
        assert len(ours) > 0


def test_rasters_travel_with_the_store_and_a_dump_restores_it(database, tmp_path, monkeypatch, capsys):
    """``store copy`` takes the raster COGs along (into the database's files and back beside the
    file); ``webmap backup``/``restore`` on PostGIS are pg_dump/pg_restore, a restore undoing a change
    and being itself undoable."""
    assert main(["store", "copy", str(SAMPLE), database]) == 0
    assert "rasters (COG)" in capsys.readouterr().out
    back = tmp_path / "back.gpkg"
    assert main(["store", "copy", database, str(back)]) == 0
    kept = sorted(p.name for p in (back.parent / "back.gpkg.rasters").glob("*.tif"))
    assert kept == sorted(p.name for p in (SAMPLE.parent / "sample.gpkg.rasters").glob("*.tif")) and len(kept) == 2
    monkeypatch.setenv("WEBMAP_DB", database)
    monkeypatch.setenv("WEBMAP_LOCAL_DIR", str(tmp_path / "local"))
    dump = tmp_path / "truoc.dump"
    assert main(["backup", "-o", str(dump)]) == 0 and dump.read_bytes()[:5] == b"PGDMP"
    conn = store.connect(database)
    with store.transaction(conn):
        conn.execute("DELETE FROM observations WHERE unit_code=?", ("03390",))
    version = store.data_version(database)
    conn.close()
    assert main(["restore", str(dump)]) == 0
    conn = store.connect(database, readonly=True)
    assert conn.execute("SELECT COUNT(*) FROM observations WHERE unit_code=?", ("03390",)).fetchone()[0] > 100
    conn.close()
    assert store.data_version(database)[1] > version[1]  # no server mistakes the restored data for a state it saw
    assert len(list((tmp_path / "local").rglob("*.dump"))) == 1  # the database as it was before the restore
