"""A report draft as a flat list of blocks (headings, paragraphs, tables …) in document order.

Why: the DOCX and the Markdown writers then differ only in how a block looks, never in what the
draft says or in which order; the review memo is made of the same blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geodata import periods
from geodata.report import Report, Target, number
from geodata.report_outline import TASK_AREAS
from geodata.report_wording import STATUS_WORDS, TEXT


@dataclass
class Block:
    kind: str  # frame, title, part, chapter, section, para, placeholder, item, table, closing, sign, annex, figure
    text: str = ""
    rows: list[tuple[str, ...]] = field(default_factory=list)
    head: tuple[str, ...] = ()
    level: int = 0


def _target_items(targets: list[Target], lang: str) -> list[Block]:
    t = TEXT[lang]
    out = []
    for n, tg in enumerate(targets, start=1):
        period = t["target_period"].format(period=periods.label(tg.period, lang)) if tg.period else ""
        note = TEXT[lang]["plan_inferred"] if tg.inferred else ""
        out.append(Block("item", t["target_item"].format(n=n, label=tg.label, target=tg.words, period=period,
                                                          note=note)))
    return out


def running(name: str) -> str:
    """"Xã Bình Lư" inside a sentence: "xã Bình Lư"."""
    return name[:1].lower() + name[1:] if name else name


def _where(report: Report) -> str:
    unit = running(report.unit["full_name"])
    if report.unit["level"] == "village" and report.issuer is not report.unit:
        unit = f"{unit}, {running(report.issuer['full_name'])}"
    province = running(report.province["full_name"]) if report.province else ""
    return f"{unit}, {province}" if province and province not in unit else unit


def blocks(report: Report) -> list[Block]:
    """The draft, top to bottom."""
    t = TEXT[report.lang]
    lang = report.lang
    year = int(report.period[:4])
    half = report.period.endswith("H1")
    of = t["of_unit"].format(unit=report.unit["full_name"]) if report.issuer is not report.unit else ""
    subject = t["subject_half" if half else "subject_year"].format(period=report.period_words, of=of, year=year,
                                                                    next=year + 1)
    out = [Block("frame", subject), Block("para", t["draft"].format(made=report.made_words), level=-1)]
    out.append(Block("part", f"{t['part_one']}\n{t['part_one_title'].format(period=report.period_words.upper())}"))
    for chapter in report.part_one:
        out.append(Block("chapter", f"{chapter.number}. {chapter.title.upper()}"))
        for sec in chapter.sections:
            if sec.title:
                out.append(Block("section", f"{sec.number}. {sec.title}"))
            for f in sec.figures:
                ref = f" [{f.source_index}]" if f.source_index else ""
                out.append(Block("para", f.sentence + ref))
            for text in sec.text:
                out.append(Block("para", text))
            if sec.placeholder:
                out.append(Block("placeholder", sec.placeholder))
    out.append(Block("part", f"{t['part_two']}\n{report.part_two_title}"))
    out.append(Block("chapter", f"I. {t['goal'].upper()}"))
    out.append(Block("placeholder", t["fill_in"].format(what=t["fill_goal"])))
    out.append(Block("chapter", f"II. {t['specific'].upper()}"))
    if report.part_two_targets_note:
        out.append(Block("para", report.part_two_targets_note))
    out += _target_items(report.part_two_targets, lang)
    out.append(Block("chapter", f"III. {t['tasks'].upper()}"))
    for n, (vi, en) in enumerate(TASK_AREAS, start=1):
        out.append(Block("section", f"{n}. {vi if lang == 'vi' else en}"))
        out.append(Block("placeholder", t["fill_in"].format(what=t["fill_tasks"])))
    if report.part_three_title:
        out.append(Block("part", f"{t['part_three']}\n{report.part_three_title}"))
        out.append(Block("chapter", f"I. {t['outlook'].upper()}"))
        out.append(Block("placeholder", t["fill_in"].format(what=t["fill_outlook"])))
        out.append(Block("chapter", f"II. {t['goal'].upper()}"))
        out.append(Block("placeholder", t["fill_in"].format(what=t["fill_goal"])))
        out.append(Block("chapter", f"III. {t['specific_next'].format(year=year + 1).upper()}"))
        if not report.part_three_targets:
            out.append(Block("para", t["no_targets"].format(year=year + 1)))
        out += _target_items(report.part_three_targets, lang)
    closing = t["closing_half" if half else "closing_year"].format(period=report.period_words, year=year,
                                                                   next=year + 1, where=_where(report))
    out.append(Block("closing", closing))
    recipients = t["recipients_province" if report.issuer["level"] == "province" else "recipients_commune"]
    out.append(Block("sign", t["recipients_title"], rows=[(r,) for r in recipients],
                     head=(*t["signature"], t["signer"])))
    out += annex_blocks(report)
    return out


def annex_blocks(report: Report) -> list[Block]:
    """The standard annex: every figure with its plan, every target and plan set, the ranking of
    the units below, the sources."""
    t = TEXT[report.lang]
    lang = report.lang
    i = 0 if lang == "vi" else 1
    year = report.period[:4]
    issuer = running(report.issuer["full_name"])
    out = [Block("annex", t["annex_title"], [(t["annex_subtitle"].format(year=report.made[:4], unit=issuer),)])]
    head = tuple(h.format(year=year, period=report.period_words) for h in t["annex_head"])
    out.append(Block("table", head=head, rows=[
        (str(r.number), r.label, r.unit, r.same_period, r.plan, r.actual, r.pct_plan, r.pct_same, r.note)
        for r in report.annex]))
    if report.targets:
        out.append(Block("section", t["targets_title"]))
        head = tuple(h.format(period=report.period_words) for h in t["targets_head"])
        out.append(Block("table", head=head, rows=[
            (str(n), tg.label, tg.unit, tg.words, periods.label(tg.period, lang) if tg.period else "–", tg.actual,
             STATUS_WORDS[tg.status][i] if tg.actual else "", f"[{tg.source_index}]" if tg.source_index else "")
            for n, tg in enumerate(report.targets, start=1)]))
    if report.rankings:
        out.append(Block("section", t["ranking_title"]))
        for r in report.rankings:
            direction = {"lower_is_better": t["ranking_lower"], "higher_is_better": ""}.get(r.direction or "",
                                                                                         t["ranking_context"])
            out.append(Block("para", t["ranking"].format(name=r.name, unit=r.unit or "–", reported=r.reported,
                                                         total=r.total, direction=direction)))
            out.append(Block("table", head=(*t["ranking_head"], t["targets_head"][-1]), rows=[
                (str(row["rank"] or "–"), row["name"], number(row["value"], lang), row["target_text"],
                 number(row["pct"], lang) if row["pct"] is not None else "–", row["status_words"],
                 f"[{row['source_index']}]" if row.get("source_index") else "")
                for row in r.rows]))
    out.append(Block("figure"))
    if report.sources:
        out.append(Block("section", t["sources_title"]))
        out += [Block("para", f"[{n}] {s}", level=-1) for n, s in enumerate(report.sources, start=1)]
    return out


def review_blocks(report: Report) -> list[Block]:
    """The review memo: what to check before signing, apart from the draft."""
    t = TEXT[report.lang]
    out = [Block("title", t["review_title"]),
           Block("para", t["review_subject"].format(period=report.period_words, unit=report.unit["full_name"])),
           Block("para", t["review_intro"], level=-1)]
    if not report.review:
        out.append(Block("para", t["review_none"]))
    for n, point in enumerate(report.review, start=1):
        out.append(Block("item", f"{n}. {point.vi if report.lang == 'vi' else point.en}"))
    return out
