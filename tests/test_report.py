"""Report drafts: sentences that say the stored numbers, the documents' table, sources, figures to
check, Vietnamese document layout, and a DOCX that LibreOffice opens."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from docx.oxml.ns import qn

from geodata import report, report_docx, report_text
from webmap.__main__ import main


def _draft_text(draft) -> str:
    return report_text.markdown(draft)


def test_binh_lu_draft_holds_every_stored_figure_of_the_seed_report_with_its_source_words(conn):
    """The 2025H1 draft against the seed report (002): every figure the store holds for Bình Lư
    and the period (and the quarter inside it, the year's baselines and plans, the undated plan) is
    in the body, labelled as its source labels it; "đạt" never follows a figure below its plan."""
    draft = report.build(conn, "03390", "2025H1")
    text = _draft_text(draft)
    rows = conn.execute(
        "SELECT id, indicator_code, period, kind, value, label FROM observations WHERE unit_code='03390'"
        " AND unit_vintage='2025' AND value IS NOT NULL AND (period IN ('2025H1', '2025Q1')"
        " OR (kind IN ('baseline', 'plan') AND period='2025') OR (kind='plan' AND period IS NULL))").fetchall()
    body = {f.observation_id: f for f in draft.figures}
    plans_used = {f.plan for f in draft.figures if f.plan is not None}
    assert len(rows) > 150
    for obs_id, code, period, kind, value, label in rows:
        shown = body.get(obs_id)
        if shown is None:  # a plan is said in the sentence of the actual it is the plan of
            assert kind == "plan" and value in plans_used, (code, period, kind, value)
            continue
        assert report.number(value) in shown.sentence, shown.sentence
        if label is None:  # a boundary file's population has no words of its own: the catalogue's
            assert shown.label == conn.execute("SELECT name_vi FROM indicators WHERE code=?", (code,)).fetchone()[0]
            continue
        assert shown.label == label and shown.sentence.startswith(label[0].upper() + label[1:]), \
            (label, shown.sentence)
    for f in draft.figures:  # "đạt" before the figure ("đạt 1.742,1/2.050 ha"), never a verdict after it
        if f.plan is not None and f.value is not None and f.value < f.plan:
            after = f.sentence.split(report.number(f.value), 1)[1]
            assert "đạt" not in after, f.sentence
    lines = {f.code: f.sentence for f in draft.figures}
    assert lines["grain_sown_area_ha"].startswith("Tổng diện tích gieo trồng cây lương thực đạt 1.742,1/2.050 ha, "
                                                  "bằng 84,98 % KH năm")
    assert "thấp hơn 9,3 điểm phần trăm so với KH năm (91,9 %)" in lines["health_insurance_pct"]
    assert lines["budget_expenditure_mvnd"] == ("Tổng chi ngân sách: 15.210,6/32.351,29 triệu đồng, bằng 47,02 % KH "
                                                "năm.")
    assert "Tổng thu ngân sách nhà nước đạt 19.224,92" in text and "(khu trung tâm xã) đạt 98 %" in text
    assert "Doanh thu du lịch tăng so với cùng kỳ 2024: 63,6 %" in text
    assert "209 hộ (quý I/2025)" in text and "36 hộ (kế hoạch, văn bản chưa nêu năm thực hiện)" in text
    assert "Diện tích tự nhiên: 173,91 km²" in text and "(KH suy ra từ «đạt 100 %» của báo cáo)" in text
    # the seed's skeleton, in its order
    order = ["# Phần I", "## I. TÌNH HÌNH CHUNG", "### 1. Thuận lợi", "## II. PHÁT TRIỂN KINH TẾ",
             "### 1.1. Trồng trọt",
             "### 3. Thương mại - dịch vụ, du lịch", "## III. VĂN HOÁ - XÃ HỘI", "### 7. Quốc phòng - an ninh",
             "## IV. ĐÁNH GIÁ CHUNG", "### 1. Kết quả đạt được", "### 2. Tồn tại, hạn chế", "### 3. Nguyên nhân",
             "# Phần II", "## II. MỤC TIÊU CỤ THỂ", "## III. NHIỆM VỤ, GIẢI PHÁP CỤ THỂ", "# Phần III",
             "## III. DỰ KIẾN CÁC CHỈ TIÊU NĂM 2026", "Trên đây là Báo cáo", "**Nơi nhận:**",
             "**TM. ỦY BAN NHÂN DÂN**", "# BIỂU TỔNG HỢP CHỈ TIÊU"]
    at = [text.find(h) for h in order]
    assert -1 not in at and at == sorted(at), dict(zip(order, at, strict=True))
    assert "tourism" not in text and "Kinh tế\n" not in text
    # Phần II lists the 27 targets of 2025, Phần III the 27 proposed for 2026
    assert len(draft.part_two_targets) == 27 and len(draft.part_three_targets) == 27
    assert "(5) Tổng lượt khách du lịch 395.900 lượt (2025)." in text
    assert "giảm bình quân 0,8 điểm %/năm" in text  # "Mức giảm tỷ lệ hộ nghèo 0,8%"
    # the assessment: placeholders, pre-filled from the store
    assert "[Cán bộ soạn thảo bổ sung: tồn tại, hạn chế]" in text
    behind = next(s for c in draft.part_one for s in c.sections if s.key == "shortcomings").text[0]
    assert "Tổng sản lượng lương thực (39,3 % KH năm)" in behind
    # the checks are in the memo, not in the body
    assert "kế hoạch ngầm định" not in text and "Báo cáo ghi đạt 55 %" in report_text.review_markdown(draft)


def test_the_review_memo_lists_the_figures_that_do_not_add_up(conn):
    memo = report_text.review_markdown(report.build(conn, "03390", "2025H1"))
    assert "# PHIẾU RÀ SOÁT SỐ LIỆU" in memo
    for said in ("Sản lượng cá nước lạnh 98,5 tấn lớn hơn tổng Sản lượng thủy sản thu hoạch 6 tháng 94,5 tấn",
                 "Tổng sản lượng lương thực 3.902,9 tấn khác tổng các phần 1.496 + 2.404,3 = 3.900,3 tấn",
                 "26 công trình khác tổng các phần 14 + 10 = 24 công trình",
                 "Tổng số trường học 8 trường khác tổng các phần 3 + 3 + 3 = 9 trường",
                 "Dịch vụ du lịch 221,9 triệu đồng và Doanh thu từ du lịch 6 tháng 221,87 tỷ đồng",
                 "Quy mô dân số có hai giá trị cho 2025: 18.072", "Báo cáo ghi đạt 81,3 % kế hoạch"):
        assert said in memo, said
    assert "546,5" not in memo  # 278,9 + 45,7 + 221,9 is 546,4 within the rounding of its parts


def test_annex_lists_every_stored_target_of_units_without_actuals(conn):
    for code, n in (("03856", 37), ("03439", 10), ("12", 34)):
        draft = report.build(conn, code, "2025")
        stored = conn.execute("SELECT COUNT(*) FROM observations WHERE unit_code=? AND unit_vintage='2025' AND "
                              "kind IN ('target','plan')", (code,)).fetchone()[0]
        in_plan_column = sum(1 for r in draft.annex if r.plan)
        assert stored == n and len(draft.targets) + in_plan_column == n, code
    text = report_text.markdown(report.build(conn, "03856", "2025"))
    assert "| Năm, giai đoạn |" in text and "giai đoạn 2026–2030" in text


def test_a_province_draft_never_writes_a_sum_of_some_communes_as_its_total(conn):
    draft = report.build(conn, "12", "2025H1")
    tourists = next(f for f in draft.figures if f.code == "tourist_arrivals")
    assert tourists.sentence == ("Tổng lượt khách du lịch: 1/38 xã báo cáo, cộng 319.000 lượt; chưa phải số liệu "
                                 "toàn tỉnh.")
    assert draft.sources[tourists.source_index - 1].startswith("Tổng hợp từ số liệu của 1/38 xã: Xã Bình Lư")
    assert any(p.kind == "partial_sum" for p in draft.review)
    ranking = next(r for r in draft.rankings if r.code == "tourist_arrivals")
    assert (ranking.reported, ranking.total) == (1, 38) and ranking.rows[0]["name"] == "Xã Bình Lư"
    assert ranking.rows[0]["source_index"]  # a ranked figure has its source
    poverty = next(f for f in report.build(conn, "12", "2025").figures if f.code == "poor_household_rate")
    assert poverty.status == "not_comparable" and "chuẩn nghèo 2021–2025" in poverty.sentence
    assert "chuẩn nghèo 2026–2030, không so sánh trực tiếp" in poverty.sentence
    density = report._ranking(report._Context(conn, {"code": "12"}, "2025", None, "vi", {
        r["code"]: dict(r) for r in conn.execute("SELECT * FROM indicators")}), "population_density")
    assert all(r["rank"] is None for r in density.rows)  # a descriptive figure is not ranked


def test_a_village_draft_is_headed_by_its_commune_and_an_empty_period_names_the_others(conn):
    village = conn.execute("SELECT code, full_name FROM units WHERE level='village' AND parent_code='03390'"
                           " ORDER BY code LIMIT 1").fetchone()
    draft = report.build(conn, village[0], report.report_periods(conn, village[0])[0])
    text = report_text.markdown(draft)
    assert "**XÃ BÌNH LƯ**" in text and "BẢN" not in text.split("# BÁO CÁO")[0]
    assert f"của {village[1]}" in text
    with pytest.raises(report.NoFigures) as err:
        report.build(conn, "03390", "2099")
    assert err.value.args[2] == ["2025", "2025H1"] and "2025H1" in err.value.args[0]


def test_docx_is_laid_out_as_nghi_dinh_30(conn):
    import docx

    data = report_docx.docx(report.build(conn, "03390", "2025H1"))
    doc = docx.Document(io.BytesIO(data))
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 3.0 and round(section.top_margin.cm, 1) == 2.0
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    assert section.different_first_page_header_footer and "PAGE" in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml  # no number on page 1
    head = doc.tables[0].rows[0].cells
    assert "ỦY BAN NHÂN DÂN\nXÃ BÌNH LƯ" in head[0].text and "/BC-UBND" in head[0].text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in head[1].text
    assert head[1].paragraphs[1].runs[0].font.size.pt == 13.5  # the motto, 13–14 pt
    assert all("w:bottom" in cell.paragraphs[2]._p.xml for cell in head)  # the rule under issuer and motto
    assert doc.paragraphs[0].text == "DỰ THẢO"
    styles = doc.styles.element.xml
    assert "Theme" not in "".join(el.xml for el in doc.styles.element.iter(qn("w:rFonts")))
    assert styles.count("Times New Roman") > 10
    annex = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT" and len(t.columns) == 9)
    widths = [c.width.cm for c in annex.rows[0].cells]
    assert widths[1] > 2.5 * widths[0]  # names get room, numbers little
    assert doc.sections[-1].orientation == 1  # the annex is landscape
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_cli_writes_docx_pdf_and_markdown_and_libreoffice_opens_it(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    out = tmp_path / "bao_cao.pdf"
    assert main(["report", "--unit", "03390", "--period", "2025H1", "--format", "pdf", "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Lượng khách du lịch 6 tháng đạt 319.000/395.900 lượt" in flat and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA" in flat
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info
    assert "Hình 1. Bản đồ" in flat  # the unit's print figure, captioned
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) > 2
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    names = [ln.split()[0].split("+")[-1] for ln in fonts.splitlines()[2:]]
    assert names and all(n.startswith(("LiberationSerif", "TimesNewRoman")) for n in names), names
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout
    second = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(out), "-"], capture_output=True, text=True,
                            check=True).stdout
    assert not re.search(r"^\s*1\s*$", first, re.M) and re.search(r"^\s*2\s*$", second, re.M)
    assert "DỰ THẢO" in first and "Nơi nhận:" in flat and "TM. ỦY BAN NHÂN DÂN" in flat and "CHỦ TỊCH" in flat
    assert "BIỂU TỔNG HỢP CHỈ TIÊU" in flat
    memo = tmp_path / "ra_soat.md"
    assert main(["report", "--unit", "03390", "--period", "2025H1", "--review", "--format", "md",
                 "-o", str(memo)]) == 0
    assert "khác tổng các phần 14 + 10 = 24" in memo.read_text(encoding="utf-8")
    md = tmp_path / "report.md"
    assert main(["report", "--unit", "03390", "--period", "2025H1", "--format", "md", "-o", str(md),
                 "--lang", "en"]) == 0
    english = md.read_text(encoding="utf-8")
    assert "Total tourist arrivals" in english or "tourist" in english.lower()
    assert main(["report", "--unit", "99999", "--period", "2025H1", "-o", str(tmp_path / "x.docx")]) == 2
    assert not (tmp_path / "x.docx").exists()


def test_the_unit_page_links_its_report_drafts_and_they_download(client):
    import docx

    html = client.get("/unit/03390").get_data(as_text=True)
    assert "/reports/03390.docx?period=2025H1" in html and "/reports/03390.docx?period=2025\"" in html
    assert "/reports/03856.docx?period=2025" in client.get("/unit/03856").get_data(as_text=True)
    resp = client.get("/reports/03390.docx?period=2025H1")
    assert resp.status_code == 200 and "bao_cao_03390_2025H1.docx" in resp.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.data)).paragraphs)
    assert "Lượng khách du lịch 6 tháng đạt 319.000/395.900 lượt" in text
    province = client.get("/reports/12.md?period=2025&indicator=poor_household_rate").get_data(as_text=True)
    rows = [ln for ln in province.splitlines() if ln.startswith("| ") and ("Xã " in ln or "Phường " in ln)]
    assert len(rows) == 38 and all(ln.rstrip(" |").split("|")[-1].strip() for ln in rows)  # a status for each
    assert len(docx.Document(io.BytesIO(resp.data)).inline_shapes) == 1  # the unit's map
    assert client.get("/reports/03390.xyz?period=2025H1").status_code == 400
    pdf = client.get("/reports/03390.pdf?period=2025H1")
    assert pdf.status_code == (200 if shutil.which("soffice") else 503)
    assert pdf.status_code != 200 or pdf.data.startswith(b"%PDF")
    assert client.get("/reports/03390.docx").status_code == 400
    assert client.get("/reports/99999.docx?period=2025H1").status_code == 400
    missing = client.get("/reports/03390.docx?period=2099")
    assert missing.status_code == 404 and missing.get_json()["error"]["periods"] == ["2025", "2025H1"]
    memo = client.get("/reports/03390.md?period=2025H1&review=1")
    assert memo.status_code == 200 and "ra_soat_03390_2025H1.md" in memo.headers["Content-Disposition"]
    assert "PHIẾU RÀ SOÁT SỐ LIỆU" in memo.get_data(as_text=True)


def test_change_on_the_same_period_last_year_in_percent_and_in_points(db_path):
    import sqlite3

    from geodata import store

    with sqlite3.connect(db_path) as c:
        for code, value in (("tourist_arrivals", 290000.0), ("hygienic_water_pop_pct", 97.5)):
            row = c.execute("SELECT * FROM observations WHERE unit_code='03390' AND indicator_code=? AND "
                            "period='2025H1' AND kind='actual'", (code,)).fetchone()
            cols = [d[0] for d in c.execute("SELECT * FROM observations LIMIT 0").description]
            values = dict(zip(cols, row, strict=True))
            values.update(id=None, period="2024H1", value=value)
            c.execute(f"INSERT INTO observations ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                      [values[k] for k in cols])
    conn = store.connect(db_path, readonly=True)
    lines = {f.code: f for f in report.build(conn, "03390", "2025H1").figures}
    assert "tăng 10 % so với cùng kỳ năm trước" in lines["tourist_arrivals"].sentence  # 319,000 on 290,000
    assert "tăng 2,5 điểm phần trăm so với cùng kỳ năm trước" in lines["hygienic_water_pop_pct"].sentence
