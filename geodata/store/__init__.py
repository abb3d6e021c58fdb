"""The store: every table the product keeps, behind one interface, on two backends.

The default is one GeoPackage file: a commune office copies one file to a USB stick and has the
whole state, which QGIS also opens directly.  A province or national office sets
``WEBMAP_DB=postgresql://…`` and several app servers share one PostGIS database
(``geodata.store.pg``).  Writes go through ``transaction`` so an interrupted build or import
leaves the previous state intact.  No SQL is written outside this package.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geodata.store import gpkg, pg, schema  # noqa: F401 (pg: store.pg.PostgisError for callers)
from geodata.store.connection import BUSY_TIMEOUT_S, Connection, backend_of, connect, is_url, transaction  # noqa: F401


def create_store(path: str | Path) -> sqlite3.Connection:
    """Create an empty store with every table (the file must not exist yet)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; refusing to overwrite a store")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    with transaction(conn):
        schema.create(conn)
    return conn


# --- writing -----------------------------------------------------------------


def geom_out(conn: Any, value: Any) -> shapely.Geometry | None:
    """A stored geometry as shapely: a GeoPackage blob, or the WKB PostGIS hands over."""
    if value is None:
        return None
    return shapely.from_wkb(value) if backend_of(conn) == "postgis" else gpkg.decode(value)


def geom_in(conn: Any, geom: shapely.Geometry | None) -> bytes | None:
    """A geometry as the backend stores it (bound through ``geom_placeholder``)."""
    if geom is None:
        return None
    return shapely.to_wkb(geom, output_dimension=2) if backend_of(conn) == "postgis" else gpkg.encode(geom)


def geom_placeholder(conn: Any) -> str:
    return "ST_GeomFromWKB(?, 4326)" if backend_of(conn) == "postgis" else "?"


def update_extent(conn: Any, table: str) -> None:
    """The GeoPackage's recorded extent of ``table`` (PostGIS computes its own)."""
    if backend_of(conn) == "gpkg":
        gpkg.update_extent(conn, table)


def _insert(conn: Any, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    n = 0
    for row in rows:
        cols = list(row)
        marks = ", ".join(geom_placeholder(conn) if c == "geom" else "?" for c in cols)
        conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", [row[c] for c in cols])
        n += 1
    return n


def add_dataset(conn: sqlite3.Connection, **fields: Any) -> None:
    _insert(conn, "datasets", [fields])


def add_units(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert units; ``geom`` may be a shapely geometry (polygons become multipolygons)."""

    def prepared() -> Iterator[dict[str, Any]]:
        for row in rows:
            out = dict(row)
            geom = out.get("geom")
            if geom is not None and geom.geom_type == "Polygon":
                geom = shapely.MultiPolygon([geom])
            out["geom"] = geom_in(conn, geom)
            yield out

    n = _insert(conn, "units", prepared())
    update_extent(conn, "units")
    return n


def add_rows(conn: sqlite3.Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert plain rows (observations, crosswalk, indicators, places without geometry)."""
    if table not in schema.TABLES:
        raise ValueError(f"unknown table {table!r}")
    if table == "places":
        rows = ({**r, "geom": geom_in(conn, r.get("geom"))} for r in rows)
    return _insert(conn, table, rows)


SCREEN_TOLERANCE_DEG = {"province": 0.002, "district": 0.001, "commune": 0.001, "village": 0.0004}


def refresh_screen_geometries(conn: sqlite3.Connection, tolerance_deg: dict[str, float] | None = None,
                              groups: set[tuple[str, str]] | None = None) -> int:
    """Recompute the screen geometries of every unit that has a boundary.

    Why stored: ``coverage_simplify`` keeps the edges neighbours share (per-polygon
    simplification opens gaps), but costs seconds on large sets, so it runs when
    data changes, never per request.  Each (level, vintage) set is one coverage,
    simplified to about one screen pixel at the zoom it is seen at (communes ~100 m,
    villages ~40 m); coordinates are snapped to 1e-5° (about 1 m).
    """
    tolerances = {**SCREEN_TOLERANCE_DEG, **(tolerance_deg or {})}
    if groups is None:  # every (level, vintage) coverage; an import passes the ones it changed
        conn.execute("DELETE FROM unit_screen_geom")
        todo = [tuple(r) for r in conn.execute("SELECT DISTINCT level, vintage FROM units WHERE geom IS NOT NULL")]
    else:
        todo = sorted(groups)
        for level, vintage in todo:
            conn.execute("DELETE FROM unit_screen_geom WHERE vintage=? AND code IN"
                         " (SELECT code FROM units WHERE level=? AND vintage=?)", (vintage, level, vintage))
        conn.execute("DELETE FROM unit_screen_geom WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code ="
                     " unit_screen_geom.code AND u.vintage = unit_screen_geom.vintage AND u.geom IS NOT NULL)")
    n = 0
    for level, vintage in todo:
        rows = conn.execute(
            "SELECT code, geom FROM units WHERE level=? AND vintage=? AND geom IS NOT NULL ORDER BY code",
            (level, vintage),
        ).fetchall()
        codes = [r["code"] for r in rows]
        geoms = [geom_out(conn, r["geom"]) for r in rows]
        tolerance = tolerances.get(level, 0.0005)
        simplified = shapely.coverage_simplify(geoms, tolerance)
        simplified = shapely.set_precision(simplified, 1e-5)
        for code, original, geom in zip(codes, geoms, simplified, strict=True):
            if geom is None or geom.is_empty:  # tiny units can vanish: keep the original
                geom = original
            if geom.geom_type == "Polygon":
                geom = shapely.MultiPolygon([geom])
            conn.execute(
                f"INSERT INTO unit_screen_geom (geom, code, vintage, tolerance_deg)"
                f" VALUES ({geom_placeholder(conn)},?,?,?)",
                (geom_in(conn, geom), code, vintage, tolerance),
            )
            n += 1
    update_extent(conn, "unit_screen_geom")
    return n


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, value))


# --- reading -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitKey:
    code: str
    vintage: str


def vacuum(conn: Any) -> None:
    """The GeoPackage file written compactly (the committed sample: no free pages)."""
    if backend_of(conn) == "gpkg":
        conn.execute("VACUUM")


def counts_by_level(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Units per vintage and level, e.g. ``{"2025": {"commune": 113, ...}}``."""
    out: dict[str, dict[str, int]] = {}
    for row in conn.execute("SELECT vintage, level, COUNT(*) AS n FROM units GROUP BY vintage, level"
                            " ORDER BY vintage, level"):
        out.setdefault(row["vintage"], {})[row["level"]] = row["n"]
    return out


def table_count(conn: sqlite3.Connection, table: str) -> int:
    if table not in schema.TABLES:
        raise ValueError(f"unknown table {table!r}")
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _memo(conn: Any) -> dict[Any, Any] | None:
    """What a read-only connection was told, kept for its life (a request): a unit page evaluates
    150 indicators, each asking for the unit, its catalogue entry and its figures, and on PostGIS
    every question is a round trip (2,924 for Bình Lư's page before; the figures of a unit are now
    read once, for all its indicators).  A connection that writes keeps nothing."""
    if not getattr(conn, "readonly", False):
        return None
    memo = getattr(conn, "memo", None)
    if memo is None:
        memo = conn.memo = {}
    return memo


def get_unit(conn: Any, code: str, vintage: str = "2025") -> dict[str, Any] | None:
    memo = _memo(conn)
    if memo is not None and ("unit", code, vintage) in memo:
        found = memo[("unit", code, vintage)]
        return dict(found) if found else None
    row = conn.execute(
        "SELECT code, vintage, level, unit_type, name, full_name, name_en, parent_code, parent_vintage,"
        " area_km2, illustrative, dataset_id, note FROM units WHERE code=? AND vintage=?",
        (code, vintage),
    ).fetchone()
    if memo is not None:
        memo[("unit", code, vintage)] = dict(row) if row else None
    return dict(row) if row else None


def centroid_lon(conn: sqlite3.Connection, code: str, vintage: str = "2025") -> float | None:
    """The longitude of a unit's centroid (None without a boundary): picks a province's TM-3 zone."""
    row = conn.execute("SELECT geom FROM units WHERE code=? AND vintage=?", (code, vintage)).fetchone()
    geom = geom_out(conn, row["geom"]) if row and row["geom"] else None
    return float(geom.centroid.x) if geom is not None and not geom.is_empty else None


def units_frame(
    conn: sqlite3.Connection,
    *,
    level: str,
    vintage: str = "2025",
    parent: str | Sequence[str] | None = None,
    screen: bool = False,
) -> gpd.GeoDataFrame:
    """Units of one level as a GeoDataFrame (EPSG:4326).

    ``screen=True`` takes the simplified boundaries meant for web maps (with the
    tolerance they were simplified at, in ``tolerance_deg``); exports and area
    computations must use the default full-resolution ones.
    """
    geom_sql = "s.geom AS geom, s.tolerance_deg" if screen else "u.geom AS geom"
    join = (
        "LEFT JOIN unit_screen_geom s ON s.code = u.code AND s.vintage = u.vintage" if screen else ""
    )
    sql = (
        f"SELECT u.code, u.vintage, u.level, u.unit_type, u.name, u.full_name, u.name_en, u.parent_code,"
        f" u.area_km2, u.illustrative, u.dataset_id, {geom_sql} FROM units u {join}"
        " WHERE u.level=? AND u.vintage=?"
    )
    params: list[Any] = [level, vintage]
    if parent is None:
        rows = [dict(r) for r in conn.execute(sql + " ORDER BY u.code", params)]
    else:  # the villages of every commune of the country: in lists PostgreSQL takes
        parents = [parent] if isinstance(parent, str) else list(parent)
        rows = sorted((dict(r) for part in units.chunks(parents) for r in conn.execute(
            sql + f" AND u.parent_code IN ({', '.join('?' * len(part))})", [*params, *part])),
            key=lambda r: r["code"])
    geoms = [geom_out(conn, r.pop("geom")) for r in rows]
    frame = pd.DataFrame(rows, columns=[
        "code", "vintage", "level", "unit_type", "name", "full_name", "name_en", "parent_code",
        "area_km2", "illustrative", "dataset_id", *(["tolerance_deg"] if screen else []),
    ])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def observations(
    conn: sqlite3.Connection,
    *,
    indicator: str | None = None,
    unit_codes: Iterable[str] | None = None,
    vintage: str = "2025",
    period: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Observations with their source columns, filtered as asked."""
    memo = _memo(conn)
    if memo is not None and unit_codes is not None:  # every figure of each unit, read once
        codes = list(dict.fromkeys(unit_codes))
        prefetch_observations(conn, codes, vintage)
        found = [r for c in codes for r in memo[("obs", vintage, c)]
                 if (indicator is None or r["indicator_code"] == indicator)
                 and (period is None or r["period"] == period) and (kind is None or r["kind"] == kind)]
        return [dict(r) for r in sorted(found, key=lambda r: r["id"])]
    sql = ("SELECT o.*, d.title_vi AS source_title_vi, d.title_en AS source_title_en FROM observations o"
           " LEFT JOIN documents d ON d.id = o.source_doc WHERE o.unit_vintage=?")
    params: list[Any] = [vintage]
    if indicator is not None:
        sql += " AND o.indicator_code=?"
        params.append(indicator)
    if period is not None:
        sql += " AND o.period=?"
        params.append(period)
    if kind is not None:
        sql += " AND o.kind=?"
        params.append(kind)
    if unit_codes is None:
        return [dict(r) for r in conn.execute(sql + " ORDER BY o.id", params)]
    found = [dict(r) for part in units.chunks(list(unit_codes)) for r in conn.execute(
        sql + f" AND o.unit_code IN ({', '.join('?' * len(part))})", [*params, *part])]
    return sorted(found, key=lambda r: r["id"])


def _prefetch(conn: Any, codes: Iterable[str], key: Any, empty: Any, sql: str, vintage: str,
              keep: Callable[[dict[str, Any], Any], None], order: str = "") -> None:
    """Rows of these units read in a few queries, into the connection's memo under ``key(code)``."""
    memo = _memo(conn)
    if memo is None:
        return
    missing = [c for c in dict.fromkeys(codes) if key(c) not in memo]
    for part in units.chunks(missing, 500):
        for c in part:
            memo[key(c)] = empty()
        for r in conn.execute(sql + f" ({', '.join('?' * len(part))}){order}", [vintage, *part]):
            keep(memo, dict(r))


def prefetch_units(conn: Any, codes: Iterable[str], vintage: str = "2025") -> None:
    """Read these units in one query (a map evaluates unit by unit)."""
    def keep(memo: dict[Any, Any], row: dict[str, Any]) -> None:
        memo[("unit", row["code"], vintage)] = row

    _prefetch(conn, codes, lambda c: ("unit", c, vintage), lambda: None,
              "SELECT code, vintage, level, unit_type, name, full_name, name_en, parent_code, parent_vintage,"
              " area_km2, illustrative, dataset_id, note FROM units WHERE vintage=? AND code IN", vintage, keep)


def prefetch_observations(conn: Any, codes: Iterable[str], vintage: str = "2025") -> None:
    """Read every figure of these units in one query (a map's evaluations ask unit by unit)."""
    def keep(memo: dict[Any, Any], row: dict[str, Any]) -> None:
        memo[("obs", vintage, row["unit_code"])].append(row)

    _prefetch(conn, codes, lambda c: ("obs", vintage, c), list,
              "SELECT o.*, d.title_vi AS source_title_vi, d.title_en AS source_title_en FROM observations o"
              " LEFT JOIN documents d ON d.id = o.source_doc WHERE o.unit_vintage=? AND o.unit_code IN", vintage, keep,
              " ORDER BY o.id")


def place_points(conn: sqlite3.Connection, types: Sequence[str], communes: Sequence[str]
                 ) -> gpd.GeoDataFrame | None:
    """Located places of ``types`` in ``communes``, one per (commune, name, type), with
    their document's titles; None when there are none."""
    if not types or not communes:
        return None
    # The geometry of each group's first row (fid): SQLite would take it from a bare column beside
    # MIN(fid), PostgreSQL needs it joined.
    rows = conn.execute(
        f"SELECT g.fid, p.geom, p.name_normalized, p.place_type, p.commune_code, g.role, g.quote, g.source_doc,"
        f" g.source_title_vi, g.source_title_en, g.illustrative FROM (SELECT MIN(p.fid) AS fid,"
        f" MIN(p.role) AS role, MIN(p.quote) AS quote, MIN(p.source_doc) AS source_doc,"
        f" MIN(d.title_vi) AS source_title_vi, MIN(d.title_en) AS source_title_en,"
        f" MAX(p.illustrative) AS illustrative FROM places p LEFT JOIN documents d ON d.id = p.source_doc"
        f" WHERE p.geom IS NOT NULL AND p.place_type IN ({','.join('?' * len(types))})"
        f" AND p.commune_code IN ({','.join('?' * len(communes))})"
        f" GROUP BY p.commune_code, p.name_normalized, p.place_type) g JOIN places p ON p.fid = g.fid"
        f" ORDER BY g.fid",
        [*types, *communes]).fetchall()
    if not rows:
        return None
    frame = pd.DataFrame([dict(r) for r in rows])
    return gpd.GeoDataFrame(frame.drop(columns="geom"), geometry=[geom_out(conn, b) for b in frame["geom"]],
                            crs="EPSG:4326")


def datasets(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM datasets ORDER BY illustrative, id")]


def indicator(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    """The catalogue entry of ``code``; a component (``pupils__primary``) without its own
    entry falls back to its total's (same rules, the total's name)."""
    memo = _memo(conn)
    if memo is not None:  # the whole catalogue (a few hundred rows), read once
        if "catalogue" not in memo:
            memo["catalogue"] = {r["code"]: dict(r) for r in conn.execute("SELECT * FROM indicators")}
        found = memo["catalogue"].get(code)
        if found is None and "__" in code:
            found = memo["catalogue"].get(code.split("__", 1)[0])
        return dict(found) if found else None
    row = conn.execute("SELECT * FROM indicators WHERE code=?", (code,)).fetchone()
    if row is None and "__" in code:
        row = conn.execute("SELECT * FROM indicators WHERE code=?", (code.split("__", 1)[0],)).fetchone()
    return dict(row) if row else None


def meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}


class StoreVersionError(RuntimeError):
    """The working store was made by an older version of the schema."""


class StoreLocationError(RuntimeError):
    """``WEBMAP_DB`` names something that is neither a GeoPackage path nor a PostgreSQL URL."""


def shown_location(path: str | Path) -> str:
    """The store's location as it may be shown: a URL's password replaced by ***."""
    from urllib.parse import urlsplit

    text = str(path)
    try:
        password = urlsplit(text).password if "://" in text else None
    except ValueError:
        password = None
    return text if not password else text.replace(":" + password + "@", ":***@", 1)


def _check_location(path: str | Path) -> None:
    """A URL of another kind (``mysql://…``, ``http://…``) was once taken for a file name: the server
    started on a new sample copy in a folder called ``mysql:``.  Say it is not understood, and change
    nothing.  ``postgresql://`` is the PostGIS store."""
    text = str(path)
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(//|$)", text)
    if not m or (len(m.group(1)) == 1 and m.group(2) != "//") or is_url(text):  # C:\ on Windows is a drive
        return
    shown = shown_location(text)
    raise StoreLocationError(
        f"WEBMAP_DB={shown}: không hiểu địa chỉ này. Dùng một tệp .gpkg (ví dụ WEBMAP_DB=instance/webmap.gpkg) hoặc "
        "một CSDL PostGIS (WEBMAP_DB=postgresql://người_dùng@máy:5432/tên_csdl). Không có gì được tạo. / "
        f"WEBMAP_DB={shown} is not understood. Use a .gpkg file (e.g. WEBMAP_DB=instance/webmap.gpkg) or a PostGIS "
        "database (WEBMAP_DB=postgresql://user@host:5432/dbname). Nothing was created.")


def data_version(location: str | Path) -> tuple[int, int]:
    """What changes whenever the data does: (a time in ns, a number).  The GeoPackage file's identity,
    -wal included (in WAL mode a commit lands in the -wal file and reaches the main file only at a
    checkpoint); on PostGIS the counter the data tables' triggers bump in the writing transaction."""
    import os

    if is_url(location):
        conn = connect(location, readonly=True)
        try:
            rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('data_version', 'data_changed')"))
        finally:
            conn.close()
        return int(float(rows.get("data_changed") or 0) * 1e9), int(rows.get("data_version") or 0)
    path = str(location)
    st = os.stat(path)
    try:
        wal = os.stat(path + "-wal")
    except FileNotFoundError:
        return st.st_mtime_ns, st.st_size
    if wal.st_size == 0:  # opened, nothing written since the last checkpoint: the main file says it all
        return st.st_mtime_ns, st.st_size
    return max(st.st_mtime_ns, wal.st_mtime_ns), st.st_size * 1_000_003 + wal.st_size


def reachable(url: str) -> str:
    """``ok`` when the PostGIS store answers with this code's schema, else why not."""
    try:
        have = schema_version(url)
    except Exception as exc:  # the reason is shown to the operator only (webmap.views.healthz)
        return f"{type(exc).__name__}: {exc}"
    return "ok" if have == schema.SCHEMA_VERSION else f"schema {have}, {schema.SCHEMA_VERSION} needed"


def schema_version(path: str | Path) -> str | None:
    conn = connect(path, readonly=True)
    try:
        found = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError:
        found = None
    finally:
        conn.close()
    return found[0] if found else None


def _to_5(conn: sqlite3.Connection, sample: Path) -> None:
    """4 -> 5: the documents table, filled from the sample (the documents its rows cite),
    and an English attribution for the sample's datasets."""
    ddl, description, _ = schema.TABLES["documents"]
    conn.execute(ddl)
    gpkg.register_table(conn, "documents", description=description)
    conn.execute("INSERT OR IGNORE INTO documents (id, issuer, title_vi, title_en, dataset_id)"
                 " SELECT id, issuer, title_vi, title_en, dataset_id FROM sample.documents"
                 " WHERE dataset_id IN (SELECT id FROM main.datasets)")
    conn.execute("ALTER TABLE datasets ADD COLUMN attribution_en TEXT")
    conn.execute("UPDATE datasets SET attribution_en ="
                 " (SELECT s.attribution_en FROM sample.datasets s WHERE s.id = datasets.id)")


def _to_6(conn: sqlite3.Connection, sample: Path) -> None:
    """5 -> 6: the indicator vocabulary.  Catalogue entries the sample added (components
    with their own names, household rates) and the sample's names of its own entries are
    taken over; entries a user imported keep what they have.  Aliases come with them."""
    ddl, description, _ = schema.TABLES["indicator_aliases"]
    conn.execute(ddl)
    gpkg.register_table(conn, "indicator_aliases", description=description)
    conn.execute("INSERT OR IGNORE INTO indicators SELECT * FROM sample.indicators"
                 " WHERE dataset_id IS NULL OR dataset_id IN (SELECT id FROM main.datasets)")
    conn.execute("UPDATE indicators SET (name_vi, name_en) ="
                 " (SELECT s.name_vi, s.name_en FROM sample.indicators s WHERE s.code = indicators.code)"
                 " WHERE dataset_id IN (SELECT dataset_id FROM sample.indicators)"
                 " AND code IN (SELECT code FROM sample.indicators)")
    conn.execute("INSERT OR IGNORE INTO indicator_aliases SELECT * FROM sample.indicator_aliases"
                 " WHERE indicator_code IN (SELECT code FROM main.indicators)")


def _to_7(conn: sqlite3.Connection, sample: Path) -> None:
    """6 -> 7: the browser workflow: entries awaiting approval, the audit trail, and who made
    each import (imports made before have none: they came from the command line)."""
    for table in ("entries", "audit"):
        ddl, description, _ = schema.TABLES[table]
        conn.execute(ddl)
        gpkg.register_table(conn, table, description=description)
    if "user_name" not in {r[1] for r in conn.execute("PRAGMA table_info(imports)")}:
        conn.execute("ALTER TABLE imports ADD COLUMN user_name TEXT")
    for ddl in schema.INDEXES:
        conn.execute(ddl)


def _to_8(conn: sqlite3.Connection, sample: Path) -> None:
    """7 -> 8: each figure keeps the words its source gives it ("Tổng thu ngân sách nhà nước",
    "… (khu trung tâm xã)"), so a report draft labels it as the document did.  The sample's
    figures get their words back from the sample; figures a user imported keep none (the
    catalogue name stands in)."""
    if "label" not in {r[1] for r in conn.execute("PRAGMA table_info(observations)")}:
        conn.execute("ALTER TABLE observations ADD COLUMN label TEXT")
    conn.execute("UPDATE observations SET label = (SELECT s.label FROM sample.observations s"
                 " WHERE s.source_doc = observations.source_doc AND s.source_row = observations.source_row"
                 " AND s.dataset_id = observations.dataset_id AND s.indicator_code = observations.indicator_code)"
                 " WHERE label IS NULL AND dataset_id IN (SELECT DISTINCT dataset_id FROM sample.observations)")


# version found -> (step to the next version, that version)
MIGRATIONS: dict[str, tuple[Callable[[sqlite3.Connection, Path], None], str]] = {
    "4": (_to_5, "5"), "5": (_to_6, "6"), "6": (_to_7, "7"), "7": (_to_8, "8")}


def migrate(path: str | Path, sample: str | Path) -> Path | None:
    """Bring a working store from an older schema to this one, if every step is known.

    Imports live in the working store, so it is upgraded in place rather than
    recreated; the file as it was is kept beside it (``<name>.v<old>.bak``) and the
    upgrade runs on a copy that replaces the store only when every step succeeded.
    Returns the backup's path, or None when nothing was to do.
    """

    import shutil

    path, sample = Path(path), Path(sample)
    have = schema_version(path)
    if have == schema.SCHEMA_VERSION or have not in MIGRATIONS:
        return None
    from geodata.store import backups

    def copy(out: Path) -> None:
        # Byte for byte when the file is all there is; through the backup API when commits
        # may still sit in its -wal file.
        if path.with_name(path.name + "-wal").exists():
            backups.backup(path, out=out)
        else:
            shutil.copyfile(path, out)

    backup = path.with_name(f"{path.name}.v{have}.bak")
    copy(backup)
    work = path.with_name(path.name + ".migrating")
    copy(work)
    conn = connect(work)
    try:
        conn.execute("ATTACH DATABASE ? AS sample", (str(sample),))
        with transaction(conn):
            version = have
            while version in MIGRATIONS:
                step, version = MIGRATIONS[version]
                step(conn, sample)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (version,))
        conn.execute("DETACH DATABASE sample")
    except sqlite3.Error as exc:
        conn.close()
        work.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
        raise StoreVersionError(
            f"Không nâng cấp được CSDL {path} từ phiên bản {have} lên {schema.SCHEMA_VERSION} ({exc}); tệp "
            f"không bị thay đổi. / Could not upgrade store {path} from schema {have} to "
            f"{schema.SCHEMA_VERSION} ({exc}); the file is unchanged."
        ) from exc
    except BaseException:
        conn.close()
        work.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
        raise
    conn.close()
    work.replace(path)
    return backup


def check_schema(path: str | Path) -> None:
    have = schema_version(path)
    if have != schema.SCHEMA_VERSION:
        have = have or "?"
        raise StoreVersionError(
            f"CSDL {path} có lược đồ phiên bản {have}, cần {schema.SCHEMA_VERSION}: đổi tên tệp này để tạo lại "
            f"từ dữ liệu mẫu. / Store {path} has schema version {have}, this code needs "
            f"{schema.SCHEMA_VERSION}: move the file away to recreate it from the sample."
        )


def ensure_store(path: str | Path, sample: str | Path, notes: list[str] | None = None) -> Path:
    """Create the working store from the sample on first run; never overwrite one.

    An existing store is first recovered and checked read-write (``integrity.open_store``:
    an interrupted import is rolled back and named in ``notes``, a damaged file refused),
    then upgraded if older.  The copy goes to a temporary name first and is renamed, so a
    crash mid-copy cannot leave a half-written store behind.
    """

    from geodata.store import integrity

    _check_location(path)
    if is_url(path):  # PostGIS: brought to this code's schema, never created from the sample unasked
        from geodata.store import postgis

        done = postgis.migrate(str(path))
        if notes is not None:
            notes.extend(f"PostGIS: {d}" for d in done)
        return path  # type: ignore[return-value]
    path, sample = Path(path), Path(sample)
    if path.exists():
        recovered = integrity.open_store(path)
        if notes is not None:
            notes.extend(recovered)
        if sample.exists():
            migrate(path, sample)
        check_schema(path)
        integrity.use_wal(path)
        return path
    if not sample.exists():
        raise FileNotFoundError(f"neither the store {path} nor the sample {sample} exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    copy_with_rasters(sample, path)
    integrity.use_wal(path)
    return path


def copy_with_rasters(source: str | Path, target: str | Path) -> None:
    """A store file and the COGs its raster imports keep beside it (``<store>.rasters/``), the
    file under a temporary name first so a crash never leaves half a store."""
    import shutil

    source, target = Path(source), Path(target)
    folder = source.with_name(source.name + ".rasters")
    if folder.is_dir():
        shutil.copytree(folder, target.with_name(target.name + ".rasters"), dirs_exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


# The questions asked of units and figures, by what they are about (``store.units.children`` …).
from geodata.store import figures, server, units  # noqa: E402, F401
