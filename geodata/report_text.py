"""A report draft (or its review memo) as Markdown: the same blocks as the DOCX, in the same order."""

from __future__ import annotations

from geodata.report import Report
from geodata.report_blocks import Block, blocks, review_blocks
from geodata.report_wording import TEXT


def _render(report: Report, items: list[Block]) -> str:
    t = TEXT[report.lang]
    issuer = report.issuer
    out: list[str] = []
    for b in items:
        if b.kind == "frame":
            out += [f"**{t['draft_mark']}**", "",
                    f"**{t['issuer'][0]}**  ", f"**{t['issuer'][1].format(unit=issuer['full_name'].upper())}**  ",
                    t["number"], "", f"**{t['motto'][0]}**  ", f"**{t['motto'][1]}**", "",
                    f"*{t['date'].format(place=issuer['name'], year=report.made[:4])}*", "",
                    f"# {t['title']}", "", f"**{b.text}**", ""]
        elif b.kind == "title":
            out += [f"# {b.text}", ""]
        elif b.kind == "part":
            head, _, rest = b.text.partition("\n")
            out += [f"# {head}", "", f"**{rest}**", ""]
        elif b.kind == "chapter":
            out += [f"## {b.text}", ""]
        elif b.kind == "section":
            out += [f"### {b.text}", ""]
        elif b.kind == "placeholder":
            out += [f"*{b.text}*", ""]
        elif b.kind == "item":
            out.append(f"- {b.text}")
        elif b.kind in ("para", "closing"):
            if out and out[-1].startswith("- "):
                out.append("")
            out += [f"*{b.text}*" if b.level < 0 else b.text, ""]
        elif b.kind == "sign":
            out += ["", f"**{b.text}**", ""] + [f"- {r[0]}" for r in b.rows] + [
                "", f"**{b.head[0]}**  ", f"**{b.head[1]}**", "", b.head[2], ""]
        elif b.kind == "annex":
            out += ["---", "", f"# {b.text}", "", f"*{b.rows[0][0]}*", ""]
        elif b.kind == "table":
            if out and out[-1].startswith("- "):
                out.append("")
            out += ["| " + " | ".join(b.head) + " |", "|" + "---|" * len(b.head)]
            out += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in b.rows] + [""]
    return "\n".join(out).rstrip() + "\n"


def markdown(report: Report) -> str:
    return _render(report, blocks(report))


def review_markdown(report: Report) -> str:
    return _render(report, review_blocks(report))
