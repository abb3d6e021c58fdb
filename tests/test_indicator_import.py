"""Importing indicator tables: encodings, spellings, layouts, pre-2025 conversion, and a corpus of bad files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import openpyxl
import pytest

from geodata import boundaries_import, imports, indicator_import, store, textfiles
from geodata.indicator_import import Options
from geodata.store import journal
from tests.legacy_encode import encode_tcvn3, encode_vni
from webmap.__main__ import main

CORPUS = Path(__file__).parent / "corpus"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _obs(conn, code="03390", indicator=None, vintage="2025"):
    sql = "SELECT * FROM observations WHERE unit_code=? AND unit_vintage=? AND dataset_id LIKE 'import-%'"
    params = [code, vintage]
    if indicator:
        sql += " AND indicator_code=?"
        params.append(indicator)
    return [dict(r) for r in conn.execute(sql, params)]


def test_legacy_encodings_decode_known_text():
    # Anchors written by other people's tools, not by our encoder.
    assert textfiles.decode_tcvn3("B¶o Th¾ng".encode("latin-1")) == "Bảo Thắng"
    assert textfiles.decode_tcvn3("B¸t X¸t".encode("latin-1")) == "Bát Xát"
    assert textfiles.decode_vni("Tieáng Vieät".encode("cp1252")) == "Tiếng Việt"
    assert textfiles.decode_vni("Thò traán Tam Ñöôøng".encode("cp1252")) == "Thị trấn Tam Đường"


@pytest.mark.parametrize("name", ["utf8", "utf8_bom", "utf16", "cp1258", "tcvn3", "vni"])
def test_every_encoding_in_the_corpus_lands_on_binh_lu(db_path, name):
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, CORPUS / "encodings" / f"{name}.csv", Options())
    assert result.encoding.replace("-sig", "").replace("-le", "") in (
        name.replace("utf8_bom", "utf-8").replace("utf8", "utf-8").replace("utf16", "utf-16"),
    )
    rows = {o["indicator_code"]: o["value"] for o in _obs(conn)}
    assert rows == {"households": 4210.0, "poor_households": 390.0}


def test_spellings_join_with_their_rule_and_suggestions_are_not_applied(db_path, tmp_path):
    spellings = ["Bình Lư", "Binh Lu", "BìnhLư", "xã Bình Lư", "Bình Lu"]
    indicators = ["households", "poor_households", "population", "grain_output_t", "tourist_arrivals"]
    lines = ["Tên xã,Năm,Chỉ tiêu,Giá trị"] + [
        f"{s},2026,{i},{n}" for n, (s, i) in enumerate(zip(spellings, indicators, strict=True), start=1)
    ]
    utf8 = tmp_path / "spellings.csv"
    utf8.write_text("\n".join(lines) + "\n", encoding="utf-8")
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, utf8, Options(), report=tmp_path / "report.csv")
    rules = {m.written: (m.code, m.status, m.rule) for m in result.matches}
    assert all(code == "03390" for code, _, _ in rules.values())
    assert rules["Bình Lư"][1:] == ("matched", "exact")
    assert rules["BìnhLư"][2] == "spacing/prefix" and rules["Binh Lu"][2] == "accentless"
    assert "accentless" in (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    tcvn = tmp_path / "tcvn3.csv"
    tcvn.write_bytes(encode_tcvn3("Tên xã,Năm,Chỉ tiêu,Giá trị\nBình Lư,2027,households,4300\n"))
    assert indicator_import.import_indicators(conn, tcvn, Options()).encoding == "tcvn3"
    assert len(_obs(conn, indicator="households")) == 2
    vni = tmp_path / "vni.csv"
    vni.write_bytes(encode_vni("Tên xã,Năm,Chỉ tiêu,Giá trị\nxã Bình Lư,2028,households,4400\n"))
    assert indicator_import.import_indicators(conn, vni, Options()).encoding == "vni"
    luc = tmp_path / "luc.csv"
    luc.write_text("Tên xã,Năm,Chỉ tiêu,Giá trị\nBình Lục,2026,near_poor_households,10\n", encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as err:
        indicator_import.import_indicators(conn, luc, Options())
    assert "suggestion: Xã Bình Lư (03390" in err.value.lines("en")[0]
    assert _obs(conn, indicator="near_poor_households") == []
    accepted = indicator_import.import_indicators(conn, luc, Options(accept_suggestions=True))
    assert accepted.matches[0].status == "suggested" and len(_obs(conn, indicator="near_poor_households")) == 1


def test_pre2025_units_convert_to_one_binh_lu_row(db_path, tmp_path):
    f = tmp_path / "old.csv"
    f.write_text(
        "Tên xã,Năm,Chỉ tiêu,Giá trị\n"
        "Thị trấn Tam Đường,2024,households,1650\nThị trấn Tam Đường,2024,poor_households,25\n"
        "Xã Bình Lư,2024,households,1480\nXã Bình Lư,2024,poor_households,180\n"
        "Xã Sơn Bình,2024,households,1100\nXã Sơn Bình,2024,poor_households,190\n",
        encoding="utf-8",
    )
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, f, Options(vintage="pre2025"))
    assert {m.vintage for m in result.matches} == {"pre2025"}
    (rate,) = _obs(conn, indicator="poor_household_rate")
    assert rate["value"] == pytest.approx((25 + 180 + 190) / (1650 + 1480 + 1100) * 100)
    assert rate["period"] == "2024" and "quy đổi" in rate["note"]
    (total,) = _obs(conn, indicator="households")
    assert total["value"] == 4230
    old = _obs(conn, code="03412", vintage="pre2025")  # the old Xã Bình Lư keeps its own records
    assert {o["indicator_code"] for o in old} == {"households", "poor_households"}
    assert all(f"#{o['id']}" in rate["note"] for o in old)


def test_wide_layout_with_period_in_header_and_vietnamese_numbers(db_path, tmp_path):
    f = tmp_path / "wide.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bảng 1"
    ws.append(["Mã xã", "Tên xã", "Tỷ lệ hộ nghèo đa chiều 2025H1", "Tổng sản lượng lương thực 2025"])
    ws.append(["03390", "Xã Bình Lư", "59,55%", "3.902,9"])
    wb.save(f)
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, f, Options(sheet="Bảng 1"))
    assert result.layout == "wide" and result.matches[0].rule == "code"
    got = {(o["indicator_code"], o["period"]): o["value"] for o in _obs(conn)}
    assert got == {("poor_household_rate", "2025H1"): 59.55, ("grain_output_t", "2025"): 3902.9}
    # Each figure keeps the sheet's own words (its period taken out), which a report draft prints.
    assert {o["indicator_code"]: o["label"] for o in _obs(conn)} == {
        "poor_household_rate": "Tỷ lệ hộ nghèo đa chiều", "grain_output_t": "Tổng sản lượng lương thực"}
    assert journal.undo(conn, result.import_id)["removed"] == 2
    assert _obs(conn) == []


def _run_bad(db_path: Path, path: Path, tmp_path: Path) -> list[str]:
    conn = store.connect(db_path)
    try:
        if path.name.startswith("b"):
            opts = boundaries_import.Options(level="commune", max_bytes=250 * 2**20)
            if "wrong_layer" in path.name:
                opts.layer = "nope"
            if "crs_conflict" in path.name:
                opts.crs = "vn2000:103"
            with pytest.raises(imports.ImportRefused) as err:
                boundaries_import.import_boundaries(conn, path, opts)
        else:
            opts = Options(max_bytes=150 * 2**20)
            if "wrong_sheet" in path.name:
                opts.sheet = "Sheet9"
            if "pre2025" in path.name:
                opts.vintage = "pre2025"
            with pytest.raises(imports.ImportRefused) as err:
                indicator_import.import_indicators(conn, path, opts)
    finally:
        conn.close()
    return err.value.lines("en") + err.value.lines("vi")


def test_the_bad_file_corpus(db_path, tmp_path):
    files = sorted((CORPUS / "bad").iterdir())
    big = tmp_path / "i34_over_the_size_cap.csv"
    with big.open("wb") as fh:  # 200 MB, sparse: over both caps without using the disk
        fh.truncate(200 * 2**20)
    files.append(big)
    assert len(files) >= 30
    before = _sha(db_path)
    messages = {}
    for path in files:
        lines = _run_bad(db_path, path, tmp_path)
        assert lines and all(str(path) in line for line in lines), path.name
        messages[path.name] = lines[0]
        assert _sha(db_path) == before, path.name
    assert len(set(messages.values())) == len(files)  # each its own message
    expect = {
        "b03_truncated.zip": "damaged or truncated",
        "b04_path_traversal.zip": "unsafe path",
        "b05_shapefile_without_dbf.zip": ".dbf is missing",
        "b06_mixed_geometry.geojson": "a polygon is needed",
        "b07_self_intersection.geojson": "self-intersecting",
        "b08_duplicate_codes.geojson": "duplicates feature 1",
        "b13_vn2000_without_prj.zip": "vn2000:103",
        "b16_crs_conflict.gpkg": "differs from --crs",
        "i19_indicator_suggestion_only.csv": "suggestion: Tỷ lệ hộ nghèo đa chiều (poor_household_rate)",
        "i20_wrong_sheet.xlsx": "no sheet 'Sheet9'",
        "i21_text_in_number.csv": "is not a number",
        "i22_duplicate_rows.csv": "different value",
        "i23_unknown_indicator.csv": "not in the catalogue",
        "i25_ambiguous_name.csv": "matches several units",
        "i32_pre2025_rate_without_parts.csv": "numerator and denominator",
        "i33_suggestion_only.csv": "suggestion",
        "i34_over_the_size_cap.csv": "over the 150 MB limit",
    }
    for name, words in expect.items():
        assert words in messages[name], (name, messages[name])


def test_cli_indicator_import(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    assert (
        main(["import", "indicators", str(CORPUS / "encodings" / "vni.csv"), "--report", str(tmp_path / "r.csv")]) == 0
    )
    out = capsys.readouterr().out
    assert "vni" in out and "03390" in out
    assert main(["--lang", "en", "import", "indicators", str(CORPUS / "bad" / "i24_unknown_unit.csv")]) == 2
    err = capsys.readouterr().err
    assert "Xã Atlantis" in err and "unchanged" in err and "Traceback" not in err
    assert os.path.exists(tmp_path / "r.csv")


def test_a_cut_utf16_file_is_refused_with_its_reason(tmp_path, db_path):
    """Found by the workflow fuzzer: a byte-order mark, then an odd number of bytes."""
    from geodata import indicator_import, store
    from geodata.imports import ImportRefused

    path = tmp_path / "cut.csv"
    path.write_bytes(b"\xff\xfeT\x00\xean\x00")
    conn = store.connect(db_path)
    with pytest.raises(ImportRefused) as err:
        indicator_import.import_indicators(conn, path, indicator_import.Options())
    assert "không đọc được thành chữ (utf-16" in err.value.lines("vi")[0]
    conn.close()
