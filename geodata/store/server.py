"""What the app servers share that is not data: atlas jobs and their PDFs, upload previews, built
pages, raster files and settings (the cookie key).

Why here and in two forms: behind a GeoPackage store, one machine serves and these live in folders
beside the store file (every gunicorn worker sees them).  Behind PostGIS, several servers answer
one address, and a job started on one is polled on another, an upload previewed on one is applied
on another, a page built on one is served by all: so they live in the database's own tables
(``postgis.SERVER_DDL``), outside the data version.  Each server keeps a local copy of the files it
reads (a raster's COG, an atlas's PDF) in ``local_folder``.

Every function takes the store's location (``WEBMAP_DB``): a file path or a ``postgresql://`` URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geodata.store.connection import connect, is_url


@contextlib.contextmanager
def _database(location: str | Path, *, readonly: bool = False) -> Iterator[Any]:
    """A connection to the PostGIS store for one short exchange (committed unless read-only)."""
    conn = connect(location, readonly=readonly)
    try:
        yield conn
        if not readonly:
            conn.commit()
    finally:
        conn.close()


def _shared(location: str | Path) -> bool:
    return is_url(location)


def local_folder(location: str | Path, name: str) -> Path:
    """A folder this server keeps ``name`` in: beside a GeoPackage store; for PostGIS, under
    ``WEBMAP_LOCAL_DIR`` (default: the system's temporary folder), one per database."""
    if not _shared(location):
        return Path(location).resolve().parent / name
    root = Path(os.environ.get("WEBMAP_LOCAL_DIR") or tempfile.gettempdir())
    tag = hashlib.sha256(str(location).encode()).hexdigest()[:12]
    return root / f"webmap-{tag}" / name


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- files every server reads (a raster's COG) ------------------------------------------------------


def put_file(location: str | Path, name: str, path: Path) -> None:
    """Share a file this server wrote (PostGIS: into ``files``; a GeoPackage store needs nothing)."""
    if not _shared(location):
        return
    with _database(location) as conn:
        conn.execute("INSERT INTO files (name, body) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                     (name, path.read_bytes()))


def fetch_file(location: str | Path, name: str, path: Path) -> bool:
    """Make sure ``path`` holds the shared file ``name`` (fetched once per server); False if unknown."""
    if path.is_file() or not _shared(location):
        return path.is_file()
    with _database(location, readonly=True) as conn:
        row = conn.execute("SELECT body FROM files WHERE name=?", (name,)).fetchone()
    if row is None:
        return False
    _write_atomically(path, bytes(row[0]))
    return True


# --- settings ------------------------------------------------------------------------------------


def setting(location: str | Path, key: str, make: Any, file: Path | None = None) -> str:
    """A value made once and then the same for every server (the key that signs session cookies):
    in ``settings`` on PostGIS, in ``file`` (mode 0600) beside a GeoPackage store."""
    if _shared(location):
        with _database(location) as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, make()))
            value = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()[0]
        return value
    assert file is not None
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return file.read_text().strip()


# --- atlas jobs -------------------------------------------------------------------------------------


def _job_dir(location: str | Path) -> Path:
    path = local_folder(location, "jobs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_job(location: str | Path, jid: str, state: dict[str, Any]) -> None:
    """Replace a job's state in one step (a reader never sees half of it)."""
    state = {**state, "updated": time.time()}
    if _shared(location):
        with _database(location) as conn:
            conn.execute("INSERT INTO jobs (id, state, updated) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                         " state=excluded.state, updated=excluded.updated",
                         (jid, json.dumps(state, ensure_ascii=False), state["updated"]))
        return
    _write_atomically(_job_dir(location) / f"{jid}.json", json.dumps(state, ensure_ascii=False).encode("utf-8"))


def read_job(location: str | Path, jid: str) -> dict[str, Any] | None:
    if _shared(location):
        with _database(location, readonly=True) as conn:
            row = conn.execute("SELECT state FROM jobs WHERE id=?", (jid,)).fetchone()
        return json.loads(row[0]) if row else None
    try:
        return json.loads((_job_dir(location) / f"{jid}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def jobs(location: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """Every job, newest first."""
    if _shared(location):
        with _database(location, readonly=True) as conn:
            rows = conn.execute("SELECT id, state FROM jobs ORDER BY updated DESC").fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]
    out = []
    for path in sorted(_job_dir(location).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        state = read_job(location, path.stem)
        if state is not None:
            out.append((path.stem, state))
    return out


def job_result_path(location: str | Path, jid: str) -> Path:
    """Where this server reads or writes a job's PDF."""
    return _job_dir(location) / f"{jid}.pdf"


def put_job_result(location: str | Path, jid: str) -> None:
    """Share a job's PDF (written at ``job_result_path``) with the other servers."""
    if _shared(location):
        with _database(location) as conn:
            conn.execute("UPDATE jobs SET result=? WHERE id=?", (job_result_path(location, jid).read_bytes(), jid))


def fetch_job_result(location: str | Path, jid: str) -> Path | None:
    """The job's PDF on this server (fetched from the database when another server drew it)."""
    path = job_result_path(location, jid)
    if path.is_file():
        return path
    if not _shared(location):
        return None
    with _database(location, readonly=True) as conn:
        row = conn.execute("SELECT result FROM jobs WHERE id=? AND result IS NOT NULL", (jid,)).fetchone()
    if row is None:
        return None
    _write_atomically(path, bytes(row[0]))
    return path


def delete_job(location: str | Path, jid: str) -> None:
    if _shared(location):
        with _database(location) as conn:
            conn.execute("DELETE FROM jobs WHERE id=?", (jid,))
    for suffix in (".json", ".pdf"):
        (_job_dir(location) / f"{jid}{suffix}").unlink(missing_ok=True)


# --- upload previews ---------------------------------------------------------------------------------


def _upload_dir(location: str | Path) -> Path:
    return local_folder(location, "uploads")


def save_upload(location: str | Path, token: str, meta: dict[str, Any], path: Path) -> None:
    """Keep an uploaded file (already at ``path``, under this server's upload folder) for its preview
    and its apply, which may reach another server."""
    if not _shared(location):
        (path.parent / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return
    with _database(location) as conn:
        conn.execute("INSERT INTO uploads (token, meta, body, created) VALUES (?, ?, ?, ?)",
                     (token, json.dumps(meta, ensure_ascii=False), path.read_bytes(), time.time()))


def upload_path(location: str | Path, token: str, name: str) -> Path:
    """Where this server keeps upload ``token``'s file (its own name, in a folder of its own)."""
    return _upload_dir(location) / token / name


def load_upload(location: str | Path, token: str) -> tuple[Path, dict[str, Any]] | None:
    """The upload's file on this server and its meta (None: no such upload, or swept)."""
    folder = _upload_dir(location) / token
    if not _shared(location):
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return folder / meta["name"], meta
    with _database(location, readonly=True) as conn:
        row = conn.execute("SELECT meta, body FROM uploads WHERE token=?", (token,)).fetchone()
    if row is None:
        return None
    meta = json.loads(row[0])
    path = folder / meta["name"]
    if not path.is_file():
        _write_atomically(path, bytes(row[1]))
    return path, meta


def delete_upload(location: str | Path, token: str) -> None:
    shutil.rmtree(_upload_dir(location) / token, ignore_errors=True)
    if _shared(location):
        with _database(location) as conn:
            conn.execute("DELETE FROM uploads WHERE token=?", (token,))


def sweep_uploads(location: str | Path, keep_s: float) -> None:
    """Uploads older than ``keep_s`` go (previewed and never applied)."""
    folder = _upload_dir(location)
    if folder.exists():
        for d in folder.iterdir():
            try:
                if time.time() - d.stat().st_mtime > keep_s:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                continue
    if _shared(location):
        with _database(location) as conn:
            conn.execute("DELETE FROM uploads WHERE created < ?", (time.time() - keep_s,))


# --- built pages, one copy per data version for every worker and server ----------------------------------


def _page_key(key: Any) -> str:
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()


def get_page(location: str | Path, version: Any, key: Any) -> tuple[bytes, bytes, tuple[str, ...]] | None:
    """A page another worker or server built for this data version (None: build it)."""
    name = _page_key(key)
    if _shared(location):
        with _database(location, readonly=True) as conn:
            row = conn.execute("SELECT body, gzipped, script_hashes FROM pages WHERE version=? AND key=?",
                               (int(version[1]), name)).fetchone()
        if row is None:
            return None
        return bytes(row[0]), bytes(row[1]), tuple(h for h in row[2].split(" ") if h)
    path = local_folder(location, "pages") / _version_tag(version) / name
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, _, rest = raw.partition(b"\n")
    n_body, n_gz, hashes = json.loads(head)
    return rest[:n_body], rest[n_body:n_body + n_gz], tuple(hashes)


def put_page(location: str | Path, version: Any, key: Any, body: bytes, gzipped: bytes,
             hashes: tuple[str, ...]) -> None:
    """Keep a built page for every worker and server (pages of older versions are dropped)."""
    name = _page_key(key)
    if _shared(location):
        with _database(location) as conn:
            conn.execute("DELETE FROM pages WHERE version < ?", (int(version[1]),))
            conn.execute("INSERT INTO pages (version, key, body, gzipped, script_hashes) VALUES (?, ?, ?, ?, ?)"
                         " ON CONFLICT (version, key) DO NOTHING",
                         (int(version[1]), name, body, gzipped, " ".join(hashes)))
        return
    root = local_folder(location, "pages")
    tag = _version_tag(version)
    if root.exists():
        for old in root.iterdir():
            if old.name != tag:
                shutil.rmtree(old, ignore_errors=True)
    head = json.dumps([len(body), len(gzipped), list(hashes)]).encode("utf-8")
    _write_atomically(root / tag / name, head + b"\n" + body + gzipped)


def _version_tag(version: Any) -> str:
    return hashlib.sha256(repr(version).encode()).hexdigest()[:16]
