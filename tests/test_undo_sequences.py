"""Undo is an inverse: any sequence of imports and undos leaves the store equal to the imports
still applied, replayed on the original, or the undo is refused with its reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata import boundaries_import, imports, indicator_import, store
from geodata.store import journal
from tests.conftest import SAMPLE

TOUCHES = {"geom_1": {"03390"}, "geom_2": {"03390"}, "new_commune": {"99001"}}
DEPENDS = {"obs_new": "99001"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("undo_files")
    conn = store.connect(SAMPLE, readonly=True)
    binh_lu = store.units_frame(conn, level="commune", parent="12").set_index("code").loc[["03390"]]
    conn.close()
    out = {}
    for name, shrink in (("geom_1", 0.001), ("geom_2", 0.002)):
        frame = gpd.GeoDataFrame({"code": ["03390"]}, geometry=[binh_lu.geometry.iloc[0].buffer(-shrink)],
                                 crs="EPSG:4326")
        out[name] = d / f"{name}.geojson"
        pyogrio.write_dataframe(frame, out[name], driver="GeoJSON")
    new = gpd.GeoDataFrame({"code": ["99001"], "full_name": ["Xã Thử Nghiệm"], "parent_code": ["12"]},
                           geometry=[shapely.box(103.30, 22.60, 103.31, 22.61)], crs="EPSG:4326")
    out["new_commune"] = d / "new_commune.geojson"
    pyogrio.write_dataframe(new, out["new_commune"], driver="GeoJSON")
    for name, text in (("ind_a", "Mã xã,Năm,Tổng số hộ\n03390,2030,4500\n"),
                       ("ind_b", "Mã xã,Năm,Số hộ nghèo\n03390,2030,300\n03856,2030,410\n"),
                       ("obs_new", "Mã xã,Năm,Tổng số hộ\n99001,2030,12\n")):
        out[name] = d / f"{name}.csv"
        out[name].write_text(text, encoding="utf-8")
    return out


def _apply(conn, files: dict[str, Path], name: str) -> int:
    if name.startswith(("geom", "new")):
        return boundaries_import.import_boundaries(conn, files[name], boundaries_import.Options(level="commune")
                                                   ).import_id
    return indicator_import.import_indicators(conn, files[name], indicator_import.Options()).import_id


def dump(conn) -> dict[str, list[tuple]]:
    """The store's content, without the journal's own numbering (ids, dataset names, notes)."""
    return {
        "units": conn.execute("SELECT code, vintage, level, unit_type, name, full_name, parent_code, area_km2,"
                              " hex(geom) FROM units ORDER BY code, vintage").fetchall(),
        "observations": conn.execute("SELECT unit_code, unit_vintage, indicator_code, period, kind, value, scope"
                                     " FROM observations ORDER BY 1, 2, 3, 4, 5, 6").fetchall(),
        "screen": conn.execute("SELECT code, vintage, hex(geom) FROM unit_screen_geom ORDER BY 1, 2").fetchall(),
        "crosswalk": conn.execute("SELECT old_code, new_code FROM crosswalk ORDER BY 1, 2").fetchall(),
    }


OPS = st.lists(st.one_of(
    st.tuples(st.just("apply"), st.sampled_from(["geom_1", "geom_2", "new_commune", "ind_a", "ind_b", "obs_new"])),
    st.tuples(st.just("undo"), st.integers(min_value=0, max_value=5))), min_size=2, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_of_imports_and_undos_is_consistent(files, tmp_path_factory, ops):
    work = tmp_path_factory.mktemp("undo") / "webmap.gpkg"
    shutil.copyfile(SAMPLE, work)
    conn = store.connect(work)
    applied: list[tuple[int, str, bool]] = []  # (import id, file, whether it added 99001)
    for op, arg in ops:
        if op == "apply":
            present = store.get_unit(conn, "99001") is not None
            if arg in DEPENDS and not present:
                with pytest.raises(imports.ImportRefused):
                    _apply(conn, files, arg)
                continue
            applied.append((_apply(conn, files, arg), arg, arg == "new_commune" and not present))
            continue
        if not applied:
            continue
        index = arg % len(applied)
        import_id, name, added = applied[index]
        later = applied[index + 1:]
        blocked = any(TOUCHES.get(name, set()) & TOUCHES.get(other, set()) for _, other, _ in later) or (
            added and any(other in DEPENDS for _, other, _ in later))
        if blocked:
            with pytest.raises(imports.ImportRefused) as err:
                journal.undo(conn, import_id)
            assert "first" in err.value.lines("en")[0]
            continue
        counts = journal.undo(conn, import_id)
        assert counts["removed"] + counts["restored"] > 0
        applied.pop(index)
    got = dump(conn)
    conn.close()
    fresh = tmp_path_factory.mktemp("replay") / "webmap.gpkg"
    shutil.copyfile(SAMPLE, fresh)
    conn = store.connect(fresh)
    for _, name, _ in applied:
        _apply(conn, files, name)
    assert got == dump(conn)
    conn.close()


def test_undo_refusals_name_the_later_import_and_counts_are_what_changed(db_path, files):
    conn = store.connect(db_path)
    first = _apply(conn, files, "geom_1")
    second = _apply(conn, files, "geom_2")
    with pytest.raises(imports.ImportRefused) as err:
        journal.undo(conn, first)
    assert f"import {second} (a later one) changed the same rows (03390): undo import {second} first" in \
        err.value.lines("en")[0]
    assert journal.undo(conn, second) == {"restored": 1, "removed": 0}
    assert journal.undo(conn, first) == {"restored": 1, "removed": 0}
    added = _apply(conn, files, "new_commune")
    obs = _apply(conn, files, "obs_new")
    with pytest.raises(imports.ImportRefused) as err:
        journal.undo(conn, added)
    assert "units this import added (99001) are still used by rows of observations" in err.value.lines("en")[0]
    assert journal.undo(conn, obs) == {"restored": 0, "removed": 1}
    assert journal.undo(conn, added) == {"restored": 0, "removed": 1}
    assert store.get_unit(conn, "99001") is None
