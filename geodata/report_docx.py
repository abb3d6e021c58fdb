"""A report draft as DOCX (python-docx), laid out as Vietnamese administrative documents are.

Why these settings: Nghị định 30/2020/NĐ-CP sets A4 portrait, Times New Roman 13–14 pt, margins
top and bottom 2 cm, left 3 cm, right 1.5–2 cm, the page number centred at the top from page 2,
the issuer and "Số: …" on the left and the national motto on the right, each with a short rule
under it, the subject ruled under too; the annex may be landscape.  The office edits the draft in Word or
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
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from geodata.report import Report
from geodata.report_blocks import Block, blocks, review_blocks
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


def _fonts_everywhere(doc) -> None:
    """Times New Roman in every style and the document defaults, theme fonts removed: otherwise
    headings and tables fall back to the template's theme fonts and LibreOffice embeds another
    font in the PDF."""
    styles = doc.styles.element
    for rfonts in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), FONT)
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None and rpr.find(qn("w:rFonts")) is None:
        el = OxmlElement("w:rFonts")
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            el.set(qn(attr), FONT)
        rpr.insert(0, el)
    for style in doc.styles:
        font = getattr(style, "font", None)
        if font is not None:
            font.name = FONT
            if style.name.startswith("Heading") or style.name == "Title":
                font.color.rgb = RGBColor(0, 0, 0)


def _rule(container, indent_cm: float) -> None:
    """The short line Nghị định 30 draws under the motto, the issuer and the subject: an empty
    2 pt paragraph indented on both sides, its bottom border the line."""
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.right_indent = Cm(indent_cm)
    run = paragraph.add_run("")
    run.font.size = Pt(2)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)


def _fixed(table, widths: Sequence[float]) -> None:
    """Column widths Word and LibreOffice both keep: fixed layout, table width, grid and cells."""
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(Cm(sum(widths)) / 635)))
    for gc, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        gc.set(qn("w:w"), str(int(Cm(w) / 635)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Cm(w)


def _para(doc_or_cell, text: str = "", *, bold: bool = False, italic: bool = False, size: float = 14,
          align=None, space_after: float = 6, indent: bool = False):
    p = doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.0)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


def _widths(head: tuple[str, ...], rows: list[tuple[str, ...]], total_cm: float) -> list[float]:
    """Column widths fitted to their content: the longest word sets a floor, the text length
    shares out the rest, so names do not wrap word by word."""
    cols = len(head)
    longest = [max([len(w) for c in [head[i], *(r[i] for r in rows)] for w in str(c).split()] or [1])
               for i in range(cols)]
    floor = [min(max(n * 0.22 + 0.4, 1.1), 4.0) for n in longest]
    length = [max([len(str(r[i])) for r in rows] + [len(head[i]) // 2, 1]) for i in range(cols)]
    spare = max(total_cm - sum(floor), 0.0)
    weight = [min(n, 60) for n in length]
    share = [spare * w / sum(weight) for w in weight]
    widths = [f + s for f, s in zip(floor, share, strict=True)]
    scale = total_cm / sum(widths)
    return [w * scale for w in widths]


def _table(doc, head: tuple[str, ...], rows: list[tuple[str, ...]], total_cm: float, size: float = 11) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _widths(head, rows, total_cm)
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, Pt(size)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(size)
    _fixed(table, widths)


def _frame(doc, report: Report, subject: str) -> None:
    """Issuer and number left, motto right, place and date, title and subject: Nghị định 30."""
    t = TEXT[report.lang]
    mark = _para(doc, t["draft_mark"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=2)
    mark.runs[0].font.all_caps = True
    head = doc.add_table(rows=1, cols=2)
    head.autofit = False
    _fixed(head, (6.0, 10.0))
    left, right = head.rows[0].cells
    issuer = report.issuer["full_name"].upper()
    for cell, lines in ((left, [(t["issuer"][0], False, 13), (t["issuer"][1].format(unit=issuer), True, 13)]),
                        (right, [(t["motto"][0], True, 12.5), (t["motto"][1], True, 13.5)])):
        cell.paragraphs[0].text = ""
        for n, (text, bold, size) in enumerate(lines):
            p = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
            run = p.add_run(text)
            run.bold, run.font.size = bold, Pt(size)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(0)
        _rule(cell, 1.7 if cell is left else 2.3)
    _para(left, t["number"], size=13, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(right, t["date"].format(place=report.issuer["name"], year=report.made[:4]), italic=True, size=14,
          align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, "", space_after=6)
    _para(doc, t["title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, subject, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _rule(doc, 5.5)
    _para(doc, "", space_after=6)


def _signature(doc, b: Block) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _fixed(table, (7.0, 9.0))
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    run = p.add_run(b.text)
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for (line,) in b.rows:
        _para(left, f"- {line}", size=11, space_after=0)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for n, text in enumerate(b.head[:2]):
        run = p.add_run(text)
        run.bold, run.font.size = True, Pt(14)
        if n == 0:
            run.add_break()
    for _ in range(3):
        _para(right, "", space_after=6)
    _para(right, b.head[2], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)


def _landscape(doc) -> float:
    """A landscape A4 section for the annex; returns its text width in cm."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(1.5)
    section.different_first_page_header_footer = False
    return 29.7 - 2.0 - 1.5


def _render(report: Report, items: list[Block], maps: Sequence[tuple[bytes, str]]) -> bytes:
    t = TEXT[report.lang]
    doc = Document()
    _fonts_everywhere(doc)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.paragraph_format.space_after = Pt(6)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    section.different_first_page_header_footer = True  # no number on page 1
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(header)
    doc.core_properties.title = items[0].text if items else t["title"]
    doc.core_properties.subject = report.unit["full_name"]
    doc.core_properties.author = "webmap"
    width = 16.0
    for b in items:
        if b.kind == "frame":
            _frame(doc, report, b.text)
        elif b.kind == "title":
            _para(doc, b.text, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif b.kind == "part":
            head, _, rest = b.text.partition("\n")
            _para(doc, head, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
            _para(doc, rest, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
        elif b.kind in ("chapter", "section"):
            _para(doc, b.text, bold=True, size=14, space_after=6, indent=True)
        elif b.kind == "placeholder":
            _para(doc, b.text, italic=True, indent=True)
        elif b.kind == "item":
            _para(doc, b.text, indent=True, space_after=3)
        elif b.kind == "para":
            _para(doc, b.text, italic=b.level < 0, size=12 if b.level < 0 else 14, indent=True)
        elif b.kind == "closing":
            _para(doc, b.text, indent=True, space_after=12)
        elif b.kind == "sign":
            _signature(doc, b)
        elif b.kind == "annex":
            width = _landscape(doc)
            _para(doc, b.text, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
            _para(doc, b.rows[0][0], italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif b.kind == "table":
            _table(doc, b.head, b.rows, width)
            _para(doc, "", space_after=4)
        elif b.kind == "figure":
            for n, (png, caption) in enumerate(maps, start=1):
                doc.add_picture(io.BytesIO(png), height=Cm(14.0))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _para(doc, f"{t['figure']} {n}. {caption}", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx(report: Report, maps: Sequence[tuple[bytes, str]] = ()) -> bytes:
    """The draft; ``maps`` are (PNG, caption) pairs drawn by the caller (the print figures), placed
    in the annex as numbered figures "Hình 1. …" ("Figure 1. …" in English)."""
    return _render(report, blocks(report), maps)


def review_docx(report: Report) -> bytes:
    """The review memo, apart from the draft."""
    return _render(report, review_blocks(report), ())


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
