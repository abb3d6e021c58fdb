"""Hostile files: generated and mutated sheets and boundary files either import or are refused
with a message; never another exception, and a refused file leaves the store byte-identical."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata import boundaries_import, imports, indicator_import, store
from tests.conftest import SAMPLE

HEADINGS = ["Tên xã", "Mã xã", "Năm", "Chỉ tiêu", "Giá trị", "Tổng số hộ", "Số hộ nghèo", "Tỷ lệ hộ nghèo (%)",
            "STT", "Ghi chú", "Đơn vị tính", "Tỉnh", "Huyện", "", "Kỳ", "Loại"]
CELLS = ["Xã Bình Lư", "Bình Lư", "03390", "Phường Tân Phong", "Thị trấn Tam Đường", "2024", "2025H1", "2025Q5",
         "Tổng cộng", "4.230", "4,230", "9,34%", "-1", "1e9", "abc", "", "=HYPERLINK(\"x\")", "Lai Châu", "\x00",
         "Tỷ lệ hộ nghèo", "households", "kế hoạch", "ước", "２０２４", "Tam Đường", "(1)", "9" * 40]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz_files")
    db = d / "webmap.gpkg"
    shutil.copyfile(SAMPLE, db)
    return d, db


def _check(db, call) -> None:
    before = _sha(db)
    conn = store.connect(db)
    try:
        call(conn)
    except imports.ImportRefused as exc:
        assert exc.lines("vi") and exc.lines("en")
        conn.close()
        assert _sha(db) == before  # refused: nothing changed
        return
    finally:
        conn.close()
    shutil.copyfile(SAMPLE, db)  # an accepted file: start the next example from the sample again


GRIDS = st.lists(st.lists(st.one_of(st.sampled_from(CELLS), st.sampled_from(HEADINGS), st.text(max_size=12)),
                          min_size=1, max_size=7), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(header=st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=7), rows=GRIDS,
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1258", "latin-1"]), sep=st.sampled_from([",", ";", "\t"]),
       xlsx=st.booleans())
def test_generated_sheets_import_or_are_refused_cleanly(work, header, rows, encoding, sep, xlsx):
    d, db = work
    if xlsx:
        path = d / "sheet.xlsx"
        book = openpyxl.Workbook()
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        for row in [header, *rows]:  # what Excel itself can hold
            book.active.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
        book.save(path)
    else:
        path = d / "sheet.csv"
        text = "\n".join(sep.join(row) for row in [header, *rows])
        path.write_bytes(text.encode(encoding, errors="replace"))
    _check(db, lambda conn: indicator_import.import_indicators(conn, path, indicator_import.Options(),
                                                               report=d / "report.csv"))
    assert (d / "report.csv").exists()


GEOMETRIES = st.one_of(
    st.just({"type": "Polygon", "coordinates": [[[103.6, 22.3], [103.7, 22.3], [103.7, 22.4], [103.6, 22.3]]]}),
    st.just({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
    st.just({"type": "Point", "coordinates": [103.6, 22.3]}),
    st.just(None),
    st.builds(lambda x, y: {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y]]]},
              st.floats(-1e7, 1e7, allow_nan=False), st.floats(-1e7, 1e7, allow_nan=False)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(features=st.lists(st.fixed_dictionaries({
    "geometry": GEOMETRIES,
    "properties": st.fixed_dictionaries({}, optional={
        "code": st.sampled_from(["03390", "03408", "99001", "", "03390"]),
        "full_name": st.sampled_from(["Xã Bình Lư", "Xã Mới", "", "Tân Phong"]),
        "parent_code": st.sampled_from(["12", "14", "99"])})}), min_size=0, max_size=4),
       level=st.sampled_from(["commune", "village", "province"]),
       crs=st.sampled_from([None, "vn2000:103", "EPSG:4326"]),
       truncate=st.integers(0, 5))
def test_generated_boundary_files_import_or_are_refused_cleanly(work, features, level, crs, truncate):
    d, db = work
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", **f} for f in features]}
    raw = json.dumps(doc).encode()
    if truncate:  # a file cut short in transfer
        raw = raw[: max(1, len(raw) * truncate // 6)]
    path = d / "units.geojson"
    path.write_bytes(raw)
    _check(db, lambda conn: boundaries_import.import_boundaries(
        conn, path, boundaries_import.Options(level=level, crs=crs)))


def test_an_archive_is_measured_before_it_is_inflated(work, monkeypatch):
    import zipfile

    d, _db = work
    bomb = d / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\x00" * (20 * 2**20))  # 20 MB in about 20 KB
    inflated = []
    monkeypatch.setattr(zipfile.ZipFile, "testzip", lambda self: inflated.append(1))  # the full read
    with pytest.raises(imports.ImportRefused) as refused:
        boundaries_import.read_file(bomb, boundaries_import.Options(level="commune"))
    assert inflated == []  # refused from the archive's directory, before any member was read
    (line,) = refused.value.lines("vi", shown_as="bomb.zip")
    assert line.startswith("bomb.zip: 'a.shp' trong tệp nén nở ra") and "(tối đa 100)" in line
    monkeypatch.setattr(boundaries_import, "MAX_UNCOMPRESSED", 10 * 2**20)
    big = d / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.shp", b"\x01" * (11 * 2**20))
    with pytest.raises(imports.ImportRefused) as refused:
        boundaries_import.read_file(big, boundaries_import.Options(level="commune"))
    assert "giải nén ra 11 MB, quá giới hạn 10 MB" in refused.value.lines("vi")[0]


def _refused_boundaries(db, path, level: str) -> list[str]:
    """Import ``path`` as boundaries of ``level``: it must be refused and the store left byte for
    byte as it was; returns the Vietnamese lines of the refusal."""
    before = _sha(db)
    conn = store.connect(db)
    try:
        with pytest.raises(imports.ImportRefused) as refused:
            boundaries_import.import_boundaries(conn, path, boundaries_import.Options(level=level))
    finally:
        conn.close()
    assert _sha(db) == before
    return refused.value.lines("vi")


def test_a_feature_of_too_many_vertices_is_refused_naming_it(work):
    import geopandas as gpd
    import numpy as np
    import shapely

    d, db = work
    n = boundaries_import.MAX_VERTICES + 10
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack([103.4 + 0.05 * np.cos(angle), 22.3 + 0.05 * np.sin(angle)])
    frame = gpd.GeoDataFrame({"code": ["03390", "03394"], "name": ["Xã Bình Lư", "Xã Bản Bo"]},
                             geometry=[shapely.box(103.0, 22.0, 103.1, 22.1), shapely.Polygon(ring)], crs=4326)
    path = d / "dense.gpkg"
    frame.to_file(path, driver="GPKG")
    (line,) = _refused_boundaries(db, path, "commune")
    assert "đối tượng/dòng 2" in line and f"{n + 1:,}".replace(",", ".") in line and "250.000" in line


def test_a_refusal_names_the_users_file_never_the_servers_path(tmp_path):
    folder = tmp_path / "uploads" / "a1b2c3"
    folder.mkdir(parents=True)
    path = folder / "xa.zip"
    exc = imports.ImportRefused(str(path), [imports.problem(
        f"GDAL không đọc được tệp: /vsizip/{path}/a.shp: not recognized", "GDAL cannot read the file")])
    (line,) = exc.lines("vi", shown_as="xa.zip")
    assert line == "xa.zip: GDAL không đọc được tệp: xa.zip/a.shp: not recognized"
    assert str(tmp_path) not in line


def test_a_zip_bomb_like_and_a_binary_file_are_refused(work):
    d, db = work
    import zipfile

    bomb = d / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\x00" * (20 * 2**20))
    _check(db, lambda conn: boundaries_import.import_boundaries(conn, bomb, boundaries_import.Options(level="commune")))
    noise = d / "noise.xlsx"
    noise.write_bytes(io.BytesIO(bytes(range(256)) * 100).getvalue())
    _check(db, lambda conn: indicator_import.import_indicators(conn, noise, indicator_import.Options()))


def test_a_village_file_naming_a_commune_code_is_refused_not_a_crash(work):
    """Found by the generator above: a village with code 03390 (Bình Lư's commune code) reached the
    store's unique key and raised IntegrityError."""
    d, db = work
    path = d / "village_03390.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "code": "03390"}, "geometry": {"type": "Polygon", "coordinates": [[[103.6, 22.3], [103.7, 22.3],
                                                                         [103.7, 22.4], [103.6, 22.3]]]}}]}))
    lines = _refused_boundaries(db, path, "village")
    assert any("đã là mã của một đơn vị cấp commune" in line for line in lines)
