"""Shared fixtures: every test gets its own copy of the sample store."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "sample.gpkg"
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    from geodata import store

    path = tmp_path / "webmap.gpkg"
    store.copy_with_rasters(SAMPLE, path)
    return path


@pytest.fixture
def app(db_path: Path):
    from webmap import create_app

    return create_app({"WEBMAP_DB": str(db_path), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def conn(db_path: Path):
    from geodata import store

    c = store.connect(db_path, readonly=True)
    yield c
    c.close()


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL 15 + PostGIS server for the session (Debian's packages, a cluster of its own
    on a free local port; ``WEBMAP_TEST_PG`` names another).  Never mocked."""
    import os

    from tests import postgres

    if os.environ.get("WEBMAP_TEST_PG"):
        yield os.environ["WEBMAP_TEST_PG"]
        return
    if not postgres.available():
        pytest.fail("PostgreSQL 15 with PostGIS is needed (make test installs postgresql-15-postgis-3)")
    with postgres.cluster() as url:
        yield url


@pytest.fixture
def pg_store(pg_server, request) -> str:
    """A new database holding a copy of the sample store; its URL."""
    from geodata.store import pg, postgis
    from tests import postgres

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    url = postgres.new_database(pg_server, name)
    report = postgis.to_postgis(SAMPLE, url)
    assert report.ok, report.lines()
    yield url
    pg.close_pools()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def undo_sample_rasters(db_path: Path) -> None:
    """The store without the sample's two illustrative rasters (undone as an admin would), for tests
    that bring their own raster or build a forest-cover series of their own."""
    from geodata import store
    from geodata.store import journal

    conn = store.connect(db_path)
    try:
        for (import_id,) in conn.execute("SELECT id FROM imports WHERE kind='raster' AND user_name='mẫu'"
                                         " AND status='applied'").fetchall():
            journal.undo(conn, import_id, user="tests")
    finally:
        conn.close()
