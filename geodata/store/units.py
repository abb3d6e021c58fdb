"""Units, their hierarchy and the old→new crosswalk: the questions the rest of the product asks of
them (which units are below this one, which had children, what a unit was called before 2025).

Boundaries as GeoDataFrames come from ``store.units_frame``; these answers carry no geometry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def _marks(n: int) -> str:
    return ",".join("?" * n)


CHUNK = 10_000  # codes per IN (…) list: PostgreSQL takes at most 65,535 parameters a statement


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[list[Any]]:
    """``items`` in lists short enough to be one statement's parameters (the country's 69,741
    villages in one IN list were refused by PostgreSQL, and the national village map answered 500)."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def child_codes(conn: Any, code: str | Sequence[str], *, level: str | None = None,
                vintage: str = "2025") -> list[str]:
    """Codes of the units directly below ``code`` (or below any of several), optionally of one level."""
    parents = [code] if isinstance(code, str) else list(code)
    if not parents:
        return []
    found: list[str] = []
    for part in chunks(parents):
        sql = f"SELECT code FROM units WHERE vintage=? AND parent_code IN ({_marks(len(part))})"
        params: list[Any] = [vintage, *part]
        if level is not None:
            sql += " AND level=?"
            params.append(level)
        found += [r[0] for r in conn.execute(sql, params)]
    return sorted(found)


def children(conn: Any, code: str, *, vintage: str = "2025", by_name: bool = False,
             limit: int | None = None) -> list[dict[str, Any]]:
    """The units directly below ``code``: code, vintage, names, type, area, illustrative flag."""
    memo = getattr(conn, "memo", None) if getattr(conn, "readonly", False) else None
    key = ("children", code, vintage, by_name, limit)
    if memo is not None and key in memo:
        return [dict(r) for r in memo[key]]
    sql = ("SELECT code, vintage, full_name, unit_type, area_km2, illustrative FROM units"
           " WHERE parent_code=? AND parent_vintage=? AND vintage=?"
           f" ORDER BY {'full_name' if by_name else 'code'}")
    params: list[Any] = [code, vintage, vintage]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    found = [dict(r) for r in conn.execute(sql, params)]
    if memo is not None:
        memo[key] = found
    return [dict(r) for r in found]


def with_children(conn: Any, codes: Iterable[str], vintage: str | None = None) -> set[str]:
    """Those of ``codes`` that have units below them (a map's drill links)."""
    codes = list(codes)
    found: set[str] = set()
    for part in chunks(codes) if codes else []:
        sql = f"SELECT DISTINCT parent_code FROM units WHERE parent_code IN ({_marks(len(part))})"
        params: list[Any] = list(part)
        if vintage is not None:
            sql += " AND vintage=?"
            params.append(vintage)
        found |= {r[0] for r in conn.execute(sql, params)}
    return found


def descendants_of_level(conn: Any, code: str, level: str, vintage: str = "2025") -> list[str]:
    """Codes of ``level`` units below ``code`` (any depth)."""
    frontier, found = [code], []
    while frontier:
        rows = [r for part in chunks(frontier) for r in conn.execute(
            f"SELECT code, level FROM units WHERE vintage=? AND parent_code IN ({_marks(len(part))})",
            [vintage, *part]).fetchall()]
        frontier = [r["code"] for r in rows if r["level"] != level]
        found += [r["code"] for r in rows if r["level"] == level]
    return found


def full_name(conn: Any, code: str, vintage: str = "2025") -> str | None:
    row = conn.execute("SELECT full_name FROM units WHERE code=? AND vintage=?", (code, vintage)).fetchone()
    return row[0] if row else None


def names(conn: Any, *, vintage: str, level: str) -> dict[str, str]:
    """Code -> full name of every unit of a level and vintage."""
    return {r[0]: r[1] for r in conn.execute("SELECT code, full_name FROM units WHERE vintage=? AND level=?",
                                             (vintage, level))}


def codes(conn: Any, *, vintage: str, level: str | None = None) -> set[str]:
    sql, params = "SELECT code FROM units WHERE vintage=?", [vintage]
    if level is not None:
        sql += " AND level=?"
        params.append(level)
    return {r[0] for r in conn.execute(sql, params)}


def level_code_pairs(conn: Any, vintage: str) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in conn.execute("SELECT level, code FROM units WHERE vintage=?", (vintage,))}


def of_other_level(conn: Any, codes_: Sequence[str], *, vintage: str, level: str) -> list[tuple[str, str]]:
    """(code, level) of those of ``codes_`` that name a unit of another level than ``level``."""
    if not codes_:
        return []
    return [tuple(r) for part in chunks(codes_) for r in conn.execute(
        f"SELECT code, level FROM units WHERE vintage=? AND level<>? AND code IN ({_marks(len(part))})",
        [vintage, level, *part])]


def parent_of_each(conn: Any, *, vintage: str, level: str) -> dict[str, str]:
    """Code -> parent code of every unit of a level."""
    return {r[0]: r[1] for r in conn.execute("SELECT code, parent_code FROM units WHERE level=? AND vintage=?",
                                             (level, vintage))}


def count(conn: Any, *, vintage: str, levels: Sequence[str]) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM units WHERE vintage=? AND level IN ({_marks(len(levels))})",
                        [vintage, *levels]).fetchone()[0]


def listing(conn: Any, *, levels: Sequence[str]) -> list[dict[str, Any]]:
    """Every unit of these levels (all vintages), without geometry: what name matching searches."""
    return [dict(r) for r in conn.execute(
        "SELECT code, vintage, level, unit_type, full_name, name, parent_code, parent_vintage, illustrative"
        f" FROM units WHERE level IN ({_marks(len(levels))})", list(levels))]


def rows(conn: Any, *, level: str, vintage: str = "2025") -> list[tuple[str, str, str]]:
    """(code, parent code, full name) of every unit of a level, by code."""
    return [tuple(r) for r in conn.execute("SELECT code, parent_code, full_name FROM units WHERE level=? AND"
                                           " vintage=? ORDER BY code", (level, vintage))]


def ogr_sql(level: str, columns: str = "*", vintage: str | None = "2025") -> str:
    """The statement GDAL's ``ogr2ogr -sql`` runs on a GeoPackage store to read one level's units:
    the baseline the benchmarks set our exports and tiles beside."""
    where = f"level='{level}'" + (f" AND vintage='{vintage}'" if vintage else "")
    return f"SELECT {columns} FROM units WHERE {where}"


# --- the crosswalk between pre-2025 and 2025 units --------------------------------------------


def successors(conn: Any, *, default_only: bool = False) -> dict[str, str]:
    """Old code -> its 2025 commune (for a split one, the default successor when ``default_only``)."""
    sql = "SELECT old_code, new_code FROM crosswalk WHERE new_vintage='2025'"
    if default_only:
        sql += " AND old_vintage='pre2025' AND (is_default IS NULL OR is_default=1 OR split=0)"
    return {r[0]: r[1] for r in conn.execute(sql + " ORDER BY old_code, new_code")}


def crosswalk_pairs(conn: Any) -> list[tuple[str, str]]:
    """Every (old, new) pair from pre-2025 communes to 2025 ones, by old then new code."""
    return [tuple(r) for r in conn.execute("SELECT old_code, new_code FROM crosswalk WHERE old_vintage='pre2025'"
                                           " AND new_vintage='2025' ORDER BY old_code, new_code")]


def predecessors(conn: Any, code: str) -> list[dict[str, Any]]:
    """The pre-2025 units a 2025 unit was made of: code and full name."""
    return [dict(r) for r in conn.execute(
        "SELECT u.code, u.full_name FROM crosswalk c JOIN units u ON u.code=c.old_code AND u.vintage=c.old_vintage"
        " WHERE c.new_code=? ORDER BY u.code", (code,))]


def crosswalk_table(conn: Any) -> list[dict[str, Any]]:
    """The crosswalk with both ends' names (and the old commune's district), for export."""
    return [dict(r) for r in conn.execute(
        """SELECT c.old_code, c.old_vintage, o.full_name AS old_name, d.full_name AS old_district,
                  c.new_code, c.new_vintage, n.full_name AS new_name, c.split
           FROM crosswalk c
           JOIN units o ON o.code = c.old_code AND o.vintage = c.old_vintage
           LEFT JOIN units d ON d.code = o.parent_code AND d.vintage = o.parent_vintage
           JOIN units n ON n.code = c.new_code AND n.vintage = c.new_vintage
           ORDER BY c.new_code, c.old_code""")]


def has_pair(conn: Any) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in conn.execute("SELECT old_code, new_code FROM crosswalk")}


def add_pair(conn: Any, old: str, new: str, split: int, is_default: int | None, dataset: str) -> None:
    conn.execute("INSERT INTO crosswalk (old_code, old_vintage, new_code, new_vintage, split, is_default, dataset_id)"
                 " VALUES (?,?,?,?,?,?,?)", (old, "pre2025", new, "2025", split, is_default, dataset))


def set_boundary(conn: Any, code: str, vintage: str, geom: Any) -> None:
    """Replace a unit's boundary (a shapely geometry)."""
    from geodata import store

    conn.execute(f"UPDATE units SET geom={store.geom_placeholder(conn)} WHERE code=? AND vintage=?",
                 (store.geom_in(conn, geom), code, vintage))


def places_table(conn: Any) -> list[dict[str, Any]]:
    """The places named in the documents, without their (illustrative) points, for export."""
    return [dict(r) for r in conn.execute(
        "SELECT name_as_written, name_normalized, place_type, commune_code, commune_vintage, village_code,"
        " role, source_doc, quote, illustrative FROM places ORDER BY commune_code, name_normalized")]
