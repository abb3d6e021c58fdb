"""A report draft as DOCX (python-docx), laid out as Vietnamese administrative documents are.

Why these settings: Nghị định 30/2020/NĐ-CP sets A4 portrait, Times New Roman 13–14 pt, margins
top and bottom 2 cm, left 3 cm, right 1.5–2 cm, the page number centred at the top, the issuer and
"Số: …" on the left and the national motto on the right.  The office edits the draft in Word or
LibreOffice, so everything is real text and real tables (no images of text).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from geodata.report import Report, number
from geodata.report_wording import TEXT

FONT = "Times New Roman"  # LibreOffice draws it with Liberation Serif, metric-compatible


def _page_number(paragraph) -> None:
    """A PAGE field: Word and LibreOffice fill it in on every page."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _para(doc, text: str = "", *, bold: bool = False, italic: bool = False, size: float = 13,
          align=None, space_after: float = 6):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    return p


def _table(doc, head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, Pt(11)
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(11)


def docx(report: Report, maps: Sequence[tuple[bytes, str]] = ()) -> bytes:
    """The draft; ``maps`` are (PNG, caption) pairs drawn by the caller (the print figures), placed
    after the sections as numbered figures "Hình 1. …" ("Figure 1. …" in English)."""
    t = TEXT[report.lang]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(header)
    doc.core_properties.title = f"{t['title']} {t['subtitle'].format(period=report.period_words)}"
    doc.core_properties.subject = report.unit["full_name"]
    doc.core_properties.author = "webmap"
    # Issuer and number on the left, the national motto on the right (a borderless table).
    head = doc.add_table(rows=1, cols=2)
    head.autofit = False
    left, right = head.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(10.0)
    issuer = t["issuer"].format(unit=report.unit["full_name"].upper())
    for cell, lines in ((left, [(issuer, True), (t["number"], False)]),
                        (right, [(t["motto"][0], True), (t["motto"][1], True)])):
        cell.paragraphs[0].text = ""
        for n, (text, bold) in enumerate(lines):
            p = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
            run = p.add_run(text)
            run.bold, run.font.size = bold, Pt(12)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, t["date"].format(place=report.unit["name"]), italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, t["title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, t["subtitle"].format(period=report.period_words), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, t["draft"].format(made=report.made), italic=True, size=11)
    for n, sec in enumerate(report.sections, start=1):
        doc.add_heading(f"{n}. {sec.title}", level=2)
        if not sec.lines:
            _para(doc, t["no_figures"], italic=True)
            continue
        for line in sec.lines:
            ref = f" [{line.source_index}]" if line.source_index else ""
            p = _para(doc, line.sentence + ref)
            p.paragraph_format.first_line_indent = Cm(1.0)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _table(doc, t["table_head"], [
            (str(i), line.name, line.unit, number(line.plan, report.lang), number(line.value, report.lang),
             number(line.pct_plan, report.lang) if line.pct_plan is not None else t["no_plan"],
             f"[{line.source_index}]" if line.source_index else "")
            for i, line in enumerate(sec.lines, start=1)])
        _para(doc, "", space_after=4)
    for n, (png, caption) in enumerate(maps, start=1):
        doc.add_picture(io.BytesIO(png), width=Cm(16.0))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _para(doc, f"{t['figure']} {n}. {caption}", italic=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER)
    if report.rankings:
        doc.add_heading(t["ranking_title"], level=2)
        for r in report.rankings:
            _para(doc, t["ranking"].format(name=r.name, unit=r.unit or "–", reported=r.reported, total=r.total),
                  bold=True)
            _table(doc, t["ranking_head"], [
                (str(row["rank"] or "–"), row["name"], number(row["value"], report.lang),
                 row["target_text"],
                 number(row["pct"], report.lang) if row["pct"] is not None else "–", row["status_words"])
                for row in r.rows])
            _para(doc, "", space_after=4)
    if report.checks:
        doc.add_heading(t["check_title"], level=2)
        for check in report.checks:
            _para(doc, f"– {check}")
    if report.sources:
        doc.add_heading(t["sources_title"], level=2)
        for i, src in enumerate(report.sources, start=1):
            _para(doc, f"[{i}] {src}", size=11, space_after=2)
    for style_name in ("Heading 2",):
        heading = doc.styles[style_name]
        heading.font.name, heading.font.size, heading.font.bold = FONT, Pt(13), True
        heading.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


class NoConverter(RuntimeError):
    """LibreOffice is not installed: PDF needs it."""


def to_pdf(data: bytes, timeout: float = 120.0) -> bytes:
    """The DOCX turned into PDF by LibreOffice (what the office would print)."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise NoConverter("Cần LibreOffice để xuất PDF (apt-get install libreoffice-writer-nogui); "
                          "hoặc dùng --format docx", "PDF needs LibreOffice (apt-get install "
                          "libreoffice-writer-nogui); or use --format docx")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bao_cao.docx"
        src.write_bytes(data)
        subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf",
                        "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=timeout)
        return (Path(tmp) / "bao_cao.pdf").read_bytes()
