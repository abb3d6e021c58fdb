"""A real PostgreSQL/PostGIS server for the tests: its own cluster in a temporary folder, on a free
local port, started with Debian's binaries (``postgresql``, ``postgresql-15-postgis-3``) and
stopped after the session.  Never mocked: the point is that the database refuses what it should."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")


def available() -> bool:
    return (BIN / "initdb").exists() and POSTGIS.exists()


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the tests (root in CI) run it as the packages' user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """A started server; yields the URL of its ``postgres`` superuser, trust auth on 127.0.0.1 only."""
    root = Path(tempfile.mkdtemp(prefix="webmap-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(_as_postgres([str(BIN / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), check=True, capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l", str(root / "log"),
                                 "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """An empty database on ``server``; its URL."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name
