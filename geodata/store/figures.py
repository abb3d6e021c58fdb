"""Figures (observations: actuals, baselines, plans, targets) and the catalogue: the questions the
maps, unit pages, evaluation, reports and importers ask of them.

``store.observations`` gives whole rows with their sources; these give the smaller answers (which
periods have figures, which indicators a unit has, the value a new figure would replace).  On a
connection showing drafts (``workflow.show_drafts``) ``observations`` includes the open entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

ACTUALS = "('actual', 'baseline')"


def _marks(n: int) -> str:
    return ",".join("?" * n)


# --- periods ------------------------------------------------------------------------------------


def periods_with_components(conn: Any, indicator: str) -> list[str]:
    """Years and part-years with any figure of ``indicator`` or its components (``x__y``), no ranges."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT period FROM observations WHERE (indicator_code=? OR indicator_code LIKE ? ESCAPE '\\')"
        " AND period IS NOT NULL AND period NOT LIKE '%-%' ORDER BY period",
        (indicator, indicator.replace("_", "\\_") + "\\_\\_%"))]


def actual_periods(conn: Any, indicator: str) -> list[str]:
    """Periods that have a unit-wide actual or baseline of ``indicator``."""
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT period FROM observations WHERE indicator_code=? AND period IS NOT NULL"
        f" AND scope='unit' AND kind IN {ACTUALS} ORDER BY period", (indicator,))]


def own_actual_periods(conn: Any, code: str, indicator: str, vintage: str = "2025") -> list[str]:
    """Periods (no ranges) in which ``code`` itself has a unit-wide figure of ``indicator``."""
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT period FROM observations WHERE indicator_code=? AND unit_code=? AND unit_vintage=?"
        f" AND period IS NOT NULL AND scope='unit' AND kind IN {ACTUALS} AND value IS NOT NULL"
        f" AND period NOT LIKE '%-%'", (indicator, code, vintage))]


def unit_periods_actuals_last(conn: Any, code: str, indicator: str) -> list[str]:
    """A unit's periods of an indicator (no ranges), those with an actual or baseline last."""
    from geodata import store

    if getattr(conn, "readonly", False):  # from the unit's figures, read once for all its indicators
        have: dict[str, int] = {}
        for o in store.observations(conn, unit_codes=[code], indicator=indicator, vintage="2025"):
            if o["period"] and "-" not in o["period"]:
                have[o["period"]] = max(have.get(o["period"], 0), int(o["kind"] in ("actual", "baseline")))
        return sorted(have, key=lambda p: (have[p], p))
    return [r[0] for r in conn.execute(
        f"SELECT period FROM observations WHERE unit_code=? AND indicator_code=? AND period IS NOT NULL"
        f" AND period NOT LIKE '%-%' GROUP BY period"
        f" ORDER BY MAX(CASE WHEN kind IN {ACTUALS} THEN 1 ELSE 0 END), period", (code, indicator))]


def latest_actual_periods(conn: Any, code: str) -> list[tuple[str, str]]:
    """(indicator, its latest period with an actual or baseline) of a 2025 unit."""
    return [(r[0], r[1]) for r in conn.execute(
        f"SELECT indicator_code, MAX(period) FROM observations WHERE unit_code=? AND unit_vintage='2025'"
        f" AND kind IN {ACTUALS} AND period IS NOT NULL AND period NOT LIKE '%-%'"
        f" GROUP BY indicator_code ORDER BY indicator_code", (code,))]


def report_periods(conn: Any, code: str) -> list[str]:
    """Periods of a unit's (or its children's) figures and of its own yearly plans."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT o.period FROM observations o JOIN units u ON u.code=o.unit_code AND u.vintage=o.unit_vintage"
        " WHERE o.unit_vintage='2025' AND (u.code=? OR u.parent_code=?) AND o.value IS NOT NULL"
        " AND o.period IS NOT NULL AND (o.kind IN ('actual','baseline') OR (o.kind='plan' AND u.code=?))"
        " ORDER BY o.period", (code, code, code))]


def pages_with_figures(conn: Any, indicator: str, vintage: str, skip_units: Sequence[str]) -> list[dict[str, Any]]:
    """Where a map of ``indicator`` has real figures: the page (a parent, or None for the country's
    provinces), the period, how many units and whether all are illustrative."""
    return [dict(r) for r in conn.execute(
        "SELECT CASE WHEN u.level='province' THEN NULL ELSE u.parent_code END AS page, o.period,"
        " COUNT(DISTINCT o.unit_code) AS n, MIN(o.illustrative) AS illustrative"
        " FROM observations o JOIN units u ON u.code = o.unit_code AND u.vintage = o.unit_vintage"
        f" WHERE o.indicator_code=? AND o.unit_vintage=? AND o.kind IN {ACTUALS}"
        " AND o.scope='unit' AND o.value IS NOT NULL AND o.period IS NOT NULL"
        f" AND COALESCE(o.measure_unit, '') NOT IN ({_marks(len(skip_units))})"
        " GROUP BY CASE WHEN u.level='province' THEN NULL ELSE u.parent_code END, o.period"
        " ORDER BY 1, 2", (indicator, vintage, *skip_units))]


# --- which units and indicators have figures ----------------------------------------------------------


def has_figures_below(conn: Any, indicator: str, code: str, vintage: str = "2025") -> bool:
    """Whether a unit or one of its children has a real unit-wide figure of ``indicator``."""
    return conn.execute(
        "SELECT 1 FROM observations o JOIN units u ON u.code=o.unit_code AND u.vintage=o.unit_vintage"
        " WHERE o.indicator_code=? AND o.unit_vintage=? AND (u.code=? OR u.parent_code=?)"
        f" AND o.scope='unit' AND o.kind IN {ACTUALS} AND o.value IS NOT NULL AND o.illustrative=0"
        " LIMIT 1", (indicator, vintage, code, code)).fetchone() is not None


def units_with_figures(conn: Any, codes: Iterable[str], indicator: str, vintage: str = "2025") -> set[str]:
    from geodata.store.units import chunks

    codes = list(codes)
    if not codes:
        return set()
    return {r[0] for part in chunks(codes) for r in conn.execute(
        f"SELECT DISTINCT unit_code FROM observations WHERE unit_vintage=? AND indicator_code=?"
        f" AND unit_code IN ({_marks(len(part))})", [vintage, indicator, *part])}


def indicators_of_unit(conn: Any, code: str, vintage: str = "2025") -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT indicator_code FROM observations WHERE unit_code=?"
                                       " AND unit_vintage=? ORDER BY indicator_code", (code, vintage))]


def real_indicators_below(conn: Any, code: str) -> set[str]:
    """Indicators the units directly below ``code`` have real (not illustrative) figures of."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT o.indicator_code FROM observations o JOIN units u ON u.code=o.unit_code"
        " AND u.vintage=o.unit_vintage WHERE u.parent_code=? AND o.illustrative=0 AND o.value IS NOT NULL",
        (code,))}


def children_reporting(conn: Any, code: str, indicator: str, period: str) -> list[str]:
    """Names of the 2025 units below ``code`` with an actual of ``indicator`` in ``period``."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT u.full_name FROM observations o JOIN units u ON u.code=o.unit_code AND u.vintage='2025'"
        " WHERE u.parent_code=? AND o.indicator_code=? AND o.period=? AND o.kind='actual' AND o.value IS NOT NULL"
        " ORDER BY u.full_name", (code, indicator, period))]


# --- one unit's series, as the entry form shows them ---------------------------------------------


def approved_series(conn: Any, code: str, indicator: str) -> list[tuple[str, float]]:
    """(period, value) of a 2025 unit's approved unit-wide actuals and baselines (drafts not laid over)."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT period, value FROM main.observations WHERE unit_code=? AND unit_vintage='2025'"
        f" AND indicator_code=? AND kind IN {ACTUALS} AND scope='unit'"
        " AND value IS NOT NULL AND period IS NOT NULL ORDER BY id", (code, indicator))]


def approved_of_kind(conn: Any, code: str, indicator: str, kind: str) -> list[tuple[str | None, float, str | None]]:
    """(period, value, unit of measure) of a 2025 unit's approved plans or targets of an indicator."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT period, value, measure_unit FROM main.observations WHERE unit_code=? AND unit_vintage='2025'"
        " AND indicator_code=? AND kind=? AND scope='unit' AND value IS NOT NULL ORDER BY id",
        (code, indicator, kind))]


def newest_value(conn: Any, code: str, vintage: str, indicator: str, period: str | None,
                 kind: str) -> float | None:
    """The unit-wide value a new figure of this key would stand beside (the newest stored)."""
    row = conn.execute("SELECT value FROM observations WHERE unit_code=? AND unit_vintage=? AND indicator_code=?"
                       " AND period IS ? AND kind=? AND scope='unit' ORDER BY id DESC LIMIT 1",
                       (code, vintage, indicator, period, kind)).fetchone()
    return row[0] if row else None


def add_figure(conn: Any, **row: Any) -> int:
    """One observation (an import's figure); its id, for the journal."""
    cols = list(row)
    return int(conn.execute(f"INSERT INTO observations ({', '.join(cols)}) VALUES ({_marks(len(cols))}) RETURNING id",
                            [row[c] for c in cols]).fetchone()[0])


# --- datasets --------------------------------------------------------------------------------------


def describe_dataset(conn: Any, dataset: str, *, illustrative: bool | None = None, licence: str | None = None,
                     title: str | None = None, note: str | None = None) -> None:
    """What an import's dataset is (a raster's: its kind, period, licence and whether made up)."""
    conn.execute("UPDATE datasets SET illustrative=COALESCE(?, illustrative), licence=COALESCE(?, licence),"
                 " title=COALESCE(?, title), note=COALESCE(?, note) WHERE id=?",
                 (None if illustrative is None else int(illustrative), licence, title, note, dataset))


def mark_dataset_illustrative(conn: Any, dataset: str) -> None:
    """A dataset of made-up units says so in its attribution too."""
    conn.execute("UPDATE datasets SET illustrative=1, attribution=attribution || ' (minh hoạ)',"
                 " attribution_en=attribution_en || ' (illustrative)' WHERE id=?", (dataset,))


def rename_dataset(conn: Any, old: str, new: str) -> None:
    """A dataset under another id (its figures follow)."""
    conn.execute("INSERT INTO datasets (id, title, publisher, licence, attribution, source, snapshot, note,"
                 " illustrative, attribution_en) SELECT ?, title, publisher, licence, attribution, source, snapshot,"
                 " note, illustrative, attribution_en FROM datasets WHERE id=?", (new, old))
    conn.execute("UPDATE observations SET dataset_id=? WHERE dataset_id=?", (new, old))
    conn.execute("DELETE FROM datasets WHERE id=?", (old,))


# --- the catalogue -------------------------------------------------------------------------------


def catalogue(conn: Any, theme: str | None = None) -> list[dict[str, Any]]:
    """Every catalogue entry (of one theme), by theme and code."""
    if theme is None:
        return [dict(r) for r in conn.execute("SELECT * FROM indicators ORDER BY theme, code")]
    return [dict(r) for r in conn.execute("SELECT * FROM indicators WHERE theme=? ORDER BY theme, code", (theme,))]


def catalogue_by_code(conn: Any) -> dict[str, dict[str, Any]]:
    return {r["code"]: dict(r) for r in conn.execute("SELECT * FROM indicators")}


def themes_of(conn: Any) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT code, theme FROM indicators")}


def measure_units_of(conn: Any) -> dict[str, str | None]:
    return {r[0]: r[1] for r in conn.execute("SELECT code, measure_unit FROM indicators")}


def theme_indicators(conn: Any, theme: str) -> list[dict[str, Any]]:
    """A theme's catalogue entries without components (``x__y``), in the catalogue's own order (the
    order the reports list them: the sample writes them so)."""
    rows = [dict(r) for r in conn.execute(
        "SELECT code, name_vi, name_en, measure_unit, aggregation_method FROM indicators WHERE theme=?"
        " AND instr(code, '__') = 0", (theme,))]
    order = catalogue_order(conn)
    return sorted(rows, key=lambda r: order.get(r["code"], len(order)))


def catalogue_order(conn: Any) -> dict[str, int]:
    """Each indicator's place in the catalogue: the order it was written in (SQLite's rowid; on
    PostGIS the order ``store copy`` wrote them, kept in ``meta``)."""
    from geodata.store.connection import backend_of

    if backend_of(conn) == "gpkg":
        return {r[0]: i for i, r in enumerate(conn.execute("SELECT code FROM indicators ORDER BY rowid"))}
    row = conn.execute("SELECT value FROM meta WHERE key='catalogue_order'").fetchone()
    codes = row[0].split(",") if row else [r[0] for r in conn.execute("SELECT code FROM indicators ORDER BY code")]
    return {c: i for i, c in enumerate(codes)}


def vocabulary_rows(conn: Any) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(code, Vietnamese name, English name) of every indicator and (alias, code) of every alias."""
    from geodata.store.connection import backend_of

    names = [(r[0], r[1], r[2]) for r in conn.execute("SELECT code, name_vi, name_en FROM indicators")]
    if backend_of(conn) == "gpkg" and not conn.execute(  # a store older than schema 6, being upgraded
            "SELECT 1 FROM sqlite_master WHERE name='indicator_aliases'").fetchone():
        return names, []
    aliases = [(r[0], r[1]) for r in conn.execute("SELECT alias, indicator_code FROM indicator_aliases")]
    return names, aliases


def alias_keys(conn: Any) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT alias_key, indicator_code FROM indicator_aliases")}


def vietnamese_names(conn: Any) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT code, name_vi FROM indicators")]


def put_indicator(conn: Any, row: dict[str, Any]) -> None:
    """A catalogue entry added or updated (by its code)."""
    cols = list(row)
    conn.execute(f"INSERT INTO indicators ({', '.join(cols)}) VALUES ({_marks(len(cols))})"
                 f" ON CONFLICT(code) DO UPDATE SET {', '.join(f'{c}=excluded.{c}' for c in cols if c != 'code')}",
                 [row[c] for c in cols])


def add_indicator_if_missing(conn: Any, row: dict[str, Any]) -> None:
    cols = list(row)
    conn.execute(f"INSERT OR IGNORE INTO indicators ({', '.join(cols)}) VALUES ({_marks(len(cols))})",
                 [row[c] for c in cols])


def put_alias(conn: Any, key: str, alias: str, code: str) -> None:
    conn.execute("INSERT INTO indicator_aliases (alias_key, alias, indicator_code, dataset_id) VALUES (?,?,?,NULL)"
                 " ON CONFLICT(alias_key) DO UPDATE SET alias=excluded.alias, indicator_code=excluded.indicator_code,"
                 " dataset_id=excluded.dataset_id", (key, alias, code))
