"""Editing the catalogue by file: applied whole, or refused whole with reasons."""

from __future__ import annotations

import hashlib

import openpyxl
import pytest

from geodata import catalogue, catalogue_import, store
from webmap.__main__ import main

HEADER = "code,name_vi,name_en,theme,measure_unit,direction,aggregation_method,weight_indicator\n"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_aggregation_rules_are_read_from_the_reference_wording():
    assert catalogue.aggregation_rule("households-weighted mean (changes: recompute from levels)") == (
        "weighted_mean", "households")
    assert catalogue.aggregation_rule("land-area-weighted mean") == ("weighted_mean", "area_km2")
    assert catalogue.aggregation_rule("sum (beware double counting across communes)") == ("sum", None)
    assert catalogue.aggregation_rule("not aggregable (recompute from incomes)") == ("none", None)


def test_csv_adds_and_updates(db_path, tmp_path):
    f = tmp_path / "cat.csv"
    f.write_text("\ufeff" + HEADER
                 + "schools_online,Trường có internet,Schools online,education,schools,higher_is_better,sum,\n"
                 + "poor_household_rate,Tỷ lệ hộ nghèo,Poor-household rate,poverty,%,lower_is_better,"
                 + "weighted_mean,households\n", encoding="utf-8")
    conn = store.connect(db_path)
    assert catalogue_import.import_catalogue(conn, f) == {"added": 1, "updated": 1}
    assert store.indicator(conn, "schools_online")["aggregation_method"] == "sum"
    assert store.indicator(conn, "poor_household_rate")["name_vi"] == "Tỷ lệ hộ nghèo"


def test_xlsx_with_vietnamese_headers(db_path, tmp_path):
    f = tmp_path / "cat.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh mục"
    ws.append(["Mã chỉ tiêu", "Tên chỉ tiêu", "Tên tiếng Anh", "Lĩnh vực", "Đơn vị tính", "Cách tổng hợp"])
    ws.append(["schools_with_kitchen", "Trường có bếp ăn", "Schools with a kitchen", "education", "schools", "sum"])
    wb.save(f)
    conn = store.connect(db_path)
    assert catalogue_import.import_catalogue(conn, f, sheet="Danh mục") == {"added": 1, "updated": 0}
    with pytest.raises(catalogue_import.ImportRefused) as err:
        catalogue_import.import_catalogue(conn, f, sheet="Sheet9")
    assert "Sheet9" in err.value.problems[0].message_en


@pytest.mark.parametrize(("body", "row", "field", "words"), [
    ("x,,X,poverty,%,higher_is_better,sum,\n", 2, "name_vi", "empty cell"),
    ("x,X,X,poverty,%,sideways,sum,\n", 2, "direction", "not valid"),
    ("x,X,X,poverty,%,higher_is_better,average,\n", 2, "aggregation_method", "not valid"),
    ("x,X,X,poverty,%,higher_is_better,weighted_mean,\n", 2, "weight_indicator", "needs a weight"),
    ("x,X,X,poverty,%,higher_is_better,sum,\nx,Y,Y,poverty,%,higher_is_better,sum,\n", 3, "code", "duplicate"),
])
def test_bad_rows_refuse_the_whole_file_and_change_nothing(db_path, tmp_path, body, row, field, words):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "ok_code,Đúng,Fine,poverty,%,higher_is_better,sum,\n" + body, encoding="utf-8")
    before = _sha(db_path)
    conn = store.connect(db_path)
    with pytest.raises(catalogue_import.ImportRefused) as err:
        catalogue_import.import_catalogue(conn, f)
    conn.close()
    problem = next(p for p in err.value.problems if p.field == field)
    assert problem.row == row + 1 and words in problem.message_en and problem.message_vi
    assert _sha(db_path) == before
    assert f"dòng {row + 1}" in problem.text(str(f), "vi") and f"row {row + 1}" in problem.text(str(f), "en")


def test_cli_reports_in_both_languages_and_exits_2(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    f = tmp_path / "bad.csv"
    f.write_bytes(b"code,name_vi\n\xff\xfe broken")
    assert main(["catalogue", "import", str(f)]) == 2
    assert "không phải UTF-8" in capsys.readouterr().err
    assert main(["--lang", "en", "catalogue", "import", str(f)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "unchanged" in err and "Traceback" not in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["--lang", "en", "catalogue", "import", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err
