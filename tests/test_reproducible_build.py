"""The committed sample is what the build script makes from ../shared."""

from __future__ import annotations

import pytest

from geodata import sample, store
from tests.conftest import SAMPLE, SHARED

TABLES = ["datasets", "units", "unit_screen_geom", "crosswalk", "indicators", "observations", "places", "meta"]


@pytest.mark.skipif(not (SHARED / "data/raw").is_dir(), reason="needs ../shared beside the repository")
def test_rebuild_matches_committed_sample(tmp_path):
    out = tmp_path / "rebuilt.gpkg"
    sample.build(SHARED, out)
    a, b = store.connect(SAMPLE, readonly=True), store.connect(out, readonly=True)
    for table in TABLES:
        rows_a = [tuple(r) for r in a.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        rows_b = [tuple(r) for r in b.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        assert rows_a == rows_b, f"table {table} differs: run `make sample` and commit"
