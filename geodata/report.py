"""A report draft of one unit for one period, in the shape a UBND sends it.

What goes in: every figure the store holds for the unit and the period (actuals, baselines, the
year's plans, undated plans, and figures of a quarter inside a half-year), each in a sentence
written the seed report's way under the heading its document put it; the assessment as marked
placeholders pre-filled with the indicators ahead of and behind plan; the next period's targets
from the store; the closing, recipients and signature; the standard annex listing every stored
target and plan.  What is checked goes into a separate review memo (``report_review``).

Why the numbers come from ``progress.evaluate``: the draft then says what the map, the popup and
the export say; a sentence computes nothing beyond a share of plan, a difference or a change.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from geodata import periods, progress, report_outline, report_review, sources, store
from geodata.measure_units import UNIT_LABELS_VI
from geodata.numbers import written
from geodata.report_wording import SHAPES, STATUS_WORDS, TEXT

RATE_UNITS = {"%"}
CHANGE_UNITS = {"% vs base_year", "x base_year", "pp/year", "% per year"}
POVERTY_CODES = periods.POVERTY_RATE_CODES
JUDGED_AHEAD = ("achieved", "exceeded", "on_track")
JUDGED_BEHIND = ("not_achieved", "off_track", "at_risk", "deteriorating")


class ReportError(LookupError):
    """The unit or period of a report request does not exist."""


class NoFigures(ReportError):
    """The unit has nothing stored for the period; ``args[2]`` lists the periods that have."""


@dataclass
class Figure:
    """One stored figure in the body: its numbers and the sentence that says them."""

    code: str
    label: str
    unit: str
    value: float | None
    period: str | None
    kind: str
    sentence: str
    source_index: int | None
    illustrative: bool
    status: str = "no_target"
    plan: float | None = None
    pct_plan: float | None = None
    observation_id: int | None = None
    partial_sum: bool = False  # a sum of some of the units below, not the unit's total


@dataclass
class Section:
    """A heading of Phần I with its figures, or a placeholder the clerk writes."""

    key: str
    number: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # pre-filled paragraphs (the assessment)
    placeholder: str | None = None


@dataclass
class Chapter:
    number: str
    title: str
    sections: list[Section]


@dataclass
class Target:
    """A target or plan of the unit: one line of Phần II/III and one row of the annex."""

    code: str
    label: str
    unit: str
    words: str  # "tối thiểu 59,55 %", "duy trì 100 %"
    period: str | None
    actual: str
    status: str
    source_index: int | None
    inferred: bool = False


@dataclass
class AnnexRow:
    number: int
    code: str
    label: str
    unit: str
    same_period: str
    plan: str
    actual: str
    pct_plan: str
    pct_same: str
    note: str


@dataclass
class Ranking:
    """The units below, ranked on one indicator: what a province report lists for each commune."""

    code: str
    name: str
    unit: str
    reported: int
    total: int
    rows: list[dict[str, Any]]
    direction: str | None = None


@dataclass
class Report:
    unit: dict[str, Any]
    issuer: dict[str, Any]  # the UBND that signs: the unit, or a village's commune
    province: dict[str, Any] | None
    period: str
    period_words: str
    lang: str
    part_one: list[Chapter]
    part_two_title: str
    part_two_targets: list[Target]
    part_two_targets_note: str
    part_three_title: str | None
    part_three_targets: list[Target]
    annex: list[AnnexRow]
    targets: list[Target]  # every target and plan not in the annex's plan column
    sources: list[str]
    review: list[report_review.Point]
    made: str
    made_words: str
    rankings: list[Ranking] = field(default_factory=list)
    map_choice: dict[str, Any] | None = None

    @property
    def figures(self) -> list[Figure]:
        return [f for c in self.part_one for s in c.sections for f in s.figures]

    @property
    def checks(self) -> list[str]:
        i = 0 if self.lang == "vi" else 1
        return [(p.vi, p.en)[i] for p in self.review]


def number(value: float | None, lang: str = "vi") -> str:
    """``319000`` -> ``319.000``, ``80.58`` -> ``80,58`` (English ``319,000``, ``80.58``)."""
    return written(value, lang)


def date_words(day: dt.date, lang: str = "vi") -> str:
    """"ngày 04 tháng 12 năm 2026", as a UBND dates its documents."""
    if lang == "vi":
        return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return day.strftime("%d %B %Y")


def _unit_words(unit: str | None, lang: str) -> str:
    if not unit:
        return ""
    return UNIT_LABELS_VI.get(unit, unit) if lang == "vi" else unit


def _with_unit(value: float | None, unit: str, lang: str) -> str:
    text = number(value, lang)
    return f"{text} {unit}" if unit and value is not None else text


_poverty_line = periods.poverty_line


def _within(sub: periods.Period, period: periods.Period) -> bool:
    """A quarter inside the half-year or year reported on."""
    if sub.is_range or sub.start != period.start or sub == period or not sub.part:
        return False
    if not period.part:
        return True
    quarters = {"H1": ("Q1", "Q2"), "H2": ("Q3", "Q4")}
    return sub.part in quarters.get(period.part, ())


def report_periods(conn: sqlite3.Connection, code: str) -> list[str]:
    """The periods a draft can be made for: those of the unit's (or its children's) figures and of
    its yearly plans, a quarter standing for its half-year; latest first."""
    found = set()
    for text in store.figures.report_periods(conn, code):
        try:
            p = periods.parse(text)
        except ValueError:
            continue
        if p is None or p.is_range:
            continue
        if p.part and p.part.startswith("Q"):
            found.add(f"{p.start}{'H1' if p.part in ('Q1', 'Q2') else 'H2'}")
        else:
            found.add(text)
    return sorted(found, key=lambda t: (t[:4], len(t) == 4, t), reverse=True)


def _cite(sources_list: list[str], label: str) -> int | None:
    """The number of ``label`` in the draft's source list, added when new."""
    if not label:
        return None
    if label not in sources_list:
        sources_list.append(label)
    return sources_list.index(label) + 1


def _source_index(o: dict[str, Any], sources_list: list[str], lang: str) -> int | None:
    return _cite(sources_list, sources.describe((progress.sourced(o) or {}).get("source"), lang))


def _label(o: dict[str, Any], entry: dict[str, Any], lang: str) -> str:
    if lang == "vi":
        return o.get("label") or entry["name_vi"]
    return entry["name_en"]


def _target_words(o: dict[str, Any], lang: str) -> str:
    i = 0 if lang == "vi" else 1
    unit_key = o.get("measure_unit") or ""
    shape = SHAPES.get(o.get("target_type") or "", ("", ""))[i]
    value = number(o["value"], lang)
    if o.get("value_high") is not None:
        value = f"{value} – {number(o['value_high'], lang)}"
    unit = _unit_words(unit_key, lang)
    if o.get("target_type") == "annual_change" and o["value"] is not None and o.get("value_high") is None:
        t = TEXT[lang]
        shape = f"{t['up'] if o['value'] >= 0 else t['down']} {shape}"
        value = number(abs(o["value"]), lang)
    if o.get("target_type") == "at_most" and o["value"] == 0:
        return ("không còn " if lang == "vi" else "none left: ") + unit
    if unit_key in CHANGE_UNITS and o.get("base_period") and lang == "vi":
        return f"{shape}{value} {unit} (gốc {o['base_period']})".strip()
    return f"{shape}{value} {unit}".strip() if unit else f"{shape}{value}"


def _same_period_row(series: list[dict[str, Any]], period: str) -> dict[str, Any] | None:
    p = periods.parse(period)
    if p is None or p.is_range:
        return None
    earlier = f"{p.start - 1}{p.part or ''}"
    return next((o for o in series if o["period"] == earlier), None)


def _change_sentence(o: dict[str, Any], label: str, lang: str) -> str:
    """A figure that is itself a change ("tăng 63,6 % so với cùng kỳ năm 2024")."""
    t = TEXT[lang]
    unit, value = o["measure_unit"], float(o["value"])
    direction = t["up"] if value >= 0 else t["down"]
    amount = number(abs(value), lang)
    base = o.get("base_period") or ""
    p, b = periods.parse(o["period"]) if o["period"] else None, periods.parse(base) if base else None
    if b is not None and p is not None and b.part == p.part and b.start == p.start - 1:
        against = t["same_period"] if lang == "en" else f"cùng kỳ năm {b.start}"
    else:
        against = t["year"].format(year=base) if base else t["same_period"]
    if unit == "x base_year":
        return t["times"].format(label=label, amount=number(value, lang), against=against)
    if unit == "pp/year":
        return t["change_pp_year"].format(label=label, direction=direction, amount=amount,
                                          period=periods.label(o["period"], lang))
    if unit == "% per year":
        return t["change_growth"].format(label=label, direction=direction, amount=amount,
                                         period=periods.label(o["period"], lang))
    return t["change_pct"].format(label=label, direction=direction, amount=amount, against=against)


def _status_key(e: dict[str, Any]) -> str:
    status = e["status"]
    pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
    if status == "achieved" and pct is not None and pct > 100.5:
        return "exceeded"
    return status


def _plan_eval(e: dict[str, Any]) -> dict[str, Any] | None:
    return next((ev for ev in e["evaluations"] if str(ev.get("comparison", "")).endswith("annual_plan")), None)


def _inferred(o: dict[str, Any] | None) -> bool:
    return bool(o) and str(o.get("note") or "").startswith("Implied")


def _main_sentence(o: dict[str, Any], e: dict[str, Any], label: str, report_period: periods.Period,
                   lang: str) -> tuple[str, str, float | None, float | None, set[int]]:
    """The figure the evaluation is about: value, plan, change, target.  Returns the sentence,
    the status, the plan, the % of plan and the observations it used (so plans are not repeated)."""
    t = TEXT[lang]
    entry = e["indicator"]
    unit_key = o.get("measure_unit") or entry.get("measure_unit")
    unit = _unit_words(unit_key, lang)
    value = float(o["value"])
    higher = entry.get("direction") == "higher_is_better"
    used: set[int] = set()
    status = _status_key(e)
    plan_eval = _plan_eval(e)
    plan = (plan_eval or {}).get("target") or {}
    plan_value, pct = plan.get("value"), None
    if report_period.is_partial and (plan_eval or {}).get("target_type") == "at_most" and status == "achieved":
        status = "in_progress"  # half a year's spending under the year's budget is not a result yet
    is_rate = (unit_key or "") in RATE_UNITS
    poverty = e["indicator_code"] in POVERTY_CODES
    value_text = _with_unit(value, unit, lang)
    if poverty:
        value_text += t["poverty_line"].format(line=_poverty_line(o["period"]))
    if plan_value is not None and (plan.get("measure_unit") or unit_key) == unit_key:
        used.add((plan.get("source") or {}).get("observation_id"))
        plan_text = _with_unit(plan_value, unit, lang)
        if is_rate:
            sentence = t["level" if higher else "plain"].format(label=label, value=value_text)
            d = round(value - float(plan_value), 2)
            key = "rate_vs_plan_equal" if d == 0 else ("rate_vs_plan_below" if d < 0 else "rate_vs_plan_above")
            sentence += t[key].format(d=number(abs(d), lang), plan=plan_text)
        else:
            pct = round(value / float(plan_value) * 100, 2) if plan_value else None
            template = "with_plan" if higher else "with_plan_plain"
            sentence = t[template].format(label=label, value=number(value, lang), plan=plan_text,
                                          pct=number(pct, lang))
            full_period = not report_period.is_partial and not (periods.parse(o["period"]) or report_period).is_partial
            if full_period and higher and pct is not None and pct >= 100:
                sentence += t["plan_exceeded"] if pct > 100.5 else t["plan_reached"]
        if _inferred(plan.get("source")):
            sentence += t["plan_inferred"]
    else:
        sentence = t["level" if higher else "plain"].format(label=label, value=value_text)
    before = _same_period_row(e.get("series") or [], o["period"] or "")
    if before is not None and before.get("value") is not None:
        then = float(before["value"])
        if is_rate:
            amount, what = abs(value - then), t["pp"]
        elif then:
            amount, what = abs(value - then) / abs(then) * 100, t["pct"]
        else:
            amount = None
        if amount is not None and round(amount, 2) != 0:
            sentence += t["vs_same_period"].format(direction=t["up"] if value > then else t["down"],
                                                   amount=number(amount, lang), what=what)
    target_eval = next((ev for ev in e["evaluations"] if ev.get("comparison") == "target"), None)
    scoped = "(" in label and lang == "vi"  # "(khu trung tâm xã)": not set against a unit-wide target
    if target_eval is not None and (target_eval.get("target") or {}).get("value") is not None and not scoped:
        target = target_eval["target"]
        target_period = periods.parse(target["period"]) if target["period"] else None
        year = target_period.end if target_period else target["period"]
        words = _target_words({**target, "target_type": target_eval.get("target_type")}, lang)
        line = _poverty_line(target["period"]) if poverty else None
        if poverty and line != _poverty_line(o["period"]):
            sentence += t["other_line"].format(target=words, year=year, line=line)
            status = "not_comparable"
        else:
            gap = target_eval.get("gap")
            if status in ("achieved", "exceeded"):
                gap_text = t["target_met"]
            elif gap and gap > 0:
                target_unit = target.get("measure_unit") or unit_key
                if (target_unit or "") in RATE_UNITS:
                    gap_text = t["gap_pp"].format(gap=number(gap, lang))
                else:
                    key = "gap_down" if target_eval.get("target_type") == "at_most" else "gap"
                    gap_text = t[key].format(gap=_with_unit(gap, _unit_words(target_unit, lang), lang))
            else:
                gap_text = ""
            sentence += t["vs_target"].format(target=words, year=year, gap=gap_text)
        used.add((target.get("source") or {}).get("observation_id"))
    return sentence, status, plan_value, pct, used


def _finish(sentence: str, o: dict[str, Any], report_period: str, lang: str) -> str:
    t = TEXT[lang]
    if o.get("period") and o["period"] != report_period and o["kind"] != "plan":
        sentence += t["sub_period"].format(period=periods.label(o["period"], lang))
    if o.get("illustrative"):
        sentence += t["illustrative"]
    if (o.get("scope") or "unit") != "unit":
        sentence += t["partial"]
    return sentence[0].upper() + sentence[1:] + "."


@dataclass
class _Context:
    conn: sqlite3.Connection
    unit: dict[str, Any]
    period: str
    p: periods.Period
    lang: str
    entries: dict[str, dict[str, Any]]
    sources: list[str] = field(default_factory=list)
    evaluations: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def evaluate(self, code: str) -> dict[str, Any] | None:
        if code not in self.evaluations:
            try:
                self.evaluations[code] = progress.evaluate(self.conn, self.unit["code"], code, self.period)
            except (progress.UnknownCode, ValueError):
                self.evaluations[code] = None
        return self.evaluations[code]


def _body_rows(rows: list[dict[str, Any]], ctx: _Context) -> list[dict[str, Any]]:
    """The unit's figures for the period: its own, then a quarter's where the period has none,
    then the year's plans and the undated ones."""
    # a half-year report also says the year's baselines (area, population, villages: "Tình hình chung")
    exact = [o for o in rows if o["kind"] in ("actual", "baseline") and (o["period"] == ctx.period or (
        o["kind"] == "baseline" and ctx.p.is_partial and o["period"] == str(ctx.p.start)))]
    have = {o["indicator_code"] for o in exact}
    inner = []
    for o in rows:
        if o["kind"] not in ("actual", "baseline") or not o["period"] or o["indicator_code"] in have:
            continue
        try:
            sub = periods.parse(o["period"])
        except ValueError:
            continue
        if sub is not None and _within(sub, ctx.p):
            inner.append(o)
    plans = [o for o in rows if o["kind"] == "plan" and (o["period"] in (None, str(ctx.p.start)))]
    return [o for o in exact + inner + plans if o["value"] is not None]


def _figure(o: dict[str, Any], ctx: _Context, used: set[int], main_ids: set[int]) -> Figure | None:
    t = TEXT[ctx.lang]
    entry = ctx.entries.get(o["indicator_code"])
    if entry is None:
        return None
    label = _label(o, entry, ctx.lang)
    unit_key = o.get("measure_unit") or entry.get("measure_unit")
    unit = _unit_words(unit_key, ctx.lang)
    status, plan, pct = "no_target", None, None
    if o["kind"] == "plan":
        if o["id"] in used:
            return None
        if o["period"] is None:
            sentence = t["plan_undated"].format(label=label, value=_with_unit(o["value"], unit, ctx.lang))
        else:
            sentence = t["plan_only"].format(label=label, year=o["period"],
                                             value=_with_unit(o["value"], unit, ctx.lang))
        if _inferred(o):
            sentence += t["plan_inferred"]
    elif (unit_key or "") in CHANGE_UNITS and o.get("label") and ctx.lang == "vi":
        sentence = t["plain"].format(label=label, value=_with_unit(o["value"], unit, ctx.lang))  # its own words
    elif (unit_key or "") in CHANGE_UNITS:
        sentence = _change_sentence(o, label, ctx.lang)
    elif o["id"] in main_ids:
        e = ctx.evaluate(o["indicator_code"])
        sentence, status, plan, pct, used_now = _main_sentence(o, e, label, ctx.p, ctx.lang)
        used |= used_now
    else:
        value = _with_unit(o["value"], unit, ctx.lang)
        if o["indicator_code"] in POVERTY_CODES:
            value += t["poverty_line"].format(line=_poverty_line(o["period"]))
        sentence = t["plain"].format(label=label, value=value)
    return Figure(code=o["indicator_code"], label=label, unit=unit, value=o["value"], period=o["period"],
                  kind=o["kind"], sentence=_finish(sentence, o, ctx.period, ctx.lang),
                  source_index=_source_index(o, ctx.sources, ctx.lang), illustrative=bool(o["illustrative"]),
                  status=status, plan=plan, pct_plan=pct, observation_id=o["id"])


def _aggregated_figure(code: str, ctx: _Context) -> Figure | None:
    """A province (or commune) without its own figure: what its units below reported, never
    written as its total unless every one of them reported."""
    t = TEXT[ctx.lang]
    e = ctx.evaluate(code)
    actual = (e or {}).get("actual") or {}
    agg = actual.get("aggregation") if actual.get("kind") == "aggregated" else None
    if not agg or actual.get("value") is None:
        return None
    entry = e["indicator"]
    label = entry["name_vi"] if ctx.lang == "vi" else entry["name_en"]
    unit = _unit_words(actual.get("measure_unit") or entry.get("measure_unit"), ctx.lang)
    n, total = agg.get("children_reporting"), agg.get("children_total")
    child = t["child_words"].get(ctx.unit["level"], "")
    value = _with_unit(actual["value"], unit, ctx.lang)
    reporting = store.figures.children_reporting(ctx.conn, ctx.unit["code"], code, ctx.period)
    names = ", ".join(reporting[:8]) + (" …" if len(reporting) > 8 else "")
    index = _cite(ctx.sources, t["aggregated_source"].format(n=n, total=total, child=child, names=names))
    if n == total:
        sentence = t["level"].format(label=label, value=value) + t["aggregated_all"].format(n=n, total=total,
                                                                                             child=child)
        status = _status_key(e)
    else:
        sentence = t["aggregated_some"].format(label=label, n=n, total=total, child=child, value=value,
                                               level=t["level_words"].get(ctx.unit["level"], ""))
        status = "no_target"
    return Figure(code=code, label=label, unit=unit, value=actual["value"], period=ctx.period, kind="aggregated",
                  sentence=sentence[0].upper() + sentence[1:] + ".", source_index=index,
                  illustrative=bool((actual.get("source") or {}).get("illustrative")), status=status,
                  partial_sum=n != total)


# A province report ranks its communes on these unless told which (the themes' headline indicators).
DEFAULT_RANKED = ("poor_household_rate", "hardened_commune_roads_pct", "grid_electricity_pct", "clean_water_pop_pct",
                  "tourist_arrivals", "resettlement_households")
_RANK_ORDER = ("achieved", "exceeded", "on_track", "in_progress", "not_achieved", "at_risk", "off_track",
               "deteriorating", "needs_baseline", "other_line", "no_target", "no_data")


def _ranking(ctx: _Context, indicator: str) -> Ranking | None:
    entry = ctx.entries.get(indicator)
    if entry is None:
        return None
    lang = ctx.lang
    children = store.units.children(ctx.conn, ctx.unit["code"])
    rows = []
    for child in children:
        e = progress.evaluate(ctx.conn, child["code"], indicator, ctx.period)
        actual = e.get("actual") or {}
        idx = e.get("headline_target")
        target = (e["evaluations"][idx].get("target") or {}) if idx is not None else {}
        pct = e.get("pct_of_target") if e.get("pct_of_target") is not None else e.get("pct_of_plan")
        target_text = _with_unit(target.get("value"), _unit_words(target.get("measure_unit"), lang), lang)
        index = _cite(ctx.sources, sources.describe(actual.get("source"), lang))
        status = _status_key(e)
        rows.append({"code": child["code"], "name": child["full_name"], "value": actual.get("value"),
                     "target": target.get("value"), "target_text": target_text, "pct": pct, "status": status,
                     "status_words": STATUS_WORDS[status][0 if lang == "vi" else 1], "source_index": index})
    direction = entry.get("direction")
    ranked = direction in ("higher_is_better", "lower_is_better")
    higher = direction != "lower_is_better"

    def order(r: dict[str, Any]) -> tuple:
        value = r["pct"] if r["pct"] is not None else r["value"]
        if not ranked:
            return (r["value"] is None, -(r["value"] or 0))
        return (r["value"] is None, _RANK_ORDER.index(r["status"]), -(value or 0) if higher else (value or 0))

    rows.sort(key=order)
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank if r["value"] is not None and ranked else None
    name = entry["name_vi"] if lang == "vi" else entry["name_en"]
    return Ranking(code=indicator, name=name, unit=_unit_words(entry.get("measure_unit"), lang),
                   reported=sum(1 for r in rows if r["value"] is not None), total=len(rows), rows=rows,
                   direction=direction)


def _targets(rows: list[dict[str, Any]], ctx: _Context, in_annex: set[int]) -> list[Target]:
    out = []
    for o in rows:
        if o["kind"] not in ("target", "plan") or o["value"] is None or o["id"] in in_annex:
            continue
        entry = ctx.entries.get(o["indicator_code"])
        if entry is None:
            continue
        e = ctx.evaluate(o["indicator_code"])
        ev = next((ev for ev in (e or {}).get("evaluations", [])
                   if ((ev.get("target") or {}).get("source") or {}).get("observation_id") == o["id"]), None)
        actual = (e or {}).get("actual") or {}
        status = _status_key({**ev, "status": ev.get("status", "no_data")}) if ev else "no_data"
        if o["indicator_code"] in POVERTY_CODES and actual.get("value") is not None and \
                _poverty_line(o["period"]) != _poverty_line(actual.get("period")):
            status = "not_comparable"
        out.append(Target(code=o["indicator_code"], label=_label(o, entry, ctx.lang),
                          unit=_unit_words(o["measure_unit"], ctx.lang), words=_target_words(o, ctx.lang),
                          period=o["period"],
                          actual=_with_unit(actual.get("value"), _unit_words(actual.get("measure_unit"), ctx.lang),
                                            ctx.lang) if actual.get("value") is not None else "",
                          status=status, source_index=_source_index(o, ctx.sources, ctx.lang),
                          inferred=_inferred(o)))
    return out


def _year_targets(rows: list[dict[str, Any]], year: int, ctx: _Context) -> list[Target]:
    return _targets([o for o in rows if o["kind"] == "target" and o["period"] == str(year)], ctx, set())


def _pct_cell(value: float | None, plan: float | None, unit_key: str | None, lang: str) -> str:
    if value is None or plan is None:
        return ""
    if (unit_key or "") in RATE_UNITS:
        d = round(value - plan, 2)
        return TEXT[lang]["pp_cell"].format(sign="+" if d > 0 else ("−" if d < 0 else ""), d=number(abs(d), lang))
    return number(round(value / plan * 100, 2), lang) if plan else ""


def _annex(rows: list[dict[str, Any]], body: list[Figure], ctx: _Context) -> tuple[list[AnnexRow], set[int]]:
    """One row per indicator with a figure or a plan of the year: STT … Ghi chú; returns the rows
    and the plan/target observations the "KH năm" column shows."""
    year = str(ctx.p.start)
    codes: list[str] = []
    for f in body:
        if f.code not in codes and f.kind != "aggregated":
            codes.append(f.code)
    codes += [o["indicator_code"] for o in rows if o["kind"] in ("plan", "target") and o["period"] == year
              and o["indicator_code"] not in codes and (o["target_type"] or "at_least") != "annual_change"]
    codes = list(dict.fromkeys(codes))
    shown: set[int] = set()
    out = []
    for n, code in enumerate(codes, start=1):
        entry = ctx.entries[code]
        own = [o for o in rows if o["indicator_code"] == code]
        plan_row = next((o for o in own if o["kind"] == "plan" and o["period"] == year), None) or next(
            (o for o in own if o["kind"] == "target" and o["period"] == year
             and o["target_type"] in ("at_least", "at_most", "exactly", "maintain")), None)
        e = ctx.evaluate(code)
        actual = (e or {}).get("actual") or {}
        main = next((f for f in body if f.code == code and f.observation_id ==
                     (actual.get("source") or {}).get("observation_id")), None)
        if main is None:  # a baseline of the year in a half-year draft, a quarter's figure
            main = next((f for f in body if f.code == code and f.kind in ("actual", "baseline")), None)
            actual = {"value": main.value} if main is not None else {}
        value = actual.get("value") if main is not None else None
        label_row = next((o for o in own if o["kind"] in ("actual", "baseline")), None) or plan_row or own[0]
        unit_key = (label_row.get("measure_unit") if label_row else None) or entry.get("measure_unit")
        before = _same_period_row((e or {}).get("series") or [], ctx.period)
        stored_change = next((o for o in own if o["kind"] == "actual" and o["period"] == ctx.period
                              and o["measure_unit"] == "% vs base_year"), None)
        plan_value = plan_row["value"] if plan_row is not None else None
        if plan_row is not None:
            shown.add(plan_row["id"])
        same = before.get("value") if before else None
        pct_same = _pct_cell(value, same, unit_key, ctx.lang)
        if not pct_same and stored_change is not None:
            pct_same = number(100 + stored_change["value"], ctx.lang)
        notes = sorted({f.source_index for f in body if f.code == code and f.source_index})
        note = " ".join(f"[{i}]" for i in notes)
        if plan_row is not None and _inferred(plan_row):
            note += ("; " if note else "") + TEXT[ctx.lang]["inferred_note"]
        if main is not None and main.illustrative:
            note += ("; " if note else "") + TEXT[ctx.lang]["illustrative"].strip(" ()")
        out.append(AnnexRow(
            number=n, code=code, label=_label(label_row, entry, ctx.lang), unit=_unit_words(unit_key, ctx.lang),
            same_period=number(same, ctx.lang) if same is not None else "",
            plan=number(plan_value, ctx.lang) if plan_value is not None else "",
            actual=number(value, ctx.lang) if value is not None else "",
            pct_plan=_pct_cell(value, plan_value, unit_key, ctx.lang) if plan_row is not None and
            (plan_row["measure_unit"] or unit_key) == unit_key else "",
            pct_same=pct_same, note=note))
    return out, shown


def _assessment(figures: list[Figure], lang: str) -> tuple[list[str], list[str]]:
    t = TEXT[lang]
    ahead = [f"{f.label} ({number(f.value, lang)}{' ' + f.unit if f.unit else ''})"
             for f in figures if f.status in JUDGED_AHEAD]
    behind = []
    for f in figures:
        if f.status in JUDGED_BEHIND:
            behind.append(f"{f.label} ({number(f.value, lang)}{' ' + f.unit if f.unit else ''})")
        elif f.status == "in_progress" and f.pct_plan is not None and f.pct_plan < 50:
            behind.append(f"{f.label} ({number(f.pct_plan, lang)} % KH năm)" if lang == "vi" else
                          f"{f.label} ({number(f.pct_plan, lang)} % of the annual plan)")
    results = [t["results_from_store"].format(items="; ".join(ahead))] if ahead else [t["nothing_judged"]]
    shortcomings = [t["behind_from_store"].format(items="; ".join(behind))] if behind else []
    return results, shortcomings


def _map_choice(conn: sqlite3.Connection, unit: dict[str, Any], figures: list[Figure],
                rankings: list[Ranking], period: str) -> dict[str, Any] | None:
    """The map a draft carries: the first indicator of its figures (headline indicators first)
    that the unit's units below have real figures of; else the unit among its neighbours."""
    from geodata import thematic

    ranked = next((r for r in rankings if r.reported), None)
    if ranked is not None:
        return {"unit": unit["code"], "indicator": ranked.code, "period": period, "illustrative": False}
    real = [f for f in figures if f.kind in ("actual", "baseline") and not f.illustrative and f.value is not None
            and f.code in (*DEFAULT_RANKED, "population")]
    real += [f for f in figures if f.kind in ("actual", "baseline") and not f.illustrative and f not in real]
    below = store.figures.real_indicators_below(conn, unit["code"])
    for f in real:
        if f.code in below:
            return {"unit": unit["code"], "indicator": f.code, "period": f.period, "illustrative": False}
    if real and unit.get("parent_code"):
        f = real[0]
        return {"unit": unit["parent_code"], "indicator": f.code, "period": f.period, "illustrative": False,
                "highlight": unit["code"]}
    if thematic.has_figures_below(conn, "population_density", unit["code"]):
        return {"unit": unit["code"], "indicator": "population_density", "period": "2025", "illustrative": False}
    return {"unit": unit["code"], "indicator": "population_density", "period": "2025", "illustrative": True}


def build(conn: sqlite3.Connection, unit_code: str, period: str, lang: str = "vi",
          ranked: tuple[str, ...] | list[str] = (), today: dt.date | None = None) -> Report:
    """The draft of ``unit_code`` for ``period`` (a year or a half-year); a province's also ranks
    its communes on ``ranked`` (default ``DEFAULT_RANKED``)."""
    unit = store.get_unit(conn, unit_code)
    if unit is None:
        raise ReportError(f"không có đơn vị mã {unit_code} (2025)", f"no unit with code {unit_code} (2025)")
    try:
        p = periods.parse(period)
    except ValueError:
        p = None
    if p is None or p.is_range or (p.part or "H1") not in ("H1", "H2"):
        raise ReportError(f"kỳ báo cáo không hợp lệ: {period} (dùng năm, vd. 2025, hoặc 6 tháng, vd. 2025H1)",
                          f"not a report period: {period} (use a year, e.g. 2025, or a half-year, e.g. 2025H1)")
    available = report_periods(conn, unit_code)
    if period not in available:
        listed = ", ".join(available) or "–"
        raise NoFigures(f"{unit['full_name']} chưa có số liệu nào cho kỳ {period}; các kỳ có số liệu: {listed}",
                        f"{unit['full_name']} has no figure for {period}; periods with figures: {listed}",
                        available)
    issuer = unit
    if unit["level"] == "village" and unit.get("parent_code"):
        issuer = store.get_unit(conn, unit["parent_code"]) or unit
    province = unit
    while province.get("parent_code"):
        province = store.get_unit(conn, province["parent_code"]) or province
        if province["level"] == "province":
            break
    entries = store.figures.catalogue_by_code(conn)
    ctx = _Context(conn, unit, period, p, lang, entries)
    rows = store.observations(conn, unit_codes=[unit_code])
    body_rows = _body_rows(rows, ctx)
    main_ids = set()
    for o in body_rows:
        e = ctx.evaluate(o["indicator_code"]) if o["kind"] != "plan" else None
        src = ((e or {}).get("actual") or {}).get("source") or {}
        if src.get("observation_id") is not None:
            main_ids.add(src["observation_id"])
    used: set[int] = set()
    figures = []
    for o in sorted(body_rows, key=lambda o: o["kind"] == "plan"):  # plans after the actuals that use them
        f = _figure(o, ctx, used, main_ids)
        if f is not None:
            figures.append((o, f))
    rankings = []
    if unit["level"] in ("province", "commune"):
        for code in ranked or (DEFAULT_RANKED if unit["level"] == "province" else ()):
            r = _ranking(ctx, code)
            if r is not None and (ranked or r.reported):
                rankings.append(r)
    own_codes = {o["indicator_code"] for o, _ in figures}
    for r in rankings:
        if r.reported and r.code not in own_codes:
            f = _aggregated_figure(r.code, ctx)
            if f is not None:
                figures.append(({"source_section": None, "indicator_code": r.code}, f))
    t = TEXT[lang]
    i = 0 if lang == "vi" else 1
    placed: dict[str, list[Figure]] = {}
    order = {o["id"]: n for n, o in enumerate(rows)}
    figures.sort(key=lambda pair: order.get(pair[0].get("id"), len(order)))
    for o, f in figures:
        theme = entries.get(f.code.split("__")[0], entries.get(f.code, {})).get("theme")
        placed.setdefault(report_outline.place(o.get("source_section"), theme, f.code), []).append(f)
    all_figures = [f for _, f in figures]
    results, shortcomings = _assessment(all_figures, lang)
    chapters = []
    for chapter in report_outline.PART_ONE:
        secs = []
        for h in chapter.headings:
            sec = Section(key=h.key, number=h.number, title=(h.vi, h.en)[i], figures=placed.get(h.key, []))
            if h.key == "general_facts":
                if not sec.figures:
                    continue
            elif h.key in ("advantages", "difficulties"):
                sec.placeholder = t["fill_in"].format(what=t[f"fill_{h.key}"])
            elif h.key == "results":
                sec.text, sec.placeholder = results, t["fill_in"].format(what=t["fill_results"])
            elif h.key == "shortcomings":
                sec.text, sec.placeholder = shortcomings, t["fill_in"].format(what=t["fill_shortcomings"])
            elif h.key == "causes":
                sec.placeholder = t["fill_in"].format(what=t["fill_causes"])
            elif not sec.figures:  # every heading of the seed stays, for the clerk to write
                sec.placeholder = t["fill_in"].format(what=t["fill_section"])
            secs.append(sec)
        chapters.append(Chapter(number=chapter.number, title=(chapter.vi, chapter.en)[i], sections=secs))
    year = p.start
    half = p.part == "H1"
    two_year = year if half else year + 1
    part_two = _year_targets(rows, two_year, ctx)
    part_two_note = ""
    if not part_two:
        later = [o for o in rows if o["kind"] == "target" and o["period"] and
                 (periods.parse(o["period"]) or p).end > year]
        part_two = _targets(later, ctx, set())
        part_two_note = t["later_targets"].format(year=two_year) if part_two else t["no_targets"].format(
            year=two_year)
    part_three = _year_targets(rows, year + 1, ctx) if half else []
    annex, shown = _annex(rows, all_figures, ctx)
    targets = _targets(rows, ctx, shown)
    review_rows = [{**o, "name_vi": entries.get(o["indicator_code"], {}).get("name_vi")} for o in body_rows]
    points = report_review.review(review_rows, lambda u: _unit_words(u, "vi"))
    points += _review_from_evaluations(all_figures, ctx, rankings)
    day = today or dt.date.today()
    return Report(
        unit=unit, issuer=issuer, province=province if province is not unit else None, period=period,
        period_words=periods.label(period, lang), lang=lang, part_one=chapters,
        part_two_title=t["part_two_title_half" if half else "part_two_title_year"].format(year=two_year),
        part_two_targets=part_two, part_two_targets_note=part_two_note,
        part_three_title=t["part_three_title"].format(year=year + 1) if half else None,
        part_three_targets=part_three, annex=annex, targets=targets, sources=ctx.sources, review=points,
        made=day.isoformat(), made_words=date_words(day, lang), rankings=rankings,
        map_choice=_map_choice(conn, unit, all_figures, rankings, period))


def _review_from_evaluations(figures: list[Figure], ctx: _Context,
                             rankings: list[Ranking]) -> list[report_review.Point]:
    """The memo's points that need the evaluation: stated "% KH" that the figures contradict,
    inferred plans, sums of some units only, rates on another poverty line."""
    out = []
    for f in figures:
        e = ctx.evaluations.get(f.code)
        if e is None:
            continue
        for flag in e.get("consistency", []):
            if flag["status"] == "inconsistent" and flag["observation_id"] == f.observation_id:
                out.append(report_review.Point("stated_pct", f"{f.label}: {flag['message_vi'].rstrip('.')}.",
                                               f"{f.label}: {flag['message_en'].rstrip('.')}."))
        plan = ((_plan_eval(e) or {}).get("target") or {}).get("source")
        if f.observation_id is not None and f.kind != "plan" and f.plan is not None and _inferred(plan):
            out.append(report_review.Point(
                "inferred_plan", f"{f.label}: KH năm {number(f.plan)} suy ra từ «đạt 100 %» của báo cáo, không phải "
                                 f"số kế hoạch được giao; đối chiếu với kế hoạch trước khi ký.",
                f"{f.label}: the annual plan {number(f.plan, 'en')} is inferred from the report's «100 %»."))
        if f.status == "not_comparable":
            out.append(report_review.Point(
                "poverty_line", f"{f.label}: số liệu theo chuẩn nghèo {_poverty_line(f.period)}, mục tiêu theo "
                                f"chuẩn nghèo khác; không so sánh trực tiếp.",
                f"{f.label}: the figure is on the {_poverty_line(f.period)} poverty line, the target on another."))
        if f.partial_sum:
            out.append(report_review.Point("partial_sum", f"{f.sentence} Cần số liệu của cả {ctx.unit['full_name']}.",
                                           f"{f.sentence} The figure of all of {ctx.unit['full_name']} is needed."))
    return out
