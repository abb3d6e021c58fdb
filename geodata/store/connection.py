"""Opening the store, whichever backend holds it: a GeoPackage file (the default, one office PC)
or a PostgreSQL/PostGIS database (``postgresql://…``, shared by several app servers).

Both give a connection with sqlite3's interface (``execute``, ``commit``, rows by name and index)
and a ``backend`` attribute that the store's functions read where the two differ.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

from geodata.store import pg

BUSY_TIMEOUT_S = 60.0  # a writer waits this long for another writer before giving up


class GpkgConnection(sqlite3.Connection):
    """A connection to the GeoPackage store (sqlite3's own, with the attributes the store reads)."""

    backend = "gpkg"
    location = ""
    readonly = False


Connection = Union[GpkgConnection, sqlite3.Connection, pg.PgConnection]  # noqa: UP007 (a runtime alias)


def is_url(location: Any) -> bool:
    return pg.is_url(location)


def backend_of(conn: Any) -> str:
    return getattr(conn, "backend", "gpkg")


def connect(location: str | Path, *, readonly: bool = False) -> Any:
    """Open the store; a read-only connection cannot change it by accident.

    A GeoPackage connection waits for a busy store instead of failing at once (SQLite's busy
    timeout); with the working store in WAL mode (``integrity.use_wal``) readers are never blocked
    by a writer and writers queue.  A PostGIS connection comes from the process's pool; readers
    never wait for writers there (MVCC) and writers queue on one lock (``PgConnection.begin_write``)."""
    if pg.is_url(location):
        return pg.PgConnection(str(location), readonly=readonly)
    path = Path(location)
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_S, factory=GpkgConnection)
    else:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, factory=GpkgConnection)
        conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.row_factory = sqlite3.Row
    conn.location = str(path)
    conn.readonly = readonly
    return conn


@contextlib.contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """All or nothing: commit on success, roll back on any exception; one writer at a time."""
    if backend_of(conn) == pg.BACKEND:
        conn.begin_write()
    else:
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
