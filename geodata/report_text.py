"""A report draft as Markdown: the same sections, sentences, tables and sources as the DOCX."""

from __future__ import annotations

from geodata.report import Report, number
from geodata.report_wording import TEXT


def markdown(report: Report) -> str:
    t = TEXT[report.lang]
    unit = report.unit
    out = [f"**{t['issuer'].format(unit=unit['full_name'].upper())}**  ", t["number"], "",
           f"**{t['motto'][0]}**  ", f"*{t['motto'][1]}*", "",
           t["date"].format(place=unit["name"]), "", f"# {t['title']}", "",
           f"**{t['subtitle'].format(period=report.period_words)}**", "",
           f"> {t['draft'].format(made=report.made)}", ""]
    for n, section in enumerate(report.sections, start=1):
        out += [f"## {n}. {section.title}", ""]
        if not section.lines:
            out += [t["no_figures"], ""]
            continue
        for line in section.lines:
            ref = f" [{line.source_index}]" if line.source_index else ""
            out.append(f"- {line.sentence}{ref}")
        out += ["", "| " + " | ".join(t["table_head"]) + " |", "|" + "---|" * len(t["table_head"])]
        for i, line in enumerate(section.lines, start=1):
            pct = f"{number(line.pct_plan, report.lang)}" if line.pct_plan is not None else t["no_plan"]
            note = f"[{line.source_index}]" if line.source_index else ""
            out.append(f"| {i} | {line.name} | {line.unit} | {number(line.plan, report.lang)} | "
                       f"{number(line.value, report.lang)} | {pct} | {note} |")
        out.append("")
    if report.rankings:
        out += [f"## {t['ranking_title']}", ""]
        for r in report.rankings:
            out += [t["ranking"].format(name=r.name, unit=r.unit or "–", reported=r.reported, total=r.total), "",
                    "| " + " | ".join(t["ranking_head"]) + " |", "|" + "---|" * len(t["ranking_head"])]
            for row in r.rows:
                pct = number(row["pct"], report.lang) if row["pct"] is not None else "–"
                out.append(f"| {row['rank'] or '–'} | {row['name']} | {number(row['value'], report.lang)} | "
                           f"{row['target_text']} | {pct} | {row['status_words']} |")
            out.append("")
    if report.checks:
        out += [f"## {t['check_title']}", ""] + [f"- {c}" for c in report.checks] + [""]
    if report.sources:
        out += [f"## {t['sources_title']}", ""] + [f"{i}. {s}" for i, s in enumerate(report.sources, start=1)]
    return "\n".join(out) + "\n"
