"""Opening a working store safely: roll back what a crash left, tell damage from age.

Why here and not in each command: the first connection to a store after a crash decides what
happens to the interrupted write.  A read-only connection (every web request) cannot roll a
hot journal back and fails; a user told to "move the file away" separates it from its journal
and loses data.  So every command and the server open the store read-write once, through
``open_store``, before anything reads it: SQLite rolls the interrupted transaction back (the
state before the import, exactly), the import marker left by a killed import names what was
lost, a damaged file is named with the backups that can replace it (nothing is moved), and the
store is switched to WAL so readers never wait for a writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class StoreDamagedError(RuntimeError):
    """The store file fails SQLite's integrity check or is not a database."""


def marker_path(db: Path) -> Path:
    return db.with_name(db.name + ".import-running")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def backups_of(db: Path) -> list[Path]:
    folder = db.parent / "backups"
    return sorted(folder.glob(f"{db.stem}.*.gpkg"), reverse=True) if folder.is_dir() else []


def _damaged(db: Path, detail: str) -> StoreDamagedError:
    found = backups_of(db)
    latest_vi = f" Bản sao lưu mới nhất: {found[0]} (webmap restore {found[0]})." if found else ""
    latest_en = f" The latest backup: {found[0]} (webmap restore {found[0]})." if found else ""
    return StoreDamagedError(
        f"CSDL {db} bị hỏng ({detail}); không có gì bị di chuyển hay sửa. Khôi phục bản sao lưu gần nhất."
        f"{latest_vi} / The store {db} is damaged ({detail}); nothing was moved or changed. Restore the last "
        f"backup.{latest_en}")


def use_wal(db: str | Path) -> bool:
    """Switch the store to WAL (persistent in the file): readers never wait for a writer.

    A store on a read-only disk or medium stays as it is and can still be read (maps, figures,
    exports); only writing commands will say they cannot write.  Returns whether it is in WAL."""
    conn = sqlite3.connect(db, timeout=60)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return True
        _set_wal(conn)
        return True
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            return False
        raise
    finally:
        conn.close()


def _set_wal(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")


def open_store(db: str | Path) -> list[str]:
    """Recover and check ``db`` (read-write, once); the notes say what was recovered.

    Raises StoreDamagedError for a damaged file."""
    db = Path(db)
    notes: list[str] = []
    hot = db.with_name(db.name + "-journal")
    had_hot = hot.exists() and hot.stat().st_size > 0
    marker = marker_path(db)
    interrupted = None
    if marker.exists():
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {"pid": -1, "file": "?"}
        if not _alive(int(info.get("pid", -1))):
            interrupted = info
    try:
        conn = sqlite3.connect(db, timeout=60)
        try:
            conn.execute("PRAGMA busy_timeout = 60000")
            result = [r[0] for r in conn.execute("PRAGMA quick_check")]
            if result != ["ok"]:
                raise _damaged(db, "; ".join(result[:3]))
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise _damaged(db, str(exc)) from None
    if interrupted is not None:
        marker.unlink(missing_ok=True)
        notes.append(
            f"Lần nhập tệp {interrupted.get('file')} (bắt đầu {interrupted.get('started')}) bị ngắt giữa chừng và đã "
            f"được hoàn lại: CSDL như trước lần nhập đó. / The import of {interrupted.get('file')} (started "
            f"{interrupted.get('started')}) was interrupted and rolled back: the store is as it was before it.")
    elif had_hot:
        notes.append("Một thao tác ghi bị ngắt đã được hoàn lại. / An interrupted write was rolled back.")
    return notes


def quick_check(db: str | Path) -> str:
    """``ok`` or SQLite's first complaints (a read-only look at every page)."""
    from geodata import store

    c = store.connect(db, readonly=True)
    try:
        rows = [r[0] for r in c.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        c.close()
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def journal_mode(conn: Any) -> str:
    """SQLite's journal mode of the store (``wal`` once served); PostGIS keeps its own WAL."""
    if getattr(conn, "backend", "gpkg") != "gpkg":
        return "postgresql"
    return conn.execute("PRAGMA journal_mode").fetchone()[0]


def location(conn: Any) -> Path:
    """The file a GeoPackage connection has open."""
    return Path(conn.execute("PRAGMA database_list").fetchone()[2])


@contextlib.contextmanager
def import_marker(conn: sqlite3.Connection, source: Path) -> Iterator[None]:
    """A file beside the store while an import writes: a killed import leaves it, so the next
    command can say which import was rolled back (SQLite itself only rolls it back)."""
    db = location(conn)
    marker = marker_path(db)
    marker.write_text(json.dumps({"pid": os.getpid(), "file": source.name,
                                  "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}),
                      encoding="utf-8")
    try:
        yield
    finally:
        marker.unlink(missing_ok=True)
