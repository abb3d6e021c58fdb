"""A draft report for one unit and period: per section of the seed reports, a sentence per indicator
built from the stored figure and its evaluation, a table in the documents' own form, the figures
that do not add up, and every number's source.

Why the numbers come from ``progress.evaluate``: the report then says what the map, the popup and
the export say; a sentence never computes a figure of its own beyond the change it reports.
Templates are in ``geodata.report_wording``; writers in ``report_docx`` and ``report_text``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from geodata import periods, progress, sources, store
from geodata.measure_units import UNIT_LABELS_VI
from geodata.numbers import written
from geodata.report_wording import SECTION_TITLES, STATUS_WORDS, TEXT, THEME_SECTION

RATE_UNITS = {"%"}


class ReportError(LookupError):
    """The unit or period of a report request does not exist."""


@dataclass
class Line:
    """One indicator of the report: the numbers, the sentence and the table row."""

    code: str
    name: str
    unit: str
    value: float | None
    plan: float | None
    pct_plan: float | None
    status: str
    sentence: str
    source_index: int | None
    illustrative: bool
    checks: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line]


@dataclass
class Ranking:
    """The units below, ranked on one indicator: what a province report lists for each commune."""

    code: str
    name: str
    unit: str
    reported: int
    total: int
    rows: list[dict[str, Any]]


@dataclass
class Report:
    unit: dict[str, Any]
    period: str
    period_words: str
    lang: str
    sections: list[Section]
    sources: list[str]
    checks: list[str]
    made: str
    rankings: list[Ranking] = field(default_factory=list)


# A province report ranks its communes on these unless told which (the themes' headline indicators).
DEFAULT_RANKED = ("poor_household_rate", "hardened_commune_roads_pct", "grid_electricity_pct", "clean_water_pop_pct",
                  "tourist_arrivals", "resettlement_households")
_RANK_ORDER = ("achieved", "on_track", "in_progress", "not_achieved", "at_risk", "off_track", "deteriorating",
               "needs_baseline", "no_target", "no_data")


def _ranking(conn: sqlite3.Connection, unit: dict[str, Any], indicator: str, period: str, lang: str) -> Ranking | None:
    entry = store.indicator(conn, indicator)
    if entry is None:
        return None
    children = [dict(r) for r in conn.execute(
        "SELECT code, full_name FROM units WHERE parent_code=? AND vintage='2025' ORDER BY code", (unit["code"],))]
    rows = []
    for child in children:
        e = progress.evaluate(conn, child["code"], indicator, period)
        actual = e.get("actual") or {}
        idx = e.get("headline_target")
        target = (e["evaluations"][idx].get("target") or {}) if idx is not None else {}
        pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
        target_text = _with_unit(target.get("value"), _unit_words(target.get("measure_unit"), lang), lang)
        rows.append({"code": child["code"], "name": child["full_name"], "value": actual.get("value"),
                     "target": target.get("value"), "target_text": target_text, "pct": pct,
                     "status": _status_key(e), "status_words": STATUS_WORDS[_status_key(e)][0 if lang == "vi" else 1]})
    higher = entry.get("direction") != "lower_is_better"
    def order(r: dict[str, Any]) -> tuple:
        status = r["status"] if r["status"] != "exceeded" else "achieved"
        value = r["pct"] if r["pct"] is not None else r["value"]
        return (r["value"] is None, _RANK_ORDER.index(status), -(value or 0) if higher else (value or 0))
    rows.sort(key=order)
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank if r["value"] is not None else None
    name = entry["name_vi"] if lang == "vi" else entry["name_en"]
    return Ranking(code=indicator, name=name, unit=_unit_words(entry.get("measure_unit"), lang),
                   reported=sum(1 for r in rows if r["value"] is not None), total=len(rows), rows=rows)


def number(value: float | None, lang: str = "vi") -> str:
    """``319000`` -> ``319.000``, ``80.58`` -> ``80,58`` (English ``319,000``, ``80.58``)."""
    return written(value, lang)


def _unit_words(unit: str | None, lang: str) -> str:
    if not unit:
        return ""
    return UNIT_LABELS_VI.get(unit, unit) if lang == "vi" else unit


def _with_unit(value: float | None, unit: str, lang: str) -> str:
    text = number(value, lang)
    if not unit or value is None:
        return text
    return f"{text} {unit}"


def _same_period_last_year(series: list[dict[str, Any]], period: str) -> dict[str, Any] | None:
    p = periods.parse(period)
    if p is None or p.is_range:
        return None
    earlier = f"{p.start - 1}{p.part or ''}"
    return next((o for o in series if o["period"] == earlier), None)


def _change(e: dict[str, Any], unit: str | None, lang: str) -> str:
    """Against the same period last year (the reports' "so với cùng kỳ"), else an earlier year."""
    t = TEXT[lang]
    actual = e.get("actual") or {}
    if actual.get("value") is None:
        return ""
    before = _same_period_last_year(e.get("series") or [], e["period"])
    against = t["same_period"]
    if before is None:
        p = periods.parse(e["period"])
        earlier = [o for o in e.get("series") or [] if periods.parse(o["period"]) and not periods.parse(
            o["period"]).is_partial and p is not None and periods.parse(o["period"]).year < p.year]
        if not earlier or (p is not None and p.is_partial):
            return ""
        before = earlier[-1]
        against = t["baseline"].format(year=before["period"])
    now, then = float(actual["value"]), float(before["value"])
    if (unit or "") in RATE_UNITS:
        amount, template = abs(now - then), "change_pp"
    elif then:
        amount, template = abs(now - then) / abs(then) * 100, "change_pct"
    else:
        return ""
    direction = t["same"] if round(amount, 2) == 0 else (t["up"] if now > then else t["down"])
    if direction == t["same"]:
        return f"{direction} {'so với' if lang == 'vi' else 'on'} {against}"
    return t[template].format(direction=direction, amount=number(amount, lang), against=against)


def _status_key(e: dict[str, Any]) -> str:
    status = e["status"]
    pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
    if status == "achieved" and pct is not None and pct > 100.5:
        return "exceeded"
    return status


def _line(e: dict[str, Any], sources_list: list[str], lang: str) -> Line:
    t = TEXT[lang]
    i = 0 if lang == "vi" else 1
    entry = e["indicator"]
    name = entry["name_vi"] if lang == "vi" else entry["name_en"]
    actual = e.get("actual") or {}
    unit_key = actual.get("measure_unit") or entry.get("measure_unit")
    unit = _unit_words(unit_key, lang)
    value = actual.get("value")
    # "đạt" (reached) only where more is better; a count of disasters or deaths is just stated.
    template = t["value"] if entry.get("direction") == "higher_is_better" else t["value_plain"]
    parts = [template.format(name=name, value=_with_unit(value, unit, lang))]  # joined by ", "
    against_target = ""  # joined after "; "
    change = _change(e, unit_key, lang)
    if change:
        parts.append(change)
    plan_eval = next((ev for ev in e["evaluations"] if str(ev.get("comparison", "")).endswith("annual_plan")), None)
    plan = (plan_eval or {}).get("target") or {}
    if plan.get("value") is not None and e.get("pct_of_plan") is not None:
        plan_unit = _unit_words(plan.get("measure_unit") or unit_key, lang)
        parts.append(t["plan"].format(pct=number(e["pct_of_plan"], lang), plan=_with_unit(plan["value"], plan_unit,
                                                                                           lang)))
    target_eval = next((ev for ev in e["evaluations"] if ev.get("comparison") == "target"), None)
    status_text = STATUS_WORDS[_status_key(e)][i]
    if target_eval is not None and (target_eval.get("target") or {}).get("value") is not None:
        target = target_eval["target"]
        target_year = (periods.parse(target["period"]).end if periods.parse(target["period"]) else target["period"])
        pct_target = target_eval.get("pct_of_target")
        gap = target_eval.get("gap")
        if _status_key(e) in ("not_achieved", "off_track", "at_risk") and gap and gap > 0:
            target_unit = target.get("measure_unit") or unit_key
            words = "gap_down" if target_eval.get("target_type") == "at_most" else "gap"
            status_text += (t["gap_pp"].format(gap=number(gap, lang)) if (target_unit or "") in RATE_UNITS
                            else t[words].format(gap=_with_unit(gap, _unit_words(target_unit, lang), lang)))
        against_target = (t["target"].format(shape=target_eval["target_type_label"][lang], year=target_year,
                                        target=_with_unit(target["value"], _unit_words(target.get("measure_unit"),
                                                                                       lang), lang),
                                        pct=t["pct_target"].format(pct=number(pct_target, lang))
                                        if pct_target is not None else "", status=status_text))
    elif plan_eval is not None:
        parts[-1] += f": {status_text}" if lang == "en" else f", {status_text}"
    if e.get("years_to_target"):
        parts.append(t["years"].format(years=number(e["years_to_target"], lang)))
    src = actual.get("source") or {}
    index = None
    label = sources.describe(src, lang) if src else ""
    if label:
        if label not in sources_list:
            sources_list.append(label)
        index = sources_list.index(label) + 1
    illustrative = bool(src.get("illustrative"))
    sentence = ", ".join(parts) + (f"; {against_target}" if against_target else "")
    aggregation = actual.get("aggregation") if actual.get("kind") == "aggregated" else None
    if aggregation:
        sentence += t["aggregated"].format(n=aggregation.get("children_reporting"),
                                           total=aggregation.get("children_total"))
    sentence = sentence[0].upper() + sentence[1:] + (t["illustrative"] if illustrative else "") + "."
    checks = [f["message_vi"] if lang == "vi" else f["message_en"] for f in e.get("consistency", [])
              if f["status"] == "inconsistent"]
    return Line(code=e["indicator_code"], name=name, unit=unit, value=value, plan=plan.get("value"),
                pct_plan=e.get("pct_of_plan"), status=_status_key(e), sentence=sentence, source_index=index,
                illustrative=illustrative, checks=checks)


def build(conn: sqlite3.Connection, unit_code: str, period: str, lang: str = "vi",
          ranked: tuple[str, ...] | list[str] = ()) -> Report:
    """The report of ``unit_code`` for ``period``: the indicators with a figure for that period;
    a province's report also ranks its communes on ``ranked`` (default ``DEFAULT_RANKED``)."""
    unit = store.get_unit(conn, unit_code)
    if unit is None:
        raise ReportError(f"không có đơn vị mã {unit_code} (2025)", f"no unit with code {unit_code} (2025)")
    p = periods.parse(period)
    if p is None:
        raise ReportError(f"kỳ không hợp lệ: {period}", f"not a period: {period}")
    codes = [r[0] for r in conn.execute(
        "SELECT DISTINCT indicator_code FROM observations WHERE unit_code=? AND unit_vintage='2025' AND period=?"
        " AND kind IN ('actual','baseline') AND value IS NOT NULL ORDER BY id", (unit_code, period))]
    theme_of = {r[0]: r[1] for r in conn.execute("SELECT code, theme FROM indicators")}
    rankings = []
    if unit["level"] == "province":
        for code in ranked or DEFAULT_RANKED:
            ranking = _ranking(conn, unit, code, period, lang)
            # An indicator asked for is always listed; a default one only when some unit reported it.
            if ranking is not None and (ranked or ranking.reported):
                rankings.append(ranking)
    # A province without its own figure reports the sum (or weighted mean) of the communes that did.
    codes += [r.code for r in rankings if r.reported and r.code not in codes]
    by_section: dict[str, list[Line]] = {k: [] for k in SECTION_TITLES}
    source_list: list[str] = []
    checks: list[str] = []
    for code in codes:
        try:
            e = progress.evaluate(conn, unit_code, code, period)
        except (progress.UnknownCode, ValueError):
            continue
        if not e.get("actual") or e["actual"].get("value") is None:
            continue
        line = _line(e, source_list, lang)
        section = THEME_SECTION.get(theme_of.get(code.split("__")[0]) or "", "economy")
        by_section[section].append(line)
        checks += [TEXT[lang]["check_line"].format(name=line.name, message=m.rstrip("."))
                   for m in line.checks]
    i = 0 if lang == "vi" else 1
    sections = [Section(key, SECTION_TITLES[key][i], lines) for key, lines in by_section.items()]
    return Report(unit=unit, period=period, period_words=periods.label(period, lang), lang=lang, sections=sections,
                  sources=source_list, checks=checks, made=dt.date.today().isoformat(), rankings=rankings)
