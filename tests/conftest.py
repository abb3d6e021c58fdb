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
