"""Report drafts: sentences that say the stored numbers, the documents' table, sources, figures to
check, Vietnamese document layout, and a DOCX that LibreOffice opens."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from geodata import progress, report, report_docx, report_text
from webmap.__main__ import main


def test_binh_lu_report_says_every_stored_number_and_flags_the_tourist_figure(conn):
    draft = report.build(conn, "03390", "2025H1")
    lines = [line for s in draft.sections for line in s.lines]
    assert len(lines) > 100
    for line in lines:  # each number in the text is the stored one, written the Vietnamese way
        e = progress.evaluate(conn, "03390", line.code, "2025H1")
        assert line.value == e["actual"]["value"]
        assert report.number(line.value) in line.sentence, line.sentence
        if line.pct_plan is not None:
            assert report.number(e["pct_of_plan"]) in line.sentence
    tourists = next(line for line in lines if line.code == "tourist_arrivals")
    assert tourists.sentence == ("Tổng lượt khách du lịch đạt 319.000 lượt, bằng 80,58 % kế hoạch năm "
                                 "(395.900 lượt), đang thực hiện.")
    assert any("Tổng lượt khách du lịch" in c and "55 %" in c and "80,6 %" in c for c in draft.checks)
    titles = [s.title for s in draft.sections]
    assert titles[:6] == ["Kinh tế", "Văn hoá - xã hội", "Giảm nghèo", "Hạ tầng", "Tái định cư", "Du lịch"]
    assert all(line.source_index for line in lines if line.code == "tourist_arrivals")
    assert draft.sources[tourists.source_index - 1].startswith("Báo cáo 6 tháng đầu năm 2025 của UBND xã Bình Lư")


def test_a_unit_without_figures_says_so_per_section(conn):
    draft = report.build(conn, "03388", "2025H1")
    assert all(not s.lines for s in draft.sections)
    text = report_text.markdown(draft)
    assert text.count("Kỳ này kho chưa có số liệu nào của đơn vị cho lĩnh vực này.") == len(draft.sections)
    assert "đạt" not in text.split("## 1.")[1].split("\n")[2]  # no empty sentence


def test_docx_is_a_vietnamese_administrative_document(conn):
    import docx

    data = report_docx.docx(report.build(conn, "03390", "2025H1"))
    doc = docx.Document(io.BytesIO(data))
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 3.0 and round(section.top_margin.cm, 1) == 2.0
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 13
    head = doc.tables[0].rows[0].cells
    assert "ỦY BAN NHÂN DÂN XÃ BÌNH LƯ" in head[0].text and "Số: …/BC-UBND" in head[0].text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head[1].text and "Độc lập - Tự do - Hạnh phúc" in head[1].text
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Bình Lư, ngày … tháng … năm …" in text and "6 tháng đầu năm 2025" in text
    tables = doc.tables[1:]
    assert [c.text for c in tables[0].rows[0].cells] == ["STT", "Chỉ tiêu", "ĐVT", "Kế hoạch", "Thực hiện", "% KH",
                                                        "Ghi chú"]
    assert "PAGE" in section.header._element.xml  # page numbers


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_cli_writes_docx_pdf_and_markdown_and_libreoffice_opens_it(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBMAP_DB", str(db_path))
    out = tmp_path / "bao_cao.pdf"
    assert main(["report", "--unit", "03390", "--period", "2025H1", "--format", "pdf", "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Tổng lượt khách du lịch đạt 319.000 lượt" in flat and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA" in flat
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info
    assert "Hình 1. Bản đồ" in flat  # the unit's print figure, captioned
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) > 2
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
    assert "/reports/03390.docx?period=2025H1" in html
    resp = client.get("/reports/03390.docx?period=2025H1")
    assert resp.status_code == 200 and "bao_cao_03390_2025H1.docx" in resp.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.data)).paragraphs)
    assert "Tổng lượt khách du lịch đạt 319.000 lượt" in text
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


def test_a_value_and_a_target_read_as_not_achieved_with_the_gap(conn):
    draft = report.build(conn, "12", "2025")
    poverty = next(line for s in draft.sections for line in s.lines if line.code == "poor_household_rate")
    assert poverty.sentence == ("Tỷ lệ hộ nghèo đa chiều: 17,24 %; so với mục tiêu tối đa 10 % năm 2030: chưa đạt, "
                                "còn cách 7,24 điểm phần trăm.")
    assert poverty.status == "not_achieved"


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
    lines = {line.code: line for s in report.build(conn, "03390", "2025H1").sections for line in s.lines}
    assert "tăng 10 % so với cùng kỳ năm trước" in lines["tourist_arrivals"].sentence  # 319,000 on 290,000
    assert "tăng 2,5 điểm phần trăm so với cùng kỳ năm trước" in lines["hygienic_water_pop_pct"].sentence


def test_a_province_draft_sums_its_communes_and_says_how_many_reported(conn):
    draft = report.build(conn, "12", "2025H1")
    tourists = next(line for s in draft.sections for line in s.lines if line.code == "tourist_arrivals")
    assert tourists.value == 319000
    assert tourists.sentence.endswith("(tổng hợp từ 1/38 đơn vị cấp dưới có số liệu).")
    ranking = next(r for r in draft.rankings if r.code == "tourist_arrivals")
    assert (ranking.reported, ranking.total) == (1, 38) and ranking.rows[0]["name"] == "Xã Bình Lư"
    assert ranking.rows[0]["rank"] == 1 and all(r["status_words"] for r in ranking.rows)
