"""Backups of the working store: on demand, before every import, and restore.

Why SQLite's online backup API and not a file copy: the server may be reading (and in WAL
mode the latest commits may still sit in the ``-wal`` file); the backup API copies a
consistent snapshot page by page while others keep working.  A restore first backs up the
store it replaces, so it can itself be undone.

A PostGIS store is backed up with PostgreSQL's own tools, which its DBA already knows:
``pg_dump`` (custom format: one consistent snapshot while the servers keep working) and
``pg_restore``; restoring first dumps the database as it was, as for the GeoPackage.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from geodata.store import integrity, pg, schema

KEEP = int(os.environ.get("WEBMAP_BACKUPS_KEEP", "5"))


def folder(db: Path) -> Path:
    return db.parent / "backups"


def _pg_tool(name: str) -> str:
    """The PostgreSQL client tool of the server's major version when Debian's is installed."""
    import shutil

    for candidate in (f"/usr/lib/postgresql/15/bin/{name}", shutil.which(name)):
        if candidate and Path(candidate).exists():
            return candidate
    raise integrity.StoreDamagedError(f"không tìm thấy {name}: cài postgresql-client / {name} not found: install "
                                      "postgresql-client")


def _pg_run(cmd: list[str], url: str) -> None:
    import subprocess

    from geodata.store import pg

    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise pg.unreachable(url, RuntimeError(done.stderr.strip()[-500:]))


def backup_postgis(url: str, out: str | Path | None = None, local: Path | None = None) -> Path:
    """``pg_dump -Fc`` of the PostGIS store (default ``<local>/backups/webmap.<time>.dump``)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(out) if out else (local or Path.cwd()) / "backups" / f"webmap.{stamp}.dump"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _pg_run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"], url)
    partial.replace(target)
    return target


def restore_postgis(source: str | Path, url: str, local: Path | None = None) -> Path:
    """The PostGIS store replaced by a ``pg_dump`` file (dumped first as it was)."""
    source = Path(source)
    if not source.is_file() or source.read_bytes()[:5] != b"PGDMP":
        raise integrity.StoreDamagedError(f"{source}: không phải bản sao lưu pg_dump / not a pg_dump backup")
    before = backup_postgis(url, local=local)
    _pg_run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={url}", str(source)], url)
    from geodata.store import connect, postgis

    conn = connect(url)
    try:  # a version no server has seen: every cache of the data as it was before is dropped
        postgis.new_data_version(conn)
        conn.commit()
    finally:
        conn.close()
    return before


def backup(db: str | Path, out: str | Path | None = None, keep: int | None = None) -> Path:
    """A consistent copy of ``db`` at ``out`` (default ``backups/<name>.<time>.gpkg``, of which
    the newest ``keep`` are kept); a PostGIS store is dumped with ``pg_dump``."""
    from geodata.store import server

    if pg.is_url(db):
        return backup_postgis(str(db), out, server.local_folder(db, "."))
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
    if pg.is_url(db):
        from geodata.store import server

        return restore_postgis(source, str(db), server.local_folder(db, "."))
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
