"""The store connection for a request (read-only: pages never write)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g

from geodata import store
from geodata.store import integrity


def conn() -> store.Connection:
    """The request's read-only connection; for a user who asked to see drafts (``?drafts=1``)
    and may, with their units' open entries laid over the approved figures."""
    if "db" not in g:
        # PostgreSQL refuses even a temporary view in a read-only transaction: a drafts reader's
        # connection may write (it does not: only its own session's view).
        shows_drafts = bool(g.get("show_drafts"))
        g.db = store.connect(current_app.config["WEBMAP_DB"],
                             readonly=not (shows_drafts and store.is_url(current_app.config["WEBMAP_DB"])))
        if shows_drafts:
            from geodata.store import workflow

            workflow.show_drafts(g.db, g.drafts_roots)
    return g.db


def writer() -> store.Connection:
    """A read-write connection for the workflow's writes (closed with the request)."""
    if "db_rw" not in g:
        g.db_rw = store.connect(current_app.config["WEBMAP_DB"])
    return g.db_rw


_INTEGRITY: dict[tuple[str, float, int], str] = {}


def integrity_state(path: str) -> str:
    """``ok`` or SQLite's first complaint; checked once per file version (size and time of the
    file and its -wal), since a full check reads every page.  On PostGIS: ``ok`` when the database
    answers with this code's schema (the server keeps its own pages whole)."""
    if store.is_url(path):
        return store.reachable(path)
    p = Path(path)
    wal = p.with_name(p.name + "-wal")
    key = (path, p.stat().st_mtime + (wal.stat().st_mtime if wal.exists() else 0),
           p.stat().st_size + (wal.stat().st_size if wal.exists() else 0))
    if key not in _INTEGRITY:
        state = integrity.quick_check(path)
        _INTEGRITY.clear()
        _INTEGRITY[key] = state
    return _INTEGRITY[key]


def close(_exc: BaseException | None = None) -> None:
    for key in ("db", "db_rw"):
        c = g.pop(key, None)
        if c is not None:
            c.close()
