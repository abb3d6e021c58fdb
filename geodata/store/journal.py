"""The import journal: every import is one transaction, recorded, and can be undone.

Why before-images: undo must restore exactly the state before an import, including
geometry an import replaced, even after later imports touched other rows; so each
change keeps the row as it was (JSON, geometry as hex of the backend's own encoding).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geodata import store
from geodata.imports import ImportRefused, file_sha256, problem
from geodata.store import backups, integrity


@contextlib.contextmanager
def transaction(conn: Any, source: Path) -> Iterator[Any]:
    """One import: a backup of the store first (kept ``backups.KEEP`` deep), a marker while it
    writes (so a killed import is named at the next start), one SQLite transaction.  On PostGIS one
    transaction is all: a killed import is rolled back by the server, and the database's own backups
    (``webmap backup``: pg_dump) are the DBA's."""
    if store.backend_of(conn) != "gpkg":
        with store.transaction(conn):
            yield conn
        return
    backups.backup(integrity.location(conn))
    with integrity.import_marker(conn, source), store.transaction(conn):
        yield conn


def start(conn: Any, kind: str, path: Path, options: dict[str, Any], user: str | None = None) -> int:
    """Open a journal entry (inside the caller's transaction); ``user`` is None from the command line."""
    cur = conn.execute(
        "INSERT INTO imports (kind, file_name, file_sha256, options, created_at, status, user_name)"
        " VALUES (?,?,?,?,?,?,?)",
        (kind, path.name, file_sha256(path), json.dumps(options, ensure_ascii=False, default=str),
         dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "applied", user),
    )
    return int(cur.lastrowid)


def open_import(conn: Any, kind: str, path: Path, options: dict[str, Any], what_vi: str,
                what_en: str, user: str | None = None) -> tuple[int, str]:
    """Journal entry and dataset row for an import (inside the caller's transaction)."""
    import_id = start(conn, kind, path, options, user)
    dataset = f"import-{import_id}"
    store.add_dataset(conn, id=dataset, title=f"Nhập từ tệp {path.name}", publisher=None,
                      licence="do người nhập cung cấp / supplied by the importer",
                      attribution=f"{what_vi} nhập từ {path.name}", source=path.name, snapshot=None, note=None,
                      illustrative=0, attribution_en=f"{what_en} imported from {path.name}")
    return import_id, dataset


def _row_image(conn: Any, table: str, where: str, params: tuple) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT * FROM {table} WHERE {where}", params).fetchone()
    if row is None:
        return None
    return {k: (row[k].hex() if isinstance(row[k], bytes) else row[k]) for k in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a dict


def record_unit_change(conn: Any, import_id: int, code: str, vintage: str, op: str) -> None:
    before = _row_image(conn, "units", "code=? AND vintage=?", (code, vintage)) if op == "update" else None
    seq = _next_seq(conn, import_id)
    conn.execute("INSERT INTO import_changes VALUES (?,?,?,?,?,?)",
                 (import_id, seq, "units", op, json.dumps([code, vintage]), json.dumps(before) if before else None))


def _next_seq(conn: Any, import_id: int) -> int:
    """The next change number: asked of the table once per import (the primary key's index answers
    it; COUNT(*) made imports quadratic), then counted on the connection (one round trip less per
    row on PostGIS; one import writes in one transaction on one connection)."""
    seqs = conn.__dict__.setdefault("journal_seq", {})
    if import_id not in seqs:
        seqs[import_id] = conn.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM import_changes WHERE import_id=?",
                                       (import_id,)).fetchone()[0]
    seq = seqs[import_id]
    seqs[import_id] = seq + 1
    return seq


def record_insert(conn: Any, import_id: int, table: str, row_id: int) -> None:
    seq = _next_seq(conn, import_id)
    conn.execute("INSERT INTO import_changes VALUES (?,?,?,?,?,?)",
                 (import_id, seq, table, "insert", json.dumps([row_id]), None))


def record_key_insert(conn: Any, import_id: int, table: str, key: list[str]) -> None:
    """An inserted row of a table keyed by its columns (crosswalk: old and new code)."""
    conn.execute("INSERT INTO import_changes VALUES (?,?,?,?,?,?)",
                 (import_id, _next_seq(conn, import_id), table, "insert", json.dumps(key), None))


def finish(conn: Any, import_id: int, counts: dict[str, Any], report: list[dict[str, Any]]) -> None:
    conn.execute("UPDATE imports SET counts=?, report=? WHERE id=?",
                 (json.dumps(counts, ensure_ascii=False), json.dumps(report, ensure_ascii=False), import_id))


def entry(conn: Any, import_id: int) -> dict[str, Any] | None:
    """Who made an import and of what kind (None: no such import)."""
    row = conn.execute("SELECT id, kind, user_name, status FROM imports WHERE id=?", (import_id,)).fetchone()
    return dict(row) if row else None


def applied(conn: Any, kind: str) -> list[dict[str, Any]]:
    """The imports of a kind that are in force (not undone), oldest first, with their options."""
    return [dict(r) for r in conn.execute("SELECT id, file_name, options FROM imports WHERE kind=? AND"
                                          " status='applied' ORDER BY id", (kind,))]


def listing(conn: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT id, kind, file_name, file_sha256, created_at, status, counts, user_name FROM imports ORDER BY id")]


def _undo_conflicts(conn: Any, import_id: int, changes: list[Any]) -> list[dict[str, Any]]:
    """Why undoing ``import_id`` now would not be its inverse (empty when it would be).

    A later import that changed the same rows must be undone first (restoring this import's
    before-image would silently discard it), and units this import added may not go while
    rows it did not add (observations, villages, crosswalk pairs, places) still point at them."""
    problems = []
    touched = {(ch["table_name"], ch["row_key"]) for ch in changes}
    later: dict[int, list[str]] = {}
    for ch in conn.execute(
            "SELECT c.import_id, c.table_name, c.row_key FROM import_changes c JOIN imports i ON i.id = c.import_id"
            " WHERE c.import_id > ? AND i.status = 'applied'", (import_id,)):
        if (ch["table_name"], ch["row_key"]) in touched:
            later.setdefault(ch["import_id"], []).append(" ".join(json.loads(ch["row_key"])[:1]))
    for other, keys in sorted(later.items()):
        shown = ", ".join(sorted(set(keys))[:5]) + (" …" if len(set(keys)) > 5 else "")
        problems.append(problem(
            f"lần nhập {other} (sau lần này) đã thay đổi cùng các dòng ({shown}): hoàn tác lần {other} trước",
            f"import {other} (a later one) changed the same rows ({shown}): undo import {other} first"))
    approved = [json.loads(ch["row_key"])[0] for ch in changes if ch["table_name"] == "entries"]
    approved = [r[0] for r in conn.execute(
        f"SELECT id FROM entries WHERE state='approved' AND id IN ({','.join('?' * len(approved))})", approved)
                ] if approved else []
    if approved:
        problems.append(problem(
            f"{len(approved)} số liệu của lần nhập này đã được duyệt và đang hiện trên bản đồ: không hoàn tác được; "
            "nhập số liệu sửa lại qua biểu mẫu",
            f"{len(approved)} figures of this import were approved and are on the maps: it cannot be undone; "
            "enter corrected figures through the form"))
    dataset = f"import-{import_id}"
    added = {tuple(json.loads(ch["row_key"])) for ch in changes if ch["table_name"] == "units" and ch["op"] == "insert"}
    users: dict[str, set[str]] = {}
    for code, vintage in sorted(added):
        checks = {
            "observations": ("SELECT COUNT(*) FROM observations WHERE unit_code=? AND unit_vintage=? AND dataset_id<>?",
                             (code, vintage, dataset)),
            "units": ("SELECT code, vintage FROM units WHERE parent_code=? AND parent_vintage=?", (code, vintage)),
            "crosswalk": ("SELECT COUNT(*) FROM crosswalk WHERE ((old_code=? AND old_vintage=?) OR (new_code=? AND"
                          " new_vintage=?)) AND dataset_id<>?", (code, vintage, code, vintage, dataset)),
            "places": ("SELECT COUNT(*) FROM places WHERE (commune_code=? AND commune_vintage=?) OR village_code=?",
                       (code, vintage, code)),
        }
        for table, (sql, params) in checks.items():
            if table == "units":
                children = [tuple(r) for r in conn.execute(sql, params)]
                if any(c not in added for c in children):
                    users.setdefault(table, set()).add(code)
            elif conn.execute(sql, params).fetchone()[0]:
                users.setdefault(table, set()).add(code)
    for table, codes in sorted(users.items()):
        shown = ", ".join(sorted(codes)[:5]) + (f" … ({len(codes)})" if len(codes) > 5 else "")
        problems.append(problem(
            f"các đơn vị do lần nhập này thêm ({shown}) còn được dùng trong bảng {table}: hoàn tác hoặc xoá các "
            "dòng đó trước",
            f"units this import added ({shown}) are still used by rows of {table}: undo or remove those first"))
    return problems


def _stored_geometry(hex_value: str | None) -> Any:
    """A before-image's geometry: a GeoPackage blob (``GP``…) or PostGIS's WKB, whichever backend
    wrote it (a store copied between backends keeps its journal)."""
    if not hex_value:
        return None
    raw = bytes.fromhex(hex_value)
    if raw[:2] == b"GP":
        return store.gpkg.decode(raw)
    import shapely

    return shapely.from_wkb(raw)


def undo(conn: Any, import_id: int, user: str | None = None) -> dict[str, int]:
    """Restore the rows an import changed, in reverse order, in one transaction; refused (with
    the reason) when that would not be the import's inverse."""
    row = conn.execute("SELECT status FROM imports WHERE id=?", (import_id,)).fetchone()
    if row is None:
        raise ImportRefused(f"import {import_id}", [problem(f"không có lần nhập số {import_id}",
                                                           f"there is no import {import_id}")])
    if row["status"] == "undone":
        raise ImportRefused(f"import {import_id}", [problem("lần nhập này đã được hoàn tác",
                                                           "this import was already undone")])
    changes = conn.execute("SELECT * FROM import_changes WHERE import_id=? ORDER BY seq DESC", (import_id,)).fetchall()
    conflicts = _undo_conflicts(conn, import_id, changes)
    if conflicts:
        raise ImportRefused(f"import {import_id}", conflicts)
    restored = removed = 0
    unit_keys = [json.loads(ch["row_key"]) for ch in changes if ch["table_name"] == "units"]
    groups = {(r["level"], r["vintage"]) for k in unit_keys for r in conn.execute(
        "SELECT level, vintage FROM units WHERE code=? AND vintage=?", k)}
    with transaction(conn, Path(f"undo of import {import_id}")):
        for ch in changes:
            key = json.loads(ch["row_key"])
            if ch["table_name"] == "observations":
                removed += conn.execute("DELETE FROM observations WHERE id=?", key).rowcount
            elif ch["table_name"] == "entries":
                from geodata.store import workflow

                removed += workflow.remove_entry(conn, key[0], user or "cli", f"hoàn tác lần nhập {import_id}")
            elif ch["table_name"] == "crosswalk":
                removed += conn.execute("DELETE FROM crosswalk WHERE old_code=? AND new_code=?", key).rowcount
            elif ch["op"] == "insert":
                removed += conn.execute("DELETE FROM units WHERE code=? AND vintage=?", key).rowcount
            else:
                before = json.loads(ch["before"])
                before["geom"] = store.geom_in(conn, _stored_geometry(before.get("geom")))
                cols = [c for c in before if c != "fid"]
                sets = ", ".join(f"{c}={store.geom_placeholder(conn)}" if c == "geom" else f"{c}=?" for c in cols)
                restored += conn.execute(f"UPDATE units SET {sets} WHERE code=? AND vintage=?",
                                         [before[c] for c in cols] + key).rowcount
        conn.execute("DELETE FROM datasets WHERE id=? AND NOT EXISTS (SELECT 1 FROM units WHERE dataset_id=?)"
                     " AND NOT EXISTS (SELECT 1 FROM observations WHERE dataset_id=?)"
                     " AND NOT EXISTS (SELECT 1 FROM crosswalk WHERE dataset_id=?)",
                     (f"import-{import_id}",) * 4)
        conn.execute("UPDATE imports SET status='undone' WHERE id=?", (import_id,))
        if groups:
            store.refresh_screen_geometries(conn, groups=groups)
            store.update_extent(conn, "units")
    return {"restored": restored, "removed": removed}
