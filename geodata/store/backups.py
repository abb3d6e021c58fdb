"""Backups of the working store: on demand, before every import, and restore.

Why SQLite's online backup API and not a file copy: the server may be reading (and in WAL
mode the latest commits may still sit in the ``-wal`` file); the backup API copies a
consistent snapshot page by page while others keep working.  A restore first backs up the
store it replaces, so it can itself be undone.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from geodata.store import integrity, schema

KEEP = int(os.environ.get("WEBMAP_BACKUPS_KEEP", "5"))


def folder(db: Path) -> Path:
    return db.parent / "backups"


def backup(db: str | Path, out: str | Path | None = None, keep: int | None = None) -> Path:
    """A consistent copy of ``db`` at ``out`` (default ``backups/<name>.<time>.gpkg``, of which
    the newest ``keep`` are kept)."""
    db = Path(db)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(out) if out else folder(db) / f"{db.stem}.{stamp}.gpkg"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    if out is None:
        for old in integrity.backups_of(db)[keep if keep is not None else KEEP:]:
            old.unlink(missing_ok=True)
    return target


def restore(source: str | Path, db: str | Path) -> Path:
    """Replace the content of ``db`` with ``source`` (checked first); returns the backup made of
    the store as it was."""
    source, db = Path(source), Path(db)
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"]:
            raise integrity.StoreDamagedError(f"{source}: bản sao lưu bị hỏng / the backup is damaged")
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise integrity.StoreDamagedError(f"{source}: không phải CSDL / not a store ({exc})") from None
    finally:
        conn.close()
    if not version or version[0] not in (schema.SCHEMA_VERSION, "4", "5", "6", "7"):
        raise integrity.StoreDamagedError(f"{source}: không phải CSDL của webmap / not a webmap store")
    before = backup(db) if db.exists() else None
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(db, timeout=60)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return before or db
