"""The store on PostgreSQL/PostGIS, behind the same connection interface as the GeoPackage.

Why one interface and one SQL text: the store's queries are plain SQL that both SQLite and
PostgreSQL run; what differs is small and mechanical (placeholders, ``INSERT OR IGNORE``,
``IS ?``, ``instr``) and is rewritten here once per statement (cached), so every query is written
once, in the store package, and a test suite runs the same calls on both backends.  What is not
mechanical (geometry encoding, the drafts' temporary view, ``ON CONFLICT`` targets) is said by the
store functions themselves through ``backend``.

Driver: psycopg 3 with ``psycopg_pool`` (a pool per process and URL, made after gunicorn forks).
Connections behave like Python's sqlite3 ones: a transaction opens at the first statement and ends
with ``commit``/``rollback``; rows answer to ``row["name"]`` and ``row[0]``; ``cursor.lastrowid``
is the row just inserted.  A read-only connection refuses writes (``default_transaction_read_only``),
as the GeoPackage's ``mode=ro`` does.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

BACKEND = "postgis"
WRITER_LOCK = 7_317_001  # pg_advisory_xact_lock key: one writer at a time, as SQLite's BEGIN IMMEDIATE
POOL_MAX = int(os.environ.get("WEBMAP_PG_POOL", "8"))


class PostgisError(RuntimeError):
    """The PostGIS store cannot be used (no server, no PostGIS, another schema version)."""


def unreachable(url: str, exc: BaseException) -> PostgisError:
    """The server's complaint, in both languages, never with the URL's password."""
    from urllib.parse import urlsplit

    text = str(exc).strip()
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        text = text.replace(password, "***")
    return PostgisError(f"không kết nối được CSDL PostGIS / cannot connect to PostGIS: {text}")


def is_url(location: Any) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


# --- SQL: one text for both backends ------------------------------------------------------------

_STRING = re.compile(r"'(?:[^']|'')*'")


def _outside_strings(sql: str, fn: Any) -> str:
    """``fn`` applied to the parts of ``sql`` that are not string literals."""
    out, last = [], 0
    for m in _STRING.finditer(sql):
        out.append(fn(sql[last:m.start()]))
        out.append(m.group(0).replace("%", "%%"))
        last = m.end()
    out.append(fn(sql[last:]))
    return "".join(out)


def _code(part: str) -> str:
    part = part.replace("%", "%%")
    part = re.sub(r"\bIS\s+NOT\s+\?", "IS DISTINCT FROM %s", part, flags=re.I)
    part = re.sub(r"\bIS\s+\?", "IS NOT DISTINCT FROM %s", part, flags=re.I)
    part = part.replace("?", "%s")
    part = re.sub(r"\bmain\.", "public.", part)
    part = re.sub(r"\btemp\.", "pg_temp.", part)
    part = re.sub(r"\binstr\(", "strpos(", part, flags=re.I)
    part = re.sub(r"\bgroup_concat\(", "string_agg(", part, flags=re.I)
    return part


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """SQLite's dialect, as the store writes it, in PostgreSQL's."""
    ignore = re.match(r"\s*INSERT\s+OR\s+IGNORE\s+INTO\b", sql, flags=re.I)
    if ignore:
        sql = "INSERT INTO" + sql[ignore.end():]
    if re.match(r"\s*INSERT\s+OR\s+REPLACE\b", sql, flags=re.I):
        raise ValueError(f"INSERT OR REPLACE has no PostgreSQL form without its key; write ON CONFLICT: {sql[:80]}")
    out = _outside_strings(sql, _code)
    if ignore:
        returning = re.search(r"\bRETURNING\b", out, flags=re.I)
        out = (out[:returning.start()] + "ON CONFLICT DO NOTHING " + out[returning.start():] if returning
               else out.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING")
    return out


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)  # SQLite keeps booleans as 0/1; the schema's flags are smallint
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _params(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _param(v) for k, v in params.items()}
    return [_param(v) for v in params]


# --- rows as sqlite3.Row reads them ---------------------------------------------------------------


class Row:
    """``row["name"]``, ``row[0]``, ``dict(row)``, ``tuple(row)``: what the store's code reads."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Row | tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


def _row_factory(cursor: Any) -> Any:
    index: dict[str, int] = {}
    for i, column in enumerate(cursor.description or ()):
        index.setdefault(column.name, i)  # the first of two same-named columns, as sqlite3.Row
    return lambda values: Row(values, index)


class Cursor:
    """A psycopg cursor with sqlite3's ``lastrowid``."""

    def __init__(self, conn: PgConnection, raw: Any) -> None:
        self._conn, self._raw = conn, raw

    @property
    def lastrowid(self) -> int | None:
        row = self._conn._raw.execute("SELECT lastval()").fetchone()
        return int(row[0]) if row else None

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount

    @property
    def description(self) -> Any:
        return self._raw.description

    def fetchone(self) -> Row | None:
        return self._raw.fetchone() if self._raw.description else None

    def fetchall(self) -> list[Row]:
        return self._raw.fetchall() if self._raw.description else []

    def fetchmany(self, size: int = 1) -> list[Row]:
        return self._raw.fetchmany(size) if self._raw.description else []

    def __iter__(self) -> Iterator[Row]:
        return iter(self._raw) if self._raw.description else iter(())

    def close(self) -> None:
        self._raw.close()


# --- connections and their pools ----------------------------------------------------------------


def _configure(raw: Any) -> None:
    """Types as the store's code expects them: numbers as int/float (a SUM is ``numeric``, which
    psycopg gives as Decimal), geometries as WKB bytes (``ST_AsBinary`` done by the client)."""
    import psycopg
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data: Any) -> Any:
            d = Decimal(bytes(data).decode())
            return int(d) if d == d.to_integral_value() and abs(d) < 2**63 else float(d)

    class GeometryLoader(Loader):  # text format: hex EWKB
        def load(self, data: Any) -> bytes:
            return bytes.fromhex(bytes(data).decode())

    raw.adapters.register_loader("numeric", NumericLoader)
    info = psycopg.types.TypeInfo.fetch(raw, "geometry")
    if info is not None:
        raw.adapters.register_loader(info.oid, GeometryLoader)
    raw.commit()


_pools: dict[tuple[int, str], Any] = {}
_pools_lock = threading.Lock()


def _pool(url: str) -> Any:
    """One pool per process and URL (a pool made before gunicorn forked is not used after)."""
    key = (os.getpid(), url)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            from psycopg_pool import ConnectionPool

            pool = ConnectionPool(url, min_size=0, max_size=POOL_MAX, kwargs={"connect_timeout": 10},
                                  configure=_configure, reset=_reset, open=True, timeout=60,
                                  name=f"webmap-{os.getpid()}")
            _pools[key] = pool
    return pool


def _reset(raw: Any) -> None:
    """A connection back in the pool forgets its session: the drafts' temporary view, read-only."""
    raw.rollback()
    raw.read_only = None
    raw.autocommit = True
    try:
        raw.execute("DISCARD TEMP")
    finally:
        raw.autocommit = False


def close_pools() -> None:
    with _pools_lock:
        for key, pool in list(_pools.items()):
            if key[0] == os.getpid():
                pool.close()
            _pools.pop(key, None)


class PgConnection:
    """What ``store.connect`` gives for a ``postgresql://`` location."""

    backend = BACKEND

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        import psycopg

        self.location = url
        try:
            self._pool = _pool(url)
            self._raw = self._pool.getconn()
        except (psycopg.OperationalError, Exception) as exc:
            if type(exc).__name__ in ("PoolTimeout", "OperationalError"):
                raise unreachable(url, exc) from exc
            raise
        self._raw.row_factory = _row_factory
        self._raw.read_only = True if readonly else None
        self.readonly = readonly
        self.row_factory = None  # assigned by callers used to sqlite3; rows are always Row here

    # sqlite3.Connection's interface, as the store uses it
    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return Cursor(self, self._raw.execute(translate(sql), _params(params) if params else None, prepare=False))

    def executemany(self, sql: str, seq: Iterable[Any]) -> Cursor:
        cur = self._raw.cursor()
        cur.executemany(translate(sql), [_params(p) for p in seq])
        return Cursor(self, cur)

    def commit(self) -> None:
        self._raw.commit()

    def rollback(self) -> None:
        self._raw.rollback()

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        raw, self._raw = getattr(self, "_raw", None), None
        if raw is not None:
            try:
                raw.rollback()
            finally:
                self._pool.putconn(raw)

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:  # a connection forgotten by its caller still goes back to its pool
        with contextlib.suppress(Exception):
            self.close()

    @property
    def raw(self) -> Any:
        """The psycopg connection, for what only PostgreSQL does (COPY, ST_AsMVT, LISTEN)."""
        return self._raw

    def begin_write(self) -> None:
        """Start the write transaction: any read transaction ends first, then the writer lock is
        taken (released at commit or rollback), so writers from every server queue as SQLite's do."""
        if self.readonly:
            raise PostgisError("kết nối chỉ đọc / a read-only connection cannot write")
        self._raw.commit()
        self._raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
