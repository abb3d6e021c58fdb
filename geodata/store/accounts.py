"""Users, their unit-scoped roles, sessions and failed logins: in a SQLite file of their own beside
a GeoPackage store, in the PostGIS database's own tables when the store is there.

Why not in the GeoPackage: the store is the data a commune copies to a USB stick and opens in
QGIS; password hashes have no place there, and a login (or a refused one) must not change the data
file (every cached page is keyed to its version).  On PostGIS the account tables sit beside the
data tables but outside the data version (no trigger bumps it) and outside ``store copy``, so
every app server sharing the database knows the same users and sessions.  Passwords are hashed by Werkzeug's
``generate_password_hash`` (scrypt, salted); Werkzeug is already what Flask stands on.

Roles follow DHIS2's org-unit scoping: a role is given on one unit and holds for everything
under it (an editor of Xã Bình Lư edits Bình Lư and its villages; an approver of Tỉnh Lai Châu
approves all its communes; ``VN`` is the whole country).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from geodata.store.connection import connect as connect_store
from geodata.store.connection import is_url

COUNTRY = "VN"
ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view_drafts"}),
    "editor": frozenset({"view_drafts", "edit"}),
    "approver": frozenset({"view_drafts", "approve"}),
    "admin": frozenset({"view_drafts", "edit", "approve", "undo", "boundaries", "users"}),
}
ROLE_LABELS = {"viewer": ("xem", "viewer"), "editor": ("nhập liệu", "editor"), "approver": ("duyệt", "approver"),
               "admin": ("quản trị", "admin")}
MIN_PASSWORD = 10
MAX_FAILURES_PER_USER = 5  # in WINDOW: then that name is locked for the rest of the window
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, full_name TEXT,
    password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roles (
    user_id INTEGER NOT NULL REFERENCES users(id), role TEXT NOT NULL, unit_code TEXT NOT NULL,
    PRIMARY KEY (user_id, role, unit_code));
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_failures ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_sessions_user ON sessions (user_id);
"""


class AccountError(ValueError):
    """A refused account change, in both languages."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi, self.en = vi, en


@dataclass(frozen=True)
class Role:
    role: str
    unit_code: str


@dataclass(frozen=True)
class User:
    id: int
    name: str
    full_name: str | None
    active: bool
    password_changed_at: str
    roles: tuple[Role, ...] = field(default_factory=tuple)

    def roots(self, right: str) -> list[str] | None:
        """The units this user holds ``right`` on (None: the whole country), or [] for none."""
        units = [r.unit_code for r in self.roles if right in ROLES.get(r.role, ())]
        return None if COUNTRY in units else units


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def connect(path: str | Path) -> Iterator[Any]:
    if is_url(path):  # the PostGIS store's own account tables (geodata.store.postgis.SERVER_DDL)
        conn = connect_store(str(path))
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.executescript(SCHEMA)
        yield conn
        conn.commit()
    finally:
        conn.close()
    with contextlib.suppress(OSError):
        path.chmod(0o600)  # hashes are not for other users of the machine


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError("tên đăng nhập chỉ gồm chữ, số và . _ - @ (tối đa 64 ký tự)",
                           "a user name is letters, digits and . _ - @ (at most 64 characters)")
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự", f"a password needs {MIN_PASSWORD} characters")


def add(path: str | Path, name: str, password: str, full_name: str | None = None) -> int:
    name = _check_name(name)
    _check_password(password)
    stamp = _now().isoformat(timespec="seconds")
    with connect(path) as conn:
        if conn.execute("SELECT 1 FROM users WHERE lower(name)=lower(?)", (name,)).fetchone():
            raise AccountError(f"đã có tài khoản '{name}'", f"there is already a user '{name}'")
        cur = conn.execute("INSERT INTO users (name, full_name, password_hash, active, created_at, password_changed_at)"
                           " VALUES (?,?,?,?,?,?)",
                           (name, full_name, generate_password_hash(password), 1, stamp, stamp))
        return int(cur.lastrowid)


def grant(path: str | Path, name: str, role: str, unit_code: str) -> None:
    if role not in ROLES:
        raise AccountError(f"không có vai trò '{role}' (có: {', '.join(ROLES)})",
                           f"no role '{role}' (known: {', '.join(ROLES)})")
    with connect(path) as conn:
        uid = _id(conn, name)
        if conn.execute("INSERT OR IGNORE INTO roles VALUES (?,?,?)", (uid, role, unit_code)).rowcount:
            _end_sessions(conn, uid)


def revoke(path: str | Path, name: str, role: str, unit_code: str) -> int:
    with connect(path) as conn:
        uid = _id(conn, name)
        n = conn.execute("DELETE FROM roles WHERE user_id=? AND role=? AND unit_code=?",
                         (uid, role, unit_code)).rowcount
        if n:
            _end_sessions(conn, uid)
        return n


def _id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM users WHERE lower(name)=lower(?)", (name,)).fetchone()
    if row is None:
        raise AccountError(f"không có tài khoản '{name}'", f"no user '{name}'")
    return int(row["id"])


def set_password(path: str | Path, name: str, password: str) -> None:
    """A new password ends every session of the account, on every server (a stolen cookie dies
    with the old password)."""
    _check_password(password)
    with connect(path) as conn:
        uid = _id(conn, name)
        conn.execute("UPDATE users SET password_hash=?, password_changed_at=? WHERE id=?",
                     (generate_password_hash(password), _now().isoformat(timespec="microseconds"), uid))
        _end_sessions(conn, uid)


def set_active(path: str | Path, name: str, active: bool) -> None:
    with connect(path) as conn:
        uid = _id(conn, name)
        conn.execute("UPDATE users SET active=? WHERE id=?", (int(active), uid))
        if not active:
            _end_sessions(conn, uid)


# Sessions live here, not in the cookie: the cookie carries only a random token, so a logout, a
# new password or a role change ends the session on every app server at once, and a cookie saved
# before the logout is worth nothing (with signed-cookie sessions it stayed valid for 8 hours).
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _end_sessions(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE user_id=?", (user_id,))


def start_session(path: str | Path, user_id: int, lifetime: dt.timedelta) -> str:
    """A new session of ``user_id``; the token goes into the cookie, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with connect(path) as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(timespec="seconds"),))
        conn.execute("INSERT INTO sessions VALUES (?,?,?,?)", (_digest(token), user_id,
                     now.isoformat(timespec="seconds"), (now + lifetime).isoformat(timespec="seconds")))
    return token


def _exists(path: str | Path) -> bool:
    return is_url(path) or Path(path).exists()


def session_user(path: str | Path, token: str | None) -> User | None:
    """The active user whose unexpired session ``token`` is, else None."""
    if not token or not isinstance(token, str) or len(token) > 100 or not _exists(path):
        return None
    with connect(path) as conn:
        row = conn.execute("SELECT u.* FROM sessions s JOIN users u ON u.id=s.user_id WHERE s.token_sha256=?"
                           " AND s.expires_at > ? AND u.active=1",
                           (_digest(token), _now().isoformat(timespec="seconds"))).fetchone()
        return _user(conn, row) if row else None


def end_session(path: str | Path, token: str | None) -> None:
    if token and isinstance(token, str) and _exists(path):
        with connect(path) as conn:
            conn.execute("DELETE FROM sessions WHERE token_sha256=?", (_digest(token),))


def session_count(path: str | Path, name: str) -> int:
    with connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM sessions WHERE user_id=?", (_id(conn, name),)).fetchone()[0]


def listing(path: str | Path) -> list[User]:
    with connect(path) as conn:
        return [_user(conn, r) for r in conn.execute("SELECT * FROM users ORDER BY name")]


def count(path: str | Path) -> int:
    if not _exists(path):
        return 0
    with connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def _user(conn: sqlite3.Connection, row: sqlite3.Row) -> User:
    roles = tuple(Role(r["role"], r["unit_code"]) for r in conn.execute(
        "SELECT role, unit_code FROM roles WHERE user_id=? ORDER BY role, unit_code", (row["id"],)))
    return User(row["id"], row["name"], row["full_name"], bool(row["active"]), row["password_changed_at"], roles)


def get(path: str | Path, user_id: int) -> User | None:
    if not _exists(path):
        return None
    with connect(path) as conn:
        row = conn.execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone()
        return _user(conn, row) if row else None


class Throttled(Exception):
    """Too many failed logins for this name or address: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def authenticate(path: str | Path, name: str, password: str, address: str) -> User | None:
    """The user, if the name and password match an active account; failures are counted per name
    and per address, and past the limit every attempt is refused until the window has passed
    (the password is not even checked, so guessing gains nothing)."""
    since = (_now() - WINDOW).isoformat(timespec="seconds")
    keys = (f"user:{(name or '').strip().lower()}", f"addr:{address}")
    with connect(path) as conn:
        conn.execute("DELETE FROM login_failures WHERE at < ?", (since,))
        for key, most in zip(keys, (MAX_FAILURES_PER_USER, MAX_FAILURES_PER_ADDRESS), strict=True):
            rows = conn.execute("SELECT at FROM login_failures WHERE key=? ORDER BY at", (key,)).fetchall()
            if len(rows) >= most:
                first = dt.datetime.fromisoformat(rows[-most]["at"])
                raise Throttled(max(1, int((first + WINDOW - _now()).total_seconds())))
        row = conn.execute("SELECT * FROM users WHERE lower(name)=lower(?)", ((name or "").strip(),)).fetchone()
        # A hash is checked even for an unknown name, so timing does not tell which names exist.
        ok = check_password_hash(row["password_hash"] if row else _DUMMY, password or "")
        if row is None or not ok or not row["active"]:
            stamp = _now().isoformat(timespec="seconds")
            conn.executemany("INSERT INTO login_failures VALUES (?, ?)", [(k, stamp) for k in keys])
            return None
        conn.execute("DELETE FROM login_failures WHERE key=?", (keys[0],))
        return _user(conn, row)


_DUMMY = generate_password_hash("not a password of anyone")
