"""Tables of the store, on top of the GeoPackage core.

Why these shapes: a unit code means nothing without its vintage (codes are reused
across the 2025 reform: 03390 was TT Tam Đường before and is Xã Bình Lư after), so
every reference to a unit is the pair (code, vintage).  Observations keep their
source down to the row so any number on a map can be traced back to a document.
"""

from __future__ import annotations

import sqlite3

from geodata.store import gpkg

SCHEMA_VERSION = "8"  # 2: indicator aggregation; 3: place points; 4: imports journal;
#                         5: documents, datasets.attribution_en; 6: indicator_aliases;
#                         7: entries (figures awaiting approval), audit, imports.user_name;
#                         8: observations.label (the source's own words for the figure)

VINTAGES = ("2025", "pre2025")
LEVELS = ("province", "district", "commune", "village")
KINDS = ("actual", "plan", "target", "baseline")

TABLES: dict[str, tuple[str, str, str | None]] = {
    # name: (DDL, description, geometry type or None)
    "datasets": (
        """CREATE TABLE IF NOT EXISTS datasets (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT, licence TEXT NOT NULL,
            attribution TEXT NOT NULL, source TEXT, snapshot TEXT, note TEXT,
            illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
            attribution_en TEXT)""",
        "Provenance and licence of every dataset in this file",
        None,
    ),
    "units": (
        f"""CREATE TABLE IF NOT EXISTS units (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB,
            code TEXT NOT NULL, vintage TEXT NOT NULL CHECK (vintage IN {VINTAGES!r}),
            level TEXT NOT NULL CHECK (level IN {LEVELS!r}), unit_type TEXT NOT NULL,
            name TEXT NOT NULL, full_name TEXT NOT NULL, name_en TEXT,
            parent_code TEXT, parent_vintage TEXT, area_km2 REAL,
            illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
            dataset_id TEXT NOT NULL REFERENCES datasets(id), note TEXT,
            UNIQUE (code, vintage))""",
        "Administrative units (province, district, commune, village) of both vintages",
        "MULTIPOLYGON",
    ),
    "unit_screen_geom": (
        """CREATE TABLE IF NOT EXISTS unit_screen_geom (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB,
            code TEXT NOT NULL, vintage TEXT NOT NULL, tolerance_deg REAL NOT NULL,
            UNIQUE (code, vintage))""",
        "Unit boundaries simplified for the screen (shared edges kept); exports use units.geom",
        "MULTIPOLYGON",
    ),
    "crosswalk": (
        """CREATE TABLE IF NOT EXISTS crosswalk (
            old_code TEXT NOT NULL, old_vintage TEXT NOT NULL DEFAULT 'pre2025',
            new_code TEXT NOT NULL, new_vintage TEXT NOT NULL DEFAULT '2025',
            split INTEGER NOT NULL DEFAULT 0, is_default INTEGER,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            PRIMARY KEY (old_code, old_vintage, new_code, new_vintage))""",
        "Official old (pre-2025) to new (2025) commune mapping",
        None,
    ),
    "indicators": (
        """CREATE TABLE IF NOT EXISTS indicators (
            code TEXT PRIMARY KEY, name_vi TEXT NOT NULL, name_en TEXT NOT NULL,
            theme TEXT NOT NULL, measure_unit TEXT, direction TEXT, aggregation TEXT,
            aggregation_method TEXT NOT NULL DEFAULT 'none'
                CHECK (aggregation_method IN ('sum', 'weighted_mean', 'none')),
            weight_indicator TEXT,
            definition TEXT, qualifiers TEXT, dataset_id TEXT REFERENCES datasets(id))""",
        "Indicator catalogue",
        None,
    ),
    "indicator_aliases": (
        """CREATE TABLE IF NOT EXISTS indicator_aliases (
            alias_key TEXT PRIMARY KEY, alias TEXT NOT NULL,
            indicator_code TEXT NOT NULL REFERENCES indicators(code),
            dataset_id TEXT REFERENCES datasets(id))""",
        "Other names of catalogue indicators, as statistical forms write them (matched on import)",
        None,
    ),
    "documents": (
        """CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY, issuer TEXT, title_vi TEXT NOT NULL, title_en TEXT NOT NULL,
            dataset_id TEXT NOT NULL REFERENCES datasets(id))""",
        "The documents numbers are quoted from (observations.source_doc), with a title a reader knows",
        None,
    ),
    "observations": (
        f"""CREATE TABLE IF NOT EXISTS observations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            unit_code TEXT NOT NULL, unit_vintage TEXT NOT NULL,
            indicator_code TEXT NOT NULL, period TEXT,
            kind TEXT NOT NULL CHECK (kind IN {KINDS!r}), target_type TEXT,
            value REAL, value_high REAL, measure_unit TEXT, base_period TEXT,
            scope TEXT NOT NULL DEFAULT 'unit',
            source_doc TEXT NOT NULL, source_section TEXT, source_row INTEGER, quote TEXT, note TEXT,
            illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
            dataset_id TEXT NOT NULL REFERENCES datasets(id), label TEXT)""",
        "Indicator values: actuals, plans, targets and baselines, each with its source and its words",
        None,
    ),
    "places": (
        """CREATE TABLE IF NOT EXISTS places (
            fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB,
            name_as_written TEXT NOT NULL, name_normalized TEXT NOT NULL, place_type TEXT NOT NULL,
            commune_code TEXT, commune_vintage TEXT, village_code TEXT, role TEXT,
            source_doc TEXT NOT NULL, quote TEXT, note TEXT,
            illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
            dataset_id TEXT NOT NULL REFERENCES datasets(id))""",
        "Places named in the planning documents (geometry only where known or illustrative)",
        "POINT",
    ),
    "imports": (
        """CREATE TABLE IF NOT EXISTS imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL, options TEXT, created_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('applied', 'undone')), counts TEXT, report TEXT,
            user_name TEXT)""",
        "Every import: file, hash, options, counts and report (undo restores the state before it)",
        None,
    ),
    "import_changes": (
        """CREATE TABLE IF NOT EXISTS import_changes (
            import_id INTEGER NOT NULL REFERENCES imports(id), seq INTEGER NOT NULL,
            table_name TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('insert', 'update')),
            row_key TEXT NOT NULL, before TEXT, PRIMARY KEY (import_id, seq))""",
        "Before-images of the rows an import changed, for undo",
        None,
    ),
    "entries": (
        f"""CREATE TABLE IF NOT EXISTS entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            unit_code TEXT NOT NULL, unit_vintage TEXT NOT NULL CHECK (unit_vintage IN {VINTAGES!r}),
            scope_code TEXT NOT NULL, indicator_code TEXT NOT NULL, period TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'actual' CHECK (kind IN {KINDS!r}), value REAL, measure_unit TEXT,
            scope TEXT NOT NULL DEFAULT 'unit',
            state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned', 'superseded')),
            source_name TEXT NOT NULL, source_row INTEGER, import_id INTEGER REFERENCES imports(id),
            note TEXT, comment TEXT, created_by TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
            observation_id INTEGER)""",
        "Figures entered or uploaded in the browser: drafts and figures awaiting approval (chờ duyệt); "
        "an approved entry is copied into observations",
        None,
    ),
    "audit": (
        """CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_name TEXT NOT NULL,
            action TEXT NOT NULL, unit_code TEXT, unit_vintage TEXT, indicator_code TEXT, period TEXT, kind TEXT,
            old_value REAL, new_value REAL, old_state TEXT, new_state TEXT, reason TEXT,
            entry_id INTEGER, import_id INTEGER, observation_id INTEGER, before TEXT)""",
        "Every change made through the workflow: who, when, old and new value, why (the row as it was "
        "in 'before' when an observation was overwritten)",
        None,
    ),
    "meta": (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "Store metadata (schema version, sample build inputs)",
        None,
    ),
}

INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_units_level ON units (level, vintage)",
    "CREATE INDEX IF NOT EXISTS idx_units_parent ON units (parent_code, parent_vintage)",
    "CREATE INDEX IF NOT EXISTS idx_obs_unit ON observations (unit_code, unit_vintage, indicator_code)",
    "CREATE INDEX IF NOT EXISTS idx_obs_indicator ON observations (indicator_code, period)",
    "CREATE INDEX IF NOT EXISTS idx_crosswalk_new ON crosswalk (new_code, new_vintage)",
    "CREATE INDEX IF NOT EXISTS idx_entries_key ON entries (unit_code, unit_vintage, indicator_code, period, kind)",
    "CREATE INDEX IF NOT EXISTS idx_entries_state ON entries (state, scope_code, period)",
    "CREATE INDEX IF NOT EXISTS idx_audit_unit ON audit (unit_code, at)",
]


def create(conn: sqlite3.Connection) -> None:
    """Create every table, registered in the GeoPackage contents (idempotent)."""
    gpkg.init_core(conn)
    for table, (ddl, description, geometry_type) in TABLES.items():
        conn.execute(ddl)
        gpkg.register_table(
            conn,
            table,
            description=description,
            geometry_column="geom" if geometry_type else None,
            geometry_type=geometry_type or "GEOMETRY",
        )
    for ddl in INDEXES:
        conn.execute(ddl)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
