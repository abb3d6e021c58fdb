"""What an import will write is shown before it is written; rows that do not match can be left
out on request; a figure that covers part of a commune keeps saying so on maps and in exports."""

from __future__ import annotations

import csv
import io
import re

from geodata import indicator_import, store
from geodata.indicator_import import Options
from tests.test_workflow import CORPUS, login, token, wapp  # noqa: F401  (the fixture)
from webmap.__main__ import main


def test_the_preview_lists_every_value_with_the_one_it_stands_beside(wapp, db_path):  # noqa: F811
    conn = store.connect(db_path)
    conn.execute("INSERT INTO observations (unit_code, unit_vintage, indicator_code, period, kind, value, scope,"
                 " illustrative, source_doc, dataset_id) VALUES ('03390', '2025', 'poor_households', '2025H1',"
                 " 'actual', 1100, 'unit', 0, 'bao_cao.xlsx', 'plan-docs')")
    conn.commit()
    conn.close()
    client = wapp.test_client()
    login(client, "bien_tap_binhlu")
    with (CORPUS / "binh_lu_ho_ngheo.csv").open("rb") as fh:
        sent = client.post("/upload", data={"csrf_token": token(client, "/upload"), "kind": "indicators",
                                            "file": (fh, "binh_lu_ho_ngheo.csv")}, content_type="multipart/form-data")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    rows = re.findall(r'<tr data-code="([^"]+)" data-indicator="([^"]+)" data-period="([^"]*)">(.*?)</tr>', page, re.S)
    cells = {code: [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
             for code, _ind, _period, body in rows}
    assert {(c, i, p) for c, i, p, _ in rows} == {
        ("03390", "poor_households", "2025H1"), ("03390-B05", "poor_households", "2025H1"),
        ("03390-B04", "poor_households", "2025H1"), ("03390-B10", "poor_households", "2025H1")}
    row, unit, indicator, period, value, old = cells["03390"]
    assert (row, unit, indicator, period) == ("2", "Xã Bình Lư (03390)", "Số hộ nghèo", "6 tháng đầu năm 2025")
    assert value == "1.120 hộ" and old == "1.100 hộ"  # the value it replaces
    assert cells["03390-B05"][5] == "chưa có"
    assert "chỉ ghi khi nhận gợi ý" in cells["03390-B10"][1]  # Bản Tiên Bình: a suggestion


def test_skip_unmatched_imports_the_rest_and_names_what_was_left_out(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    path = tmp_path / "hai_xa.csv"
    path.write_text("Tên xã,Số hộ nghèo\nBình Lư,395\nXã Atlantis,10\n", encoding="utf-8")
    assert main(["import", "indicators", str(path), "--period", "2025"]) == 2  # refused whole by default
    assert "Atlantis" in capsys.readouterr().err
    assert main(["import", "indicators", str(path), "--period", "2025", "--skip-unmatched"]) == 0
    out = capsys.readouterr().out
    assert "Atlantis" in out and "bỏ qua 1 dòng" in out
    conn = store.connect(db_path, readonly=True)
    values = conn.execute("SELECT unit_code, value FROM observations WHERE source_doc='hai_xa.csv'").fetchall()
    assert [tuple(v) for v in values] == [("03390", 395.0)]


def test_a_partly_covered_figure_keeps_its_mark_on_the_map_and_in_exports(db_path, tmp_path):
    from webmap import create_app

    path = tmp_path / "cu.csv"
    path.write_text("Tên xã,Tổng số hộ\nXã Bản Bo,900\n", encoding="utf-8")
    conn = store.connect(db_path)
    result = indicator_import.import_indicators(conn, path, Options(vintage="pre2025", period="2024"))
    (code,), = conn.execute("SELECT unit_code FROM observations WHERE dataset_id=? AND unit_vintage='2025'",
                            (f"import-{result.import_id}",)).fetchall()
    conn.close()
    client = create_app({"WEBMAP_DB": str(db_path), "TESTING": True}).test_client()
    html = client.get("/map/indicator/households?unit=12&period=2024&colour=value").get_data(as_text=True)
    feature = re.search(r'"css": "unit unit-commune unit-' + code + r'[^"]*"[^}]*"style": \{([^}]*)\}', html)
    assert "partial-scope" in feature[0] and '"fillColor": "#d9d9d9"' in feature[1]  # not coloured as a whole
    text = client.get("/api/layers/units.csv?within=12&indicator=households&period=2024").data.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["code"] == code)
    assert row["households__value"] == "900.0" and row["households__coverage"].startswith("chỉ một phần đơn vị: thiếu")
