"""Minimal GeoPackage core over the standard library's ``sqlite3``.

Why hand-written: the store must make multi-table writes atomic (an import either
lands whole or not at all, and can be undone), which GDAL's drivers cannot do
across tables from Python, and SpatiaLite needs SQLite extension loading that this
Python build lacks.  The GeoPackage standard (OGC 12-128r18) only needs a few
metadata tables and a small binary header in front of ISO WKB, so the file we
write is read as-is by GDAL/pyogrio, fiona and QGIS; ``tests/test_store.py``
checks that with pyogrio.  No R-tree extension: at commune scale a full scan is
cheaper than keeping the triggers (which call SQL functions plain sqlite3 lacks).
"""

from __future__ import annotations

import sqlite3
import struct

import shapely
from shapely.geometry.base import BaseGeometry

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

CORE_DDL = [
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
]

SRS_ROWS = [
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT, "longitude/latitude coordinates in decimal degrees"),
]


def init_core(conn: sqlite3.Connection) -> None:
    """Create the GeoPackage metadata tables (idempotent)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for ddl in CORE_DDL:
        conn.execute(ddl)
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", SRS_ROWS)


def register_table(
    conn: sqlite3.Connection,
    table: str,
    *,
    description: str,
    geometry_column: str | None = None,
    geometry_type: str = "GEOMETRY",
) -> None:
    """Declare ``table`` in gpkg_contents so GIS clients list it.

    Tables with a geometry column become ``features`` layers; the rest are
    ``attributes`` tables, which QGIS and GDAL show as plain tables.
    """
    data_type = "features" if geometry_column else "attributes"
    conn.execute(
        "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
        " VALUES (?,?,?,?,?)",
        (table, data_type, table, description, 4326 if geometry_column else None),
    )
    if geometry_column:
        conn.execute(
            "INSERT OR REPLACE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)",
            (table, geometry_column, geometry_type, 4326),
        )


def update_extent(conn: sqlite3.Connection, table: str, geometry_column: str = "geom") -> None:
    """Refresh a layer's bounding box in gpkg_contents (clients zoom to it)."""
    rows = conn.execute(f"SELECT {geometry_column} FROM {table} WHERE {geometry_column} IS NOT NULL")
    geoms = [g for (blob,) in rows if (g := decode(blob)) is not None and not g.is_empty]
    if not geoms:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?,"
        " last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
        (float(minx), float(miny), float(maxx), float(maxy), table),
    )


# --- geometry blobs ---------------------------------------------------------
# Header: "GP", version 0, flags, srs_id (int32), envelope; then ISO WKB.
# flags bit 0 = little endian, bits 1-3 = envelope type (1 = xy), bit 4 = empty.
_ENVELOPE_SIZES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def encode(geom: BaseGeometry | None, srs_id: int = 4326) -> bytes | None:
    """Encode a shapely geometry as a GeoPackage geometry blob."""
    if geom is None:
        return None
    if geom.is_empty:
        flags = 0b0001_0001  # empty, little endian, no envelope
        return b"GP\x00" + bytes([flags]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)
    flags = 0b0000_0011  # envelope xy, little endian
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP\x00" + bytes([flags]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1, flavor="iso")


def decode(blob: bytes | None) -> BaseGeometry | None:
    """Decode a GeoPackage geometry blob (any envelope type) to shapely."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob (missing 'GP' magic)")
    flags = blob[3]
    envelope = _ENVELOPE_SIZES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError(f"invalid GeoPackage envelope indicator in flags {flags:#x}")
    return shapely.from_wkb(blob[8 + envelope:])
