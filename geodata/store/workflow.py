"""Figures entered or uploaded in the browser: draft, chờ duyệt, approved or returned, all audited.

Why a table of entries beside ``observations``: every map, export, report and OGC page reads
``observations``, and they must show approved figures only; an entry reaches ``observations``
when an approver accepts it, so nothing that reads figures needs to know about the workflow.
Those allowed to see drafts get a connection on which a temporary view named ``observations``
lays the open entries of their units over the approved figures (``show_drafts``): the same
code then draws drafts, marked by their ``approval`` column.

Why an audit table: a figure in a resolution must be traceable to who typed it, when, what it
replaced and why; the before-image of an overwritten observation is kept whole.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

OPEN = ("draft", "submitted", "returned")
STATE_LABELS = {"draft": ("bản nháp", "draft"), "submitted": ("chờ duyệt", "awaiting approval"),
                "approved": ("đã duyệt", "approved"), "returned": ("trả lại", "returned"),
                "superseded": ("đã thay", "superseded")}
FORM_SOURCE = "Biểu nhập số liệu"  # source of figures typed into the form
FORM_DATASET = "form-entries"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def reporting_unit(conn: sqlite3.Connection, code: str) -> str:
    """The 2025 unit whose report a figure belongs to: a village's figures are its commune's
    (the commune office reports and the province approves them together)."""
    row = conn.execute("SELECT level, parent_code FROM units WHERE code=? AND vintage='2025'", (code,)).fetchone()
    return row["parent_code"] if row and row["level"] == "village" and row["parent_code"] else code


def scope_code(conn: sqlite3.Connection, code: str, vintage: str) -> str | None:
    """The 2025 unit a figure counts for (rights are given on 2025 units): the unit itself, or the
    2025 commune a pre-2025 unit became (its default successor when it was split)."""
    if vintage == "2025":
        return code
    rows = conn.execute("SELECT new_code, is_default FROM crosswalk WHERE old_code=? AND old_vintage=?"
                        " AND new_vintage='2025' ORDER BY is_default DESC, new_code", (code, vintage)).fetchall()
    if len(rows) == 1 or (rows and rows[0]["is_default"]):
        return rows[0]["new_code"]
    if not rows:  # a pre-2025 village: its commune's successor
        parent = conn.execute("SELECT parent_code, parent_vintage FROM units WHERE code=? AND vintage=?",
                              (code, vintage)).fetchone()
        if parent and parent["parent_code"]:
            return scope_code(conn, parent["parent_code"], parent["parent_vintage"])
    return None


def lineage(conn: sqlite3.Connection, code: str, vintage: str = "2025") -> list[str]:
    """The unit and its ancestors, nearest first (a village, its commune, its province)."""
    out: list[str] = []
    current = (code, vintage)
    while current[0] and current[0] not in out:
        row = conn.execute("SELECT code, parent_code, parent_vintage FROM units WHERE code=? AND vintage=?",
                           current).fetchone()
        if row is None:
            break
        out.append(row["code"])
        current = (row["parent_code"], row["parent_vintage"] or vintage)
    return out


def _audit(conn: sqlite3.Connection, user: str, action: str, entry: dict[str, Any] | None, *,
           old_value: float | None = None, new_value: float | None = None, old_state: str | None = None,
           new_state: str | None = None, reason: str | None = None, observation_id: int | None = None,
           before: dict[str, Any] | None = None) -> None:
    e = entry or {}
    conn.execute(
        "INSERT INTO audit (at, user_name, action, unit_code, unit_vintage, indicator_code, period, kind, old_value,"
        " new_value, old_state, new_state, reason, entry_id, import_id, observation_id, before)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (now(), user, action, e.get("unit_code"), e.get("unit_vintage"), e.get("indicator_code"), e.get("period"),
         e.get("kind"), old_value, new_value, old_state, new_state, reason or None, e.get("id"), e.get("import_id"),
         observation_id, json.dumps(before, ensure_ascii=False) if before else None))


def _entry(conn: sqlite3.Connection, entry_id: int) -> dict[str, Any]:
    return dict(conn.execute("SELECT * FROM entries WHERE id=?", (entry_id,)).fetchone())


def add_entry(conn: sqlite3.Connection, user: str, code: str, vintage: str, indicator: str, period: str, kind: str,
              value: float | None, measure_unit: str | None, *, state: str, source_name: str,
              source_row: int | None = None, note: str | None = None, scope: str = "unit",
              import_id: int | None = None, reason: str | None = None) -> int:
    """A new entry (an upload's row, or a figure typed for the first time); inside the caller's
    transaction.  An upload never edits an open entry in place (its undo deletes what it added):
    the newest open entry of a key is the one shown and approved, older ones are superseded then."""
    scoped = reporting_unit(conn, scope_code(conn, code, vintage) or code)
    cur = conn.execute(
        "INSERT INTO entries (unit_code, unit_vintage, scope_code, indicator_code, period, kind, value, measure_unit,"
        " scope, state, source_name, source_row, import_id, note, created_by, updated_by, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (code, vintage, scoped, indicator, period, kind, value, measure_unit, scope, state, source_name, source_row,
         import_id, note, user, user, now()))
    entry_id = int(cur.lastrowid)
    _audit(conn, user, "upload" if import_id else "enter", _entry(conn, entry_id), old_value=approved_value(
        conn, code, vintage, indicator, period, kind), new_value=value, new_state=state, reason=reason)
    return entry_id


def open_entry(conn: sqlite3.Connection, code: str, indicator: str, period: str, kind: str = "actual",
               vintage: str = "2025") -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT * FROM entries WHERE unit_code=? AND unit_vintage=? AND indicator_code=? AND period=? AND kind=?"
        f" AND state IN {OPEN!r} ORDER BY id DESC LIMIT 1", (code, vintage, indicator, period, kind)).fetchone()
    return dict(row) if row else None


def approved_value(conn: sqlite3.Connection, code: str, vintage: str, indicator: str, period: str,
                   kind: str = "actual") -> float | None:
    row = conn.execute("SELECT value FROM main.observations WHERE unit_code=? AND unit_vintage=? AND indicator_code=?"
                       " AND period=? AND kind=? AND scope='unit' ORDER BY id LIMIT 1",
                       (code, vintage, indicator, period, kind)).fetchone()
    return row["value"] if row else None


def save_figure(conn: sqlite3.Connection, user: str, code: str, indicator: str, period: str, value: float | None,
                measure_unit: str | None, *, submit: bool, reason: str | None = None,
                kind: str = "actual") -> int | None:
    """A figure typed into the form: edits the unit's open entry of that key (audited old -> new),
    or opens one.  Returns the entry id, or None when nothing changed."""
    state = "submitted" if submit else "draft"
    current = open_entry(conn, code, indicator, period, kind)
    if current is None:
        if value is None:
            return None
        return add_entry(conn, user, code, "2025", indicator, period, kind, value, measure_unit, state=state,
                         source_name=FORM_SOURCE, reason=reason)
    if current["value"] == value and current["state"] == state:
        return None
    if value is None:  # the field was cleared: the open entry goes, its image stays in the audit
        remove_entry(conn, current["id"], user, reason or "xoá số liệu chưa duyệt")
        return None
    conn.execute("UPDATE entries SET value=?, measure_unit=?, state=?, updated_by=?, updated_at=?, comment=NULL"
                 " WHERE id=?", (value, measure_unit, state, user, now(), current["id"]))
    _audit(conn, user, "edit", current, old_value=current["value"], new_value=value, old_state=current["state"],
           new_state=state, reason=reason)
    return int(current["id"])


def remove_entry(conn: sqlite3.Connection, entry_id: int, user: str, reason: str) -> int:
    row = conn.execute("SELECT * FROM entries WHERE id=?", (entry_id,)).fetchone()
    if row is None or row["state"] == "approved":
        return 0
    _audit(conn, user, "remove", dict(row), old_value=row["value"], old_state=row["state"], reason=reason)
    return conn.execute("DELETE FROM entries WHERE id=?", (entry_id,)).rowcount


def submit(conn: sqlite3.Connection, user: str, code: str, period: str) -> int:
    """Send a unit's drafts (and returned figures) of a period for approval."""
    rows = [dict(r) for r in conn.execute(
        "SELECT * FROM entries WHERE (unit_code=? OR scope_code=?) AND period=? AND state IN ('draft', 'returned')",
        (code, code, period))]
    for e in rows:
        conn.execute("UPDATE entries SET state='submitted', updated_by=?, updated_at=? WHERE id=?",
                     (user, now(), e["id"]))
        _audit(conn, user, "submit", e, old_value=e["value"], new_value=e["value"], old_state=e["state"],
               new_state="submitted")
    return len(rows)


def batches(conn: sqlite3.Connection, roots: Sequence[str] | None, states: Iterable[str] = ("submitted",)
            ) -> list[dict[str, Any]]:
    """Open figures grouped by unit and period, within the units under ``roots`` (None: all)."""
    states = tuple(states)
    users = ("GROUP_CONCAT(DISTINCT e.updated_by)" if getattr(conn, "backend", "gpkg") == "gpkg"
             else "string_agg(DISTINCT e.updated_by, ',')")
    sql = (f"SELECT e.scope_code AS unit_code, e.period, COUNT(*) AS n, MAX(e.updated_at) AS at,"
           f" {users} AS users, MAX(u.full_name) AS full_name FROM entries e"
           f" LEFT JOIN units u ON u.code = e.scope_code AND u.vintage = '2025'"
           f" WHERE e.state IN ({','.join('?' * len(states))})")
    params: list[Any] = list(states)
    if roots is not None:
        sql += f" AND e.scope_code IN ({_descendants_sql(len(roots))})"
        params += list(roots)
    sql += " GROUP BY e.scope_code, e.period ORDER BY at DESC"
    return [dict(r) for r in conn.execute(sql, params)]


def batch(conn: sqlite3.Connection, code: str, period: str, states: Iterable[str] = OPEN) -> list[dict[str, Any]]:
    """The open figures of one reporting unit (a commune with its villages) for one period, with the
    approved value each replaces."""
    states = tuple(states)
    rows = [dict(r) for r in conn.execute(
        f"SELECT e.*, i.name_vi, i.name_en, i.measure_unit AS catalogue_unit, u.full_name FROM entries e"
        f" LEFT JOIN indicators i ON i.code = e.indicator_code"
        f" LEFT JOIN units u ON u.code = e.unit_code AND u.vintage = e.unit_vintage"
        f" WHERE e.scope_code=? AND e.period=? AND e.state IN ({','.join('?' * len(states))})"
        f" ORDER BY e.unit_code, e.indicator_code, e.id", (code, period, *states))]
    for r in rows:
        r["approved_value"] = approved_value(conn, r["unit_code"], r["unit_vintage"], r["indicator_code"],
                                             r["period"], r["kind"])
    return rows


def _newest_per_key(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    newest: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r["unit_code"], r["unit_vintage"], r["indicator_code"], r["period"], r["kind"], r["scope"])
        if key not in newest or r["id"] > newest[key]["id"]:
            newest[key] = r
    keep = {r["id"] for r in newest.values()}
    return list(newest.values()), [r for r in rows if r["id"] not in keep]


def approve(conn: sqlite3.Connection, user: str, code: str, period: str, reason: str | None = None) -> int:
    """Accept a unit's submitted figures of a period: each becomes an observation (the one of the
    same key is overwritten, its row kept whole in the audit), older open entries of the same key
    are superseded.  Inside the caller's transaction."""
    submitted = batch(conn, code, period, ("submitted",))
    newest, older = _newest_per_key(submitted)
    for e in older:
        conn.execute("UPDATE entries SET state='superseded', updated_by=?, updated_at=? WHERE id=?",
                     (user, now(), e["id"]))
        _audit(conn, user, "supersede", e, old_value=e["value"], old_state=e["state"], new_state="superseded",
               reason=reason)
    for e in newest:
        dataset = f"import-{e['import_id']}" if e["import_id"] else _form_dataset(conn)
        where = ("unit_code=? AND unit_vintage=? AND indicator_code=? AND period=? AND kind=? AND scope=?",
                 (e["unit_code"], e["unit_vintage"], e["indicator_code"], e["period"], e["kind"], e["scope"]))
        old = conn.execute(f"SELECT * FROM main.observations WHERE {where[0]} ORDER BY id LIMIT 1", where[1]).fetchone()
        note = f"duyệt bởi {user}" + (f"; {e['note']}" if e["note"] else "")
        fields = {"value": e["value"], "measure_unit": e["measure_unit"], "source_doc": e["source_name"],
                  "source_section": None, "source_row": e["source_row"], "quote": None, "note": note,
                  "illustrative": 0, "dataset_id": dataset, "target_type": None, "value_high": None}
        if old is not None:
            conn.execute(f"UPDATE observations SET {', '.join(f'{k}=?' for k in fields)} WHERE id=?",
                         [*fields.values(), old["id"]])
            obs_id = int(old["id"])
        else:
            cols = ["unit_code", "unit_vintage", "indicator_code", "period", "kind", "scope", *fields]
            cur = conn.execute(f"INSERT INTO observations ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               [*where[1], *fields.values()])
            obs_id = int(cur.lastrowid)
        conn.execute("UPDATE entries SET state='approved', observation_id=?, updated_by=?, updated_at=?, comment=?"
                     " WHERE id=?", (obs_id, user, now(), reason or None, e["id"]))
        _audit(conn, user, "approve", e, old_value=old["value"] if old is not None else None, new_value=e["value"],
               old_state="submitted", new_state="approved", reason=reason, observation_id=obs_id,
               before=dict(old) if old is not None else None)
    return len(newest)


def _form_dataset(conn: sqlite3.Connection) -> str:
    conn.execute(
        "INSERT OR IGNORE INTO datasets (id, title, publisher, licence, attribution, source, snapshot, note,"
        " illustrative, attribution_en) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (FORM_DATASET, "Số liệu nhập qua biểu mẫu, đã duyệt", None, "do đơn vị báo cáo cung cấp / supplied by the "
         "reporting unit", "Số liệu do đơn vị nhập, đã được duyệt", FORM_SOURCE, None, None, 0,
         "Figures entered by the reporting unit, approved"))
    return FORM_DATASET


def return_batch(conn: sqlite3.Connection, user: str, code: str, period: str, comment: str) -> int:
    """Send a unit's submitted figures back with the approver's comment (they stay off the maps)."""
    rows = batch(conn, code, period, ("submitted",))
    for e in rows:
        conn.execute("UPDATE entries SET state='returned', comment=?, updated_by=?, updated_at=? WHERE id=?",
                     (comment, user, now(), e["id"]))
        _audit(conn, user, "return", e, old_value=e["value"], new_value=e["value"], old_state="submitted",
               new_state="returned", reason=comment)
    return len(rows)


def audit_for(conn: sqlite3.Connection, codes: Sequence[str], limit: int = 200) -> list[dict[str, Any]]:
    """The changes to figures of these units (newest first), with the indicator's names."""
    if not codes:
        return []
    return [dict(r) for r in conn.execute(
        f"SELECT a.*, i.name_vi, i.name_en, u.full_name FROM audit a"
        f" LEFT JOIN indicators i ON i.code = a.indicator_code"
        f" LEFT JOIN units u ON u.code = a.unit_code AND u.vintage = a.unit_vintage"
        f" WHERE a.unit_code IN ({','.join('?' * len(codes))}) ORDER BY a.id DESC LIMIT ?", [*codes, limit])]


def audit_count(conn: sqlite3.Connection, codes: Sequence[str]) -> int:
    if not codes:
        return 0
    return conn.execute(f"SELECT COUNT(*) FROM audit WHERE unit_code IN ({','.join('?' * len(codes))})",
                        list(codes)).fetchone()[0]


def first_entry_of_import(conn: Any, import_id: int) -> dict[str, Any] | None:
    """The first figure an upload wrote (where its history page points the uploader)."""
    row = conn.execute("SELECT scope_code, indicator_code, period FROM entries WHERE import_id=? ORDER BY id LIMIT 1",
                       (import_id,)).fetchone()
    return dict(row) if row else None


def _descendants_sql(n_roots: int) -> str:
    """The 2025 units under ``n_roots`` root codes, themselves included (a subquery)."""
    return ("WITH RECURSIVE under(code) AS (SELECT code FROM main.units WHERE vintage='2025' AND code IN ("
            + ",".join("?" * n_roots) + ") UNION SELECT u.code FROM main.units u JOIN under ON"
            " u.parent_code = under.code AND u.parent_vintage = '2025' AND u.vintage = '2025')"
            " SELECT code FROM under")


_OBS_COLUMNS = ("unit_code", "unit_vintage", "indicator_code", "period", "kind", "target_type", "value", "value_high",
                "measure_unit", "base_period", "scope", "source_doc", "source_section", "source_row", "quote", "note",
                "illustrative", "dataset_id")


def show_drafts(conn: sqlite3.Connection, roots: Sequence[str] | None) -> None:
    """Lay the open entries of the units under ``roots`` (None: every unit) over the approved
    figures, on this connection only (a temporary view shadows ``observations``; the file is not
    touched, so a read-only connection will do).  Each row says its ``approval``: approved, draft,
    submitted or returned; an entry replaces the approved figure of its key."""
    codes = "" if roots is None else "AND e.scope_code IN (" + _descendants_sql(len(roots)) + ")"
    params = [] if roots is None else list(roots)
    quoted = [f"'{r}'" for r in params]  # a view cannot take parameters: codes are checked digits
    if any(not r.replace("-", "").isalnum() for r in params):
        raise ValueError("unit codes are letters and digits")
    codes_sql = codes
    for q in quoted:
        codes_sql = codes_sql.replace("?", q, 1)
    newest = ("e.id = (SELECT MAX(x.id) FROM main.entries x WHERE x.unit_code = e.unit_code AND x.unit_vintage ="
              " e.unit_vintage AND x.indicator_code = e.indicator_code AND x.period = e.period AND x.kind = e.kind"
              f" AND x.scope = e.scope AND x.state IN {OPEN!r})")
    entry_cols = ", ".join(
        {"target_type": "NULL", "value_high": "NULL", "base_period": "NULL", "source_doc": "e.source_name",
         "source_section": "NULL", "quote": "NULL", "illustrative": "0",
         "dataset_id": "'entries'"}.get(c, f"e.{c}") + f" AS {c}" for c in _OBS_COLUMNS)
    conn.execute("DROP VIEW IF EXISTS temp.observations")
    conn.execute(
        f"CREATE TEMP VIEW observations AS"
        f" SELECT o.id AS id, {', '.join('o.' + c for c in _OBS_COLUMNS)}, 'approved' AS approval"
        f" FROM main.observations o WHERE NOT EXISTS (SELECT 1 FROM main.entries e WHERE e.unit_code = o.unit_code"
        f" AND e.unit_vintage = o.unit_vintage AND e.indicator_code = o.indicator_code AND e.period = o.period"
        f" AND e.kind = o.kind AND e.scope = o.scope AND e.state IN {OPEN!r} {codes_sql})"
        f" UNION ALL SELECT -e.id AS id, {entry_cols}, e.state AS approval FROM main.entries e"
        f" WHERE e.state IN {OPEN!r} AND {newest} {codes_sql}")
    conn.drafts_shown = True


def drafts_shown(conn: Any) -> bool:
    """Whether ``show_drafts`` laid the open entries over this connection's figures."""
    return bool(getattr(conn, "drafts_shown", False))
