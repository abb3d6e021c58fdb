"""The store connection for a request (read-only: pages never write)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import current_app, g

from geodata import store


def conn() -> sqlite3.Connection:
    if "db" not in g:
        g.db = store.connect(current_app.config["WEBMAP_DB"], readonly=True)
    return g.db


_INTEGRITY: dict[tuple[str, float, int], str] = {}


def integrity_state(path: str) -> str:
    """``ok`` or SQLite's first complaint; checked once per file version (size and time of the
    file and its -wal), since a full check reads every page."""
    p = Path(path)
    wal = p.with_name(p.name + "-wal")
    key = (path, p.stat().st_mtime + (wal.stat().st_mtime if wal.exists() else 0),
           p.stat().st_size + (wal.stat().st_size if wal.exists() else 0))
    if key not in _INTEGRITY:
        c = store.connect(path, readonly=True)
        try:
            rows = [r[0] for r in c.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        finally:
            c.close()
        _INTEGRITY.clear()
        _INTEGRITY[key] = "ok" if rows == ["ok"] else "; ".join(rows[:3])
    return _INTEGRITY[key]


def close(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
