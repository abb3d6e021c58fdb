"""The store interface on both backends: one suite, run on the GeoPackage file and on a real
PostgreSQL/PostGIS server (issue #25).  Units, figures, targets, imports with their undo, accounts
and sessions, the workflow and its audit, the data version, what the app servers share, and the
writer lock; each test asserts values, not only that nothing failed."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import shapely

from geodata import indicator_import, progress, store
from geodata.store import accounts, journal, server, workflow

CORPUS = Path(__file__).parent / "corpus" / "workflow"
PASSWORD = "mật khẩu đủ dài 2025"


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path) -> str:
    """The sample store on one backend: a GeoPackage file, or a PostGIS database."""
    if request.param == "gpkg":
        path = tmp_path / "webmap.gpkg"
        store.copy_with_rasters(Path(__file__).parent.parent / "data/sample/sample.gpkg", path)
        return str(path)
    return request.getfixturevalue("pg_store")


def _rows(location: str, sql: str, params: tuple = ()) -> list[tuple]:
    conn = store.connect(location, readonly=True)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def _figures(location: str) -> list[tuple]:
    """Every observation as a backend-neutral tuple (ids aside)."""
    return _rows(location, "SELECT unit_code, unit_vintage, indicator_code, period, kind, value, scope, source_doc,"
                           " dataset_id FROM observations ORDER BY unit_code, indicator_code, period, kind, id")


def test_units_and_their_hierarchy(location):
    conn = store.connect(location, readonly=True)
    assert store.counts_by_level(conn)["2025"] == {"commune": 113, "province": 2, "village": 29}
    binh_lu = store.get_unit(conn, "03390")
    assert binh_lu["full_name"] == "Xã Bình Lư" and binh_lu["parent_code"] == "12"
    assert len(store.units.child_codes(conn, "12")) == 38
    assert [c["code"] for c in store.units.children(conn, "03390")][:2] == ["03390-B01", "03390-B02"]
    assert {p["full_name"] for p in store.units.predecessors(conn, "03390")} >= {"Thị trấn Tam Đường"}
    frame = store.units_frame(conn, level="commune", parent="12")
    assert len(frame) == 38 and frame.geometry.is_valid.all()
    area = frame.set_index("code").to_crs(9205).geometry["03390"].area / 1e6
    assert abs(area - binh_lu["area_km2"]) / binh_lu["area_km2"] < 0.01
    assert store.units.with_children(conn, ["03390", "03390-B01", "12"]) == {"03390", "12"}
    conn.close()


def test_figures_targets_and_their_evaluation(location):
    conn = store.connect(location, readonly=True)
    e = progress.evaluate(conn, "03390", "tourist_arrivals", "2025H1")
    assert e["actual"]["value"] == 319000 and e["status"] == "in_progress"
    assert e["evaluations"][0]["target"]["value"] == 395900
    water = progress.evaluate(conn, "03390", "hygienic_water_pop_pct", "2025H1")
    assert water["status"] == "achieved"  # "duy trì 100 %" judges a part-year figure
    province = progress.evaluate(conn, "12", "poor_household_rate", "2025")
    assert province["actual"]["value"] == 17.24 and province["status"] == "other_line"
    many = progress.evaluate_many(conn, store.units.child_codes(conn, "12"), "tourist_arrivals", "2025H1")
    assert [c for c, ev in many.items() if ev["status"] != "no_data"] == ["03390"]
    assert "2025H1" in store.figures.periods_with_components(conn, "tourist_arrivals")
    assert "forest_cover_pct" in store.figures.indicators_of_unit(conn, "03390")  # the sample's made-up raster
    conn.close()


def test_an_import_is_journaled_and_its_undo_restores_every_figure(location):
    before = _figures(location)
    conn = store.connect(location)
    result = indicator_import.import_indicators(conn, CORPUS / "binh_lu_ho_ngheo.csv",
                                                indicator_import.Options(accept_suggestions=True,
                                                                         skip_unmatched=True))
    conn.close()
    after = _figures(location)
    added = sorted(set(after) - set(before))
    assert len(after) - len(before) == result.counts["observations"] == len(added) > 0
    assert all(a[0].startswith("03390") and a[8] == f"import-{result.import_id}" for a in added)
    conn = store.connect(location)
    assert journal.entry(conn, result.import_id)["status"] == "applied"
    assert journal.undo(conn, result.import_id)["removed"] == len(added)
    assert journal.entry(conn, result.import_id)["status"] == "undone"
    conn.close()
    assert _figures(location) == before


def test_a_boundary_update_is_undone_to_the_same_geometry(location):
    conn = store.connect(location)
    old = store.units_frame(conn, level="commune", parent="12").set_index("code").geometry["03390"]
    with journal.transaction(conn, Path("binh_lu.geojson")):
        import_id = journal.start(conn, "boundaries", CORPUS / "binh_lu_ho_ngheo.csv", {})
        journal.record_unit_change(conn, import_id, "03390", "2025", "update")
        store.units.set_boundary(conn, "03390", "2025", shapely.MultiPolygon([old.geoms[0].buffer(-0.001)]))
        journal.finish(conn, import_id, {"updated": 1}, [])
    changed = store.units_frame(conn, level="commune", parent="12").set_index("code").geometry["03390"]
    assert changed.area < old.area
    journal.undo(conn, import_id)
    back = store.units_frame(conn, level="commune", parent="12").set_index("code").geometry["03390"]
    conn.close()
    assert shapely.normalize(back).equals_exact(shapely.normalize(old), 1e-9)


def test_accounts_roles_and_sessions(location, tmp_path):
    where = location if store.is_url(location) else str(tmp_path / "accounts.sqlite")
    uid = accounts.add(where, "bien_tap", PASSWORD, full_name="Biên tập")
    accounts.grant(where, "bien_tap", "editor", "03390")
    assert accounts.authenticate(where, "BIEN_TAP", PASSWORD, "127.0.0.1").id == uid  # names ignore case
    assert accounts.authenticate(where, "bien_tap", "sai mật khẩu", "127.0.0.1") is None
    token = accounts.start_session(where, uid, accounts.WINDOW)
    user = accounts.session_user(where, token)
    assert user.name == "bien_tap" and user.roots("edit") == ["03390"]
    accounts.set_password(where, "bien_tap", "một mật khẩu mới hẳn")  # ends every session
    assert accounts.session_user(where, token) is None
    with pytest.raises(accounts.AccountError):
        accounts.add(where, "Bien_Tap", PASSWORD)


def test_the_workflow_draft_submit_approve_lands_one_figure_with_its_audit(location):
    conn = store.connect(location)
    with store.transaction(conn):
        workflow.save_figure(conn, "bien_tap", "03390", "poor_households", "2025H1", 400.0, "households",
                             submit=False)
    with store.transaction(conn):
        workflow.save_figure(conn, "bien_tap", "03390", "poor_households", "2025H1", 410.0, "households",
                             submit=False)
        assert workflow.submit(conn, "bien_tap", "03390", "2025H1") == 1
    assert [b["n"] for b in workflow.batches(conn, ["12"])] == [1]
    with store.transaction(conn):
        assert workflow.approve(conn, "duyet", "03390", "2025H1") == 1
    conn.close()
    assert ("03390", "2025", "poor_households", "2025H1", "actual", 410.0) in [f[:6] for f in _figures(location)]
    conn = store.connect(location, readonly=True)
    actions = [(a["action"], a["new_value"]) for a in workflow.audit_for(conn, ["03390"])]
    conn.close()
    assert actions == [("approve", 410.0), ("submit", 410.0), ("edit", 410.0), ("enter", 400.0)]


def test_drafts_are_laid_over_the_figures_on_one_connection_only(location):
    conn = store.connect(location)
    with store.transaction(conn):
        workflow.save_figure(conn, "bien_tap", "03390", "tourist_arrivals", "2025H1", 320000.0, "visits",
                             submit=True)
    conn.close()
    drafts = store.connect(location, readonly=not store.is_url(location))
    workflow.show_drafts(drafts, ["03390"])
    shown = progress.evaluate(drafts, "03390", "tourist_arrivals", "2025H1")["actual"]
    plain = store.connect(location, readonly=True)
    approved = progress.evaluate(plain, "03390", "tourist_arrivals", "2025H1")["actual"]
    assert (shown["value"], shown["source"].get("approval")) == (320000.0, "submitted")
    assert workflow.drafts_shown(drafts)
    assert approved["value"] == 319000 and not workflow.drafts_shown(plain)
    drafts.close()
    plain.close()


def test_the_data_version_moves_with_a_write_and_only_then(location):
    first = store.data_version(location)
    conn = store.connect(location, readonly=True)
    progress.evaluate(conn, "03390", "tourist_arrivals", "2025H1")
    conn.close()
    assert store.data_version(location) == first
    conn = store.connect(location)
    with store.transaction(conn):
        store.add_dataset(conn, id="note", title="a write", publisher=None, licence="CC0", attribution="test",
                          source=None, snapshot=None, note=None, illustrative=0, attribution_en="test")
    conn.close()
    assert store.data_version(location) != first


def test_a_writer_waits_for_another_and_nothing_is_lost(location):
    """Two writers at once (an approval and an upload on two servers): the second waits for the first,
    both land."""
    first = store.connect(location)
    done: list[str] = []
    failed: list[BaseException] = []
    started = threading.Event()

    def other():
        try:
            second = store.connect(location)  # another server's connection
            started.set()
            with store.transaction(second):
                store.set_meta(second, "other", "second")
            done.append("second")
            second.close()
        except BaseException as exc:  # shown below, not lost in the thread
            failed.append(exc)
            started.set()

    with store.transaction(first):
        store.set_meta(first, "writer", "first")
        thread = threading.Thread(target=other)
        thread.start()
        started.wait(30)
        thread.join(0.5)
        assert done == [] and failed == []  # queued behind the first writer
    thread.join(60)
    assert failed == [] and done == ["second"]
    first.close()
    conn = store.connect(location, readonly=True)
    meta = store.meta(conn)
    conn.close()
    assert (meta["writer"], meta["other"]) == ("first", "second")


def test_what_the_servers_share(location, tmp_path):
    server.write_job(location, "abc123", {"status": "running", "done": 2})
    assert server.read_job(location, "abc123")["done"] == 2
    server.job_result_path(location, "abc123").write_bytes(b"%PDF-1.4 atlas")
    server.put_job_result(location, "abc123")
    if store.is_url(location):  # another server: nothing local yet, the PDF comes from the database
        server.job_result_path(location, "abc123").unlink()
    assert server.fetch_job_result(location, "abc123").read_bytes() == b"%PDF-1.4 atlas"
    path = server.upload_path(location, "tok" * 8, "bang.csv")
    path.parent.mkdir(parents=True)
    path.write_text("a,b\n1,2\n")
    server.save_upload(location, "tok" * 8, {"name": "bang.csv", "user_id": 7}, path)
    if store.is_url(location):
        path.unlink()
    loaded, meta = server.load_upload(location, "tok" * 8)
    assert loaded.read_text() == "a,b\n1,2\n" and meta["user_id"] == 7
    version = store.data_version(location)
    server.put_page(location, version, ("/", "vi"), b"<!doctype html>x", b"gz", ("sha256-a",))
    assert server.get_page(location, version, ("/", "vi")) == (b"<!doctype html>x", b"gz", ("sha256-a",))
    assert server.get_page(location, version, ("/country", "vi")) is None


def test_vector_tiles_carry_the_units_and_the_pages_colours(location):
    """A tile of Bình Lư's neighbourhood: ``ST_AsMVT`` on PostGIS, our encoder on the GeoPackage; each
    unit of the page with its value, status and fill, and no unit that is not on the page."""
    import mapbox_vector_tile

    from geodata import vector_tiles

    conn = store.connect(location, readonly=True)
    z, x, y = 9, 403, 223
    page = {"03390": {"value": 319000.0, "status": "in_progress", "fill": "#c7e9c0", "dash": None},
            "03394": {"value": None, "status": "no_data", "fill": "#d9d9d9", "dash": 1}}
    if store.is_url(location):
        from geodata.store import postgis

        body = postgis.tile(conn.raw, "commune", z, x, y, properties=page)
    else:
        frame = store.units_frame(conn, level="commune", screen=True)
        index = vector_tiles.Index.of(list(frame["code"]), list(frame["full_name"]), list(frame.geometry))
        body = vector_tiles.encode(index, z, x, y, page, only=page.keys())
    conn.close()
    features = {f["properties"]["code"]: f["properties"] for f in mapbox_vector_tile.decode(body)["units"]["features"]}
    assert set(features) == {"03390", "03394"}
    assert features["03390"]["fill"] == "#c7e9c0" and features["03390"]["value"] == 319000
    assert features["03390"]["status"] == "in_progress" and features["03390"]["name"] == "Xã Bình Lư"
    assert features["03394"]["dash"] == 1 and "value" not in features["03394"]


def test_sample_figures_are_the_same_on_both(location):
    """What the GeoPackage holds, the PostGIS copy holds: a hash of every figure."""
    digest = hashlib.sha256(repr(_figures(location)).encode()).hexdigest()
    expected = hashlib.sha256(repr(_figures(str(Path(__file__).parent.parent / "data/sample/sample.gpkg")))
                              .encode()).hexdigest()
    assert digest == expected
