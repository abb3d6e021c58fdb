"""Sheets as commune offices send them: common headings, helper columns, title and two-row
headers, no year, a province to scope names, pre-2025 counts, every encoding, CSV and XLSX."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from geodata import imports, indicator_import, store
from geodata.indicator_import import Options
from tests.corpus.make_corpus import cp1258
from tests.legacy_encode import encode_tcvn3, encode_vni
from webmap.__main__ import main

LONG = ("STT,Tên xã,Năm,Chỉ tiêu,Đơn vị tính,Giá trị,Ghi chú\n"
        "1,Xã Bình Lư,2024,Tổng số hộ,hộ,4.230,\n"
        "2,Xã Bình Lư,2024,Số hộ nghèo,hộ,395,\n"
        "3,Xã Bình Lư,2024,Tỷ lệ hộ nghèo,%,\"9,34\",ước\n"
        "4,Phường Tân Phong,2024,Tỷ lệ hộ nghèo,%,\"1,5\",\n")
WIDE = ("STT,Xã/phường,Tổng số hộ,Số hộ nghèo,Tỷ lệ hộ nghèo (%),Ghi chú\n"
        "1,Bình Lư,4230,395,\"9,34\",\n"
        "2,Phường Tân Phong,5100,77,\"1,51\",\n"
        ",Tổng cộng,9330,472,,\n")
ENCODERS = {"utf-8": lambda t: t.encode("utf-8"), "cp1258": cp1258, "tcvn3": encode_tcvn3, "vni": encode_vni}


def _values(conn, import_id):
    rows = conn.execute(
        "SELECT o.unit_code, o.indicator_code, o.period, o.value FROM observations o JOIN import_changes c"
        " ON c.table_name='observations' AND c.row_key = '[' || o.id || ']' WHERE c.import_id=?", (import_id,))
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def _xlsx(path: Path, text: str) -> Path:
    wb = openpyxl.Workbook()
    for line in text.strip("\n").split("\n"):
        wb.active.append([c.strip('"') for c in _split(line)])
    wb.save(path)
    return path


def _split(line: str) -> list[str]:
    import csv

    return next(csv.reader([line]))


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_common_headings_import_without_options_in_every_encoding(db_path, tmp_path, encoding, layout):
    text = LONG if layout == "long" else WIDE.replace("Xã/phường,", "Xã/phường,Năm,").replace(
        "Bình Lư,", "Bình Lư,2024,").replace("Tân Phong,", "Tân Phong,2024,").replace("Tổng cộng,", "Tổng cộng,2024,")
    path = tmp_path / f"{layout}.csv"
    path.write_bytes(ENCODERS[encoding](text))
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options())
    assert result.encoding.startswith(encoding.split("-")[0].replace("utf", "utf"))
    got = _values(conn, result.import_id)
    assert got[("03390", "households", "2024")] == 4230
    assert got[("03390", "poor_households", "2024")] == 395
    assert got[("03390", "poor_household_rate", "2024")] == pytest.approx(9.34)
    assert got[("03408", "poor_household_rate", "2024")] == pytest.approx(1.5 if layout == "long" else 1.51)
    assert not any(code == "" for code, _, _ in got)
    tan_phong = next(m for m in result.matches if "Tân Phong" in m.written)
    assert tan_phong.code == "03408" and tan_phong.status in ("matched", "matched_by_rule")
    rules = {i.written: i.rule for i in result.indicator_matches}
    assert any("units in brackets" in r or r == "name" for r in rules.values())


def test_xlsx_with_title_row_two_row_header_and_numbering_row(db_path, tmp_path):
    path = tmp_path / "bieu.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["BIỂU TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2024"])
    ws.append(["STT", "Tên xã", "Kết quả rà soát", None, None, "Ghi chú"])
    ws.append([None, None, "Tổng số hộ dân cư", "Số hộ nghèo", "Tỷ lệ hộ nghèo (%)", None])
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"])
    ws.append([1, "Xã Bình Lư", 4230, 395, 9.34, None])
    ws.append([2, "Xã Bắc Yên", 3050, 610, 20.0, "số liệu sơ bộ"])
    ws.merge_cells("C2:E2")
    wb.save(path)
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options(), report=tmp_path / "r.csv")
    got = _values(conn, result.import_id)
    assert got == {
        ("03390", "households", "2024"): 4230, ("03390", "poor_households", "2024"): 395,
        ("03390", "poor_household_rate", "2024"): 9.34, ("03856", "households", "2024"): 3050,
        ("03856", "poor_households", "2024"): 610, ("03856", "poor_household_rate", "2024"): 20.0}
    report = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "title" in report and "two-row header" in report and "numbers the columns" in report


def test_a_sheet_without_a_year_needs_period_and_the_report_is_written_when_refused(db_path, tmp_path):
    path = _xlsx(tmp_path / "no_year.xlsx", WIDE)
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    conn = store.connect(db_path)
    with pytest.raises(imports.ImportRefused) as err:
        indicator_import.import_indicators(conn, path, Options(), report=tmp_path / "r.csv")
    lines = err.value.lines("en")
    assert len(lines) == 1 and "2 features/rows 2-3" in lines[0] and "--period 2024" in lines[0]
    assert "refused" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    conn.close()
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options(period="2024"))
    assert _values(conn, result.import_id)[("03390", "poor_households", "2024")] == 395
    assert result.counts["observations"] == 6  # the total row is not a unit


def test_options_map_headings_ignore_columns_and_scope_the_province(db_path, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Đơn vị,Năm,Hộ nghèo mới phát sinh,Cột lạ\nTân Phong,2024,12,x\n", encoding="utf-8")
    conn = store.connect(db_path)
    with pytest.raises(imports.ImportRefused) as err:
        indicator_import.import_indicators(conn, path, Options())
    text = "\n".join(err.value.lines("en"))
    assert "Hộ nghèo mới phát sinh" in text and "Cột lạ" in text and "Tân Phong" in text
    result = indicator_import.import_indicators(conn, path, Options(
        indicators={"Hộ nghèo mới phát sinh": "poor_households"}, ignore_columns=("Cột lạ",), province="Sơn La"))
    assert _values(conn, result.import_id) == {("03970", "poor_households", "2024"): 12}
    assert store.get_unit(conn, "03970")["full_name"] == "Xã Tân Phong"


def test_pre2025_counts_convert_and_partly_covered_units_are_flagged(db_path, tmp_path):
    path = tmp_path / "cu.csv"
    path.write_text("Huyện,Tên xã,Tổng số hộ,Số hộ nghèo\n"
                    "Tam Đường,Thị trấn Tam Đường,1650,25\nTam Đường,Xã Bình Lư,1480,180\n"
                    "Tam Đường,Xã Sơn Bình,1100,190\nTam Đường,Xã Bản Bo,900,120\n", encoding="utf-8")
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options(vintage="pre2025", period="2024"))
    obs = {(r["unit_code"], r["indicator_code"]): dict(r) for r in conn.execute(
        "SELECT * FROM observations WHERE dataset_id=? AND unit_vintage='2025'", (f"import-{result.import_id}",))}
    rate = obs[("03390", "poor_household_rate")]
    assert rate["value"] == pytest.approx((25 + 180 + 190) / (1650 + 1480 + 1100) * 100) and rate["scope"] == "unit"
    partial = [o for o in obs.values() if o["scope"].startswith("partial:")]
    assert partial and all("CHỈ MỘT PHẦN" in o["note"] for o in partial)
    assert result.counts["partial"] == len(partial)
    assert any("partial" in n for n in result.notes)


def test_cli_takes_the_new_options_and_writes_the_report_on_refusal(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    path = tmp_path / "x.csv"
    path.write_text("Tên xã,Số hộ nghèo\nBình Lư,395\n", encoding="utf-8")
    assert main(["import", "indicators", str(path), "--report", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "--period" in err and "Traceback" not in err and (tmp_path / "r.csv").exists()
    assert main(["import", "indicators", str(path), "--period", "2025H1", "--province", "12"]) == 0
    assert "03390" in capsys.readouterr().out
    assert main(["import", "indicators", str(path), "--indicator", "nope"]) == 2


def test_catalogue_import_adds_aliases_and_refuses_one_that_names_two_indicators(db_path, tmp_path):
    from geodata import catalogue_import

    path = tmp_path / "cat.csv"
    path.write_text("code,name_vi,name_en,theme,Tên gọi khác\n"
                    "poor_household_rate,Tỷ lệ hộ nghèo đa chiều,Poor household rate,poverty,Tỷ lệ nghèo đói; TLHN\n",
                    encoding="utf-8")
    conn = store.connect(db_path)
    catalogue_import.import_catalogue(conn, path)
    sheet = tmp_path / "s.csv"
    sheet.write_text("Tên xã,Năm,TLHN\nBình Lư,2024,\"9,9\"\n", encoding="utf-8")
    result = indicator_import.import_indicators(conn, sheet, Options())
    assert _values(conn, result.import_id) == {("03390", "poor_household_rate", "2024"): 9.9}
    clash = tmp_path / "clash.csv"
    clash.write_text("code,name_vi,name_en,theme,aliases\nhouseholds,Số hộ,Households,poverty,TLHN\n",
                     encoding="utf-8")
    with pytest.raises(catalogue_import.ImportRefused) as err:
        catalogue_import.import_catalogue(conn, clash)
    assert "already names indicator poor_household_rate" in err.value.problems[0].message_en


def test_a_partly_covered_unit_is_labelled_on_its_page_and_left_off_the_map(db_path, tmp_path):
    from webmap import create_app

    path = tmp_path / "cu.csv"
    path.write_text("Tên xã,Tổng số hộ\nXã Bản Bo,900\n", encoding="utf-8")
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options(vintage="pre2025", period="2024"))
    (code, scope), = conn.execute("SELECT unit_code, scope FROM observations WHERE dataset_id=? AND"
                                  " unit_vintage='2025'", (f"import-{result.import_id}",)).fetchall()
    assert scope.startswith("partial:") and "Xã" in scope
    conn.close()
    client = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client()
    page = client.get(f"/unit/{code}").get_data(as_text=True)
    assert "chỉ một phần đơn vị" in page and "thiếu số liệu của" in page
    assert "part of the unit only" in client.get(f"/unit/{code}?lang=en").get_data(as_text=True)
    from geodata import thematic

    conn = store.connect(db_path, readonly=True)
    frame = thematic.indicator_layer(conn, level="commune", parent=store.get_unit(conn, code)["parent_code"],
                                     indicator="households", period="2024")
    assert frame.set_index("code").loc[code, "value"] is None  # never drawn as the whole commune's value


def test_a_pre2025_sheet_is_recognised_without_vintage_and_reused_codes_are_checked_by_name(db_path, tmp_path):
    path = tmp_path / "cu_khong_ghi.csv"  # "Xã Bình Lư" here is the old commune 03412, not the new 03390
    path.write_text("Tên xã,Năm,Tổng số hộ,Số hộ nghèo\nThị trấn Tam Đường,2024,1650,25\n"
                    "Xã Bình Lư,2024,1480,180\nXã Sơn Bình,2024,1100,190\n", encoding="utf-8")
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options())
    assert {m.code for m in result.matches} == {"03390", "03412", "03413"} and {
        m.vintage for m in result.matches} == {"pre2025"}
    assert any("pre-2025 units" in n for n in result.notes)
    rate = _values(conn, result.import_id)[("03390", "poor_household_rate", "2024")]
    assert rate == pytest.approx(395 / 4230 * 100)
    clash = tmp_path / "ma_sai.csv"  # 03390 with the old town's name: the row is about the old town
    clash.write_text("Mã xã,Tên xã,Năm,Tổng số hộ\n03390,Thị trấn Tam Đường,2023,1600\n", encoding="utf-8")
    got = indicator_import.import_indicators(conn, clash, Options())
    assert (got.matches[0].code, got.matches[0].vintage) == ("03390", "pre2025")
    wrong = tmp_path / "ma_ten_khac.csv"
    wrong.write_text("Mã xã,Tên xã,Năm,Tổng số hộ\n03390,Xã Bắc Yên,2023,1600\n", encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as err:
        indicator_import.import_indicators(conn, wrong, Options())
    assert "that code is Xã Bình Lư (03390, 2025), Thị trấn Tam Đường (03390, pre2025)" in err.value.lines("en")[0]


def test_numbers_are_read_as_the_sheet_shows_them_and_implausible_ones_refused(db_path, tmp_path):
    path = tmp_path / "phan_tram.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tên xã", "Năm", "Tỷ lệ hộ nghèo", "Tổng số hộ"])
    ws.append(["Xã Bình Lư", 2024, 0.0934, 4230])
    ws["C2"].number_format = "0.00%"  # Excel holds 0.0934 and shows 9,34 %
    wb.save(path)
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options())
    assert _values(conn, result.import_id)[("03390", "poor_household_rate", "2024")] == pytest.approx(9.34)
    bad = tmp_path / "sai.csv"
    bad.write_text('Tên xã,Năm,Tổng số hộ,Tỷ lệ hộ nghèo\nXã Bình Lư,2024,"4,230",934\n', encoding="utf-8")
    with pytest.raises(imports.ImportRefused) as err:
        indicator_import.import_indicators(conn, bad, Options())
    text = "\n".join(err.value.lines("en"))
    assert "'4,230' is not a count (households)" in text and "'934' is not a percentage (0-100)" in text
